package blaxel_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// WithCallHeader sets a header on one call, over the client's own of the same name, and may
// move that call to another workspace; the next call is as before.
func TestWithCallHeaderSetsAHeaderOnOneCall(t *testing.T) {
	mux, srv := setup(t)
	api := okSandbox(mux)
	c := newClient(t, srv, apiKey(), blaxel.WithHeader("X-Team", "client"))
	ctx := context.Background()
	if _, err := c.GetSandbox(ctx, "sb", nil, blaxel.WithCallHeader("x-team", "call"),
		blaxel.WithCallHeader("X-Blaxel-Workspace", "elsewhere"), blaxel.WithCallHeader("X-Request-Id", "r-1")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetSandbox(ctx, "sb", nil); err != nil {
		t.Fatal(err)
	}
	first, second := api.all()[0].Header, api.all()[1].Header
	if got := first.Values("X-Team"); len(got) != 1 || got[0] != "call" || first.Get("X-Blaxel-Workspace") != "elsewhere" ||
		first.Get("X-Request-Id") != "r-1" || first.Get("Authorization") != "Bearer test-api-key-123" {
		t.Fatalf("first call sent %v", first)
	}
	if second.Get("X-Team") != "client" || second.Get("X-Blaxel-Workspace") != "ws" || second.Get("X-Request-Id") != "" {
		t.Fatalf("second call sent %v", second)
	}
}

// The credential headers are refused, as WithHeader refuses them, and nothing is sent.
func TestWithCallHeaderRefusesCredentialHeaders(t *testing.T) {
	mux, srv := setup(t)
	api := okSandbox(mux)
	c := newClient(t, srv, apiKey())
	for _, opt := range []blaxel.CallOption{
		blaxel.WithCallHeader("Authorization", "Bearer mine"),
		blaxel.WithCallHeader("x-blaxel-authorization", "Bearer mine"),
		blaxel.WithCallHeader("", "v"),
		blaxel.WithCallHeader("Bad Name", "v"),
		blaxel.WithCallHeader("X-Ok", "a\r\nX-Injected: 1"),
		blaxel.WithResponseInto(nil),
	} {
		if _, err := c.GetSandbox(context.Background(), "sb", nil, opt); err == nil {
			t.Error("a bad call option was accepted")
		}
	}
	if n := api.count(); n != 0 {
		t.Fatalf("%d requests sent for bad options", n)
	}
}

// WithResponseInto gives the answer's status and headers, for a success and for a refusal;
// an *APIError carries the headers too, with a credential in them replaced.
func TestWithResponseIntoAndAPIErrorHeader(t *testing.T) {
	mux, srv := setup(t)
	mux.HandleFunc("GET /v0/sandboxes/sb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "req-ok")
		writeJSON(w, http.StatusOK, sandboxJSON("sb"))
	})
	mux.HandleFunc("GET /v0/sandboxes/busy", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "req-busy")
		w.Header().Set("Retry-After", "120")
		w.Header().Set("Set-Cookie", "session=cookie-secret-1")
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"error": "rate_limited", "code": 429, "message": "slow down"})
	})
	c := newClient(t, srv, apiKey(), blaxel.WithMaxRetries(0))
	var resp http.Response
	sb, err := c.GetSandbox(context.Background(), "sb", nil, blaxel.WithResponseInto(&resp))
	if err != nil || sb.Metadata.Name != "sb" {
		t.Fatalf("sandbox %+v, error %v", sb, err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Request-Id") != "req-ok" || resp.Body != http.NoBody || resp.Request != nil {
		t.Fatalf("response %+v", resp)
	}

	_, err = c.GetSandbox(context.Background(), "busy", nil, blaxel.WithResponseInto(&resp))
	var apiErr *blaxel.APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, blaxel.ErrRateLimited) {
		t.Fatalf("error %v", err)
	}
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("X-Request-Id") != "req-busy" {
		t.Fatalf("response %+v", resp)
	}
	if apiErr.Header.Get("X-Request-Id") != "req-busy" || apiErr.Header.Get("Retry-After") != "120" {
		t.Fatalf("APIError.Header %v", apiErr.Header)
	}
	if got := apiErr.Header.Get("Set-Cookie"); got != "REDACTED" {
		t.Fatalf("Set-Cookie in the error: %q", got)
	}
}

// API() is the generated client over the same pipeline: a refusal is an *APIError, not a
// response with JSON404 set, and replacing what it holds leaves the Client as it was.
func TestAPIIsTheCheckedGeneratedClient(t *testing.T) {
	mux, srv := setup(t)
	api := okSandbox(mux)
	mux.HandleFunc("GET /v0/sandboxes/gone", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "not_found", "code": 404, "message": "no such sandbox"})
	})
	c := newClient(t, srv, apiKey())
	raw := c.API()
	resp, err := raw.GetSandboxWithResponse(context.Background(), "sb", nil)
	if err != nil || resp.JSON200 == nil || resp.JSON200.Metadata.Name != "sb" {
		t.Fatalf("answer %+v, error %v", resp, err)
	}
	if h := api.all()[0].Header; h.Get("Authorization") != "Bearer test-api-key-123" || h.Get("X-Blaxel-Workspace") != "ws" {
		t.Fatalf("sent %v", h)
	}
	if _, err := raw.GetSandboxWithResponse(context.Background(), "gone", nil); !errors.Is(err, blaxel.ErrNotFound) {
		t.Fatalf("a 404 through API(): %v", err)
	}
	var apiErr *blaxel.APIError
	if _, err := raw.LeaveWorkspaceWithResponse(context.Background(), ".."); err == nil || errors.As(err, &apiErr) {
		t.Fatalf("a path parameter .. through API(): %v", err)
	}

	raw.ClientInterface = nil // the caller's copy; the Client keeps its own
	if c.API().ClientInterface == nil {
		t.Fatal("API() gave the Client's own value")
	}
	if _, err := c.GetSandbox(context.Background(), "sb", nil); err != nil {
		t.Fatal(err)
	}
}

func TestPtr(t *testing.T) {
	name := blaxel.Ptr("My sandbox")
	meta := gen.Metadata{Name: "sb", DisplayName: name}
	if *meta.DisplayName != "My sandbox" {
		t.Fatalf("%v", meta)
	}
	three := 3
	if p := blaxel.Ptr(three); p == &three || *p != 3 {
		t.Fatal("Ptr does not point to a copy")
	}
}
