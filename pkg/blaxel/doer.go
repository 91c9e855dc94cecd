package blaxel

import (
	"encoding/json"
	"io"
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
	http   *http.Client
	redact *redactor // nil removes only what the patterns recognise
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
		e := newAPIError(req, resp)
		finishAPIError(e, req, d.redact)
		return nil, e
	}
	if req.Method == http.MethodHead || resp.StatusCode == http.StatusNoContent {
		return resp, nil
	}
	if isJSON(resp.Header.Get("Content-Type")) {
		// Checked while the generated decoder reads it: see checkedBody.
		resp.Body = newCheckedBody(req, resp, d.redact)
		return resp, nil
	}
	// Any other type is refused, unless the body turns out to be empty. Only its start is
	// read, to be quoted: the rest may be large, and the connection is not worth draining it.
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody+1))
	discard(resp)
	if err != nil {
		return nil, d.redact.urlError(&url.Error{Op: req.Method, URL: req.URL.String(), Err: err})
	}
	if len(body) == 0 {
		resp.Body = http.NoBody
		return resp, nil
	}
	return nil, newDecodeError(req, resp, body, nil, d.redact)
}

// finishAPIError names the operation and removes the client's own secrets from the error.
func finishAPIError(e *APIError, req *http.Request, r *redactor) {
	e.Operation = operationOf(req)
	e.URL = r.url(req.URL)
	for _, field := range []*string{&e.Code, &e.Message, &e.Source, &e.Origin, &e.Action, &e.DoNot, &e.DocsURL, &e.ContentType} {
		*field = r.text(*field)
	}
	for _, values := range e.Header {
		for i := range values {
			values[i] = r.text(values[i])
		}
	}
	e.Body = r.body(e.Body)
}

// safeHeader copies the headers of an answer for an error, with the value of every header
// that carries a credential (Set-Cookie, say) replaced.
func safeHeader(h http.Header) http.Header {
	out := h.Clone()
	for name, values := range out {
		if isSecretHeader(name) {
			for i := range values {
				values[i] = redacted
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

// newAPIError reads the start of an error answer and decodes whichever of Blaxel's two error
// shapes it holds: the control plane's {"error": "name", "code": 404, "message": "..."} or the
// gateway's {"error": {"code": "...", "message": "...", "retryable": true, ...}}, with its
// X-Blaxel-Source and X-Blaxel-Error-Code headers. Credentials that the patterns recognise are
// removed from the body and the message.
func newAPIError(req *http.Request, resp *http.Response) *APIError {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	e := &APIError{
		StatusCode:  resp.StatusCode,
		Method:      req.Method,
		URL:         redactURL(req.URL),
		ContentType: resp.Header.Get("Content-Type"),
		Header:      safeHeader(resp.Header),
		Source:      resp.Header.Get("X-Blaxel-Source"),
		Code:        resp.Header.Get("X-Blaxel-Error-Code"),
		Body:        (*redactor)(nil).body(body),
	}
	var shape struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
	}
	if json.Unmarshal(body, &shape) != nil {
		return e
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
	for _, field := range []*string{&e.Code, &e.Message, &e.Origin, &e.Action, &e.DoNot, &e.DocsURL} {
		*field = redactText(*field)
	}
	return e
}

// newDecodeError describes a 2xx body that is not the JSON expected.
func newDecodeError(req *http.Request, resp *http.Response, body []byte, cause error, r *redactor) *DecodeError {
	if len(body) > maxErrorBody {
		body = body[:maxErrorBody]
	}
	return &DecodeError{
		StatusCode:  resp.StatusCode,
		ContentType: resp.Header.Get("Content-Type"),
		Operation:   operationOf(req),
		Method:      req.Method,
		URL:         r.url(req.URL),
		Body:        r.body(body),
		Err:         cause,
	}
}
