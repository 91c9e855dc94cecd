package blaxelmcp

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"net/url"

	"github.com/blaxel-go/blaxel/internal/pipeline"
	"github.com/blaxel-go/blaxel/internal/redact"
)

// What a session reads of each answer is bounded before the go-sdk reads it, and the JSON-RPC
// errors in it lose the client's credentials (a server may echo the key in an error message);
// results are left as they came:
//
//   - an answer outside 2xx: its first pipeline.MaxErrorBody bytes (1 MiB);
//   - a JSON answer to a POST: read whole here, up to the client's limit (WithMaxResponseBytes,
//     64 MiB by default); a larger one fails the call with a *blaxel.DecodeError matching
//     blaxel.ErrResponseTooLarge, and the session goes on;
//   - an event stream: each event up to the client's limit; a larger event ends the stream,
//     and the call it answers fails with a JSON-RPC error saying so. Once the call's answer
//     has come (an event of at most 64 KiB: a larger one is not looked into), what is left
//     of the stream is read before the answer is handed on, at most 4 KiB for at most 250 ms
//     (pipeline.Finish), so that the next call finds the connection free: the MCP
//     specification asks a server to end the stream after the answer, and one that keeps it
//     open holds the answer back those 250 ms and loses its connection.

// redactHeader removes the client's credentials from an answer's headers, which the go-sdk
// quotes in some errors (a session id, a content type).
func redactHeader(h http.Header, r *redact.Redactor) {
	for _, values := range h {
		for i, v := range values {
			values[i] = withoutOwnSecrets(v, r)
		}
	}
}

// withoutOwnSecrets is s redacted when it holds one of the client's own credentials, and s
// otherwise: what merely looks like a credential (a session id that is a JWT, say) is an
// identifier the session must send back unchanged.
func withoutOwnSecrets(s string, r *redact.Redactor) string {
	clean := r.Text(s)
	if clean == s || clean == (*redact.Redactor)(nil).Text(s) {
		return s
	}
	return clean
}

// errorAnswer bounds an answer outside 2xx, returning the bytes read as they came (for
// Blaxel's own account of a refusal), and giving the go-sdk the same bytes, redacted.
func (t *sessionTransport) errorAnswer(ctx context.Context, resp *http.Response) []byte {
	body, more, _ := pipeline.ReadAtMost(ctx, resp.Body, t.redact.Window(pipeline.MaxErrorBody))
	resp.Body.Close()
	clean := t.redact.Bounded(redactRPCError(body, t.redact), pipeline.MaxErrorBody, more)
	resp.Body, resp.ContentLength = io.NopCloser(bytes.NewReader(clean)), int64(len(clean))
	resp.Header.Del("Content-Length")
	return body
}

// jsonAnswer reads a JSON answer to a POST whole, bounded by the client's limit.
func (t *sessionTransport) jsonAnswer(ctx context.Context, req *http.Request, resp *http.Response) error {
	if resp.ContentLength > t.maxBody {
		resp.Body.Close()
		return pipeline.TooLarge(req, resp, t.maxBody, t.redact)
	}
	body, _, err := pipeline.ReadAtMost(ctx, resp.Body, int(min(t.maxBody, math.MaxInt-1))+1)
	resp.Body.Close()
	switch {
	case int64(len(body)) > t.maxBody:
		return pipeline.TooLarge(req, resp, t.maxBody, t.redact)
	case err != nil:
		return t.redact.URLError(&url.Error{Op: req.Method, URL: req.URL.String(), Err: err})
	}
	body = redactRPCError(body, t.redact)
	resp.Body, resp.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	return nil
}

// redactRPCError removes the client's credentials from the error of a JSON-RPC answer (its
// message, and every string of its data), and returns any other message as it is.
func redactRPCError(msg []byte, r *redact.Redactor) []byte {
	if !bytes.Contains(msg, []byte(`"error"`)) {
		return msg // no error: the common case, decided without decoding
	}
	var probe struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(msg, &probe) != nil || len(probe.Error) == 0 || string(probe.Error) == "null" {
		return msg
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(msg, &fields) != nil {
		return msg
	}
	var e any
	dec := json.NewDecoder(bytes.NewReader(probe.Error))
	dec.UseNumber()
	if dec.Decode(&e) != nil {
		return msg
	}
	clean, err := json.Marshal(redactValue(e, r))
	if err != nil {
		return msg
	}
	fields["error"] = clean
	out, err := json.Marshal(fields)
	if err != nil {
		return msg
	}
	return out
}

// redactValue redacts every string of a decoded JSON value, object keys included.
func redactValue(v any, r *redact.Redactor) any {
	switch v := v.(type) {
	case string:
		return r.Text(v)
	case []any:
		for i := range v {
			v[i] = redactValue(v[i], r)
		}
		return v
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[r.Text(k)] = redactValue(x, r)
		}
		return out
	}
	return v
}

// eventFilter is an event stream read one event at a time, each bounded by limit, with the
// client's credentials removed from the JSON-RPC errors it carries.
type eventFilter struct {
	src    *bufio.Reader
	body   io.Closer
	redact *redact.Redactor
	limit  int64
	// call is the JSON-RPC id of the call the stream answers, nil for none. tooLarge is the
	// event that ends the stream of a call whose event passed limit: an error for the call.
	// nil for a stream that answers no call: its read fails.
	call     json.RawMessage
	tooLarge []byte
	tooLong  error

	event []byte // the event being read, line by line
	out   []byte // what is ready to be read
	err   error  // the error once out is read
}

func newEventFilter(t *sessionTransport, req *http.Request, resp *http.Response) *eventFilter {
	f := &eventFilter{src: bufio.NewReaderSize(resp.Body, 32<<10), body: resp.Body, redact: t.redact, limit: t.maxBody,
		tooLong: pipeline.TooLarge(req, resp, t.maxBody, t.redact)}
	if id := rpcID(req); id != nil {
		f.call = id
		f.tooLarge, _ = json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "error": map[string]any{
			"code": codeAnswerTooLarge, "message": f.tooLong.Error(),
		}})
	}
	return f
}

// codeAnswerTooLarge is the JSON-RPC error code of a call whose answer passed the client's
// limit, in the range JSON-RPC leaves to implementations.
const codeAnswerTooLarge = -32001

func (f *eventFilter) Read(p []byte) (int, error) {
	for len(f.out) == 0 {
		if f.err != nil {
			return 0, f.err
		}
		f.next()
	}
	n := copy(p, f.out)
	f.out = f.out[n:]
	return n, nil
}

func (f *eventFilter) Close() error { return f.body.Close() }

// next reads the next event, up to the blank line that ends it, as the go-sdk splits lines.
func (f *eventFilter) next() {
	f.event = f.event[:0]
	for {
		line, err := f.src.ReadSlice('\n')
		if int64(len(f.event)+len(line)) > f.limit {
			f.event = nil // let the partial event go
			if f.tooLarge != nil {
				f.out, f.err = append(append([]byte("data: "), f.tooLarge...), "\n\n"...), io.EOF
			} else {
				f.err = f.tooLong
			}
			return
		}
		if need := len(f.event) + len(line); need > cap(f.event) {
			// Doubling keeps what a large event allocates within twice its size (append
			// grows large slices by a quarter at a time).
			f.event = append(make([]byte, 0, min(max(2*cap(f.event), need), int(f.limit))), f.event...)
		}
		f.event = append(f.event, line...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			f.err = err
			if !errors.Is(err, io.EOF) {
				f.err = f.redact.Err(err)
			}
			break
		}
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			break
		}
	}
	f.out = redactEvent(f.event, f.redact)
	if f.err == nil && f.call != nil && len(f.event) <= maxAnswerCheck && answersCall(f.event, f.call) {
		// The call's answer ends what the go-sdk reads of the stream, and the next call may
		// start at once: the stream's end, which a server should send right after the answer,
		// is read before the answer is handed on, so that the connection is free for that
		// call (see pipeline.Finish).
		_ = pipeline.Finish(f.src, f.body)
		f.err = io.EOF
	}
}

// maxAnswerCheck is the largest event answersCall looks at: recognising an answer reads its
// whole JSON, which for a large result costs more than the new connection the next call
// would otherwise dial.
const maxAnswerCheck = 64 << 10

// answersCall reports whether an event holds the answer to the call whose JSON-RPC id is id,
// as the go-sdk reads it: a message event (no event name, or "message") whose data, its
// lines joined, is a JSON object with an "id" of the same value, a "result" or an "error",
// and no "method" (which makes it a request or a notification of the server's), its members
// in any order. The result and the error are passed over, not decoded. An event it does not
// recognise is simply not the end.
func answersCall(event []byte, id json.RawMessage) bool {
	data := messageData(event)
	if len(data) == 0 || data[0] != '{' {
		return false
	}
	var members map[string]member
	if json.Unmarshal(data, &members) != nil {
		return false
	}
	_, isResult := members["result"]
	_, isError := members["error"]
	_, isRequest := members["method"]
	return (isResult || isError) && !isRequest && sameID(members["id"].short, id)
}

// messageData is the data of an event the go-sdk reads as a message, its lines joined by
// newlines (the event's own bytes when it has one line of data), and nil for any other
// event: one named otherwise is passed over.
func messageData(event []byte) []byte {
	var data []byte
	name, lines := "", 0
	for line := range bytes.Lines(event) {
		field, value, _ := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(":"))
		switch string(field) {
		case "event":
			name = string(bytes.TrimSpace(value))
		case "data":
			switch lines++; lines {
			case 1:
				data = bytes.TrimSpace(value)
			case 2:
				data = append(append(bytes.Clone(data), '\n'), bytes.TrimSpace(value)...)
			default:
				data = append(append(data, '\n'), bytes.TrimSpace(value)...)
			}
		}
	}
	if name != "" && name != "message" {
		return nil
	}
	return data
}

// member is one member of a JSON object, known to be there; its value is kept only when it
// is short (an id), and never decoded.
type member struct{ short []byte }

// maxIDLen bounds the JSON-RPC ids compared: an answer with a longer id (the go-sdk numbers
// its calls) is taken for no call's, and its stream is read as any other.
const maxIDLen = 256

func (m *member) UnmarshalJSON(value []byte) error {
	if len(value) <= maxIDLen {
		m.short = bytes.Clone(value)
	}
	return nil
}

// sameID reports whether two JSON-RPC ids are the same value: two strings alike, or two
// numbers of equal value (1 and 1.0 are the same id, as the go-sdk reads them).
func sameID(a, b []byte) bool {
	var x, y any
	if len(a) == 0 || json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	switch x.(type) {
	case string, float64:
		return x == y
	}
	return false
}

// redactEvent returns an event without the client's credentials in the lines other than its
// data (which the go-sdk may quote in an error) nor in a JSON-RPC error its data holds; a
// result is left as it came.
func redactEvent(event []byte, r *redact.Redactor) []byte {
	for line := range bytes.Lines(event) {
		if !bytes.HasPrefix(line, []byte("data:")) {
			if text := string(line); withoutOwnSecrets(text, r) != text {
				return redactEventError(redactLines(event, r), r)
			}
		}
	}
	return redactEventError(event, r)
}

// redactLines redacts every line of an event but its data.
func redactLines(event []byte, r *redact.Redactor) []byte {
	var out []byte
	for line := range bytes.Lines(event) {
		if !bytes.HasPrefix(line, []byte("data:")) {
			line = []byte(withoutOwnSecrets(string(line), r))
		}
		out = append(out, line...)
	}
	return out
}

// redactEventError returns an event whose data is a JSON-RPC error rewritten without the
// client's credentials, and any other event as it is.
func redactEventError(event []byte, r *redact.Redactor) []byte {
	if !bytes.Contains(event, []byte(`"error"`)) {
		return event
	}
	var data, other []byte
	name, hasData := "", false
	for line := range bytes.Lines(event) {
		field, value, _ := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(":"))
		switch string(field) {
		case "data":
			if hasData {
				data = append(data, '\n')
			}
			data, hasData = append(data, bytes.TrimSpace(value)...), true
			continue
		case "event":
			name = string(bytes.TrimSpace(value))
		case "":
			continue // the blank line that ends the event
		}
		other = append(other, line...)
	}
	if !hasData || name != "" && name != "message" {
		return event
	}
	clean := redactRPCError(data, r)
	if bytes.Equal(clean, data) {
		return event
	}
	other = append(other, "data: "...)
	other = append(other, clean...)
	return append(other, "\n\n"...)
}

// rpcID is the JSON-RPC id of a POST's call, read from a copy of its body; nil for a
// notification, an answer or a body that cannot be read again.
func rpcID(req *http.Request) json.RawMessage {
	if req.Method != http.MethodPost || req.GetBody == nil || req.ContentLength > maxPeek {
		return nil
	}
	body, err := req.GetBody()
	if err != nil {
		return nil
	}
	defer body.Close()
	var msg struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
	}
	if json.NewDecoder(io.LimitReader(body, maxPeek)).Decode(&msg) != nil || msg.Method == "" || len(msg.ID) == 0 {
		return nil
	}
	return msg.ID
}
