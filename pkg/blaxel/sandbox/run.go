package sandbox

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/blaxel-go/blaxel/gen/sandboxapi"
	"github.com/blaxel-go/blaxel/internal/option"
	"github.com/blaxel-go/blaxel/internal/pipeline"
)

// CommandOption tunes Run. An option with an unusable value makes Run fail before anything
// is sent.
type CommandOption func(*runCommand) error

type runCommand struct {
	cmd            Command
	stdout, stderr io.Writer
	killOnCancel   bool
}

// WithWorkingDir runs the command in dir.
func WithWorkingDir(dir string) CommandOption {
	return func(r *runCommand) error {
		if dir == "" {
			return errors.New("blaxel: WithWorkingDir: the directory is empty")
		}
		r.cmd.WorkingDir = dir
		return nil
	}
}

// WithCommandEnv adds a variable to the command's environment.
func WithCommandEnv(key, value string) CommandOption {
	return func(r *runCommand) error {
		if key == "" || strings.ContainsAny(key, "=\x00") {
			return fmt.Errorf("blaxel: WithCommandEnv: %q is not a variable name", key)
		}
		if r.cmd.Env == nil {
			r.cmd.Env = map[string]string{}
		}
		r.cmd.Env[key] = value
		return nil
	}
}

// WithProcessName names the process (see Command.Name); one is made up otherwise. The
// sandbox keeps the log that its streams replay per name, across the processes of that name:
// a name used before brings the earlier processes' output into Run's stream (and Logs), so
// prefer a name of its own to each run.
func WithProcessName(name string) CommandOption {
	return func(r *runCommand) error {
		if err := checkProcessName(name); err != nil {
			return err
		}
		r.cmd.Name = name
		return nil
	}
}

// WithStdout sends the command's standard output to w as it arrives, instead of keeping it
// in RunResult.Stdout. An error of w ends Run (the process goes on).
func WithStdout(w io.Writer) CommandOption {
	return func(r *runCommand) error {
		if w == nil {
			return errors.New("blaxel: WithStdout: the writer is nil")
		}
		r.stdout = w
		return nil
	}
}

// WithStderr sends the command's standard error to w as it arrives; see WithStdout.
func WithStderr(w io.Writer) CommandOption {
	return func(r *runCommand) error {
		if w == nil {
			return errors.New("blaxel: WithStderr: the writer is nil")
		}
		r.stderr = w
		return nil
	}
}

// WithKillOnCancel kills the process when ctx ends before it does. Without it the process
// goes on in the sandbox, as it does when the connection drops. Run returns as soon as ctx
// ends; the kill request goes on in the background for at most 10 seconds.
func WithKillOnCancel() CommandOption {
	return func(r *runCommand) error {
		r.killOnCancel = true
		return nil
	}
}

// RunResult is how a command ended.
type RunResult struct {
	Process  *sandboxapi.ProcessResponse // the process as it ended: name, pid, status, times
	ExitCode int
	Stdout   []byte // the whole standard output, unless WithStdout took it
	Stderr   []byte // the whole standard error, unless WithStderr took it
}

// Run runs a command to its end and returns its exit code and output. A command that exits
// with a failure is not an error: read RunResult.ExitCode.
//
// It streams (StartProcess's NDJSON mode, whose keepalives survive the edge's one-minute
// cut) and reads output of any length, a line of megabytes included. An error event of the
// stream is a *blaxel.StreamError; keepalives and the sandbox's notices of a stop or a kill
// ("[Process is being forcefully killed]") never reach the output. If the stream breaks, Run
// follows the process by polling it, then fetches the output it missed (the sandbox keeps
// the last 4 MiB of each stream); the command is never sent twice (see Exec). When ctx
// ends, Run returns and the process goes on, unless WithKillOnCancel.
//
// Without WithStdout and WithStderr, RunResult holds the whole output in memory, however
// large it grows: give a writer of your own for a command that prints a lot.
func (s *Sandbox) Run(ctx context.Context, command string, opts ...CommandOption) (_ *RunResult, err error) {
	ctx, op := s.p.StartOperation(ctx, "sandbox.Run")
	defer func() { op.End(err) }()
	rc := runCommand{cmd: Command{Command: command}}
	if err := option.Apply(&rc, opts); err != nil {
		return nil, err
	}
	req, err := rc.cmd.processRequest()
	if err != nil {
		return nil, err
	}
	name := *req.Name
	resp, _, err := s.start(ctx, req, true, rc.cmd.Name != "")
	if err != nil {
		return nil, err
	}
	if rc.killOnCancel {
		defer func() {
			if ctx.Err() != nil {
				// In the background, bounded: the run's error is ctx's, and it returns now.
				_ = cleanUp(ctx, func(kctx context.Context) error { return s.Kill(kctx, name) })
			}
		}()
	}
	out := &runOutput{stdout: rc.stdout, stderr: rc.stderr}
	if resp != nil {
		final, err := s.readExec(resp, out)
		var broken *brokenStream
		switch {
		case err == nil:
			return out.result(final), nil
		case ctx.Err() != nil:
			return nil, fmt.Errorf("blaxel: %s: %w", s.subject("process", name), contextError(ctx))
		case !errors.As(err, &broken):
			return nil, err
		}
	}
	// No stream, or a broken one: follow the process by polling, then fetch what was missed.
	final, err := s.Wait(ctx, name)
	if err != nil {
		return nil, err
	}
	logs, err := s.api.GetProcessLogsWithResponse(ctx, name)
	if err != nil {
		return nil, err
	}
	rest, err := json200(s.p.Redact, logs.JSON200, logs.HTTPResponse, logs.Body)
	if err != nil {
		return nil, err
	}
	if err := out.catchUp(rest); err != nil {
		return nil, err
	}
	return out.result(final), nil
}

// brokenStream is an exec stream that ended before its result: the process may still run.
type brokenStream struct{ err error }

func (e *brokenStream) Error() string { return "blaxel: the exec stream broke: " + e.err.Error() }
func (e *brokenStream) Unwrap() error { return e.err }

// readExec reads an NDJSON exec stream to its result event.
func (s *Sandbox) readExec(resp *http.Response, out *runOutput) (*sandboxapi.ProcessResponse, error) {
	defer resp.Body.Close()
	br := bufio.NewReaderSize(resp.Body, pipeline.EventBuffer)
	lines := pipeline.NewLines(br) // reads through br
	for {
		if stream, ok := longOutputEvent(br); ok {
			if err := out.copyOutputEvent(br, lines, stream); err != nil {
				return nil, err
			}
			continue
		}
		line, err := lines.ReadLine()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF // no result event
			}
			return nil, &brokenStream{err}
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var ev sandboxapi.ExecEvent
		if err := json.Unmarshal(line, &ev); err != nil {
			return nil, &brokenStream{fmt.Errorf("a line is not an event: %w", err)}
		}
		var data string
		if ev.Data != nil {
			data = *ev.Data
		}
		switch ev.Type {
		case sandboxapi.ExecEventTypeStdout:
			if data == pipeline.KeepaliveLine+"\n" || isNotice(data) {
				continue // the log stream's keepalive, or a notice, which the sandbox passes on as output
			}
			if err := out.write(&out.stdout, &out.bufOut, &out.nOut, data); err != nil {
				return nil, err
			}
		case sandboxapi.ExecEventTypeStderr:
			if err := out.write(&out.stderr, &out.bufErr, &out.nErr, data); err != nil {
				return nil, err
			}
		case sandboxapi.ExecEventTypeError:
			return nil, s.streamError(resp.Request, data)
		case sandboxapi.ExecEventTypeResult:
			var final sandboxapi.ProcessResponse
			if err := json.Unmarshal([]byte(data), &final); err != nil {
				return nil, &brokenStream{fmt.Errorf("the result event does not hold a process: %w", err)}
			}
			// What follows the result is normally only the body's end: read, so that the
			// next command reuses the connection (see pipeline.Finish).
			_ = pipeline.Finish(br, resp.Body)
			return &final, nil
		}
		// keepalive, and kinds this client does not know: nothing for the caller
	}
}

// truncatedMark starts an output of which the sandbox released the head.
const truncatedMark = "[... truncated"

// runOutput is where a run's output goes: the caller's writers, or buffers.
type runOutput struct {
	stdout, stderr io.Writer
	bufOut, bufErr bytes.Buffer
	nOut, nErr     int    // bytes delivered so far, per stream
	scratch        []byte // where output events are decoded, reused
}

// writeBytes delivers output of the stream; the caller's writer does not keep data (io.Writer's
// rule), so data may be reused after.
func (o *runOutput) writeBytes(stream LogStream, data []byte) error {
	w, buf, n := &o.stdout, &o.bufOut, &o.nOut
	if stream == LogStderr {
		w, buf, n = &o.stderr, &o.bufErr, &o.nErr
	}
	*n += len(data)
	if *w == nil {
		buf.Write(data)
		return nil
	}
	if _, err := (*w).Write(data); err != nil {
		return fmt.Errorf("blaxel: writing the command's output: %w", err)
	}
	return nil
}

func (o *runOutput) write(w *io.Writer, buf *bytes.Buffer, n *int, data string) error {
	*n += len(data)
	if *w == nil {
		buf.WriteString(data)
		return nil
	}
	if _, err := io.WriteString(*w, data); err != nil {
		return fmt.Errorf("blaxel: writing the command's output: %w", err)
	}
	return nil
}

// catchUp delivers the output a broken stream missed. The sandbox keeps each stream whole up
// to 4 MiB: beyond, its text starts with a truncation notice, and is delivered as it is.
func (o *runOutput) catchUp(logs *sandboxapi.ProcessLogs) error {
	for _, part := range []struct {
		w    *io.Writer
		buf  *bytes.Buffer
		n    *int
		text string
	}{{&o.stdout, &o.bufOut, &o.nOut, logs.Stdout}, {&o.stderr, &o.bufErr, &o.nErr, logs.Stderr}} {
		text := part.text
		switch {
		case strings.HasPrefix(text, truncatedMark):
		case len(text) > *part.n:
			text = text[*part.n:]
		default:
			text = ""
		}
		if text != "" {
			if err := o.write(part.w, part.buf, part.n, text); err != nil {
				return err
			}
		}
	}
	return nil
}

// result assembles the RunResult. Kept output is replaced by the sandbox's own record of it
// when that record is whole and differs: the stream of a command so fast that nothing was
// streamed before it ended sends its lines without their newlines.
func (o *runOutput) result(final *sandboxapi.ProcessResponse) *RunResult {
	r := &RunResult{Process: final, ExitCode: final.ExitCode}
	if o.stdout == nil {
		r.Stdout = record(o.bufOut.Bytes(), final.Stdout)
	}
	if o.stderr == nil {
		r.Stderr = record(o.bufErr.Bytes(), final.Stderr)
	}
	return r
}

// record prefers the sandbox's tail of an output when it holds the whole output.
func record(streamed []byte, tail *string) []byte {
	if tail == nil || strings.HasPrefix(*tail, truncatedMark) || string(streamed) == *tail {
		return streamed
	}
	if len(*tail) < len(streamed) {
		return streamed // shorter than what came: only a part of it, whatever it says
	}
	return []byte(*tail)
}
