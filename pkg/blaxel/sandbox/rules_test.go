package sandbox_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/blaxel-go/blaxel/internal/pipeline"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// A sandbox's answers are held to the control plane's success rule: a final 1xx, or a 304
// to a request that did not ask for one, is an *APIError, not an empty success.
func TestSandboxAnswersFollowTheOneSuccessRule(t *testing.T) {
	for _, status := range []int{http.StatusSwitchingProtocols, http.StatusNotModified, http.StatusMultipleChoices} {
		sbx, sb, _ := sandboxSetup(t, blaxel.WithMaxRetries(0))
		sbx.HandleFunc("GET /filesystem/{path...}", func(w http.ResponseWriter, r *http.Request) {
			if status == http.StatusSwitchingProtocols {
				w.Header().Set("Connection", "Upgrade")
				w.Header().Set("Upgrade", "something")
			}
			w.WriteHeader(status)
		})
		got, err := sb.ReadFile(context.Background(), "/project/a.txt")
		var apiErr *blaxel.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != status {
			t.Errorf("%d: ReadFile = %q, %v; want an *APIError with the status", status, got, err)
		}
	}
}

// WithMaxResponseBytes bounds a sandbox's JSON answers as it bounds the control plane's:
// a listing larger than the limit is refused with ErrResponseTooLarge, whether its
// Content-Length says so or it only shows as it is read.
func TestSandboxJSONAnswersAreBoundedByTheClientsLimit(t *testing.T) {
	for _, chunked := range []bool{false, true} {
		sbx, sb, _ := sandboxSetup(t, blaxel.WithMaxResponseBytes(1<<10), blaxel.WithMaxRetries(0))
		big := `[` + strings.Repeat(`{"name":"p","command":"x","pid":"1","status":"running","exitCode":0},`, 100) + `{"name":"p"}]`
		sbx.HandleFunc("GET /process", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			if chunked {
				w.(http.Flusher).Flush() // no Content-Length: the size shows only as it is read
			}
			_, _ = io.WriteString(w, big)
		})
		list, err := sb.Processes(context.Background())
		if !errors.Is(err, blaxel.ErrResponseTooLarge) {
			t.Errorf("chunked %v: Processes = %d processes, %v; want ErrResponseTooLarge", chunked, len(list), err)
		}
	}
}

// A 307 or 308 from a sandbox never carries the request's body to another origin: the
// redirect is not followed, and the answer is an error.
func TestSandboxRedirectNeverSendsTheBodyToAnotherOrigin(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	defer other.Close()
	for _, status := range []int{http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		sbx, sb, _ := sandboxSetup(t, blaxel.WithMaxRetries(0))
		sbx.HandleFunc("POST /process", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+"/process", status)
		})
		_, err := sb.Run(context.Background(), "echo secret-command-line")
		var apiErr *blaxel.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != status {
			t.Errorf("%d: Run = %v; want an *APIError with the status", status, err)
		}
	}
	if n := elsewhere.Load(); n != 0 {
		t.Fatalf("the command's body went to another origin %d times", n)
	}
}

// A log stream's reconnections are retries like any other: each is paid from the client's
// retry budget, and they stop when it is spent, before the policy's number is reached.
func TestLogReconnectionsArePaidFromTheRetryBudget(t *testing.T) {
	sbx, sb, _ := sandboxSetup(t, blaxel.WithRetryBudget(10))
	var connections atomic.Int32
	sbx.HandleFunc("GET /process/{name}/logs/stream", func(w http.ResponseWriter, r *http.Request) {
		connections.Add(1) // ends at once, nothing new, while the process runs
	})
	sbx.HandleFunc("GET /process/{name}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, processJSON("p", "running", 0))
	})
	var last error
	for _, err := range sb.Logs(context.Background(), "p") {
		last = err
	}
	if !errors.Is(last, pipeline.ErrBudgetSpent) || connections.Load() != 2 {
		t.Fatalf("%d connections, last error %v; want 2 and the budget spent (one reconnection of 10 tokens)", connections.Load(), last)
	}
}
