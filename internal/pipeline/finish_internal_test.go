package pipeline

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/internal/conntest"
)

// A body read up to the end of its JSON value and finished leaves its connection to the
// next request, though the body's end came apart from its data.
func TestFinishHandsTheConnectionBack(t *testing.T) {
	conns := &conntest.Counter{}
	srv := httptest.NewServer(conns.LateEnd(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"answer":42}`)
	})))
	defer srv.Close()
	for range 5 {
		resp, err := srv.Client().Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		var v struct{ Answer int }
		if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || v.Answer != 42 {
			t.Fatalf("decoded %+v, error %v", v, err)
		}
		if err := Finish(resp.Body, resp.Body); err != nil {
			t.Fatal(err)
		}
	}
	if n := conns.Count(); n != 1 {
		t.Errorf("5 requests, one after the other, came over %d connections; want 1", n)
	}
}

// A body that goes on without ending is closed, and Finish returns.
func TestFinishClosesABodyThatGoesOn(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "data")
		http.NewResponseController(w).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- Finish(resp.Body, resp.Body) }()
	select {
	case <-done:
	case <-time.After(time.Minute): // guards a hang only
		t.Fatal("Finish did not return")
	}
	if _, err := resp.Body.Read(make([]byte, 1)); err == nil {
		t.Error("the body can still be read after Finish")
	}
}

// endlessBody is a body that never ends, counting what is read of it.
type endlessBody struct{ read, closes int }

func (e *endlessBody) Read(p []byte) (int, error) { e.read += len(p); return len(p), nil }
func (e *endlessBody) Close() error               { e.closes++; return nil }

// Finish reads a few KiB at most of a body that goes on, then closes it.
func TestFinishReadsAFewKiBAtMost(t *testing.T) {
	body := &endlessBody{}
	if err := Finish(body, body); err != nil {
		t.Fatal(err)
	}
	if body.read > finishLen || body.closes == 0 {
		t.Errorf("read %d bytes (at most %d wanted), closed %d times", body.read, finishLen, body.closes)
	}
}

// A body handed on with Finishing is finished by its Close; an absent body stays absent.
func TestFinishingFinishesOnClose(t *testing.T) {
	body := &endlessBody{}
	rc := Finishing(body)
	if err := rc.Close(); err != nil {
		t.Fatal(err)
	}
	if body.read == 0 || body.read > finishLen || body.closes == 0 {
		t.Errorf("Close read %d bytes, closed %d times", body.read, body.closes)
	}
	if Finishing(http.NoBody) != http.NoBody {
		t.Error("http.NoBody was wrapped")
	}
}

// blockingBody is a body whose reads wait until it is closed, as a stream's do when nothing
// more comes; it counts its reads and closes, and tells of each read as it starts.
type blockingBody struct {
	mu            sync.Mutex
	reads, closes int
	started       chan struct{}
	closed        chan struct{}
	once          sync.Once
}

func newBlockingBody() *blockingBody {
	return &blockingBody{started: make(chan struct{}, 16), closed: make(chan struct{})}
}

func (b *blockingBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	b.reads++
	b.mu.Unlock()
	b.started <- struct{}{}
	<-b.closed
	return 0, errors.New("read on a closed body")
}

func (b *blockingBody) Close() error {
	b.mu.Lock()
	b.closes++
	b.mu.Unlock()
	b.once.Do(func() { close(b.closed) })
	return nil
}

func (b *blockingBody) counts() (reads, closes int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.reads, b.closes
}

// Closing a body from another goroutine while its Read waits closes it at once: Close reads
// nothing (which would race with the Read and wait for the bound), and the Read ends.
func TestFinishingClosedDuringARead(t *testing.T) {
	body := newBlockingBody()
	rc := Finishing(body)
	readErr := make(chan error, 1)
	go func() {
		_, err := rc.Read(make([]byte, 10))
		readErr <- err
	}()
	<-body.started
	if err := rc.Close(); err != nil {
		t.Fatal(err)
	}
	if reads, closes := body.counts(); reads != 1 || closes != 1 {
		t.Errorf("Close during a Read: %d reads of the body (want the caller's alone), %d closes", reads, closes)
	}
	select {
	case err := <-readErr:
		if err == nil {
			t.Error("the Read under way succeeded after Close")
		}
	case <-time.After(time.Minute): // guards a hang only
		t.Fatal("the Read under way did not end")
	}
	if _, err := rc.Read(make([]byte, 1)); !errors.Is(err, http.ErrBodyReadAfterClose) {
		t.Errorf("a Read after Close: %v", err)
	}
	if reads, _ := body.counts(); reads != 1 {
		t.Errorf("a Read after Close reached the body")
	}
}

// failingOnce fails its first Read; the reads after it go to its endless body.
type failingOnce struct {
	*endlessBody
	failed bool
}

func (f *failingOnce) Read(p []byte) (int, error) {
	if !f.failed {
		f.failed = true
		return 0, io.ErrUnexpectedEOF
	}
	return f.endlessBody.Read(p)
}

// A body whose Read failed (or met its end) is closed without being read again.
func TestFinishingAfterAFailedReadReadsNoMore(t *testing.T) {
	body := &endlessBody{}
	rc := Finishing(&failingOnce{endlessBody: body})
	if _, err := rc.Read(make([]byte, 10)); err == nil {
		t.Fatal("the failing Read succeeded")
	}
	if err := rc.Close(); err != nil {
		t.Fatal(err)
	}
	if body.read != 0 || body.closes != 1 {
		t.Errorf("Close after a failed Read read %d bytes, closed %d times", body.read, body.closes)
	}
}

// A body cut by the bound of Finish is closed once: the Close that cut it is the one whose
// error Finish returns.
func TestFinishClosesACutBodyOnce(t *testing.T) {
	body := newBlockingBody()
	if err := Finish(body, body); err != nil {
		t.Fatal(err)
	}
	if reads, closes := body.counts(); reads != 1 || closes != 1 {
		t.Errorf("%d reads, %d closes; want 1 and 1", reads, closes)
	}
}
