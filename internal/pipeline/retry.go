package pipeline

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryPolicy says how often and how patiently a failed request is sent again.
//
// What is retried (DefaultCheckRetry): for GET, HEAD, PUT, DELETE and OPTIONS, a connection
// error and the statuses 408, 429, 500, 502, 503 and 504, and a gateway error that says it is
// retryable. For every method, POST and PATCH included, a failure that provably happened
// before anything was done: the request never reached the server (the connection could not be
// opened), or the platform's gateway refused it before passing it on and says to try again
// (X-Blaxel-Error-Code WORKLOAD_UNAVAILABLE). Otherwise a POST or PATCH is not sent again,
// since the server may have acted on it: a create that answered 504 may still be going on.
// WithCheckRetry replaces the decision; the rest of the policy bounds it still.
//
// Retries of one client also draw on its retry budget (WithRetryBudget), so that many calls
// meeting the same outage do not multiply the load on the server. Every retry the client
// makes does, whatever it retries: a request, a token request (once, however many calls wait
// for that token), a sandbox's exec lookup and resend, a log stream's reconnection, an
// upload's completion.
//
// Each wait is drawn uniformly between zero and BaseDelay·2^(retry-1), capped at MaxDelay
// ("full jitter"). A Retry-After header replaces that wait when it is at most MaxRetryAfter;
// a longer one, or one that cannot be read, ends the retries, and the answer is returned. No
// wait goes past the context's
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

func (p RetryPolicy) Validate() error {
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

// idempotent reports whether sending the request twice has the effect of sending it once:
// the methods the documentation of RetryPolicy lists.
func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// RetryableStatus is a status that says the server did not manage to answer this time.
func RetryableStatus(code int) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
		http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// Outcome is what one attempt of a request gave, as the retry decision sees it.
type Outcome struct {
	Request  *http.Request  // the attempt: its method, address and headers
	Response *http.Response // the answer; nil when Err is set. Its body must not be read: see Body
	Body     []byte         // the start of an error answer's body (at most 64 KiB); nil otherwise
	Err      error          // why no answer came; nil when one did
}

// CheckRetry decides whether an attempt's outcome is worth sending the request again. The
// client calls it after every failed attempt; the policy (MaxRetries, Retry-After, the
// deadline), the retry budget and a body that cannot be sent twice still bound what it allows.
// It must be safe for concurrent use.
type CheckRetry func(o Outcome) bool

// DefaultCheckRetry is the decision of a client built without WithCheckRetry: the rules the
// documentation of RetryPolicy gives.
func DefaultCheckRetry(o Outcome) bool {
	retry, _ := retryReason(o)
	return retry
}

// retryReason is DefaultCheckRetry, saying why.
func retryReason(o Outcome) (bool, string) {
	if o.Err != nil {
		if !transient(o.Err) {
			return false, ""
		}
		if neverSent(o.Err) {
			return true, "the request was not sent: " + o.Err.Error()
		}
		if idempotent(o.Request.Method) {
			return true, "connection error: " + o.Err.Error()
		}
		return false, ""
	}
	if o.Response == nil {
		return false, ""
	}
	if refusedBeforeActing(o.Response.Header) && gatewayRetryable(o.Response.Header, o.Body) {
		return true, "the gateway refused it before passing it on, and says retryable"
	}
	if !idempotent(o.Request.Method) {
		return false, ""
	}
	if RetryableStatus(o.Response.StatusCode) {
		return true, "status " + strconv.Itoa(o.Response.StatusCode)
	}
	if gatewayRetryable(o.Response.Header, o.Body) {
		return true, "the gateway says retryable"
	}
	return false, ""
}

// refusedBeforeActing reports whether the platform's gateway, in front of a workload, refused
// the request before passing it on, by its X-Blaxel-Error-Code: nothing was done, so even a
// write may be sent again. The 401 rule (see RetryPolicy) and the retry decision share it.
func refusedBeforeActing(h http.Header) bool {
	switch h.Get("X-Blaxel-Error-Code") {
	case "WORKLOAD_UNAVAILABLE", "AUTHENTICATION_REQUIRED", "AUTHENTICATION_FAILED":
		return true
	}
	return false
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
		return RetryableStatus(apiErr.StatusCode)
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
func Backoff(p RetryPolicy, n int, jitter func(limit int64) int64) time.Duration {
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

// unreadableRetryAfter is the wait a Retry-After that cannot be read, or that says no
// sensible number, stands for: longer than any policy waits, so the answer is returned.
const unreadableRetryAfter = time.Duration(math.MaxInt64)

// retryAfter reads a Retry-After header, in seconds or as an HTTP date. ok is false when there
// is none. A value that is neither, negative, or beyond int64, gives unreadableRetryAfter: a
// server that asks for a wait it cannot express is not hammered at the backoff's pace.
func retryAfter(h http.Header, now time.Time) (wait time.Duration, ok bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return unreadableRetryAfter, true
		}
		return time.Duration(min(secs, int64(24*time.Hour/time.Second))) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return unreadableRetryAfter, true
}

// nextAttempt decides, after a failed attempt, whether the request is sent again and after
// what wait: the retry decision first, then the policy's limits, the body, the deadline and
// last the budget, which is only spent on a retry that will happen. spent adds up what the
// request took from the budget. A request worth retrying that the budget stops comes back
// with again false and a reason, for the log.
func (p *transport) nextAttempt(ctx context.Context, o Outcome, retries int, rewindable bool, spent *int) (wait time.Duration, reason string, again bool) {
	retry := false
	retry, reason = retryReason(o)
	if p.checkRetry != nil {
		if retry = p.checkRetry(o); retry && reason == "" {
			reason = "CheckRetry says so"
		}
	}
	if !retry || retries >= p.retrier.policy.MaxRetries || !rewindable {
		return 0, "", false
	}
	wait = Backoff(p.retrier.policy, retries+1, p.retrier.jitter)
	if o.Response != nil {
		if after, ok := retryAfter(o.Response.Header, p.now()); ok {
			if after > p.retrier.policy.MaxRetryAfter {
				return 0, "", false
			}
			wait = after
		}
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
		return 0, "", false
	}
	cost := retryCostOf(o)
	if !p.retrier.budget.take(cost) {
		return 0, "not retried, the client's retry budget is spent: " + reason, false
	}
	*spent += cost
	return wait, reason, true
}
