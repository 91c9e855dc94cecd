package blaxelmcp

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptrace"
	"sync"
	"time"

	"github.com/blaxel-go/blaxel/internal/pipeline"
	"github.com/blaxel-go/blaxel/internal/redact"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// sessionTransport is the RoundTripper of one MCP session, in front of the client's pipeline.
// It bounds the wait for every answer (see answerTimer), ties what is sent while connecting
// to the caller's context, and keeps the last refusal answered meanwhile, so that a failed
// connection reports Blaxel's error rather than only the SDK's summary of it.
//
// The go-sdk detaches the session's requests from the context given to Connect, so that the
// session outlives it. While connecting it also opens the session's event stream (a GET) and
// waits for it, trying again five times with growing pauses: against a server that takes the
// GET and never answers, Connect would outlast the caller's context by minutes. So while
// connecting, every request ends with the caller's context, and a GET that fails (cut by the
// caller, unanswered within the connect timeout, refused) is answered as a server without
// event stream answers it (405): the SDK goes on at once, with a session that receives what
// the server says in answer to its calls only.
type sessionTransport struct {
	next             http.RoundTripper
	connect, headers time.Duration
	redact           *redact.Redactor // the client's
	maxBody          int64            // the client's limit on an answer (see answer.go)

	mu         sync.Mutex
	connecting context.Context  // the caller's context until connected, then nil
	unbind     []func() bool    // detach the requests bound to connecting
	refused    *blaxel.APIError // the refusal of the latest request sent while connecting
}

func (t *sessionTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancelCause(req.Context())
	caller := t.bind(cancel)
	headers := t.headers
	if req.Method == http.MethodGet {
		headers = min(headers, t.connect) // an event stream's headers come at once; a call's answer may take long
	}
	timer := startAnswerTimer(cancel, t.connect, headers)
	resp, err := t.next.RoundTrip(req.WithContext(httptrace.WithClientTrace(ctx, timer.trace())))
	timer.stop()
	// A cause is set only when a timer or the caller's context cut the request: read before
	// the request's own context is released, which would set one for every request.
	cause := context.Cause(ctx)
	if cause != nil && err == nil {
		resp.Body.Close() // cut at the very moment it answered
		err = cause
	}
	if err != nil {
		cancel(nil)
		if caller != nil && req.Method == http.MethodGet {
			return noEventStream(req), nil
		}
		if cause != nil {
			err = fmt.Errorf("blaxel: %s %s: %w", req.Method, t.redact.URL(req.URL), cause)
		}
		return nil, t.redact.Err(err)
	}
	redactHeader(resp.Header, t.redact)
	switch mediaType := contentType(resp); {
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		raw := t.errorAnswer(ctx, resp)
		if caller != nil {
			t.keepRefusal(req, resp, raw)
		}
	case req.Method == http.MethodPost && pipeline.IsJSON(mediaType):
		if err := t.jsonAnswer(ctx, req, resp); err != nil {
			if cause := context.Cause(ctx); cause != nil {
				err = t.redact.Err(fmt.Errorf("blaxel: %s %s: %w", req.Method, t.redact.URL(req.URL), cause))
			}
			cancel(nil)
			return nil, err
		}
	case mediaType == "text/event-stream":
		resp.Body = newEventFilter(t, req, resp)
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// bind ties a request sent while connecting to the caller's context, and forgets the
// previous request's refusal. It returns the caller's context, nil once connected.
func (t *sessionTransport) bind(cancel context.CancelCauseFunc) context.Context {
	t.mu.Lock()
	defer t.mu.Unlock()
	caller := t.connecting
	if caller == nil {
		return nil
	}
	t.refused = nil
	t.unbind = append(t.unbind, context.AfterFunc(caller, func() { cancel(context.Cause(caller)) }))
	return caller
}

// noEventStream is the answer of a server that offers no event stream.
func noEventStream(req *http.Request) *http.Response {
	return &http.Response{
		Status: "405 Method Not Allowed", StatusCode: http.StatusMethodNotAllowed,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{}, Body: http.NoBody, Request: req,
	}
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

// keepRefusal records an error answer, whose body began with raw, as an *blaxel.APIError.
func (t *sessionTransport) keepRefusal(req *http.Request, resp *http.Response, raw []byte) {
	read := *resp
	read.Body = io.NopCloser(bytes.NewReader(raw))
	refused := pipeline.NewAPIError(req, &read, t.redact)
	t.mu.Lock()
	t.refused = refused
	t.mu.Unlock()
}

// contentType is the media type of an answer, without its parameters.
func contentType(resp *http.Response) string {
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return mt
}

// refusal is the refusal of the latest request sent while connecting, nil when it had none.
func (t *sessionTransport) refusal() *blaxel.APIError {
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
