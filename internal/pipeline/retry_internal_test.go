package pipeline

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"
)

func TestDefaultCheckRetry(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	gateway := []byte(`{"error":{"code":"WORKLOAD_UNAVAILABLE","message":"starting","retryable":true}}`)
	status := func(code int) *http.Response { return &http.Response{StatusCode: code, Header: http.Header{}} }
	refusal := func(code int, errorCode string) *http.Response {
		return &http.Response{StatusCode: code, Header: http.Header{"X-Blaxel-Error-Code": {errorCode}}}
	}
	for _, tc := range []struct {
		method string
		resp   *http.Response
		err    error
		body   []byte
		want   bool
	}{
		{"GET", status(200), nil, nil, false},
		{"GET", status(404), nil, nil, false},
		{"GET", status(409), nil, nil, false},
		{"GET", status(408), nil, nil, true},
		{"GET", status(429), nil, nil, true},
		{"GET", status(500), nil, nil, true},
		{"GET", status(501), nil, nil, false},
		{"GET", status(502), nil, nil, true},
		{"GET", status(503), nil, nil, true},
		{"GET", status(504), nil, nil, true},
		{"HEAD", status(503), nil, nil, true},
		{"PUT", status(503), nil, nil, true},
		{"DELETE", status(502), nil, nil, true},
		{"OPTIONS", status(504), nil, nil, true},
		{"GET", status(404), nil, gateway, true},
		{"POST", status(404), nil, gateway, false}, // the body alone is no proof that the gateway answered
		{"POST", refusal(404, "WORKLOAD_UNAVAILABLE"), nil, gateway, true},
		{"PATCH", refusal(404, "WORKLOAD_UNAVAILABLE"), nil, nil, true},
		{"POST", refusal(404, "WORKLOAD_NOT_FOUND"), nil, nil, false},
		{"POST", refusal(503, "USAGE_LIMIT_EXCEEDED"), nil, nil, false},
		{"TRACE", status(503), nil, nil, false},
		{"TRACE", nil, reset, nil, false},
		{"POST", status(409), nil, nil, false},
		{"POST", status(429), nil, nil, false},
		{"POST", status(503), nil, nil, false},
		{"POST", status(504), nil, nil, false},
		{"PATCH", status(503), nil, nil, false},
		{"GET", nil, reset, nil, true},
		{"GET", nil, io.ErrUnexpectedEOF, nil, true},
		{"POST", nil, reset, nil, false},
		{"POST", nil, io.ErrUnexpectedEOF, nil, false},
		{"POST", nil, refused, nil, true},
		{"PATCH", nil, fmt.Errorf("wrapped: %w", refused), nil, true},
		{"POST", nil, &notSentError{err: &APIError{StatusCode: 503}}, nil, true},
		{"POST", nil, &notSentError{err: &APIError{StatusCode: 400}}, nil, false},
		{"GET", nil, &notSentError{err: Permanent(errors.New("expired"))}, nil, false},
		{"GET", nil, context.Canceled, nil, false},
		{"GET", nil, context.DeadlineExceeded, nil, false},
		{"GET", nil, x509.UnknownAuthorityError{}, nil, false},
		{"GET", nil, Permanent(errors.New("refusing plain http")), nil, false},
	} {
		got := DefaultCheckRetry(Outcome{Request: &http.Request{Method: tc.method}, Response: tc.resp, Body: tc.body, Err: tc.err})
		if got != tc.want {
			code := 0
			if tc.resp != nil {
				code = tc.resp.StatusCode
			}
			t.Errorf("%s status %d err %v body %s: retry %v, want %v", tc.method, code, tc.err, tc.body, got, tc.want)
		}
	}
}

func TestGatewayRetryableHeader(t *testing.T) {
	h := http.Header{"X-Blaxel-Error-Code": {"WORKLOAD_UNAVAILABLE"}}
	if !gatewayRetryable(h, nil) {
		t.Fatal("header not honoured")
	}
	if gatewayRetryable(http.Header{}, []byte(`{"error":{"code":"WORKLOAD_NOT_FOUND","retryable":false}}`)) {
		t.Fatal("a gateway error that is not retryable was retried")
	}
}

// The backoff grows exponentially, is capped, and draws with full jitter below its ceiling.
func TestBackoff(t *testing.T) {
	p := RetryPolicy{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}
	highest := func(limit int64) int64 { return limit - 1 }
	lowest := func(int64) int64 { return 0 }
	for n, want := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond, 4: 800 * time.Millisecond, 5: time.Second, 60: time.Second} {
		if got := Backoff(p, n, highest); got != want {
			t.Errorf("retry %d: highest wait %v, want %v", n, got, want)
		}
		if got := Backoff(p, n, lowest); got != 0 {
			t.Errorf("retry %d: lowest wait %v, want 0", n, got)
		}
	}
	var limits []int64
	Backoff(p, 2, func(limit int64) int64 { limits = append(limits, limit); return 0 })
	if len(limits) != 1 || limits[0] != int64(200*time.Millisecond)+1 {
		t.Errorf("jitter asked for %v", limits)
	}
	if got := Backoff(RetryPolicy{}, 3, highest); got != 0 {
		t.Errorf("zero policy waits %v", got)
	}
	// Delays past the validation's cap (a policy built without it) neither overflow nor panic.
	huge := RetryPolicy{BaseDelay: math.MaxInt64, MaxDelay: math.MaxInt64}
	for _, n := range []int{1, 2, 64} {
		if got := Backoff(huge, n, highest); got != maxBackoff {
			t.Errorf("huge policy, retry %d: highest wait %v, want %v", n, got, maxBackoff)
		}
	}
	if got := Backoff(RetryPolicy{BaseDelay: time.Hour, MaxDelay: 24 * time.Hour}, 200, highest); got != 24*time.Hour {
		t.Errorf("retry 200 waits %v", got)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		value string
		want  time.Duration
		ok    bool
	}{
		{"", 0, false},
		{"3", 3 * time.Second, true},
		{"0", 0, true},
		{"-1", unreadableRetryAfter, true},
		{"soon", unreadableRetryAfter, true},
		{"99999999999999999999", unreadableRetryAfter, true},
		{"1.5", unreadableRetryAfter, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
		{now.Add(2 * time.Second).Format(time.RFC850), 2 * time.Second, true},
	} {
		h := http.Header{}
		if tc.value != "" {
			h.Set("Retry-After", tc.value)
		}
		got, ok := retryAfter(h, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Retry-After %q: %v %v, want %v %v", tc.value, got, ok, tc.want, tc.ok)
		}
	}
}

func TestRetryPolicyValidation(t *testing.T) {
	for _, p := range []RetryPolicy{
		{MaxRetries: -1},
		{BaseDelay: -time.Second},
		{BaseDelay: time.Second, MaxDelay: time.Millisecond},
		{MaxRetryAfter: -1},
		{BaseDelay: math.MaxInt64, MaxDelay: math.MaxInt64},
		{MaxDelay: 25 * time.Hour},
	} {
		if p.Validate() == nil {
			t.Errorf("%+v accepted", p)
		}
	}
	if err := DefaultRetryPolicy().Validate(); err != nil {
		t.Error(err)
	}
}
