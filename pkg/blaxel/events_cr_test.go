package blaxel_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// An event whose lines end with lone CRs is complete at its second CR: it must come out then,
// not when a later LF arrives (which may be much later, or never).
func TestReadEventsYieldsAnEventEndedByLoneCRsAtOnce(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	go io.WriteString(pw, "data: one\r\r") // then nothing more for now
	got := make(chan string, 1)
	go func() {
		for ev, err := range blaxel.ReadEvents(pr, "text/event-stream") {
			if err != nil {
				got <- "error: " + err.Error()
				return
			}
			got <- string(ev.Data)
		}
	}()
	select {
	case data := <-got:
		if data != "one" {
			t.Errorf("event data %q, want %q", data, "one")
		}
	case <-time.After(10 * time.Second): // guards a hang only
		t.Fatal("the event ended by CRs was held back")
	}
	// A CR LF pair is one line end, also when the LF comes in a later read.
	go io.WriteString(pw, "\ndata: two\r")
	go func() { time.Sleep(10 * time.Millisecond); io.WriteString(pw, "\n\r\n") }()
	select {
	case data := <-got:
		if data != "two" {
			t.Errorf("event data %q, want %q", data, "two")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the second event never came")
	}
}

func TestRunAgentEventsYieldsCREndedEventsAsTheyCome(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "event: delta\rdata: hello\r\r")
		http.NewResponseController(w).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c, err := blaxel.New(blaxel.WithBaseURL(srv.URL+"/v0"), blaxel.WithRunURL(srv.URL), blaxel.WithAPIKey("test-api-key-123"), blaxel.WithWorkspace("ws"))
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan blaxel.Event, 1)
	go func() {
		for ev, err := range c.RunAgentEvents(t.Context(), "helper", strings.NewReader(`{}`)) {
			if err != nil {
				t.Error(err)
				return
			}
			got <- ev
			return
		}
	}()
	select {
	case ev := <-got:
		if ev.Type != "delta" || string(ev.Data) != "hello" {
			t.Errorf("event %+q", ev)
		}
	case <-time.After(10 * time.Second): // guards a hang only
		t.Fatal("the event ended by CRs was held back until the stream ended")
	}
}
