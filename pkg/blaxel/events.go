package blaxel

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"iter"
	"mime"
	"strings"

	"github.com/blaxel-go/blaxel/internal/pipeline"
)

// Event is one event of a streamed answer: a server-sent event, or one line of NDJSON.
type Event struct {
	Type string // the event's "event" field; "" when it has none (SSE's "message") and for NDJSON
	ID   string // the event's "id" field, "" when none
	Data []byte // the event's data lines joined by "\n"; the line of NDJSON; the body of another type
}

// Decode decodes the event's data as JSON into v.
func (e Event) Decode(v any) error { return json.Unmarshal(e.Data, v) }

// ReadEvents reads a streamed answer as events, choosing by its Content-Type:
// text/event-stream as server-sent events, application/x-ndjson (or application/ndjson,
// application/jsonl) as one event per non-empty line, and any other type as a single event
// holding the whole body, so that an answer that does not stream reads the same way.
//
// A line may be up to 64 MiB long: nothing is cut, and a longer one is an error. Comments
// (keepalives) and events without data are skipped, as browsers do, and so is an event the
// stream ends in the middle of. A read error is yielded once, and ends the events. The
// sequence reads r as it goes: range over it once.
func ReadEvents(r io.Reader, contentType string) iter.Seq2[Event, error] {
	mt, _, _ := mime.ParseMediaType(contentType)
	switch mt {
	case "text/event-stream":
		return sseEvents(r)
	case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines":
		return lineEvents(r)
	}
	return func(yield func(Event, error) bool) {
		body, err := io.ReadAll(r)
		if err != nil {
			yield(Event{}, err)
			return
		}
		if len(body) > 0 {
			yield(Event{Data: body}, nil)
		}
	}
}

// sseEvents reads server-sent events (the WHATWG HTML standard's event stream format).
func sseEvents(r io.Reader) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		lines := newLineReader(r)
		var ev Event
		var data bytes.Buffer
		hasData := false
		for {
			line, err := lines.next()
			if err != nil {
				if !errors.Is(err, io.EOF) {
					yield(Event{}, err)
				}
				return // an event cut by the end of the stream is not dispatched
			}
			if len(line) == 0 {
				if hasData {
					ev.Data = bytes.Clone(data.Bytes())
					if !yield(ev, nil) {
						return
					}
				}
				ev, hasData = Event{ID: ev.ID}, false // the id carries over, as the standard says
				data.Reset()
				continue
			}
			name, value, _ := bytes.Cut(line, []byte(":"))
			value = bytes.TrimPrefix(value, []byte(" "))
			switch string(name) {
			case "": // a comment
			case "event":
				ev.Type = string(value)
			case "data":
				if hasData {
					data.WriteByte('\n')
				}
				data.Write(value)
				hasData = true
			case "id":
				if !bytes.ContainsRune(value, 0) {
					ev.ID = string(value)
				}
			}
		}
	}
}

// lineEvents reads one event per non-empty line.
func lineEvents(r io.Reader) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		lines := newLineReader(r)
		for {
			line, err := lines.next()
			if err != nil {
				if !errors.Is(err, io.EOF) {
					yield(Event{}, err)
				}
				return
			}
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			if !yield(Event{Data: bytes.Clone(line)}, nil) {
				return
			}
		}
	}
}

// lineReader splits a stream into lines ended by "\n", "\r\n" or "\r", of any length, as
// server-sent events may end them. A line ended by a lone "\r" is handed over as soon as the
// "\r" arrives, not when a later "\n" does: a "\n" right after it, even in a later read, is
// the same line end. The last line counts even without its end.
type lineReader struct {
	r      *bufio.Reader
	line   []byte
	skipLF bool // the last line ended with "\r": a "\n" next belongs to it
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, pipeline.EventBuffer)}
}

// next returns the next line, without its end; the slice is valid until the next call.
func (l *lineReader) next() ([]byte, error) {
	l.line = l.line[:0]
	for {
		if _, err := l.r.Peek(1); err != nil {
			if len(l.line) > 0 && errors.Is(err, io.EOF) {
				return l.line, nil
			}
			return nil, err
		}
		buf, _ := l.r.Peek(l.r.Buffered())
		if l.skipLF {
			l.skipLF = false
			if buf[0] == '\n' {
				_, _ = l.r.Discard(1)
				continue
			}
		}
		i := bytes.IndexAny(buf, "\r\n")
		if i < 0 {
			l.line = append(l.line, buf...)
			_, _ = l.r.Discard(len(buf))
			continue
		}
		l.line = append(l.line, buf[:i]...)
		l.skipLF = buf[i] == '\r'
		_, _ = l.r.Discard(i + 1)
		return l.line, nil
	}
}

// acceptEvents asks for a streamed answer, unless the caller's options name another type.
func acceptEvents(s *runSettings) error {
	if s.header.Get("Accept") == "" {
		s.header.Set("Accept", strings.Join([]string{"text/event-stream", "application/x-ndjson", "application/json;q=0.5"}, ", "))
	}
	return nil
}
