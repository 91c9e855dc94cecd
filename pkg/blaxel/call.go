package blaxel

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strings"
)

// CallOption tunes one call of an operation method. An option with an unusable value makes
// the call fail before anything is sent.
type CallOption func(*callSettings) error

// callSettings is what the options of one call ask for; the pipeline reads it from the
// request's context.
type callSettings struct {
	header http.Header    // added to the request, over the client's WithHeader headers
	into   *http.Response // filled with the answer's status and headers
	err    error          // the first option that failed
}

// WithCallHeader sets a header on this call only, over one of the same name that WithHeader
// sets on every call; it may also set X-Blaxel-Workspace or Blaxel-Version for this call.
// The credential headers are refused: the client sets them.
func WithCallHeader(key, value string) CallOption {
	return func(s *callSettings) error {
		name := textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(key))
		switch {
		case name == "" || strings.ContainsAny(name, " :\r\n"):
			return fmt.Errorf("blaxel: WithCallHeader: %q is not a header name", key)
		case name == "Authorization" || name == "X-Blaxel-Authorization":
			return fmt.Errorf("blaxel: WithCallHeader: %s is the credential: use WithAPIKey, WithClientCredentials or WithTokenSource", name)
		case strings.ContainsAny(value, "\r\n"):
			return fmt.Errorf("blaxel: WithCallHeader: the value of %s contains a line break", name)
		}
		if s.header == nil {
			s.header = http.Header{}
		}
		s.header[name] = []string{value}
		return nil
	}
}

// WithResponseInto fills *resp with the status and headers of the answer (a request id, a
// Retry-After, a rate limit), whatever its status. Its body has already been read (and
// decoded into the result): Body is http.NoBody. Request is left nil, since the request as
// sent carries the credential.
func WithResponseInto(resp *http.Response) CallOption {
	return func(s *callSettings) error {
		if resp == nil {
			return errors.New("blaxel: WithResponseInto: the response is nil")
		}
		s.into = resp
		return nil
	}
}

type callKey struct{}

// withCall puts the settings of a call's options in its context. Without options the
// context is returned as it is: most calls have none, and they cost nothing.
func withCall(ctx context.Context, opts []CallOption) context.Context {
	if len(opts) == 0 {
		return ctx
	}
	s := &callSettings{}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(s); err != nil {
			s.err = err
			break
		}
	}
	return context.WithValue(ctx, callKey{}, s)
}

func callOf(ctx context.Context) *callSettings {
	s, _ := ctx.Value(callKey{}).(*callSettings)
	return s
}

// record fills the caller's response with what came back.
func (s *callSettings) record(resp *http.Response) {
	if s == nil || s.into == nil {
		return
	}
	*s.into = http.Response{
		Status: resp.Status, StatusCode: resp.StatusCode, Proto: resp.Proto, ProtoMajor: resp.ProtoMajor, ProtoMinor: resp.ProtoMinor,
		Header: resp.Header, ContentLength: resp.ContentLength, Body: http.NoBody, TLS: resp.TLS,
	}
}

type operationKey struct{}

// withOperation names the operation of openapi.yaml that a request is for: the generated
// checked client sets it on every request, and errors carry it.
func withOperation(ctx context.Context, operation string) context.Context {
	return context.WithValue(ctx, operationKey{}, operation)
}

// operationOf is the operation of a request; "" for one that no generated method sent.
func operationOf(req *http.Request) string {
	op, _ := req.Context().Value(operationKey{}).(string)
	return op
}

// errNotDeclared is why a 2xx answer that the document does not declare is refused.
var errNotDeclared = errors.New("not the answer openapi.yaml declares for this operation")

// answer is what a generated method returns for an operation whose success answer is JSON:
// the value pick takes from the parsed answer, never nil when err is nil. An answer that is
// not the declared one (another 2xx, no JSON, JSON of another shape) is a *DecodeError.
func answer[R, T any](c *Client, resp *http.Response, err error, parse func(*http.Response) (R, error), pick func(R) *T) (*T, error) {
	if err != nil {
		return nil, err
	}
	r, err := parse(resp)
	if err != nil {
		return nil, c.decodeFailure(resp, err)
	}
	v := pick(r)
	if v == nil {
		return nil, c.decodeFailure(resp, errNotDeclared)
	}
	return v, nil
}

// answerValue is answer for a result that is a slice or a map, returned as it is.
func answerValue[R, T any](c *Client, resp *http.Response, err error, parse func(*http.Response) (R, error), pick func(R) *T) (T, error) {
	v, err := answer(c, resp, err, parse, pick)
	if err != nil {
		var zero T
		return zero, err
	}
	return *v, nil
}

// noAnswer is what a generated method returns for an operation that declares no body: nil
// for one of the declared statuses, whose body is left unread.
func noAnswer(c *Client, resp *http.Response, err error, declared ...int) error {
	if err != nil {
		return err
	}
	defer discard(resp)
	if !slices.Contains(declared, resp.StatusCode) {
		return c.decodeFailure(resp, errNotDeclared)
	}
	return nil
}

// decodeFailure turns a failure to read a 2xx answer into a *DecodeError, unless it already is
// one or is the connection's *url.Error.
func (c *Client) decodeFailure(resp *http.Response, cause error) error {
	var decodeErr *DecodeError
	var urlErr *url.Error
	if errors.As(cause, &decodeErr) || errors.As(cause, &urlErr) {
		return cause
	}
	var head []byte
	if b, ok := resp.Body.(*checkedBody); ok {
		head = b.quoted()
	}
	if !errors.Is(cause, errNotDeclared) {
		cause = errors.New(c.redact.text(cause.Error()))
	}
	return newDecodeError(resp.Request, resp, head, cause, c.redact)
}

// Ptr returns a pointer to a copy of v, for the optional fields of gen's types:
// gen.Metadata{DisplayName: blaxel.Ptr("My sandbox")}.
func Ptr[T any](v T) *T { return &v }
