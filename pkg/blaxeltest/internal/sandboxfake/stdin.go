package sandboxfake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
)

// A process's standard input. A process started with stdin: true reads, through Process.Stdin,
// the bytes that WriteProcessStdin sends, in order, and end of file once CloseProcessStdin
// closed it; a process started without one reads end of file at once, as from /dev/null.
//
// What the process has not read yet is held, up to stdinBacklog bytes; a write beyond that, or
// to a process that is over, answers 503 (the process no longer reads). A write to a closed
// stdin, or to a process without one, answers 409; closing a stdin twice is not an error.

const (
	maxStdinWrite = 8 << 20 // the largest body of one WriteProcessStdin
	stdinBacklog  = 8 << 20 // the unread bytes a process may leave before writes are refused
)

var (
	errStdinClosed  = errors.New("stdin is closed")
	errStdinBacklog = errors.New("process stopped reading stdin")
)

// stdinPipe holds what was written to a process's stdin and not read yet. Safe for
// concurrent use.
type stdinPipe struct {
	mu      sync.Mutex
	pending []byte
	closed  bool
	changed chan struct{} // closed and replaced when bytes arrive or the pipe closes
}

func newStdinPipe() *stdinPipe { return &stdinPipe{changed: make(chan struct{})} }

func (s *stdinPipe) signalLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// write queues b for the process, unless the pipe is closed or the process is over (done).
func (s *stdinPipe) write(b []byte, done <-chan struct{}) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errStdinClosed
	}
	select {
	case <-done:
		return errStdinBacklog
	default:
	}
	if len(s.pending)+len(b) > stdinBacklog {
		return errStdinBacklog
	}
	s.pending = append(s.pending, b...)
	s.signalLocked()
	return nil
}

// close makes the process read end of file once it read what is queued.
func (s *stdinPipe) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		s.signalLocked()
	}
}

// read takes what is queued, waiting for bytes, the close, or the end of ctx.
func (s *stdinPipe) read(ctx context.Context, b []byte) (int, error) {
	for {
		s.mu.Lock()
		if len(s.pending) > 0 {
			n := copy(b, s.pending)
			s.pending = s.pending[n:]
			s.mu.Unlock()
			return n, nil
		}
		if s.closed {
			s.mu.Unlock()
			return 0, io.EOF
		}
		changed := s.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return 0, context.Cause(ctx)
		}
	}
}

// stdinReader is Process.Stdin: it reads the pipe for as long as the current run of the
// process goes on, so a stopped or killed process is not left waiting for input.
type stdinReader struct {
	t *processTable
	p *proc
}

func (r stdinReader) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	return r.p.stdin.read(r.t.runContext(r.p), b)
}

// runContext returns the context of the process's current run.
func (t *processTable) runContext(p *proc) context.Context {
	t.mu.Lock()
	defer t.mu.Unlock()
	return p.run.ctx
}

// writeStdin answers WriteProcessStdin: the raw body goes to the process's stdin.
func writeStdin(x *sbxCall) {
	p := x.sb.procs.find(x.params["identifier"])
	if p == nil {
		x.fail(http.StatusNotFound, "process not found")
		return
	}
	body, err := io.ReadAll(io.LimitReader(x.r.Body, maxStdinWrite+1))
	switch {
	case err != nil:
		x.fail(http.StatusBadRequest, "invalid request body: "+err.Error())
		return
	case len(body) > maxStdinWrite:
		x.fail(http.StatusRequestEntityTooLarge, "body too large")
		return
	case p.stdin == nil:
		x.fail(http.StatusConflict, "process has no stdin")
		return
	}
	switch err := p.stdin.write(body, p.done); {
	case errors.Is(err, errStdinClosed):
		x.fail(http.StatusConflict, "process stdin is closed")
	case err != nil:
		x.fail(http.StatusServiceUnavailable, err.Error())
	default:
		x.json(http.StatusOK, map[string]string{"message": fmt.Sprintf("%d bytes written", len(body))})
	}
}

// closeStdin answers CloseProcessStdin.
func closeStdin(x *sbxCall) {
	p := x.sb.procs.find(x.params["identifier"])
	switch {
	case p == nil:
		x.fail(http.StatusNotFound, "process not found")
	case p.stdin == nil:
		x.fail(http.StatusConflict, "process has no stdin")
	default:
		p.stdin.close()
		x.json(http.StatusOK, map[string]string{"message": "stdin closed"})
	}
}

// eofReader is the stdin of a process started without one.
type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }
