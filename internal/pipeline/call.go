package pipeline

import (
	"context"
	"errors"
	"net/http"
)

// CallSettings is what one generated call asks for: the one value the pipeline keeps in a
// request's context, since the generated client gives the doer nothing else. Everything
// else that differs by request is a Destination, given by value.
type CallSettings struct {
	Operation string         // the operationId of the document, named in errors
	Header    http.Header    // added to the request, over the client's WithHeader headers
	Into      *http.Response // filled with the answer's status and headers
	Err       error          // the first option that failed: nothing is sent
}

type callKey struct{}

// WithCall puts the settings of a call's options in its context; nil leaves it as it is.
func WithCall(ctx context.Context, s *CallSettings) context.Context {
	if s == nil {
		return ctx
	}
	return context.WithValue(ctx, callKey{}, s)
}

// CallOf is the settings of the call a request belongs to; nil for none.
func CallOf(ctx context.Context) *CallSettings {
	s, _ := ctx.Value(callKey{}).(*CallSettings)
	return s
}

// record fills the caller's response with what came back.
func (s *CallSettings) record(resp *http.Response) {
	if s == nil || s.Into == nil {
		return
	}
	*s.Into = http.Response{
		Status: resp.Status, StatusCode: resp.StatusCode, Proto: resp.Proto, ProtoMajor: resp.ProtoMajor, ProtoMinor: resp.ProtoMinor,
		Header: resp.Header, ContentLength: resp.ContentLength, Body: http.NoBody, TLS: resp.TLS,
	}
}

// WithOperation names the operation of the document that a request is for: the generated
// checked client sets it on every request, over the settings of the call's options.
func WithOperation(ctx context.Context, operation string) context.Context {
	s := CallSettings{Operation: operation}
	if call := CallOf(ctx); call != nil {
		s.Header, s.Into, s.Err = call.Header, call.Into, call.Err
	}
	return context.WithValue(ctx, callKey{}, &s)
}

// OperationOf is the operation of a request; "" for one that no generated method sent.
func OperationOf(req *http.Request) string {
	if s := CallOf(req.Context()); s != nil {
		return s.Operation
	}
	return ""
}

// ErrNotDeclared is why a 2xx answer that the document does not declare is refused.
var ErrNotDeclared = errors.New("not the answer openapi.yaml declares for this operation")
