package pipeline

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
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
