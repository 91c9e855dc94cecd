package blaxel

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"sync"
	"time"
)

// sessionTransport is the RoundTripper of one MCP session, in front of the client's pipeline.
// It bounds the wait for every answer (see answerTimer), ties what is sent while connecting
// to the caller's context, and keeps the last refusal answered meanwhile, so that a failed
// connection reports Blaxel's error rather than only the SDK's summary of it.
//
// The go-sdk detaches the session's requests from the context given to Connect, so that the
// session outlives it; the requests it sends when connecting fails (a cancellation, the
// closing DELETE) would then not be bounded by the caller at all.
type sessionTransport struct {
	next             http.RoundTripper
	connect, headers time.Duration
	apiError         func(*http.Request, *http.Response) *APIError

	mu         sync.Mutex
	connecting context.Context // the caller's context until connected, then nil
	unbind     []func() bool   // detach the requests bound to connecting
	refused    *APIError       // the refusal of the latest request sent while connecting
}

func (t *sessionTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancelCause(req.Context())
	connecting := t.bind(cancel)
	timer := startAnswerTimer(cancel, t.connect, t.headers)
	resp, err := t.next.RoundTrip(req.WithContext(httptrace.WithClientTrace(ctx, timer.trace())))
	timer.stop()
	if cause := context.Cause(ctx); cause != nil && err == nil {
		resp.Body.Close() // cut at the very moment it answered
		err = cause
	}
	if err != nil {
		if cause := context.Cause(ctx); cause != nil {
			err = fmt.Errorf("blaxel: %s %s: %w", req.Method, redactURL(req.URL), cause)
		}
		cancel(nil)
		return nil, err
	}
	if connecting && (resp.StatusCode < 200 || resp.StatusCode > 299) {
		t.keepRefusal(req, resp)
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// bind ties a request sent while connecting to the caller's context, and forgets the
// previous request's refusal. It reports whether the session is connecting.
func (t *sessionTransport) bind(cancel context.CancelCauseFunc) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	caller := t.connecting
	if caller == nil {
		return false
	}
	t.refused = nil
	t.unbind = append(t.unbind, context.AfterFunc(caller, func() { cancel(context.Cause(caller)) }))
	return true
}

// connected ends the connection phase: the requests still running (the session's event
// stream) no longer depend on the caller's context. It reports whether that context had
// already cut one of them.
func (t *sessionTransport) connected() (cut bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, stop := range t.unbind {
		if !stop() {
			cut = true
		}
	}
	t.connecting, t.unbind = nil, nil
	return cut
}

// keepRefusal records an error answer as an *APIError and gives the SDK the same body to read.
func (t *sessionTransport) keepRefusal(req *http.Request, resp *http.Response) {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	resp.Body.Close()
	read := *resp
	read.Body = io.NopCloser(bytes.NewReader(body))
	refused := t.apiError(req, &read)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	t.mu.Lock()
	t.refused = refused
	t.mu.Unlock()
}

// refusal is the refusal of the latest request sent while connecting, nil when it had none.
func (t *sessionTransport) refusal() *APIError {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.refused
}

// cancelOnClose releases a request's context once its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelCauseFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel(nil)
	return err
}

// answerTimer cancels a request that waits too long for a connection (from the transport's
// GetConn to its GotConn, for transports that report them, as net/http's does) or for the
// answer's headers (from the start, connection and retries included).
type answerTimer struct {
	cancel  context.CancelCauseFunc
	connect time.Duration
	headers *time.Timer

	mu      sync.Mutex
	conn    *time.Timer
	stopped bool
}

func startAnswerTimer(cancel context.CancelCauseFunc, connect, headers time.Duration) *answerTimer {
	a := &answerTimer{cancel: cancel, connect: connect}
	a.headers = time.AfterFunc(headers, func() { cancel(&waitError{what: "answer", limit: headers}) })
	return a
}

func (a *answerTimer) trace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		GetConn: func(string) {
			a.mu.Lock()
			defer a.mu.Unlock()
			switch {
			case a.stopped:
			case a.conn == nil:
				a.conn = time.AfterFunc(a.connect, func() { a.cancel(&waitError{what: "connection", limit: a.connect}) })
			default:
				a.conn.Reset(a.connect) // another attempt
			}
		},
		GotConn: func(httptrace.GotConnInfo) {
			a.mu.Lock()
			defer a.mu.Unlock()
			if a.conn != nil {
				a.conn.Stop()
			}
		},
	}
}

func (a *answerTimer) stop() {
	a.headers.Stop()
	a.mu.Lock()
	defer a.mu.Unlock()
	a.stopped = true
	if a.conn != nil {
		a.conn.Stop()
	}
}

// waitError says that a connection or an answer did not come in time. It matches
// context.DeadlineExceeded and reports Timeout, as net.Error does.
type waitError struct {
	what  string
	limit time.Duration
}

func (e *waitError) Error() string { return fmt.Sprintf("no %s within %v", e.what, e.limit) }
func (e *waitError) Timeout() bool { return true }
func (e *waitError) Unwrap() error { return context.DeadlineExceeded }
