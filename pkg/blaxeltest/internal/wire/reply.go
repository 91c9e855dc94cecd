package wire

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
)

// Reply is an answer before it is written: handlers build one, the server validates it against
// the document, faults may replace or damage it, then it is sent.
type Reply struct {
	Status   int
	Header   http.Header
	Body     []byte
	Validate bool // false for answers the document cannot describe (faults, bare arrays of old versions)
	Problem  *Problem
}

// Problem is what an error answer says, kept so that the body can be cast in the error schema
// the operation declares for the status.
type Problem struct {
	Name, Message string
}

// JSON answers v as JSON.
func JSON(status int, v any) Reply {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return Error(http.StatusInternalServerError, "internal_error", "encode the answer: "+err.Error())
	}
	return Reply{
		Status:   status,
		Header:   http.Header{"Content-Type": {"application/json"}},
		Body:     bytes.TrimSuffix(buf.Bytes(), []byte("\n")),
		Validate: true,
	}
}

// Empty answers a status without a body.
func Empty(status int) Reply {
	return Reply{Status: status, Header: http.Header{}, Validate: true}
}

// Error answers Blaxel's control-plane error body: {"error", "code", "message"}.
func Error(status int, code, message string) Reply {
	if code == "" {
		code = StatusText(status)
	}
	r := JSON(status, map[string]any{"error": code, "code": status, "message": message})
	r.Problem = &Problem{Name: code, Message: message}
	return r
}

// StatusText names a status for error bodies, e.g. 404 -> "not_found".
func StatusText(code int) string {
	t := http.StatusText(code)
	if t == "" {
		return "error"
	}
	return strings.ToLower(strings.NewReplacer(" ", "_", "-", "_", "'", "").Replace(t))
}

// Write sends an answer and returns its status.
func Write(w http.ResponseWriter, rep Reply) int {
	for k, v := range rep.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(rep.Status)
	_, _ = w.Write(rep.Body)
	return rep.Status
}

// DiscardWriter is the writer of a handler whose answer nobody gets: a background call, or
// one the fault answered instead of while the sandbox does what was asked.
type DiscardWriter struct{ header http.Header }

func (d *DiscardWriter) Header() http.Header {
	if d.header == nil {
		d.header = http.Header{}
	}
	return d.header
}
func (d *DiscardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *DiscardWriter) WriteHeader(int)             {}
func (d *DiscardWriter) Flush()                      {}
