package blaxeltest

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// checkRequest validates a request against the Sandbox API's document: parameters, and the
// body unless the operation streams it. It answers the sandbox's 400 when the document
// rejects the request. Without a document every request passes.
func (h *sandboxHost) checkRequest(x *sbxCall) (reply, bool) {
	if x.route.doc == nil {
		return reply{}, true
	}
	in, rewind := validationInputFor(x)
	err := openapi3filter.ValidateRequest(x.ctx, in)
	rewind()
	if err != nil {
		return sandboxError(http.StatusBadRequest, validationMessage(err)), false
	}
	return reply{}, true
}

// validationInputFor prepares a request for openapi3filter, and returns how to give the
// handler its body back whole.
func validationInputFor(x *sbxCall) (*openapi3filter.RequestValidationInput, func()) {
	opts := &openapi3filter.Options{
		AuthenticationFunc:         openapi3filter.NoopAuthenticationFunc, // the gate checked it
		ExcludeReadOnlyValidations: true,
		SkipSettingDefaults:        true,
		ExcludeRequestBody:         x.route.streamed,
	}
	rewind := func() {}
	if !x.route.streamed && x.r.Body != nil {
		body, _ := io.ReadAll(x.r.Body) // read whole already, see serveSandbox
		x.r.Body = io.NopCloser(bytes.NewReader(body))
		rewind = func() { x.r.Body = io.NopCloser(bytes.NewReader(body)) }
	}
	return &openapi3filter.RequestValidationInput{
		Request: x.r, PathParams: x.params, Route: x.route.doc, Options: opts,
	}, rewind
}

// responseValidator returns what checks a whole (held) answer against the document, nil
// without a document. An answer the document does not allow is reported: it fails the test.
func (h *sandboxHost) responseValidator(x *sbxCall) func(int, http.Header, []byte) {
	if x.route.doc == nil {
		return nil
	}
	return func(status int, header http.Header, body []byte) {
		in, _ := validationInputFor(x)
		out := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: in, Status: status, Header: header,
			Body: io.NopCloser(bytes.NewReader(body)), Options: &openapi3filter.Options{},
		}
		if err := openapi3filter.ValidateResponse(x.ctx, out); err != nil {
			h.report("sandbox %s (%s %s): the answer %d does not match the Sandbox API document: %v",
				x.route.op.route, x.r.Method, x.raw, status, err)
		}
	}
}

// headerValidator returns what checks that a streamed answer's status and media type are
// ones the document declares for the operation, nil without a document.
func (h *sandboxHost) headerValidator(x *sbxCall) func(int, http.Header) {
	if x.route.doc == nil {
		return nil
	}
	return func(status int, header http.Header) {
		if mediaOf(x.route.doc.Operation, status, header) == nil && status != http.StatusNotModified && status != http.StatusPartialContent {
			h.report("sandbox %s (%s %s): the document declares no answer %d of type %q",
				x.route.op.route, x.r.Method, x.raw, status, header.Get("Content-Type"))
		}
	}
}

// lineValidator returns what checks each line of an NDJSON stream against the schema the
// document gives that media type (the schema of one line), nil when there is nothing to check.
func (h *sandboxHost) lineValidator(x *sbxCall, contentType string) func([]byte) {
	if x.route.doc == nil {
		return nil
	}
	mt := mediaOf(x.route.doc.Operation, http.StatusOK, http.Header{"Content-Type": {contentType}})
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil || !isNDJSON(contentType) {
		return nil
	}
	schema := mt.Schema.Value
	return func(line []byte) {
		var v any
		if err := json.Unmarshal(line, &v); err != nil {
			h.report("sandbox %s: a stream line is not JSON: %v", x.route.op.route, err)
			return
		}
		if err := schema.VisitJSON(v); err != nil {
			h.report("sandbox %s: a stream line does not match the document: %v", x.route.op.route, err)
		}
	}
}

func isNDJSON(contentType string) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	return mt == "application/x-ndjson"
}

// mediaOf returns the media type an operation declares for a status and content type.
func mediaOf(op *openapi3.Operation, status int, header http.Header) *openapi3.MediaType {
	if op == nil || op.Responses == nil {
		return nil
	}
	resp := op.Responses.Status(status)
	if resp == nil {
		resp = op.Responses.Value(strconv.Itoa(status/100) + "XX")
	}
	if resp == nil {
		resp = op.Responses.Default()
	}
	if resp == nil || resp.Value == nil {
		return nil
	}
	mt, _, _ := mime.ParseMediaType(header.Get("Content-Type"))
	return resp.Value.Content.Get(mt)
}
