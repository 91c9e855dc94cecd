package blaxel

import (
	"errors"
	"fmt"
	"net/http"
)

// Sentinel errors to test an *APIError against with errors.Is.
var (
	ErrBadRequest   = errors.New("blaxel: bad request")
	ErrUnauthorized = errors.New("blaxel: unauthorized")
	ErrForbidden    = errors.New("blaxel: forbidden")
	ErrNotFound     = errors.New("blaxel: not found")
	ErrConflict     = errors.New("blaxel: conflict")
	ErrRateLimited  = errors.New("blaxel: rate limited")
)

// APIError is a non-2xx answer of the API. Every operation returns one, as its error, for any
// status outside 2xx, so err == nil always means success.
type APIError struct {
	StatusCode int    // the HTTP status
	Code       string // Blaxel's error name, e.g. "invalid_api_version"
	Message    string // Blaxel's sentence for people
	Method     string
	URL        string // the request's address, credentials removed
	Body       []byte // the start of the answer's body
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("blaxel: %s %s: %d %s", e.Method, e.URL, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Code != "" {
		msg += ": " + e.Code
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// Is reports whether the error matches one of the sentinels by its status.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrBadRequest:
		return e.StatusCode == http.StatusBadRequest
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrConflict:
		return e.StatusCode == http.StatusConflict
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	}
	return false
}
