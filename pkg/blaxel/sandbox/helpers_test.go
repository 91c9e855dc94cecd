package sandbox_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// setup starts a test server whose control plane lives under /v0, as the real one does. Tests
// register their handlers on mux; the server closes when the test ends.
func setup(t *testing.T) (mux *http.ServeMux, srv *httptest.Server) {
	t.Helper()
	mux = http.NewServeMux()
	srv = httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return mux, srv
}

// baseURL is the control plane of a test server.
func baseURL(srv *httptest.Server) string { return srv.URL + "/v0" }

// fastRetries keeps the tests' waits short while keeping the policy's shape.
func fastRetries() blaxel.Option {
	return blaxel.WithRetryPolicy(blaxel.RetryPolicy{MaxRetries: 3, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond, MaxRetryAfter: 5 * time.Second})
}

// newClient builds a client for the test server with an API key, unless opts bring their own
// credential.
func newClient(t *testing.T, srv *httptest.Server, opts ...blaxel.Option) *blaxel.Client {
	t.Helper()
	all := append([]blaxel.Option{blaxel.WithBaseURL(baseURL(srv)), blaxel.WithWorkspace("ws"), fastRetries()}, opts...)
	c, err := blaxel.New(all...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func apiKey() blaxel.Option { return blaxel.WithAPIKey("test-api-key-123") }

// writeJSON answers with a JSON body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// sandboxJSON is the smallest valid sandbox.
func sandboxJSON(name string) map[string]any {
	return map[string]any{"metadata": map[string]any{"name": name}, "spec": map[string]any{}}
}
