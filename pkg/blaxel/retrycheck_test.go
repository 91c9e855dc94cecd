package blaxel_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// countingHandler answers each request with answer(n), n counting from 1, and counts them.
func countingHandler(answer func(n int, w http.ResponseWriter)) (http.HandlerFunc, *atomic.Int32) {
	var n atomic.Int32
	return func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		answer(int(n.Add(1)), w)
	}, &n
}

// The retry decision can be wrapped: narrowed (no retry after a 502) or widened (a POST
// retried after a 503 the caller knows to be safe); the policy still bounds it.
func TestCheckRetryWrapsTheDefault(t *testing.T) {
	if _, err := blaxel.New(apiKey(), blaxel.WithCheckRetry(nil)); err == nil {
		t.Error("WithCheckRetry(nil) accepted")
	}
	var seen []blaxel.Outcome
	narrow := func(o blaxel.Outcome) bool {
		seen = append(seen, o)
		return blaxel.DefaultCheckRetry(o) && (o.Response == nil || o.Response.StatusCode != http.StatusBadGateway)
	}
	widen := func(o blaxel.Outcome) bool {
		return blaxel.DefaultCheckRetry(o) || o.Request.Method == http.MethodPost && o.Response != nil && o.Response.StatusCode == 503
	}
	for _, tc := range []struct {
		name   string
		check  blaxel.CheckRetry
		status int
		call   func(*blaxel.Client) error
		want   int32
	}{
		{"narrowed, GET after 502", narrow, 502, getSandbox, 1},
		{"narrowed, GET after 503", narrow, 503, getSandbox, 4},
		{"default, POST after 503", blaxel.DefaultCheckRetry, 503, createSandbox, 1},
		{"widened, POST after 503", widen, 503, createSandbox, 4},
	} {
		mux, srv := setup(t)
		h, n := countingHandler(func(_ int, w http.ResponseWriter) {
			writeJSON(w, tc.status, map[string]any{"error": "down", "code": tc.status})
		})
		mux.HandleFunc("/v0/sandboxes", h)
		mux.HandleFunc("/v0/sandboxes/sb", h)
		c := newClient(t, srv, apiKey(), blaxel.WithCheckRetry(tc.check))
		if err := tc.call(c); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
		if n.Load() != tc.want {
			t.Errorf("%s: %d attempts, want %d", tc.name, n.Load(), tc.want)
		}
	}
	if len(seen) == 0 || seen[0].Request == nil || seen[0].Response == nil || len(seen[0].Body) == 0 {
		t.Errorf("the outcome lacks the attempt, the answer or its body: %+v", seen)
	}
}

func createSandbox(c *blaxel.Client) error {
	_, err := c.CreateSandbox(context.Background(), sandboxBody("sb"), nil)
	return err
}

// A client's retries draw on its budget: with 10 tokens, 2 retries in all; an answer that is
// no outage gives one back; WithRetryBudget(0) removes the budget.
func TestRetryBudget(t *testing.T) {
	if _, err := blaxel.New(apiKey(), blaxel.WithRetryBudget(-1)); err == nil {
		t.Error("a negative budget accepted")
	}
	var down atomic.Bool
	mux, srv := setup(t)
	h, n := countingHandler(func(_ int, w http.ResponseWriter) {
		if down.Load() {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": "down"})
			return
		}
		writeJSON(w, http.StatusOK, sandboxJSON("sb"))
	})
	mux.HandleFunc("/v0/sandboxes/sb", h)
	attempts := func(c *blaxel.Client) int32 {
		before := n.Load()
		_ = getSandbox(c)
		return n.Load() - before
	}
	down.Store(true)
	c := newClient(t, srv, apiKey(), blaxel.WithRetryBudget(10))
	if got := []int32{attempts(c), attempts(c)}; got[0] != 3 || got[1] != 1 {
		t.Errorf("attempts %v, want [3 1]: two retries of 5 tokens, then none", got)
	}
	down.Store(false)
	for range 5 {
		attempts(c) // each healthy answer gives a token back
	}
	down.Store(true)
	if got := attempts(c); got != 2 {
		t.Errorf("%d attempts after 5 healthy answers, want 2 (one retry)", got)
	}
	unlimited := newClient(t, srv, apiKey(), blaxel.WithRetryBudget(0))
	for range 3 {
		if got := attempts(unlimited); got != 4 {
			t.Errorf("without a budget: %d attempts, want 4", got)
		}
	}
}

// A refusal of the gateway that says nothing was done (WORKLOAD_UNAVAILABLE) is sent again
// whatever the method: RunAgent's POST like a GET.
func TestGatewayRefusalIsRetriedWhateverTheMethod(t *testing.T) {
	mux, srv := setup(t)
	h, n := countingHandler(func(k int, w http.ResponseWriter) {
		if k == 1 {
			w.Header().Set("X-Blaxel-Source", "gateway")
			w.Header().Set("X-Blaxel-Error-Code", "WORKLOAD_UNAVAILABLE")
			writeJSON(w, http.StatusNotFound, map[string]any{"error": map[string]any{"code": "WORKLOAD_UNAVAILABLE", "retryable": true}})
			return
		}
		_, _ = io.WriteString(w, `{"ok":true}`)
	})
	mux.HandleFunc("/ws/agents/helper", h)
	c := newClient(t, srv, apiKey(), blaxel.WithRunURL(srv.URL))
	body, err := c.RunAgent(context.Background(), "helper", strings.NewReader(`{"inputs":"hi"}`))
	if err != nil {
		t.Fatalf("RunAgent: %v after %d attempts", err, n.Load())
	}
	body.Close()
	if n.Load() != 2 {
		t.Errorf("%d attempts, want 2", n.Load())
	}
}

// TRACE is not among the methods RetryPolicy lists as safe to send twice.
func TestTraceIsNotRetried(t *testing.T) {
	mux, srv := setup(t)
	c := newClient(t, srv, apiKey(), blaxel.WithRunURL(srv.URL))
	trace, m := countingHandler(func(_ int, w http.ResponseWriter) { w.WriteHeader(http.StatusServiceUnavailable) })
	mux.HandleFunc("/ws/agents/tracer", trace)
	_, err := c.RunAgent(context.Background(), "tracer", nil, blaxel.WithMethod(http.MethodTrace))
	var apiErr *blaxel.APIError
	if !errors.As(err, &apiErr) || m.Load() != 1 {
		t.Errorf("TRACE: %v after %d attempts, want a 503 after 1", err, m.Load())
	}
}
