package pipeline

import (
	"cmp"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/blaxel-go/blaxel/internal/redact"
)

// MaxErrorBody caps how much of an error answer is read and kept.
const MaxErrorBody = 1 << 20

// apiDoer is what the generated client sends its requests through: the pipeline's http.Client,
// plus the call's options (headers before, the answer's status and headers after) and two
// rules. A non-2xx answer is an *APIError, so that err == nil means success. A 2xx answer
// with a body must carry JSON, the only kind of body the document declares (a test checks
// that it still does), of the shape the operation declares: anything else is a *DecodeError,
// which names the status, the content type and the start of the body, where the generated
// decoder would give a bare JSON syntax error or silently leave the result empty.
type apiDoer struct {
	http    *http.Client
	redact  *redact.Redactor // nil removes only what the patterns recognise
	maxBody int64            // the largest successful body decoded
	shape   AnswerShape
	trace   tracing
}

// AnswerShape says what the success answer of an operation begins with ('{', '[', or 0 for
// any JSON value), and whether it has a body at all.
type AnswerShape func(operation string) (shape byte, hasBody bool)

// Doer is what a generated client sends its requests with.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// APIDoer is the doer of the control plane's generated client; shape gives what each
// operation's success answer looks like.
func (p *Pipeline) APIDoer(shape AnswerShape) Doer {
	return apiDoer{http: p.HTTP, redact: p.Redact, maxBody: p.MaxBody, shape: shape, trace: p.transport.trace}
}

// Doer is the doer of the requests to d: a sandbox's generated client, a workload's call.
// It keeps the control plane's rules (one success rule, one body limit, one error
// constructor) without the control plane's document: a successful JSON answer is bounded by
// the client's limit as it is read, any other body (a stream, a file) is the caller's to read.
func (p *Pipeline) Doer(d Destination) Doer {
	return apiDoer{http: p.Client(d), redact: p.Redact, maxBody: p.MaxBody, trace: p.transport.trace}
}

// Succeeded is the one success rule: a 2xx answer, or a 304 to a request that asked for one
// with If-Modified-Since. A 1xx that came as the final answer, another 304 and any 3xx left
// over after the redirects are errors: none of them carries the answer asked for.
func Succeeded(req *http.Request, resp *http.Response) bool {
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode <= 299:
		return true
	case resp.StatusCode == http.StatusNotModified:
		return req.Header.Get("If-Modified-Since") != ""
	}
	return false
}

func (d apiDoer) Do(req *http.Request) (resp *http.Response, err error) {
	call := CallOf(req.Context())
	if call != nil {
		if call.Err != nil {
			return nil, call.Err
		}
		for name, values := range call.Header {
			req.Header[name] = values
		}
		if call.Operation != "" {
			// The operation's span: its attempts, redirects included, are its children.
			ctx, op := d.trace.startOperation(req.Context(), call.Operation)
			if ctx != req.Context() {
				req = req.WithContext(ctx)
			}
			defer func() { op.End(err) }()
		}
	}
	return d.do(req, call)
}

func (d apiDoer) do(req *http.Request, call *CallSettings) (*http.Response, error) {
	resp, err := d.http.Do(req)
	if err != nil {
		return nil, d.redact.URLError(err)
	}
	if resp.Request == nil {
		resp.Request = req
	}
	call.record(resp)
	if !Succeeded(req, resp) {
		defer resp.Body.Close()
		return nil, NewAPIError(req, resp, d.redact)
	}
	if req.Method == http.MethodHead || resp.StatusCode == http.StatusNoContent || resp.StatusCode == http.StatusNotModified {
		return resp, nil
	}
	limit := d.maxBody
	json := IsJSON(resp.Header.Get("Content-Type"))
	if d.shape == nil && (!json || resp.Header.Get("Content-Disposition") != "") {
		return resp, nil // a stream or a file, read by the caller as it comes
	}
	if resp.ContentLength > limit {
		resp.Body.Close()
		return nil, TooLarge(req, resp, limit, d.redact)
	}
	if d.shape == nil {
		resp.Body = &boundedBody{body: resp.Body, req: req, resp: resp, redact: d.redact, limit: limit}
		return resp, nil
	}
	if json {
		// Checked while the generated decoder reads it: see checkedBody.
		resp.Body = newCheckedBody(req, resp, d.redact, limit, d.shape)
		return resp, nil
	}
	// Any other type is refused, unless the body turns out to be empty. Only its start is
	// read, to be quoted: the rest may be large, and the connection is not worth draining it.
	body, more, err := ReadAtMost(req.Context(), resp.Body, d.redact.Window(MaxErrorBody))
	Discard(resp)
	if err != nil {
		return nil, d.redact.URLError(&url.Error{Op: req.Method, URL: req.URL.String(), Err: err})
	}
	if len(body) == 0 {
		resp.Body = http.NoBody
		return resp, nil
	}
	return nil, NewDecodeError(req, resp, d.redact.Bounded(body, MaxErrorBody, more), nil, d.redact)
}

// safeHeader copies the headers of an answer for an error, with the value of every header
// that carries a credential (Set-Cookie, say) replaced, and every other value redacted.
func safeHeader(h http.Header, r *redact.Redactor) http.Header {
	out := h.Clone()
	for name, values := range out {
		for i := range values {
			if redact.IsSecretHeader(name) {
				values[i] = redact.Redacted
			} else {
				values[i] = r.Text(values[i])
			}
		}
	}
	return out
}

// IsJSON accepts application/json and the +json types, with parameters. The usual values are
// recognised without parsing: this runs for every answer.
func IsJSON(contentType string) bool {
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

// NewAPIError reads the start of an error answer, never longer than the request's context
// lasts, and decodes whichever of Blaxel's two error shapes it holds: the control plane's
// {"error": "name", "code": 404, "message": "..."} or the gateway's {"error": {"code": "...",
// "message": "...", "retryable": true, ...}}, with its X-Blaxel-Source and X-Blaxel-Error-Code
// headers. It names the operation when a generated method sent the request, and removes every
// credential r knows or recognises, once: the body keeps every other byte as the server sent
// it. The body of a 1xx answer, which is the connection itself, is not read.
func NewAPIError(req *http.Request, resp *http.Response, r *redact.Redactor) *APIError {
	var body []byte
	more := false
	if resp.StatusCode >= 200 {
		body, more, _ = ReadAtMost(req.Context(), resp.Body, r.Window(MaxErrorBody))
	}
	e := &APIError{
		StatusCode:  resp.StatusCode,
		Operation:   OperationOf(req),
		Method:      req.Method,
		URL:         r.URL(req.URL),
		ContentType: r.Text(resp.Header.Get("Content-Type")),
		Header:      safeHeader(resp.Header, r),
		Source:      r.Text(resp.Header.Get("X-Blaxel-Source")),
		Code:        resp.Header.Get("X-Blaxel-Error-Code"),
		Body:        r.Bounded(body, MaxErrorBody, more),
	}
	decodeErrorShape(e, body)
	for _, field := range []*string{&e.Code, &e.Message, &e.Origin, &e.Action, &e.DoNot, &e.DocsURL} {
		*field = r.Text(*field)
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
		e.Code = cmp.Or(name, e.Code)
		e.Message = shape.Message
	case json.Unmarshal(shape.Error, &gateway) == nil:
		e.Code = cmp.Or(gateway.Code, e.Code)
		e.Message = cmp.Or(gateway.Message, shape.Message)
		e.Origin, e.Retryable, e.Action, e.DoNot, e.DocsURL = gateway.Origin, gateway.Retryable, gateway.Action, gateway.DoNot, gateway.DocsURL
	default:
		e.Message = shape.Message
	}
}

// NewDecodeError describes a 2xx body that is not the JSON expected. body is the start of
// the answer, already passed through r.bounded.
func NewDecodeError(req *http.Request, resp *http.Response, body []byte, cause error, r *redact.Redactor) *DecodeError {
	return &DecodeError{
		StatusCode:  resp.StatusCode,
		ContentType: r.Text(resp.Header.Get("Content-Type")),
		Operation:   OperationOf(req),
		Method:      req.Method,
		URL:         r.URL(req.URL),
		Body:        body,
		Err:         r.Err(cause),
	}
}

// boundedBody is a successful JSON answer of the data plane, refused as it is read once it
// passes the client's limit.
type boundedBody struct {
	body   io.ReadCloser
	req    *http.Request
	resp   *http.Response
	redact *redact.Redactor
	limit  int64
	read   int64
	err    error
}

func (b *boundedBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	n, err := b.body.Read(p)
	if b.read += int64(n); b.read > b.limit {
		b.err = TooLarge(b.req, b.resp, b.limit, b.redact)
		return 0, b.err
	}
	if err != nil && !errors.Is(err, io.EOF) {
		err = b.redact.URLError(&url.Error{Op: b.req.Method, URL: b.req.URL.String(), Err: err})
	}
	return n, err
}

func (b *boundedBody) Close() error { return b.body.Close() }
