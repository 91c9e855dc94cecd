package pipeline

import (
	"context"
	"errors"
	"net/http"
)

// CallSettings is what the options of one generated call ask for; the doer reads it from the
// request's context, the one key the pipeline keeps there.
type CallSettings struct {
	Header http.Header    // added to the request, over the client's WithHeader headers
	Into   *http.Response // filled with the answer's status and headers
	Err    error          // the first option that failed: nothing is sent
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

type operationKey struct{}

// WithOperation names the operation of openapi.yaml that a request is for: the generated
// checked client sets it on every request, and errors carry it.
func WithOperation(ctx context.Context, operation string) context.Context {
	return context.WithValue(ctx, operationKey{}, operation)
}

// OperationOf is the operation of a request; "" for one that no generated method sent.
func OperationOf(req *http.Request) string {
	op, _ := req.Context().Value(operationKey{}).(string)
	return op
}

// ErrNotDeclared is why a 2xx answer that the document does not declare is refused.
var ErrNotDeclared = errors.New("not the answer openapi.yaml declares for this operation")
