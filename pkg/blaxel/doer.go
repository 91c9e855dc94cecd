package blaxel

import (
	"cmp"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// maxErrorBody caps how much of an error answer is read and kept.
const maxErrorBody = 1 << 20

// apiDoer is what the generated client sends its requests through: the pipeline's http.Client,
// plus the call's options (headers before, the answer's status and headers after) and two
// rules. A non-2xx answer is an *APIError, so that err == nil means success. A 2xx answer
// with a body must carry JSON, the only kind of body the document declares (a test checks
// that it still does), of the shape the operation declares: anything else is a *DecodeError,
// which names the status, the content type and the start of the body, where the generated
// decoder would give a bare JSON syntax error or silently leave the result empty.
type apiDoer struct {
	http    *http.Client
	redact  *redactor // nil removes only what the patterns recognise
	maxBody int64     // the largest successful body decoded; 0 for DefaultMaxResponseBytes
}

func (d apiDoer) Do(req *http.Request) (*http.Response, error) {
	call := callOf(req.Context())
	if call != nil {
		if call.err != nil {
			return nil, call.err
		}
		for name, values := range call.header {
			req.Header[name] = values
		}
	}
	resp, err := d.http.Do(req)
	if err != nil {
		return nil, d.redact.urlError(err)
	}
	if resp.Request == nil {
		resp.Request = req
	}
	call.record(resp)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		defer resp.Body.Close()
		return nil, newAPIError(req, resp, d.redact)
	}
	if req.Method == http.MethodHead || resp.StatusCode == http.StatusNoContent {
		return resp, nil
	}
	limit := cmp.Or(d.maxBody, DefaultMaxResponseBytes)
	if resp.ContentLength > limit {
		resp.Body.Close()
		return nil, tooLarge(req, resp, limit, d.redact)
	}
	if isJSON(resp.Header.Get("Content-Type")) {
		// Checked while the generated decoder reads it: see checkedBody.
		resp.Body = newCheckedBody(req, resp, d.redact, limit)
		return resp, nil
	}
	// Any other type is refused, unless the body turns out to be empty. Only its start is
	// read, to be quoted: the rest may be large, and the connection is not worth draining it.
	body, more, err := readAtMost(req.Context(), resp.Body, d.redact.window(maxErrorBody))
	discard(resp)
	if err != nil {
		return nil, d.redact.urlError(&url.Error{Op: req.Method, URL: req.URL.String(), Err: err})
	}
	if len(body) == 0 {
		resp.Body = http.NoBody
		return resp, nil
	}
	return nil, newDecodeError(req, resp, d.redact.bounded(body, maxErrorBody, more), nil, d.redact)
}

// safeHeader copies the headers of an answer for an error, with the value of every header
// that carries a credential (Set-Cookie, say) replaced, and every other value redacted.
func safeHeader(h http.Header, r *redactor) http.Header {
	out := h.Clone()
	for name, values := range out {
		for i := range values {
			if isSecretHeader(name) {
				values[i] = redacted
			} else {
				values[i] = r.text(values[i])
			}
		}
	}
	return out
}

// isJSON accepts application/json and the +json types, with parameters. The usual values are
// recognised without parsing: this runs for every answer.
func isJSON(contentType string) bool {
	switch contentType {
	case "application/json", "application/json; charset=utf-8":
		return true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// newAPIError reads the start of an error answer, never longer than the request's context
// lasts, and decodes whichever of Blaxel's two error shapes it holds: the control plane's
// {"error": "name", "code": 404, "message": "..."} or the gateway's {"error": {"code": "...",
// "message": "...", "retryable": true, ...}}, with its X-Blaxel-Source and X-Blaxel-Error-Code
// headers. It names the operation when a generated method sent the request, and removes every
// credential r knows or recognises, once: the body keeps every other byte as the server sent
// it. The body of a 1xx answer, which is the connection itself, is not read.
func newAPIError(req *http.Request, resp *http.Response, r *redactor) *APIError {
	var body []byte
	more := false
	if resp.StatusCode >= 200 {
		body, more, _ = readAtMost(req.Context(), resp.Body, r.window(maxErrorBody))
	}
	e := &APIError{
		StatusCode:  resp.StatusCode,
		Operation:   operationOf(req),
		Method:      req.Method,
		URL:         r.url(req.URL),
		ContentType: r.text(resp.Header.Get("Content-Type")),
		Header:      safeHeader(resp.Header, r),
		Source:      r.text(resp.Header.Get("X-Blaxel-Source")),
		Code:        resp.Header.Get("X-Blaxel-Error-Code"),
		Body:        r.bounded(body, maxErrorBody, more),
	}
	decodeErrorShape(e, body)
	for _, field := range []*string{&e.Code, &e.Message, &e.Origin, &e.Action, &e.DoNot, &e.DocsURL} {
		*field = r.text(*field)
	}
	return e
}

// decodeErrorShape fills e from the body of an error answer, as the server sent it.
func decodeErrorShape(e *APIError, body []byte) {
	var shape struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
	}
	if json.Unmarshal(body, &shape) != nil {
		return
	}
	var name string
	var gateway struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		Origin    string `json:"origin"`
		Retryable bool   `json:"retryable"`
		Action    string `json:"action"`
		DoNot     string `json:"do_not"`
		DocsURL   string `json:"docs_url"`
	}
	switch {
	case json.Unmarshal(shape.Error, &name) == nil:
		e.Code = firstNonEmpty(name, e.Code)
		e.Message = shape.Message
	case json.Unmarshal(shape.Error, &gateway) == nil:
		e.Code = firstNonEmpty(gateway.Code, e.Code)
		e.Message = firstNonEmpty(gateway.Message, shape.Message)
		e.Origin, e.Retryable, e.Action, e.DoNot, e.DocsURL = gateway.Origin, gateway.Retryable, gateway.Action, gateway.DoNot, gateway.DocsURL
	default:
		e.Message = shape.Message
	}
}

// newDecodeError describes a 2xx body that is not the JSON expected. body is the start of
// the answer, already passed through r.bounded.
func newDecodeError(req *http.Request, resp *http.Response, body []byte, cause error, r *redactor) *DecodeError {
	return &DecodeError{
		StatusCode:  resp.StatusCode,
		ContentType: r.text(resp.Header.Get("Content-Type")),
		Operation:   operationOf(req),
		Method:      req.Method,
		URL:         r.url(req.URL),
		Body:        body,
		Err:         r.error(cause),
	}
}
