package blaxel_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// failThenOK answers the given statuses in turn, then 200 with a sandbox.
func failThenOK(rec *recorder, statuses ...int) http.HandlerFunc {
	var n atomic.Int32
	return func(w http.ResponseWriter, r *http.Request) {
		rec.add(r)
		i := int(n.Add(1)) - 1
		if i < len(statuses) {
			writeJSON(w, statuses[i], map[string]any{"error": http.StatusText(statuses[i]), "code": statuses[i]})
			return
		}
		writeJSON(w, http.StatusOK, sandboxJSON("sb"))
	}
}

func TestIdempotentMethodsRetryTransientStatuses(t *testing.T) {
	for _, status := range []int{408, 429, 500, 502, 503, 504} {
		calls := map[string]func(c *blaxel.Client) error{
			"GET": getSandbox,
			"PUT": func(c *blaxel.Client) error {
				_, err := c.UpdateSandbox(context.Background(), "sb", sandboxBody("sb"))
				return err
			},
			"DELETE": func(c *blaxel.Client) error {
				_, err := c.DeleteSandbox(context.Background(), "sb")
				return err
			},
		}
		for method, call := range calls {
			mux, srv := setup(t)
			rec := &recorder{}
			mux.HandleFunc(method+" /v0/sandboxes/sb", failThenOK(rec, status, status))
			if err := call(newClient(t, srv, apiKey())); err != nil {
				t.Errorf("%s after two %d: %v", method, status, err)
			}
			if rec.count() != 3 {
				t.Errorf("%s after two %d: %d attempts, want 3", method, status, rec.count())
			}
			for _, r := range rec.all() {
				if method == "PUT" && !strings.Contains(r.Body, `"name":"sb"`) {
					t.Errorf("PUT attempt sent body %q: not rewound", r.Body)
				}
			}
		}
	}
}

func TestPOSTIsNotRetriedAfterAnAnswer(t *testing.T) {
	for _, status := range []int{409, 429, 500, 502, 503, 504} {
		mux, srv := setup(t)
		rec := &recorder{}
		mux.HandleFunc("POST /v0/sandboxes", failThenOK(rec, status, status))
		_, err := newClient(t, srv, apiKey()).CreateSandbox(context.Background(), sandboxBody("sb"), nil)
		var apiErr *blaxel.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != status {
			t.Errorf("POST after %d: error %v", status, err)
		}
		if rec.count() != 1 {
			t.Errorf("POST after %d: sent %d times", status, rec.count())
		}
	}
	mux, srv := setup(t)
	rec := &recorder{}
	mux.HandleFunc("POST /v0/sandboxes", failThenOK(rec, 409))
	_, err := newClient(t, srv, apiKey()).CreateSandbox(context.Background(), sandboxBody("sb"), nil)
	if !errors.Is(err, blaxel.ErrConflict) {
		t.Fatalf("error %v, want ErrConflict", err)
	}
}

// A POST whose connection could not be opened never reached the server: it is sent again.
func TestPOSTIsRetriedWhenTheConnectionWasRefused(t *testing.T) {
	mux, srv := setup(t)
	rec := &recorder{}
	mux.HandleFunc("POST /v0/sandboxes", failThenOK(rec))
	var dials atomic.Int32
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if dials.Add(1) == 1 {
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
		}
		return http.DefaultTransport.RoundTrip(r)
	})}
	_, err := newClient(t, srv, apiKey(), blaxel.WithHTTPClient(hc)).CreateSandbox(context.Background(), sandboxBody("sb"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if dials.Load() != 2 || rec.count() != 1 {
		t.Fatalf("%d attempts, %d reached the server", dials.Load(), rec.count())
	}
	if !strings.Contains(rec.all()[0].Body, `"name":"sb"`) {
		t.Fatalf("body %q", rec.all()[0].Body)
	}
}

// A POST whose connection broke after it was sent may have been carried out: it is not sent again.
func TestPOSTIsNotRetriedAfterTheConnectionBroke(t *testing.T) {
	mux, srv := setup(t)
	rec := &recorder{}
	mux.HandleFunc("POST /v0/sandboxes", func(w http.ResponseWriter, r *http.Request) {
		rec.add(r)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	})
	_, err := newClient(t, srv, apiKey()).CreateSandbox(context.Background(), sandboxBody("sb"), nil)
	if err == nil {
		t.Fatal("no error")
	}
	if rec.count() != 1 {
		t.Fatalf("sent %d times", rec.count())
	}
}

func TestGETIsRetriedAfterTheConnectionBroke(t *testing.T) {
	mux, srv := setup(t)
	var n atomic.Int32
	mux.HandleFunc("GET /v0/sandboxes/sb", func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
			return
		}
		writeJSON(w, http.StatusOK, sandboxJSON("sb"))
	})
	if err := getSandbox(newClient(t, srv, apiKey())); err != nil {
		t.Fatal(err)
	}
	if n.Load() < 2 {
		t.Fatalf("%d attempts", n.Load())
	}
}

func TestGatewayRetryableErrorIsRetried(t *testing.T) {
	mux, srv := setup(t)
	var n atomic.Int32
	mux.HandleFunc("GET /v0/sandboxes/sb", func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("X-Blaxel-Source", "gateway")
			writeJSON(w, http.StatusNotFound, map[string]any{"error": map[string]any{
				"code": "WORKLOAD_UNAVAILABLE", "message": "the workload is starting", "retryable": true}})
			return
		}
		writeJSON(w, http.StatusOK, sandboxJSON("sb"))
	})
	if err := getSandbox(newClient(t, srv, apiKey())); err != nil {
		t.Fatal(err)
	}
	if n.Load() != 2 {
		t.Fatalf("%d attempts, want 2", n.Load())
	}
}

func TestRetriesCanBeDisabledOrLimited(t *testing.T) {
	for _, tc := range []struct {
		retries, want int
	}{{0, 1}, {1, 2}, {5, 6}} {
		mux, srv := setup(t)
		rec := &recorder{}
		mux.HandleFunc("GET /v0/sandboxes/sb", failThenOK(rec, 503, 503, 503, 503, 503, 503, 503))
		err := getSandbox(newClient(t, srv, apiKey(), blaxel.WithMaxRetries(tc.retries)))
		if !errors.As(err, new(*blaxel.APIError)) {
			t.Errorf("%d retries: error %v", tc.retries, err)
		}
		if rec.count() != tc.want {
			t.Errorf("%d retries: %d attempts, want %d", tc.retries, rec.count(), tc.want)
		}
	}
}

// Retry-After is honoured in both of its forms.
func TestRetryAfterIsHonoured(t *testing.T) {
	for name, value := range map[string]func() string{
		"seconds": func() string { return "1" },
		"date":    func() string { return time.Now().Add(2 * time.Second).UTC().Format(http.TimeFormat) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			mux, srv := setup(t)
			var n atomic.Int32
			var first, second time.Time
			mux.HandleFunc("GET /v0/sandboxes/sb", func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) == 1 {
					first = time.Now()
					w.Header().Set("Retry-After", value())
					writeJSON(w, http.StatusTooManyRequests, map[string]any{"error": "rate_limited"})
					return
				}
				second = time.Now()
				writeJSON(w, http.StatusOK, sandboxJSON("sb"))
			})
			if err := getSandbox(newClient(t, srv, apiKey())); err != nil {
				t.Fatal(err)
			}
			// The date form has a resolution of one second, so its wait is between 1 and 2 s.
			if waited := second.Sub(first); waited < 900*time.Millisecond || waited > 3*time.Second {
				t.Fatalf("waited %v", waited)
			}
		})
	}
}

// A Retry-After beyond the policy's cap ends the retries: the answer is returned at once.
func TestRetryAfterBeyondTheCapIsReturned(t *testing.T) {
	mux, srv := setup(t)
	rec := &recorder{}
	mux.HandleFunc("GET /v0/sandboxes/sb", func(w http.ResponseWriter, r *http.Request) {
		rec.add(r)
		w.Header().Set("Retry-After", "3600")
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": "maintenance"})
	})
	err := getSandbox(newClient(t, srv, apiKey()))
	if !errors.As(err, new(*blaxel.APIError)) || rec.count() != 1 {
		t.Fatalf("error %v after %d attempts", err, rec.count())
	}
}

// A wait that would outlast the context's deadline is not started: the 503 comes back, where
// a client that slept towards the deadline would return the context's error.
func TestDeadlineEndsTheWaiting(t *testing.T) {
	mux, srv := setup(t)
	rec := &recorder{}
	mux.HandleFunc("GET /v0/sandboxes/sb", func(w http.ResponseWriter, r *http.Request) {
		rec.add(r)
		w.Header().Set("Retry-After", "60")
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": "busy"})
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := newClient(t, srv, apiKey(), blaxel.WithRetryPolicy(blaxel.DefaultRetryPolicy())).GetSandbox(ctx, "sb", nil)
	var apiErr *blaxel.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 || rec.count() != 1 {
		t.Fatalf("error %v after %d attempts", err, rec.count())
	}
}

// The body of an abandoned answer is drained and closed, so the next attempt reuses the connection.
func TestFailedAnswersAreDrainedBeforeTheNextAttempt(t *testing.T) {
	mux := http.NewServeMux()
	var n atomic.Int32
	mux.HandleFunc("GET /v0/sandboxes/sb", func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= 2 {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			// Longer than what is read ahead for the retry decision, shorter than that plus the drain.
			_, _ = w.Write([]byte(strings.Repeat("<p>bad gateway</p>", 3700)))
			return
		}
		writeJSON(w, http.StatusOK, sandboxJSON("sb"))
	})
	srv := newCountingServer(t, mux)
	if err := getSandbox(newClient(t, srv.Server, apiKey())); err != nil {
		t.Fatal(err)
	}
	if got := srv.connections.Load(); got != 1 {
		t.Fatalf("%d connections for 3 attempts, want 1", got)
	}
}

func TestRetryPolicyOptions(t *testing.T) {
	for _, opt := range []blaxel.Option{
		blaxel.WithMaxRetries(-1),
		blaxel.WithRetryPolicy(blaxel.RetryPolicy{MaxRetries: 1, BaseDelay: time.Second, MaxDelay: time.Millisecond}),
	} {
		if _, err := blaxel.New(apiKey(), opt); err == nil {
			t.Error("accepted")
		}
	}
}
