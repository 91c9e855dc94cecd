package blaxeltest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// reply is an answer before it is written: handlers build one, the server validates it against
// the document, faults may replace or damage it, then it is sent.
type reply struct {
	status   int
	header   http.Header
	body     []byte
	validate bool // false for answers the document cannot describe (faults, bare arrays of old versions)
}

// jsonReply answers v as JSON.
func jsonReply(status int, v any) reply {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return errorReply(http.StatusInternalServerError, "internal_error", "encode the answer: "+err.Error())
	}
	return reply{
		status:   status,
		header:   http.Header{"Content-Type": {"application/json"}},
		body:     bytes.TrimSuffix(buf.Bytes(), []byte("\n")),
		validate: true,
	}
}

// emptyReply answers a status without a body.
func emptyReply(status int) reply {
	return reply{status: status, header: http.Header{}, validate: true}
}

// errorReply answers Blaxel's control-plane error body: {"error", "code", "message"}.
func errorReply(status int, code, message string) reply {
	if code == "" {
		code = statusText(status)
	}
	return jsonReply(status, map[string]any{"error": code, "code": status, "message": message})
}

// statusText names a status for error bodies, e.g. 404 -> "not_found".
func statusText(code int) string {
	t := http.StatusText(code)
	if t == "" {
		return "error"
	}
	return strings.ToLower(strings.NewReplacer(" ", "_", "-", "_", "'", "").Replace(t))
}

// escapeSegment escapes one path segment.
func escapeSegment(s string) string { return url.PathEscape(s) }
