package blaxeltest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/blaxel-go/blaxel/internal/apidoc"
)

// reply is an answer before it is written: handlers build one, the server validates it against
// the document, faults may replace or damage it, then it is sent.
type reply struct {
	status   int
	header   http.Header
	body     []byte
	validate bool // false for answers the document cannot describe (faults, bare arrays of old versions)
	problem  *problem
}

// problem is what an error answer says, kept so that the body can be cast in the error schema
// the operation declares for the status.
type problem struct {
	name, message string
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
	r := jsonReply(status, map[string]any{"error": code, "code": status, "message": message})
	r.problem = &problem{name: code, message: message}
	return r
}

// fitError casts an error answer in the schema the operation declares for its status: the
// control plane's {"error", "code", "message"} for most, {"code", "message", "status_code"} for
// a sandbox creation. Answers that are not errors, or statuses the operation does not declare,
// are left as they are.
func fitError(op *operation, r reply) reply {
	if r.problem == nil || op == nil {
		return r
	}
	resp := op.op.Responses.Status(r.status)
	if resp == nil || resp.Value == nil {
		return r
	}
	mt := resp.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
		return r
	}
	out := map[string]any{}
	for name, p := range properties(mt.Schema.Value) {
		if p.Value == nil {
			continue
		}
		isString, isInt := p.Value.Type.Is("string"), p.Value.Type.Is("integer")
		switch {
		case name == "error" && isString, name == "code" && isString:
			out[name] = r.problem.name
		case name == "message" && isString:
			out[name] = r.problem.message
		case (name == "code" || name == "status" || name == "status_code") && isInt:
			out[name] = r.status
		}
	}
	fitted := jsonReply(r.status, deepMerge(apidoc.Sample(mt.Schema), out))
	fitted.header = r.header
	fitted.validate, fitted.problem = r.validate, r.problem
	return fitted
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
