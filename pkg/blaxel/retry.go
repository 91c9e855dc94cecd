package blaxel

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryPolicy says how often and how patiently a failed request is sent again.
//
// What is retried: for GET, HEAD, PUT, DELETE and OPTIONS, a connection error and the statuses
// 408, 429, 500, 502, 503 and 504, and a gateway error that says it is retryable (such as
// WORKLOAD_UNAVAILABLE). For POST and PATCH, only a failure that provably happened before the
// request reached the server (the connection could not be opened), since the server may
// otherwise have acted on it: a create that answered 504 may still be going on.
//
// Each wait is drawn uniformly between zero and BaseDelay·2^(retry-1), capped at MaxDelay
// ("full jitter"). A Retry-After header replaces that wait when it is at most MaxRetryAfter;
// a longer one ends the retries, and the answer is returned. No wait goes past the context's
// deadline: when it would, the last answer is returned at once.
//
// Apart from the policy, a 401 answered to a token the client obtained itself (client
// credentials, or a refreshable token from the config file) is followed by one new token and
// one new attempt. For POST and PATCH, only when the 401 came from the control plane or from
// the platform's gateway (X-Blaxel-Error-Code AUTHENTICATION_REQUIRED or AUTHENTICATION_FAILED),
// which refuse before anything is done; a 401 from a workload's own code is returned as it is.
type RetryPolicy struct {
	MaxRetries    int           // attempts after the first; 0 disables retries
	BaseDelay     time.Duration // the upper bound of the first wait, at most 24 h
	MaxDelay      time.Duration // the upper bound of any wait, at most 24 h
	MaxRetryAfter time.Duration // the longest Retry-After that is waited for
}

// DefaultRetryPolicy is the policy of a client built without WithRetryPolicy: 3 retries, waits
// drawn below 250 ms, 500 ms, 1 s (at most 20 s), Retry-After honoured up to a minute.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxRetries: 3, BaseDelay: 250 * time.Millisecond, MaxDelay: 20 * time.Second, MaxRetryAfter: time.Minute}
}

// maxBackoff caps the delays of a policy, as Retry-After is capped: a longer wait is no retry,
// and the cap keeps the backoff arithmetic far from overflowing.
const maxBackoff = 24 * time.Hour

func (p RetryPolicy) validate() error {
	switch {
	case p.MaxRetries < 0:
		return fmt.Errorf("MaxRetries %d is negative", p.MaxRetries)
	case p.BaseDelay < 0 || p.MaxDelay < 0 || p.MaxRetryAfter < 0:
		return errors.New("a delay is negative")
	case p.MaxDelay > maxBackoff:
		return fmt.Errorf("MaxDelay %v is above %v", p.MaxDelay, maxBackoff)
	case p.MaxDelay < p.BaseDelay:
		return fmt.Errorf("MaxDelay %v is below BaseDelay %v", p.MaxDelay, p.BaseDelay)
	}
	return nil
}

// idempotent reports whether sending the request twice has the effect of sending it once.
func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions, http.MethodTrace:
		return true
	}
	return false
}

// retryableStatus is a status that says the server did not manage to answer this time.
func retryableStatus(code int) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
		http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// shouldRetry decides whether an attempt's outcome is worth another attempt, and says why.
// body is the start of the answer's body (for a gateway error's "retryable" flag).
func shouldRetry(method string, resp *http.Response, err error, body []byte) (bool, string) {
	if err != nil {
		if !transient(err) {
			return false, ""
		}
		if neverSent(err) {
			return true, "the request was not sent: " + err.Error()
		}
		if idempotent(method) {
			return true, "connection error: " + err.Error()
		}
		return false, ""
	}
	if !idempotent(method) {
		return false, ""
	}
	if retryableStatus(resp.StatusCode) {
		return true, "status " + strconv.Itoa(resp.StatusCode)
	}
	if gatewayRetryable(resp.Header, body) {
		return true, "the gateway says retryable"
	}
	return false, ""
}

// gatewayRetryable reads the platform gateway's verdict on an error answer.
func gatewayRetryable(h http.Header, body []byte) bool {
	if h.Get("X-Blaxel-Error-Code") == "WORKLOAD_UNAVAILABLE" {
		return true
	}
	if len(body) == 0 {
		return false // before shape, which escapes: a successful answer allocates nothing here
	}
	var shape struct {
		Error struct {
			Retryable bool `json:"retryable"`
		} `json:"error"`
	}
	return json.Unmarshal(body, &shape) == nil && shape.Error.Retryable
}

// transient reports whether trying again may give another result.
func transient(err error) bool {
	var (
		perm     *permanentError
		apiErr   *APIError
		certErr  *tls.CertificateVerificationError
		authErr  x509.UnknownAuthorityError
		hostErr  x509.HostnameError
		invalErr x509.CertificateInvalidError
	)
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return false
	case errors.As(err, &perm), errors.As(err, &certErr), errors.As(err, &authErr),
		errors.As(err, &hostErr), errors.As(err, &invalErr):
		return false
	case errors.As(err, &apiErr):
		return retryableStatus(apiErr.StatusCode)
	}
	return true
}

// neverSent reports whether the request provably did not reach the server: the failure came
// before it was sent, or the connection could not be opened.
func neverSent(err error) bool {
	var ns *notSentError
	if errors.As(err, &ns) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && (op.Op == "dial" || op.Op == "proxyconnect")
}

// backoff is the wait before retry number n (1 for the first retry): drawn by jitter, which
// returns a number in [0, limit), up to BaseDelay·2^(n-1) capped at MaxDelay.
func backoff(p RetryPolicy, n int, jitter func(limit int64) int64) time.Duration {
	limit := min(p.MaxDelay, maxBackoff)
	ceiling := min(p.BaseDelay, limit)
	for i := 1; i < n && ceiling < limit; i++ {
		ceiling *= 2 // at most 2·24 h: no overflow
	}
	ceiling = min(ceiling, limit)
	if ceiling <= 0 {
		return 0
	}
	return time.Duration(jitter(int64(ceiling) + 1))
}

// retryAfter reads a Retry-After header, in seconds or as an HTTP date.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		return time.Duration(min(secs, int64(24*time.Hour/time.Second))) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}
