package blaxelmcp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"

	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
)

// processConn is the mcp.Connection of one session with a server process: a goroutine reads
// the process's log stream and hands over each stdout line as a message; writes go to its
// stdin, one line per message.
type processConn struct {
	sb       *sandbox.Sandbox
	name     string // the process's
	stderr   io.Writer
	exitWait time.Duration
	maxLine  int64

	base   context.Context // the connecting context's values, never cancelled
	ctx    context.Context // cancelled at the end of Close: ends the log stream and writes
	cancel context.CancelFunc

	incoming chan jsonrpc.Message
	done     chan struct{} // closed once reading ended, with readErr and exited set
	readErr  error
	exited   bool // reading ended because the process did

	writeMu sync.Mutex
	broken  error // a write whose fate is unknown: no later write may follow it

	closeOnce sync.Once
	closing   chan struct{}
}

func newProcessConn(ctx context.Context, t *ProcessTransport, name string) *processConn {
	base := context.WithoutCancel(ctx)
	c := &processConn{sb: t.sb, name: name, stderr: t.stderr, exitWait: t.exitWait, maxLine: t.maxLine,
		base: base, incoming: make(chan jsonrpc.Message), done: make(chan struct{}), closing: make(chan struct{})}
	c.ctx, c.cancel = context.WithCancel(base)
	go c.read()
	return c
}

// read follows the process's output until it ends, or until an error ends the session.
func (c *processConn) read() {
	defer close(c.done)
	var line []byte
	for chunk, err := range c.sb.Logs(c.ctx, c.name) {
		if err != nil {
			c.readErr = fmt.Errorf("blaxel: reading the MCP server's output: %w", err)
			return
		}
		switch chunk.Stream {
		case sandbox.LogStderr:
			if c.stderr != nil {
				_, _ = c.stderr.Write(chunk.Data) // the server's diagnostics: never worth ending the session
			}
			continue
		case sandbox.LogStdout:
		default:
			continue // the sandbox's own notices
		}
		line = append(line, chunk.Data...)
		if int64(len(bytes.TrimSuffix(line, []byte("\n")))) > c.maxLine {
			c.readErr = fmt.Errorf("%w: process %q printed a line of more than %d bytes", ErrMessageTooLarge, c.name, c.maxLine)
			return
		}
		if !bytes.HasSuffix(line, []byte("\n")) {
			continue // the rest of the line comes in the next chunks
		}
		if !c.deliver(line) {
			return
		}
		line = nil // the decoded message keeps no reference to it, but a new line is safer
	}
	if len(bytes.TrimSpace(line)) > 0 && !c.deliver(line) {
		return
	}
	c.exited = true
	c.readErr = c.exitError()
}

// deliver hands over the message of one line, skipping lines that are no message. It reports
// false when reading must end.
func (c *processConn) deliver(line []byte) bool {
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] != '{' {
		return true // blank, or a banner: no JSON-RPC message starts otherwise
	}
	msg, err := jsonrpc.DecodeMessage(line)
	if err != nil {
		c.readErr = fmt.Errorf("blaxel: process %q printed a line that is no JSON-RPC message: %w", c.name, err)
		return false
	}
	select {
	case c.incoming <- msg:
		return true
	case <-c.ctx.Done():
		c.readErr = io.EOF
		return false
	}
}

// exitError says how the process ended, as far as the sandbox tells within a bounded wait.
func (c *processConn) exitError() error {
	ctx, cancel := context.WithTimeout(c.ctx, c.exitWait)
	defer cancel()
	proc, err := c.sb.Process(ctx, c.name)
	if err != nil {
		return fmt.Errorf("%w: process %q", ErrProcessExited, c.name)
	}
	return fmt.Errorf("%w: process %q is %s, exit code %d", ErrProcessExited, c.name, proc.Status, proc.ExitCode)
}

func (c *processConn) Read(ctx context.Context) (jsonrpc.Message, error) {
	select {
	case msg := <-c.incoming:
		return msg, nil
	case <-c.done:
		select {
		case <-c.closing:
			return nil, io.EOF // closed by the client: the end it asked for
		default:
			return nil, c.readErr
		}
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}

// Write sends the message as one line to the process's stdin. Writes go one at a time; a
// write whose fate is unknown (see sandbox.ErrStdinBroken) fails every later one.
func (c *processConn) Write(ctx context.Context, msg jsonrpc.Message) error {
	data, err := jsonrpc.EncodeMessage(msg)
	if err != nil {
		return err
	}
	if bytes.IndexByte(data, '\n') >= 0 {
		var compact bytes.Buffer
		if err := json.Compact(&compact, data); err != nil {
			return err
		}
		data = compact.Bytes()
	}
	data = append(data, '\n')

	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	select {
	case <-c.closing:
		return fmt.Errorf("blaxel: process %q: the MCP connection is closed", c.name)
	case <-c.done:
		if c.exited {
			return c.readErr
		}
	default:
	}
	if c.broken != nil {
		return c.broken
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(c.ctx, cancel)()
	stdin, err := c.sb.Stdin(wctx, c.name)
	if err != nil {
		return err
	}
	// Never closed here: closing it would close the process's stdin.
	if _, err := stdin.Write(data); err != nil {
		if errors.Is(err, sandbox.ErrStdinBroken) {
			c.broken = err
			return err
		}
		if c.exitedMeanwhile() {
			return c.readErr // why the process no longer reads: it ended
		}
		return err
	}
	return nil
}

// exitedMeanwhile tells whether the process ended, waiting at most the exit wait for its log
// stream to say so: a write refused because the process is over is best told as its exit.
func (c *processConn) exitedMeanwhile() bool {
	timer := time.NewTimer(c.exitWait)
	defer timer.Stop()
	select {
	case <-c.done:
		return c.exited
	case <-timer.C:
		return false
	}
}

// Close closes the process's stdin, waits for the process to end, stops it, then kills it,
// each wait bounded. It always returns nil once the process ended or was killed; the error of
// a kill that failed otherwise.
func (c *processConn) Close() error {
	var err error
	c.closeOnce.Do(func() {
		close(c.closing)
		defer func() {
			c.cancel()
			<-c.done
		}()
		c.bounded(func(ctx context.Context) error {
			stdin, err := c.sb.Stdin(ctx, c.name)
			if err != nil {
				return err
			}
			return stdin.Close()
		})
		if c.waitExit() {
			return
		}
		c.bounded(func(ctx context.Context) error { return c.sb.Stop(ctx, c.name) })
		if c.waitExit() {
			return
		}
		err = c.bounded(func(ctx context.Context) error { return c.sb.Kill(ctx, c.name) })
		if err != nil {
			err = fmt.Errorf("blaxel: closing the MCP session: %w", err)
		}
	})
	return err
}

// bounded runs a request of Close's within the exit wait.
func (c *processConn) bounded(f func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(c.base, c.exitWait)
	defer cancel()
	return f(ctx)
}

// waitExit waits, at most the exit wait, for the process to end.
func (c *processConn) waitExit() bool {
	timer := time.NewTimer(c.exitWait)
	defer timer.Stop()
	select {
	case <-c.done:
		if c.exited {
			return true
		}
		// Reading ended for another reason: ask the sandbox.
		return c.bounded(func(ctx context.Context) error {
			_, err := c.sb.Wait(ctx, c.name)
			return err
		}) == nil
	case <-timer.C:
		return false
	}
}

// endError is why reading ended on its own (the process exited, a line was too long),
// nil while it goes on or when it ended with Close.
func (c *processConn) endError() error {
	select {
	case <-c.done:
		if errors.Is(c.readErr, io.EOF) {
			return nil
		}
		return c.readErr
	default:
		return nil
	}
}

func (c *processConn) SessionID() string { return "" }
