package blaxel_test

import (
	"context"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// One token request shared by many callers costs the retry budget once: when it answers 503,
// it is retried for all of them, and every caller's request then succeeds. Each caller paying
// for the retry would empty the budget (500 tokens: 50 retries after a failure before a
// request was sent) and fail the others.
func TestOneSharedTokenRequestIsRetriedOnceForAllItsWaiters(t *testing.T) {
	const callers = 1000
	release := make(chan struct{})
	var tokenRequests atomic.Int32
	answer := func(r *http.Request, status int, body string) *http.Response {
		return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(body)), Request: r}
	}
	transport := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		switch r.URL.Path {
		case "/v0/oauth/token":
			if tokenRequests.Add(1) == 1 {
				<-release // answered once every caller waits for it
				return answer(r, http.StatusServiceUnavailable, `{"error":"unavailable"}`), nil
			}
			return answer(r, http.StatusOK, `{"access_token":"shared-token-123456","token_type":"Bearer","expires_in":3600}`), nil
		case "/v0/sandboxes/sb":
			if r.Header.Get("Authorization") != "Bearer shared-token-123456" {
				return answer(r, http.StatusUnauthorized, `{"error":"unauthorized"}`), nil
			}
			return answer(r, http.StatusOK, `{"metadata":{"name":"sb"},"spec":{}}`), nil
		}
		return answer(r, http.StatusNotFound, `{}`), nil
	})
	c, err := blaxel.New(blaxel.WithBaseURL("https://api.example/v0"), blaxel.WithWorkspace("ws"),
		blaxel.WithClientCredentials("client-id", "client-secret-123"),
		// Waits long enough that every caller decides to retry before any retry ends.
		blaxel.WithRetryPolicy(blaxel.RetryPolicy{MaxRetries: 3, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second, MaxRetryAfter: time.Second}),
		blaxel.WithHTTPClient(&http.Client{Transport: transport}))
	if err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() { _, errs[i] = c.GetSandbox(context.Background(), "sb", nil) })
	}
	// Release the token request once the callers are all parked, waiting for it.
	for deadline := time.Now().Add(time.Minute); runtime.NumGoroutine() < before+callers && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	failed := 0
	for _, err := range errs {
		if err != nil {
			if failed == 0 {
				t.Errorf("first failure: %v", err)
			}
			failed++
		}
	}
	if failed > 0 || tokenRequests.Load() != 2 {
		t.Fatalf("%d of %d callers failed; %d token requests, want 2", failed, callers, tokenRequests.Load())
	}
}
