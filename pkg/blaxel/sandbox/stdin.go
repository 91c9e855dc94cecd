package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/blaxel-go/blaxel/gen/sandboxapi"
	"github.com/blaxel-go/blaxel/internal/pipeline"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// MaxStdinWrite is the most a sandbox takes in one write to a process's stdin: a larger Write
// is sent in requests of this size, in order.
const MaxStdinWrite = 8 << 20

// ErrStdinBroken matches the error of a stdin write whose fate is unknown: the request went
// out and its answer was lost, so the process may or may not have read the bytes. The writer
// then refuses every later write, since sending them again might repeat them and sending the
// next ones might skip them.
var ErrStdinBroken = errors.New("blaxel: a stdin write may or may not have reached the process")

// Stdin returns the standard input of a process started with Command.Stdin, by name or pid:
// each Write sends its bytes to the process (in requests of at most MaxStdinWrite), and Close
// closes the stream, so that the process reads end of file. ctx bounds every Write and the
// Close. Nothing is sent until the first Write or Close; a process without a stdin then
// answers 409 (errors.Is(err, blaxel.ErrConflict)).
//
// Writes are sent one at a time, in the order of the calls, and each request is sent once:
// neither the client's retry policy nor its CheckRetry ever resends one, since bytes that
// arrive twice corrupt the stream. A refusal (the process has no stdin, it was closed, the
// process no longer reads it) leaves nothing written and is returned as it is. A write whose
// answer is lost after the request went out, or that the edge answered 502 or 504, is
// returned with ErrStdinBroken, and every later Write fails with it.
func (s *Sandbox) Stdin(ctx context.Context, process string) (io.WriteCloser, error) {
	if err := pipeline.CheckName("process", process); err != nil {
		return nil, err
	}
	return &stdinWriter{ctx: ctx, sb: s, process: process}, nil
}

// stdinWriter is a process's stdin as an io.WriteCloser.
type stdinWriter struct {
	ctx     context.Context
	sb      *Sandbox
	process string

	mu     sync.Mutex // one write at a time, in order
	broken error      // set when a write's fate is unknown
	closed bool
}

func (w *stdinWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case w.closed:
		return 0, io.ErrClosedPipe
	case w.broken != nil:
		return 0, w.broken
	}
	n := 0
	for len(p) > 0 {
		chunk := p[:min(len(p), MaxStdinWrite)]
		if err := w.send(chunk); err != nil {
			return n, err
		}
		n += len(chunk)
		p = p[len(chunk):]
	}
	return n, nil
}

// send writes one chunk with one request, never resent.
func (w *stdinWriter) send(chunk []byte) error {
	traced, wrote := traceWrites(w.ctx)
	once := func(_ context.Context, r *http.Request) error {
		r.GetBody = nil // the pipeline resends only what it can rewind
		return nil
	}
	resp, err := w.sb.api.ClientInterface.WriteProcessStdinWithBody(traced, sandboxapi.ProcessIdentifier(w.process),
		"application/octet-stream", bytes.NewReader(chunk), once)
	if err == nil {
		pipeline.Discard(resp)
		return nil
	}
	if fateUnknown(err, wrote()) {
		w.broken = fmt.Errorf("%w: process %q: %w", ErrStdinBroken, w.process, err)
		return w.broken
	}
	return err
}

// fateUnknown tells whether a failed write may have reached the process: no answer came after
// the request went out, or the edge answered 502 or 504 in the sandbox's place. A 503 is the
// sandbox's own refusal, or the edge's page while the sandbox wakes: nothing was written.
func fateUnknown(err error, wrote bool) bool {
	var apiErr *blaxel.APIError
	if !errors.As(err, &apiErr) {
		return wrote
	}
	return apiErr.StatusCode == http.StatusBadGateway || apiErr.StatusCode == http.StatusGatewayTimeout
}

// Close closes the process's stdin: once it has read what was written, it reads end of file.
// Closing again does nothing.
func (w *stdinWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	resp, err := w.sb.api.ClientInterface.CloseProcessStdin(w.ctx, sandboxapi.ProcessIdentifier(w.process))
	if err != nil {
		return err
	}
	pipeline.Discard(resp)
	w.closed = true
	return nil
}
