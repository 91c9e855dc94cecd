package blaxel

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"

	"github.com/blaxel-go/blaxel/gen/sandboxapi"
)

// LogStream says which output of a process a LogChunk comes from.
type LogStream string

const (
	LogStdout LogStream = "stdout"
	LogStderr LogStream = "stderr"
	LogOther  LogStream = "" // the sandbox's own notices before any output, such as a truncation notice
)

// LogChunk is a piece of a process's output: raw bytes, a line or part of one, with its
// final "\n" when it ends a line.
type LogChunk struct {
	Stream LogStream
	Data   []byte
}

// Logs follows the output of a process from its start: first what it has printed so far,
// then live, ending when the process ends. It reconnects after a dropped connection (within
// the client's retry budget) without yielding a byte twice. When ctx ends, or the sandbox
// reports an error inside the stream (an unknown process, say), the last value holds the
// error.
//
// Lines may be of any length: one longer than 64 KiB comes in several chunks. The sandbox
// labels live output per chunk it reads, not per line; a line without a label is given the
// stream of the label before it, which is right unless both streams write at the same
// instant. Once the sandbox's log of the process exceeds its cap (32 MiB), a reconnection can
// no longer line up with what was already yielded and may repeat or skip a little.
func (s *Sandbox) Logs(ctx context.Context, name string) iter.Seq2[LogChunk, error] {
	return func(yield func(LogChunk, error) bool) {
		if err := checkName("process", name); err != nil {
			yield(LogChunk{}, err)
			return
		}
		policy, jitter := s.c.retryPolicy()
		f := &logFollower{}
		failures := 0
		for {
			progressed, err := s.followLogs(ctx, name, f, yield)
			if f.stopped {
				return
			}
			if progressed {
				failures = 0
			}
			var streamErr *StreamError
			switch {
			case ctx.Err() != nil:
				yield(LogChunk{}, fmt.Errorf("blaxel: logs of process %q: %w", name, context.Cause(ctx)))
				return
			case errors.As(err, &streamErr):
				yield(LogChunk{}, err)
				return
			case err == nil:
				// The stream ends when the process does, and also at the first failure of one
				// that restarts: ask which.
				proc, perr := s.Process(ctx, name)
				if perr != nil {
					yield(LogChunk{}, perr)
					return
				}
				if proc.Status != sandboxapi.ProcessResponseStatusRunning {
					return
				}
			default:
				var apiErr *APIError
				if errors.As(err, &apiErr) && !retryableStatus(apiErr.StatusCode) {
					yield(LogChunk{}, err)
					return
				}
				failures++
				if failures > policy.MaxRetries {
					yield(LogChunk{}, fmt.Errorf("blaxel: logs of process %q: the stream broke %d times: %w", name, failures, err))
					return
				}
				if err := sleep(ctx, backoff(policy, failures, jitter)); err != nil {
					yield(LogChunk{}, fmt.Errorf("blaxel: logs of process %q: %w", name, err))
					return
				}
			}
		}
	}
}

// logFollower is where a reading of the log stream stands, across reconnections: every
// connection replays the log from its start, so what was yielded before is counted and
// skipped.
type logFollower struct {
	lines   int       // whole lines yielded
	partial int       // bytes yielded of the line after them
	stream  LogStream // the label in force
	stopped bool      // the caller stopped the iteration
}

var (
	stdoutLabel = []byte("stdout:")
	stderrLabel = []byte("stderr:")
)

// followLogs reads one connection of the log stream, yielding what was not yielded yet. It
// returns nil when the stream ended cleanly, and whether it yielded anything.
func (s *Sandbox) followLogs(ctx context.Context, name string, f *logFollower, yield func(LogChunk, error) bool) (bool, error) {
	resp, err := s.api.ClientInterface.StreamProcessLogs(ctx, name)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	lines := newSandboxLines(resp.Body)
	progressed := false
	line, offset := 0, 0 // where this connection stands: whole lines read, bytes of the next
	atStart := true      // at the start of a line
	first := true
	for {
		piece, newline, err := lines.next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return progressed, nil
			}
			return progressed, err
		}
		if atStart {
			if first && len(piece) > 0 && piece[0] == '{' {
				if msg, ok := streamErrorLine(piece); ok {
					return progressed, s.streamError(resp.Request, msg)
				}
			}
			first = false
			if newline && isKeepalive(piece) {
				continue // live only, never replayed: not counted
			}
			switch {
			case bytes.HasPrefix(piece, stdoutLabel):
				piece, f.stream = piece[len(stdoutLabel):], LogStdout
			case bytes.HasPrefix(piece, stderrLabel):
				piece, f.stream = piece[len(stderrLabel):], LogStderr
			}
		}
		// Skip what an earlier connection yielded: whole lines, then bytes of the next one.
		data := piece
		if line < f.lines {
			data = nil
		} else if line == f.lines && offset < f.partial {
			skip := min(f.partial-offset, len(data))
			data = data[skip:]
		}
		if line == f.lines {
			offset += len(piece)
		}
		if len(data) > 0 || newline && line >= f.lines {
			chunk := make([]byte, len(data), len(data)+1)
			copy(chunk, data)
			if newline {
				chunk = append(chunk, '\n')
			}
			if !yield(LogChunk{Stream: f.stream, Data: chunk}, nil) {
				f.stopped = true
				return true, nil
			}
			progressed = true
			f.partial += len(data)
		}
		atStart = newline
		if newline {
			if line >= f.lines {
				f.lines, f.partial = line+1, 0
			}
			line++
			offset = 0
		}
	}
}

// streamErrorLine recognises the JSON error that the sandbox writes into the stream of a
// process it cannot follow.
func streamErrorLine(line []byte) (string, bool) {
	var body struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(bytes.TrimSpace(line), &body) != nil || body.Error == "" {
		return "", false
	}
	return body.Error, true
}
