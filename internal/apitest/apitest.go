// Package apitest is what the tests of the client's packages share: a test server laid out as
// Blaxel's (its control plane under /v0), a client for it, and the smallest answers.
package apitest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// Setup starts a test server whose control plane lives under /v0, as the real one does. Tests
// register their handlers on mux; the server closes when the test ends.
func Setup(t *testing.T) (mux *http.ServeMux, srv *httptest.Server) {
	t.Helper()
	mux = http.NewServeMux()
	srv = httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return mux, srv
}

// BaseURL is the control plane of a test server.
func BaseURL(srv *httptest.Server) string { return srv.URL + "/v0" }

// FastRetries keeps the tests' waits short while keeping the policy's shape.
func FastRetries() blaxel.Option {
	return blaxel.WithRetryPolicy(blaxel.RetryPolicy{MaxRetries: 3, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond, MaxRetryAfter: 5 * time.Second})
}

// NewClient builds a client for the test server, in the workspace "ws", with fast retries;
// opts add the credential (APIKey) and anything else.
func NewClient(t *testing.T, srv *httptest.Server, opts ...blaxel.Option) *blaxel.Client {
	t.Helper()
	all := append([]blaxel.Option{blaxel.WithBaseURL(BaseURL(srv)), blaxel.WithWorkspace("ws"), FastRetries()}, opts...)
	c, err := blaxel.New(all...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// APIKey is the API key the tests use.
func APIKey() blaxel.Option { return blaxel.WithAPIKey("test-api-key-123") }

// WriteJSON answers with a JSON body.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// SandboxJSON is the smallest valid sandbox.
func SandboxJSON(name string) map[string]any {
	return map[string]any{"metadata": map[string]any{"name": name}, "spec": map[string]any{}}
}
