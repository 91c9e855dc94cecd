package sandboxfake

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/wire"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// checkRequest validates a request against the Sandbox API's document: parameters, and the
// body unless the operation streams it. It answers the sandbox's 400 when the document
// rejects the request. Without a document every request passes.
func (h *Host) checkRequest(x *sbxCall) (wire.Reply, bool) {
	if x.route.doc == nil {
		return wire.Reply{}, true
	}
	in, rewind := validationInputFor(x)
	err := openapi3filter.ValidateRequest(x.ctx, in)
	rewind()
	if err != nil {
		return sandboxError(http.StatusBadRequest, wire.ValidationMessage(err)), false
	}
	return wire.Reply{}, true
}

// validationInputFor prepares a request for openapi3filter, and returns how to give the
// handler its body back whole.
func validationInputFor(x *sbxCall) (*openapi3filter.RequestValidationInput, func()) {
	opts := &openapi3filter.Options{
		AuthenticationFunc:         openapi3filter.NoopAuthenticationFunc, // the gate checked the credential
		ExcludeReadOnlyValidations: true,
		SkipSettingDefaults:        true,
		ExcludeRequestBody:         x.route.streamed,
	}
	req, rewind := x.r, func() {}
	if x.route.streamed {
		// The validator reads whole any body it is given: an upload must not reach it.
		req = x.r.Clone(x.ctx)
		req.Body, req.GetBody, req.ContentLength = http.NoBody, nil, 0
	} else if x.r.Body != nil {
		body, _ := io.ReadAll(x.r.Body) // in memory already, see serveSandbox
		x.r.Body = io.NopCloser(bytes.NewReader(body))
		rewind = func() { x.r.Body = io.NopCloser(bytes.NewReader(body)) }
	}
	return &openapi3filter.RequestValidationInput{
		Request: req, PathParams: x.params, Route: x.route.doc, Options: opts,
	}, rewind
}

// responseValidator returns what checks a whole (held) answer against the document, nil
// without a document. An answer the document does not allow is reported: it fails the test.
func (h *Host) responseValidator(x *sbxCall) func(int, http.Header, []byte) {
	if x.route.doc == nil {
		return nil
	}
	return func(status int, header http.Header, body []byte) {
		in, _ := validationInputFor(x)
		out := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: in, Status: status, Header: header,
			Body: io.NopCloser(bytes.NewReader(body)), Options: &openapi3filter.Options{IncludeResponseStatus: true},
		}
		if err := openapi3filter.ValidateResponse(x.ctx, out); err != nil {
			h.report("sandbox %s (%s %s): the answer %d does not match openapi-sandbox.yaml: %s",
				x.route.op.route, x.r.Method, x.raw, status, wire.ValidationMessage(err))
		}
	}
}

// headerValidator returns what checks that a streamed answer's status and media type are
// ones the document declares for the operation, nil without a document.
func (h *Host) headerValidator(x *sbxCall) func(int, http.Header) {
	if x.route.doc == nil {
		return nil
	}
	return func(status int, header http.Header) {
		resp := responseOf(x.route.doc.Operation, status)
		switch {
		case resp == nil:
			h.report("sandbox %s (%s %s): openapi-sandbox.yaml declares no answer %d", x.route.op.route, x.r.Method, x.raw, status)
		case len(resp.Content) > 0 && mediaOf(x.route.doc.Operation, status, header) == nil:
			h.report("sandbox %s (%s %s): openapi-sandbox.yaml declares no answer %d of type %q",
				x.route.op.route, x.r.Method, x.raw, status, header.Get("Content-Type"))
		}
	}
}

// lineValidator returns what checks each JSON line of a stream against the schema of one
// line: the media type's own schema for NDJSON, its x-line-schema for a text stream of JSON
// lines (watch). Other lines ([keepalive], log text) are not checked. Nil when there is
// nothing to check.
func (h *Host) lineValidator(x *sbxCall, contentType string) func([]byte) {
	if x.route.doc == nil {
		return nil
	}
	mt := mediaOf(x.route.doc.Operation, http.StatusOK, http.Header{"Content-Type": {contentType}})
	if mt == nil {
		return nil
	}
	schema := lineSchema(x.route.doc.Spec, mt, contentType)
	if schema == nil {
		return nil
	}
	return func(chunk []byte) {
		for _, line := range bytes.Split(bytes.TrimSuffix(chunk, []byte("\n")), []byte("\n")) {
			if !bytes.HasPrefix(line, []byte("{")) {
				continue
			}
			var v any
			if err := json.Unmarshal(line, &v); err != nil {
				h.report("sandbox %s: a stream line is not JSON: %v: %q", x.route.op.route, err, line)
				continue
			}
			if err := schema.VisitJSON(v); err != nil {
				h.report("sandbox %s: a stream line does not match openapi-sandbox.yaml: %s: %q", x.route.op.route, wire.ValidationMessage(err), line)
			}
		}
	}
}

// lineSchema is the schema of one line of a streamed media type, nil when it has none.
func lineSchema(doc *openapi3.T, mt *openapi3.MediaType, contentType string) *openapi3.Schema {
	if t, _, _ := mime.ParseMediaType(contentType); t == "application/x-ndjson" {
		if mt.Schema != nil {
			return mt.Schema.Value
		}
		return nil
	}
	raw, ok := mt.Extensions["x-line-schema"].(map[string]any)
	if !ok {
		return nil
	}
	ref, _ := raw["$ref"].(string)
	name, ok := strings.CutPrefix(ref, "#/components/schemas/")
	if !ok {
		return nil
	}
	if doc == nil || doc.Components == nil || doc.Components.Schemas[name] == nil {
		return nil
	}
	return doc.Components.Schemas[name].Value
}

// responseOf returns what an operation declares for a status: the status itself, its class
// (2XX), or the default.
func responseOf(op *openapi3.Operation, status int) *openapi3.Response {
	if op == nil || op.Responses == nil {
		return nil
	}
	for _, r := range []*openapi3.ResponseRef{op.Responses.Status(status), op.Responses.Value(strconv.Itoa(status/100) + "XX"), op.Responses.Default()} {
		if r != nil && r.Value != nil {
			return r.Value
		}
	}
	return nil
}

// mediaOf returns the media type an operation declares for a status and content type.
func mediaOf(op *openapi3.Operation, status int, header http.Header) *openapi3.MediaType {
	resp := responseOf(op, status)
	if resp == nil {
		return nil
	}
	mt, _, _ := mime.ParseMediaType(header.Get("Content-Type"))
	return resp.Content.Get(mt)
}
