package blaxel_test

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/blaxel-go/blaxel/internal/conntest"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// reuseSetup starts a test server whose every body ends apart from its data (see
// conntest), and a client of it for its control plane and its run URL, with opts (which
// name the credential).
func reuseSetup(t *testing.T, opts ...blaxel.Option) (*http.ServeMux, *conntest.Counter, *blaxel.Client) {
	t.Helper()
	mux := http.NewServeMux()
	conns := &conntest.Counter{}
	srv := httptest.NewServer(conns.LateEnd(mux))
	t.Cleanup(srv.Close)
	opts = append([]blaxel.Option{blaxel.WithRunURL(srv.URL)}, opts...)
	return mux, conns, newClient(t, srv, opts...)
}

// checkOneConnection runs call five times, one after the other, and fails the test unless
// they all came over one connection.
func checkOneConnection(t *testing.T, conns *conntest.Counter, call func() error) {
	t.Helper()
	conns.Reset()
	for range 5 {
		if err := call(); err != nil {
			t.Fatal(err)
		}
	}
	if n := conns.Count(); n != 1 {
		t.Errorf("5 calls, one after the other, came over %d connections; want 1", n)
	}
}

func TestControlPlaneCallsReuseTheirConnection(t *testing.T) {
	mux, conns, c := reuseSetup(t, apiKey())
	mux.HandleFunc("GET /v0/sandboxes/sb", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, sandboxJSON("sb"))
	})
	mux.HandleFunc("GET /v0/sandboxes/gone", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "not_found", "code": 404, "message": "no such sandbox"})
	})
	mux.HandleFunc("GET /v0/sandboxes/moved", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "/v0/sandboxes/sb")
		w.WriteHeader(http.StatusTemporaryRedirect)
		fmt.Fprint(w, "moved")
	})
	var flaky atomic.Int32
	mux.HandleFunc("GET /v0/sandboxes/flaky", func(w http.ResponseWriter, r *http.Request) {
		if flaky.Add(1)%2 == 1 {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": "unavailable", "message": "later"})
			return
		}
		writeJSON(w, http.StatusOK, sandboxJSON("flaky"))
	})
	mux.HandleFunc("GET /v0/sandboxes/zipped", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		_ = json.NewEncoder(zw).Encode(sandboxJSON("zipped"))
		_ = zw.Close()
	})
	mux.HandleFunc("POST /v0/pending-image-shares/{id}/decline", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /v0/sandboxes", func(w http.ResponseWriter, r *http.Request) {
		next := map[string]any{"hasMore": false}
		if r.URL.Query().Get("cursor") == "" {
			next = map[string]any{"hasMore": true, "nextCursor": "page-2"}
		}
		writeJSON(w, http.StatusOK, map[string]any{"data": []any{sandboxJSON("sb")}, "meta": next})
	})
	ctx := context.Background()
	get := func(name string) func() error {
		return func() error { _, err := c.GetSandbox(ctx, name, nil); return err }
	}
	t.Run("answer", func(t *testing.T) { checkOneConnection(t, conns, get("sb")) })
	t.Run("gzip", func(t *testing.T) { checkOneConnection(t, conns, get("zipped")) })
	t.Run("redirect", func(t *testing.T) { checkOneConnection(t, conns, get("moved")) })
	t.Run("retry", func(t *testing.T) { checkOneConnection(t, conns, get("flaky")) })
	t.Run("error", func(t *testing.T) {
		checkOneConnection(t, conns, func() error {
			if err := get("gone")(); !errors.Is(err, blaxel.ErrNotFound) {
				return fmt.Errorf("error %v, want one matching ErrNotFound", err)
			}
			return nil
		})
	})
	t.Run("no answer", func(t *testing.T) {
		checkOneConnection(t, conns, func() error { return c.DeclineImageShare(ctx, "share") })
	})
	t.Run("pages", func(t *testing.T) {
		checkOneConnection(t, conns, func() error {
			for _, err := range c.ListSandboxesAll(ctx, nil) {
				if err != nil {
					return err
				}
			}
			return nil
		})
	})
}

// The token request and the calls that use the token share one connection.
func TestTokenRequestReusesItsConnection(t *testing.T) {
	mux, conns, c := reuseSetup(t, blaxel.WithClientCredentials("id", "secret"))
	mux.HandleFunc("POST /v0/oauth/token", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"access_token": "token-1", "token_type": "Bearer", "expires_in": 3600})
	})
	mux.HandleFunc("GET /v0/sandboxes/sb", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer token-1" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		writeJSON(w, http.StatusOK, sandboxJSON("sb"))
	})
	checkOneConnection(t, conns, func() error { _, err := c.GetSandbox(context.Background(), "sb", nil); return err })
}

func TestWorkloadCallsReuseTheirConnection(t *testing.T) {
	mux, conns, c := reuseSetup(t, apiKey())
	mux.HandleFunc("POST /ws/agents/helper", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("async") == "true" {
			writeJSON(w, http.StatusOK, map[string]any{"success": true})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"answer": "hi"})
	})
	mux.HandleFunc("POST /ws/agents/streamer", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: one\n\ndata: two\n\n")
	})
	ctx := context.Background()
	t.Run("decoded answer", func(t *testing.T) {
		checkOneConnection(t, conns, func() error {
			body, err := c.RunAgent(ctx, "helper", strings.NewReader(`{"inputs":"hi"}`))
			if err != nil {
				return err
			}
			defer body.Close()
			var out struct{ Answer string }
			if err := json.NewDecoder(body).Decode(&out); err != nil || out.Answer != "hi" {
				return fmt.Errorf("answer %+v, error %v", out, err)
			}
			return nil
		})
	})
	t.Run("read answer", func(t *testing.T) {
		checkOneConnection(t, conns, func() error {
			body, err := c.RunAgent(ctx, "helper", strings.NewReader(`{"inputs":"hi"}`))
			if err != nil {
				return err
			}
			defer body.Close()
			_, err = io.ReadAll(body)
			return err
		})
	})
	t.Run("async", func(t *testing.T) {
		checkOneConnection(t, conns, func() error { return c.RunAgentAsync(ctx, "helper", strings.NewReader(`{}`)) })
	})
	t.Run("events", func(t *testing.T) {
		checkOneConnection(t, conns, func() error {
			n := 0
			for _, err := range c.RunAgentEvents(ctx, "streamer", strings.NewReader(`{}`)) {
				if err != nil {
					return err
				}
				n++
			}
			if n != 2 {
				return fmt.Errorf("%d events, want 2", n)
			}
			return nil
		})
	})
}
