package sandboxfake

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/fault"
)

// errEdgeGone is what a handler's writes answer once the client can no longer get them: the
// edge answered for the sandbox, or dropped the connection.
var errEdgeGone = errors.New("blaxeltest: the edge no longer forwards this answer")

// Causes of the end of a request's context other than the client going away; each drops the
// connection if the answer has started.
var (
	errEdgeTimeout = errors.New("blaxeltest: the edge gave up waiting for the sandbox")
	errDropped     = errors.New("blaxeltest: the connection was dropped by a fault")
	errUpgraded    = errors.New("blaxeltest: the sandbox server restarted for an upgrade")
)

// dropRule is when a Disconnect-like fault cuts an answer.
type dropRule int64

const (
	noDrop   dropRule = -1 // never
	dropHalf dropRule = -2 // half way through an answer of known length, else after its first flushed bytes
)

// edgeWriter stands between a sandbox handler and the connection, as the platform's edge
// stands between a sandbox and its clients. It holds JSON answers until the handler is done
// (to check them against the document, and to cut them in half for a fault), lets streams and
// downloads through as they come, replaces an answer that is too slow to start by the edge's
// HTML 504, cuts a stream that stays silent too long, and is safe to call after the client is
// gone. The handler sees it as its http.ResponseWriter.
type edgeWriter struct {
	mu        sync.Mutex
	w         http.ResponseWriter
	header    http.Header // the handler's headers, copied out when the answer starts
	status    int         // 0 until the handler sets it
	sent      bool        // the status and headers are out
	hold      bool        // a JSON answer, kept until finish
	raw       bool        // a download, let through whatever its type
	held      []byte
	sentBody  int64
	dead      bool // nothing more reaches the client
	abort     bool // the connection must be dropped once the handler returns
	drop      dropRule
	truncate  bool // a TruncatedJSON fault: send half the held answer as if whole
	timeout   time.Duration
	timer     *time.Timer
	finished  bool
	cut       context.CancelCauseFunc // ends the handler's context
	onHeaders func(status int, header http.Header)
}

func newEdgeWriter(w http.ResponseWriter, timeout time.Duration, cut context.CancelCauseFunc) *edgeWriter {
	return &edgeWriter{w: w, header: http.Header{}, timeout: timeout, cut: cut, drop: noDrop}
}

// arm starts the edge's clock, once the request has been read whole.
func (e *edgeWriter) arm() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.timeout > 0 && e.timer == nil && !e.finished {
		e.timer = time.AfterFunc(e.timeout, e.expire)
	}
}

// alive restarts the clock: bytes went to the client.
func (e *edgeWriter) alive() {
	if e.timer != nil {
		e.timer.Reset(e.timeout)
	}
}

// expire is the edge giving up: before the answer started, the client gets the 504 page;
// after, the connection is dropped.
func (e *edgeWriter) expire() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.finished || e.dead {
		return
	}
	e.dead = true
	if e.sent {
		e.abort = true
	} else {
		h := e.w.Header()
		h.Set("Content-Type", "text/html")
		h.Set("Connection", "close") // the sandbox still holds this connection: do not reuse it
		page := fault.EdgePage(http.StatusGatewayTimeout)
		h.Set("Content-Length", strconv.Itoa(len(page)))
		e.status, e.sent = http.StatusGatewayTimeout, true
		e.w.WriteHeader(http.StatusGatewayTimeout)
		_, _ = e.w.Write([]byte(page))
		if f, ok := e.w.(http.Flusher); ok {
			f.Flush()
		}
	}
	e.cut(errEdgeTimeout)
}

func (e *edgeWriter) Header() http.Header { return e.header }

// passThrough lets the answer through as it comes whatever its type: a file's bytes are
// neither held nor checked as JSON, even for a .json file.
func (e *edgeWriter) passThrough() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.raw = true
}

func (e *edgeWriter) WriteHeader(code int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.writeHeaderLocked(code)
}

func (e *edgeWriter) writeHeaderLocked(code int) {
	if e.status != 0 || e.dead {
		return
	}
	e.status = code
	mt, _, _ := mime.ParseMediaType(e.header.Get("Content-Type"))
	e.hold = !e.raw && (mt == "application/json" || code == http.StatusNotModified || code == http.StatusNoContent)
	if !e.hold {
		e.sendHeadersLocked()
	}
}

// sendHeadersLocked puts the status and headers out.
func (e *edgeWriter) sendHeadersLocked() {
	if e.sent {
		return
	}
	if e.onHeaders != nil && !e.hold { // a held answer is checked whole
		e.onHeaders(e.status, e.header)
	}
	for k, v := range e.header {
		e.w.Header()[k] = v
	}
	e.w.WriteHeader(e.status)
	e.sent = true
	e.alive()
}

func (e *edgeWriter) Write(b []byte) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.status == 0 {
		e.writeHeaderLocked(http.StatusOK)
	}
	if e.dead {
		return 0, errEdgeGone
	}
	if e.hold {
		e.held = append(e.held, b...)
		return len(b), nil
	}
	return e.passLocked(b)
}

// passLocked sends body bytes, as many as the drop rule allows.
func (e *edgeWriter) passLocked(b []byte) (int, error) {
	limit := int64(len(b))
	if e.drop >= 0 {
		limit = min(limit, int64(e.drop)-e.sentBody)
	} else if e.drop == dropHalf || e.truncate {
		if n, err := strconv.ParseInt(e.header.Get("Content-Length"), 10, 64); err == nil {
			limit = min(limit, n/2-e.sentBody)
		}
	}
	n, err := e.w.Write(b[:max(limit, 0)])
	e.sentBody += int64(n)
	e.alive()
	if err != nil {
		e.dead = true
		return n, err
	}
	if int64(n) < int64(len(b)) {
		e.dropNowLocked()
		return n, errEdgeGone
	}
	return n, nil
}

// dropNowLocked flushes what was sent and drops the connection.
func (e *edgeWriter) dropNowLocked() {
	if f, ok := e.w.(http.Flusher); ok {
		f.Flush()
	}
	e.dead, e.abort = true, true
	e.cut(errDropped)
}

func (e *edgeWriter) Flush() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.dead || e.hold {
		return
	}
	if e.status == 0 {
		e.writeHeaderLocked(http.StatusOK)
	}
	e.sendHeadersLocked()
	if f, ok := e.w.(http.Flusher); ok {
		f.Flush()
	}
	e.alive()
	if (e.drop == dropHalf || e.truncate) && e.sentBody > 0 && e.header.Get("Content-Length") == "" {
		e.dropNowLocked() // a stream: cut after its first bytes
	}
}

// finish completes the answer once the handler has returned: a held answer goes out now. It
// returns the status the client got (0 for none) and whether the connection must be dropped.
func (e *edgeWriter) finish(validate func(status int, header http.Header, body []byte)) (int, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.finished = true
	if e.timer != nil {
		e.timer.Stop()
	}
	if e.dead {
		return e.sentStatus(), e.abort
	}
	if e.status == 0 {
		e.writeHeaderLocked(http.StatusOK)
	}
	if !e.hold {
		return e.status, false
	}
	if validate != nil {
		validate(e.status, e.header, e.held)
	}
	body := e.held
	if e.truncate {
		body = body[:len(body)/2] // sent as if it were the whole answer
	}
	if e.status != http.StatusNotModified && e.status != http.StatusNoContent {
		e.header.Set("Content-Length", strconv.Itoa(len(body)))
	}
	e.sendHeadersLocked()
	if len(body) == 0 {
		return e.status, false
	}
	if e.truncate {
		_, _ = e.w.Write(body)
		return e.status, false
	}
	if e.drop == dropHalf {
		_, _ = e.w.Write(body[:len(body)/2])
		e.dropNowLocked()
		return e.status, true
	}
	_, _ = e.passLocked(body)
	return e.status, e.abort
}

func (e *edgeWriter) sentStatus() int {
	if e.sent {
		return e.status
	}
	return 0
}
