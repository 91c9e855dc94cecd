package pipeline

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Sentinel errors to test an *APIError against with errors.Is. ErrUnauthorized also matches
// the token endpoint's 400 (a wrong client secret or refresh token), which ErrBadRequest
// matches too.
var (
	ErrBadRequest   = errors.New("blaxel: bad request")
	ErrUnauthorized = errors.New("blaxel: unauthorized")
	ErrForbidden    = errors.New("blaxel: forbidden")
	ErrNotFound     = errors.New("blaxel: not found")
	ErrConflict     = errors.New("blaxel: conflict")
	ErrGone         = errors.New("blaxel: gone")
	ErrRateLimited  = errors.New("blaxel: rate limited")
)

// APIError is a non-2xx answer. Every operation returns one, as its error, for any status
// outside 2xx, so err == nil always means success. Use errors.As to read it, errors.Is with
// the sentinels (ErrNotFound, ...) to test its status. Nothing in it holds a credential.
type APIError struct {
	StatusCode int    // the HTTP status
	Code       string // Blaxel's error name: the control plane's "error", or the gateway's error.code
	Message    string // Blaxel's sentence for people
	Operation  string // the operationId of openapi.yaml, e.g. "GetSandbox"; "" when unknown
	Method     string
	URL        string // the request's address, credentials removed

	// Set when the platform's gateway answered rather than the control plane.
	Source    string // the X-Blaxel-Source header
	Origin    string // which part of the platform refused
	Retryable bool   // the gateway says trying again may succeed
	Action    string // what to do about it
	DoNot     string // what not to do about it
	DocsURL   string

	ContentType string      // the answer's Content-Type
	Header      http.Header // the answer's headers (X-Request-Id, Retry-After...), credentials removed
	Body        []byte      // the start of the answer's body (at most 1 MiB), credentials removed
}

func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("blaxel: ")
	if e.Operation != "" {
		b.WriteString(e.Operation + ": ")
	}
	fmt.Fprintf(&b, "%s %s: %d %s", e.Method, e.URL, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Code != "" {
		b.WriteString(": " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Code == "" && e.Message == "" && len(e.Body) > 0 {
		fmt.Fprintf(&b, " (%s): %s", orUnknown(e.ContentType), Excerpt(e.Body))
	}
	return b.String()
}

// Is reports whether the error matches one of the sentinels by its status.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrBadRequest:
		return e.StatusCode == http.StatusBadRequest
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusBadRequest && e.Operation == "IssueToken"
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrConflict:
		return e.StatusCode == http.StatusConflict
	case ErrGone:
		return e.StatusCode == http.StatusGone
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	}
	return false
}

// DecodeError is a 2xx answer that is not the success the document declares for the
// operation: a body that is not the declared JSON (an HTML page from the edge, JSON cut
// short, an array where an object was due, a type that does not fit), no body where one is
// due, or another 2xx status. The operation may or may not have been carried out.
type DecodeError struct {
	StatusCode  int
	ContentType string
	Operation   string
	Method      string
	URL         string // credentials removed
	Body        []byte // the start of the body (at most 1 MiB; 128 bytes when JSON was announced), credentials removed
	Err         error  // why decoding failed, when JSON was announced
}

func (e *DecodeError) Error() string {
	var b strings.Builder
	b.WriteString("blaxel: ")
	if e.Operation != "" {
		b.WriteString(e.Operation + ": ")
	}
	fmt.Fprintf(&b, "%s %s: %d %s: ", e.Method, e.URL, e.StatusCode, http.StatusText(e.StatusCode))
	switch {
	case errors.Is(e.Err, ErrNotDeclared):
		fmt.Fprintf(&b, "%v (%s)", e.Err, orUnknown(e.ContentType))
	case e.Err != nil:
		fmt.Fprintf(&b, "the body (%s) is not the JSON expected: %v", orUnknown(e.ContentType), e.Err)
	default:
		fmt.Fprintf(&b, "the body (%s) is not the JSON expected", orUnknown(e.ContentType))
	}
	if len(e.Body) > 0 {
		b.WriteString(": " + Excerpt(e.Body))
	} else {
		b.WriteString(": empty body")
	}
	return b.String()
}

func (e *DecodeError) Unwrap() error { return e.Err }

// excerptLen is how much of a body an error's text quotes.
const excerptLen = 200

// excerpt renders the start of a body on one line.
func Excerpt(body []byte) string {
	s := strings.ToValidUTF8(string(body[:min(len(body), excerptLen*2)]), "?")
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > excerptLen {
		cut := excerptLen
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	return s
}

func orUnknown(contentType string) string {
	if contentType == "" {
		return "no content type"
	}
	return contentType
}

// permanentError marks a failure that trying again cannot fix, such as a refused scheme or an
// expired credential that nothing can renew.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

func Permanent(err error) error { return &permanentError{err: err} }

// notSentError marks a failure that happened before the request left: nothing reached the
// server, so even a POST may be sent again.
type notSentError struct{ err error }

func (e *notSentError) Error() string { return e.err.Error() }
func (e *notSentError) Unwrap() error { return e.err }

// StreamError is a failure the sandbox reported inside a successful answer: a stream whose
// status line and headers were already sent (200) when the failure happened, such as an
// exec whose command could not be started or a log stream for an unknown process.
type StreamError struct {
	Method  string
	URL     string // credentials removed
	Message string // the sandbox's own words
}

func (e *StreamError) Error() string {
	return fmt.Sprintf("blaxel: %s %s: the stream reported an error: %s", e.Method, e.URL, e.Message)
}
