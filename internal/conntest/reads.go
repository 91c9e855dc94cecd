package conntest

import (
	"io"
	"net/http"
	"sync"
	"testing"
	"time"
)

// ReadWatch is a transport that watches the reads of its answers' bodies: how many bytes
// each gave, how many reads of each are under way, and how many ran at once at most. A body
// closed from another goroutine to stop a read must not be read by that Close meanwhile: at
// most one read at once.
type ReadWatch struct {
	base http.RoundTripper

	mu     sync.Mutex
	bodies []*watchedBody
	most   int
}

// NewReadWatch returns a ReadWatch over a transport of its own, whose idle connections are
// closed when the test ends.
func NewReadWatch(t testing.TB) *ReadWatch {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &ReadWatch{base: tr}
}

// RoundTrip sends r through the watch's transport and watches the answer's body.
func (w *ReadWatch) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := w.base.RoundTrip(r)
	if err == nil {
		b := &watchedBody{ReadCloser: resp.Body, w: w}
		w.mu.Lock()
		w.bodies = append(w.bodies, b)
		w.mu.Unlock()
		resp.Body = b
	}
	return resp, err
}

// Most is how many reads of one body ran at once at most.
func (w *ReadWatch) Most() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.most
}

// WaitBlocked waits until the last body gave n bytes and a read of it is under way: a
// reader that wants more than the server sent is then waiting for it.
func (w *ReadWatch) WaitBlocked(t testing.TB, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute) // guards a hang only
	for {
		w.mu.Lock()
		blocked := false
		if len(w.bodies) > 0 {
			b := w.bodies[len(w.bodies)-1]
			blocked = b.bytes >= n && b.inFlight > 0
		}
		w.mu.Unlock()
		if blocked {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no read waits after %d bytes", n)
		}
		time.Sleep(time.Millisecond)
	}
}

type watchedBody struct {
	io.ReadCloser
	w               *ReadWatch
	bytes, inFlight int // under w.mu
}

func (b *watchedBody) Read(p []byte) (int, error) {
	b.w.mu.Lock()
	b.inFlight++
	b.w.most = max(b.w.most, b.inFlight)
	b.w.mu.Unlock()
	n, err := b.ReadCloser.Read(p)
	b.w.mu.Lock()
	b.inFlight--
	b.bytes += n
	b.w.mu.Unlock()
	return n, err
}
