package blaxel

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"slices"
	"strings"

	"github.com/blaxel-go/blaxel/internal/option"
	"github.com/blaxel-go/blaxel/internal/pipeline"
)

// CallOption tunes one call of an operation method. An option with an unusable value makes
// the call fail before anything is sent.
type CallOption func(*pipeline.CallSettings) error

// WithCallHeader sets a header on this call only, over one of the same name that WithHeader
// sets on every call; it may also set X-Blaxel-Workspace or Blaxel-Version for this call.
// The credential headers are refused: the client sets them.
func WithCallHeader(key, value string) CallOption {
	return func(s *pipeline.CallSettings) error {
		name := textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(key))
		switch {
		case name == "" || strings.ContainsAny(name, " :\r\n"):
			return fmt.Errorf("blaxel: WithCallHeader: %q is not a header name", key)
		case name == "Authorization" || name == "X-Blaxel-Authorization":
			return fmt.Errorf("blaxel: WithCallHeader: %s is the credential: use WithAPIKey, WithClientCredentials or WithTokenSource", name)
		case strings.ContainsAny(value, "\r\n"):
			return fmt.Errorf("blaxel: WithCallHeader: the value of %s contains a line break", name)
		}
		if s.Header == nil {
			s.Header = http.Header{}
		}
		s.Header[name] = []string{value}
		return nil
	}
}

// WithResponseInto fills *resp with the status and headers of the answer (a request id, a
// Retry-After, a rate limit), whatever its status. Its body has already been read (and
// decoded into the result): Body is http.NoBody. Request is left nil, since the request as
// sent carries the credential.
func WithResponseInto(resp *http.Response) CallOption {
	return func(s *pipeline.CallSettings) error {
		if resp == nil {
			return errors.New("blaxel: WithResponseInto: the response is nil")
		}
		s.Into = resp
		return nil
	}
}

// withCall puts the settings of a call's options in its context. Without options the
// context is returned as it is: most calls have none, and they cost nothing.
func withCall(ctx context.Context, opts []CallOption) context.Context {
	if len(opts) == 0 {
		return ctx
	}
	s := &pipeline.CallSettings{}
	if err := option.Apply(s, opts); err != nil {
		s.Err = err
	}
	return pipeline.WithCall(ctx, s)
}

// withOperation names the operation of openapi.yaml that a request is for.
func withOperation(ctx context.Context, operation string) context.Context {
	return pipeline.WithOperation(ctx, operation)
}

// checkPathParams refuses a path parameter that would change the address of the request
// (see pipeline.SegmentProblem). pairs alternates the parameters' names and values.
func checkPathParams(operation string, pairs ...string) error {
	return pipeline.CheckPathParams(operation, pairs...)
}

// answer is what a generated method returns for an operation whose success answer is JSON:
// the value pick takes from the parsed answer, never nil when err is nil. An answer that is
// not the declared one (another 2xx, no JSON, JSON of another shape) is a *DecodeError.
func answer[R, T any](c *Client, resp *http.Response, err error, parse func(*http.Response) (R, error), pick func(R) *T) (*T, error) {
	if err != nil {
		return nil, err
	}
	r, err := parse(resp)
	if err != nil {
		return nil, c.p.DecodeFailure(resp, err)
	}
	v := pick(r)
	if v == nil {
		return nil, c.p.DecodeFailure(resp, pipeline.ErrNotDeclared)
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
	defer pipeline.Discard(resp)
	if !slices.Contains(declared, resp.StatusCode) {
		return c.p.DecodeFailure(resp, pipeline.ErrNotDeclared)
	}
	return nil
}

// Ptr returns a pointer to a copy of v, for the optional fields of gen's types:
// gen.Metadata{DisplayName: blaxel.Ptr("My sandbox")}.
func Ptr[T any](v T) *T { return &v }
