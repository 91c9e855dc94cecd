package reliability

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// TestShortLivedTokenServesSeveralCalls: tokens that live 30 s, less than the minute a token
// is renewed early, are renewed a quarter of their lifetime early instead: 10 calls within
// 20 s (on the client's clock) need one token, not ten; the 11th, past 22.5 s, gets a second.
func TestShortLivedTokenServesSeveralCalls(t *testing.T) {
	noLeaks(t)
	api := newTokenAPI(t, 30)
	clock := newFakeClock()
	client, _ := newClient(t, api.base(), withClientCredentials(), blaxel.WithClock(clock.now))
	for range 10 {
		if _, err := client.GetSandbox(context.Background(), "sb", nil); err != nil {
			t.Fatal(err)
		}
		clock.advance(2 * time.Second)
	}
	if n := api.tokenRequests(); n != 1 {
		t.Errorf("%d token requests for 10 calls over 20 s with 30 s tokens, want 1", n)
	}
	clock.advance(3 * time.Second)
	if _, err := client.GetSandbox(context.Background(), "sb", nil); err != nil {
		t.Fatal(err)
	}
	if n := api.tokenRequests(); n != 2 {
		t.Errorf("%d token requests after 23 s, want 2", n)
	}
	audit.add("short-token-calls", 11)
	audit.add("short-token-requests", api.tokenRequests())
}

// TestNonBearerTokenRefused: a token answer whose token_type is not bearer (MAC here) is an
// error: Blaxel's tokens are bearer tokens, and the client never sends "Authorization: MAC".
func TestNonBearerTokenRefused(t *testing.T) {
	noLeaks(t)
	var sent atomic.Int64
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/oauth/token") {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"access_token": randomToken("mac_"), "expires_in": 7200, "token_type": "MAC"})
			return
		}
		sent.Add(1)
		ok(w)
	})
	client, _ := newClient(t, srv.base(), withClientCredentials())
	_, err := client.GetSandbox(context.Background(), "sb", nil)
	audit.err(err)
	if err == nil || !strings.Contains(err.Error(), "bearer") {
		t.Errorf("want an error about the token's type, got %v", err)
	}
	if n := sent.Load(); n != 0 {
		t.Errorf("%d requests reached the API with a token that is not a bearer token", n)
	}
	audit.add("non-bearer-refused", 1)
}

// TestOutageMeetsTheRetryBudget: 1,000 goroutines call a control plane that answers 503 to
// everything. Without a budget each would be tried 4 times (4,000 requests); the client's
// retry budget (500 tokens, 5 per retry) allows 100 retries in all: 1,100 requests. Once the
// server recovers, 1,000 calls answered at once refill the budget, and the next outage gets
// its 100 retries again.
func TestOutageMeetsTheRetryBudget(t *testing.T) {
	noLeaks(t)
	var down atomic.Bool
	down.Store(true)
	var requests atomic.Int64
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		requests.Add(1)
		if down.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		ok(w)
	})
	client, err := blaxel.New(withAPIKey(), blaxel.WithBaseURL(srv.base()), blaxel.WithWorkspace(workspace),
		blaxel.WithLogger(debugLogger), blaxel.WithHTTPClient(limitedClient(newWire(t))), fastRetries())
	if err != nil {
		t.Fatal(err)
	}
	const want = goroutines + blaxel.DefaultRetryBudget/5
	outage := func(round string) {
		requests.Store(0)
		errs := fleet(client, goroutines)
		var apiErr *blaxel.APIError
		if len(errs) != goroutines || !errors.As(errs[0], &apiErr) || apiErr.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("%s: %d of %d calls failed, want all with the 503", round, len(errs), goroutines)
		}
		if n := requests.Load(); n != want {
			t.Errorf("%s: %d requests for %d calls, want %d (one each, and the budget's 100 retries)", round, n, goroutines, want)
		}
		audit.add("outage-calls", goroutines)
		audit.add("outage-requests", int(requests.Load()))
	}
	outage("first outage")
	down.Store(false)
	if errs := fleet(client, goroutines); len(errs) > 0 {
		t.Fatalf("%d calls failed after the recovery: %v", len(errs), errs[0])
	}
	down.Store(true)
	outage("second outage")
}
