package blaxel_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// readAllEvents ranges over the events of a body, stopping at the first error.
func readAllEvents(r io.Reader, contentType string) ([]blaxel.Event, error) {
	var out []blaxel.Event
	for ev, err := range blaxel.ReadEvents(r, contentType) {
		if err != nil {
			return out, err
		}
		out = append(out, ev)
	}
	return out, nil
}

func TestReadEventsParsesServerSentEvents(t *testing.T) {
	stream := ": a keepalive comment\n" +
		"event: delta\ndata: {\"text\":\"hel\"}\nid: 1\n\n" +
		"data: two\r\ndata: lines\r\n\r\n" + // CRLF, and data over two lines; the id carries over
		"data:no space\rid: 7\r\r" + // lone CR ends lines too
		"event: empty\n\n" + // no data: not dispatched
		"retry: 10\nunknown: x\ndata: last\n\n" +
		"data: cut by the end of the stream"
	events, err := readAllEvents(strings.NewReader(stream), "text/event-stream; charset=utf-8")
	if err != nil {
		t.Fatal(err)
	}
	want := []blaxel.Event{
		{Type: "delta", ID: "1", Data: []byte(`{"text":"hel"}`)},
		{ID: "1", Data: []byte("two\nlines")},
		{ID: "7", Data: []byte("no space")},
		{ID: "7", Data: []byte("last")},
	}
	if len(events) != len(want) {
		t.Fatalf("%d events, want %d: %q", len(events), len(want), events)
	}
	for i := range want {
		if events[i].Type != want[i].Type || events[i].ID != want[i].ID || !bytes.Equal(events[i].Data, want[i].Data) {
			t.Errorf("event %d: %+q, want %+q", i, events[i], want[i])
		}
	}
}

// A line of any length is read whole, however the reads split it: no line limit, unlike a
// bufio.Scanner's 64 KiB.
func TestReadEventsHasNoLineLimit(t *testing.T) {
	long := strings.Repeat("x", 5<<20)
	for _, tc := range []struct{ contentType, body string }{
		{"text/event-stream", "data: " + long + "\n\ndata: after\n\n"},
		{"application/x-ndjson", `{"v":"` + long + "\"}\n" + `{"v":"after"}` + "\n"},
	} {
		events, err := readAllEvents(iotest.HalfReader(strings.NewReader(tc.body)), tc.contentType)
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != 2 || len(events[0].Data) < len(long) || !strings.Contains(string(events[1].Data), "after") {
			t.Fatalf("%s: %d events", tc.contentType, len(events))
		}
	}
}

func TestReadEventsReadsNDJSONLines(t *testing.T) {
	events, err := readAllEvents(strings.NewReader("{\"a\":1}\r\n\n  \n{\"a\":2}"), "application/x-ndjson")
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 {
		t.Fatalf("%d events: %q", len(events), events)
	}
	var v struct{ A int }
	if err := events[1].Decode(&v); err != nil || v.A != 2 {
		t.Errorf("decoded %+v, %v", v, err)
	}
}

func TestReadEventsTakesAnotherTypeAsOneEvent(t *testing.T) {
	events, err := readAllEvents(strings.NewReader(`{"answer":"whole"}`), "application/json")
	if err != nil || len(events) != 1 || string(events[0].Data) != `{"answer":"whole"}` {
		t.Fatalf("%q, %v", events, err)
	}
	if events, err := readAllEvents(strings.NewReader(""), "text/plain"); err != nil || len(events) != 0 {
		t.Fatalf("an empty body gave %q, %v", events, err)
	}
}

func TestReadEventsYieldsAReadErrorOnce(t *testing.T) {
	broken := io.MultiReader(strings.NewReader("data: first\n\ndata: sec"), iotest.ErrReader(io.ErrUnexpectedEOF))
	var got []string
	var errs []error
	for ev, err := range blaxel.ReadEvents(broken, "text/event-stream") {
		if err != nil {
			errs = append(errs, err)
			continue // the sequence ends by itself after an error
		}
		got = append(got, string(ev.Data))
	}
	if len(got) != 1 || got[0] != "first" || len(errs) != 1 || !errors.Is(errs[0], io.ErrUnexpectedEOF) {
		t.Fatalf("events %q, errors %v", got, errs)
	}
}

func TestReadEventsStopsWhenTheLoopBreaks(t *testing.T) {
	r := strings.NewReader(strings.Repeat("data: x\n\n", 1000))
	n := 0
	for range blaxel.ReadEvents(r, "text/event-stream") {
		n++
		if n == 2 {
			break
		}
	}
	if n != 2 || r.Len() == 0 {
		t.Fatalf("%d events, %d bytes left", n, r.Len())
	}
}
