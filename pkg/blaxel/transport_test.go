package blaxel_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

func TestEveryRequestCarriesBlaxelHeaders(t *testing.T) {
	mux, srv := setup(t)
	api := okSandbox(mux)
	c := newClient(t, srv, apiKey(), blaxel.WithHeader("X-Team", "infra"), blaxel.WithHeader("User-Agent", "my-tool/2.0"))
	if err := getSandbox(c); err != nil {
		t.Fatal(err)
	}
	h := api.all()[0].Header
	for name, want := range map[string]string{
		"Blaxel-Version":     blaxel.APIVersion,
		"X-Blaxel-Workspace": "ws",
		"X-Team":             "infra",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("%s %q, want %q", name, got, want)
		}
	}
	if ua := h.Get("User-Agent"); !strings.HasPrefix(ua, "my-tool/2.0 blaxel-go/") || !strings.Contains(ua, "github.com/blaxel-go/blaxel") {
		t.Errorf("User-Agent %q", ua)
	}
}

func TestAPIVersionAndWorkspaceCanBeOverridden(t *testing.T) {
	mux, srv := setup(t)
	api := okSandbox(mux)
	c := newClient(t, srv, apiKey(), blaxel.WithAPIVersion("2026-04-16"))
	_, err := c.API().GetSandboxWithResponse(context.Background(), "sb", nil, func(_ context.Context, r *http.Request) error {
		r.Header.Set("X-Blaxel-Workspace", "elsewhere")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	h := api.all()[0].Header
	if h.Get("Blaxel-Version") != "2026-04-16" || h.Get("X-Blaxel-Workspace") != "elsewhere" {
		t.Fatalf("version %q, workspace %q", h.Get("Blaxel-Version"), h.Get("X-Blaxel-Workspace"))
	}
}

// Whatever the caller adds, one credential header leaves: the client's Authorization.
func TestExactlyOneCredentialHeader(t *testing.T) {
	mux, srv := setup(t)
	api := okSandbox(mux)
	c := newClient(t, srv, apiKey())
	_, err := c.API().GetSandboxWithResponse(context.Background(), "sb", nil, func(_ context.Context, r *http.Request) error {
		r.Header.Set("X-Blaxel-Authorization", "Bearer another")
		r.Header.Add("Authorization", "Bearer a-third")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	h := api.all()[0].Header
	if got := h.Values("Authorization"); len(got) != 1 || got[0] != "Bearer test-api-key-123" {
		t.Fatalf("Authorization %q", got)
	}
	if _, ok := h["X-Blaxel-Authorization"]; ok {
		t.Fatal("X-Blaxel-Authorization sent")
	}
}

func TestWithHeaderRefusesCredentialAndBlaxelHeaders(t *testing.T) {
	for _, name := range []string{"Authorization", "x-blaxel-authorization", "X-Blaxel-Workspace", "Blaxel-Version", ""} {
		if _, err := blaxel.New(apiKey(), blaxel.WithHeader(name, "v")); err == nil {
			t.Errorf("WithHeader(%q) accepted", name)
		}
	}
}

// A redirect to another host carries no credential; one on the same host keeps it.
func TestRedirectToAnotherHostDropsCredentials(t *testing.T) {
	foreignMux, foreign := setup(t)
	landed := &recorder{}
	foreignMux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		landed.add(r)
		writeJSON(w, http.StatusOK, sandboxJSON("sb"))
	})
	mux, srv := setup(t)
	mux.HandleFunc("GET /v0/sandboxes/sb", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, foreign.URL+"/elsewhere", http.StatusFound)
	})
	c := newClient(t, srv, apiKey())
	_, err := c.API().GetSandboxWithResponse(context.Background(), "sb", nil, func(_ context.Context, r *http.Request) error {
		r.Header.Set("X-Blaxel-Preview-Token", "preview-secret")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if landed.count() != 1 {
		t.Fatalf("%d requests at the other host", landed.count())
	}
	h := landed.all()[0].Header
	for _, name := range []string{"Authorization", "X-Blaxel-Authorization", "X-Blaxel-Preview-Token"} {
		if got := h.Get(name); got != "" {
			t.Errorf("%s %q followed the redirect to another host", name, got)
		}
	}
}

func TestRedirectOnTheSameHostKeepsTheCredential(t *testing.T) {
	mux, srv := setup(t)
	api := &recorder{}
	mux.HandleFunc("GET /v0/sandboxes/sb", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/v0/sandboxes/moved", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("GET /v0/sandboxes/moved", func(w http.ResponseWriter, r *http.Request) {
		api.add(r)
		writeJSON(w, http.StatusOK, sandboxJSON("moved"))
	})
	if err := getSandbox(newClient(t, srv, apiKey())); err != nil {
		t.Fatal(err)
	}
	if got := api.all()[0].Header.Get("Authorization"); got != "Bearer test-api-key-123" {
		t.Fatalf("Authorization %q after a same-host redirect", got)
	}
}

func TestPlainHTTPIsRefusedForRemoteHosts(t *testing.T) {
	for _, opts := range [][]blaxel.Option{
		{blaxel.WithBaseURL("http://api.example.com/v0")},
		{blaxel.WithRunURL("http://run.example.com")},
	} {
		if _, err := blaxel.New(append(opts, apiKey())...); err == nil || !strings.Contains(err.Error(), "WithInsecureHTTP") {
			t.Errorf("error %v", err)
		}
		if _, err := blaxel.New(append(opts, apiKey(), blaxel.WithInsecureHTTP())...); err != nil {
			t.Errorf("with WithInsecureHTTP: %v", err)
		}
	}
	for _, loopback := range []string{"http://localhost:8080", "http://127.0.0.1:1/v0", "http://[::1]:9"} {
		if _, err := blaxel.New(apiKey(), blaxel.WithBaseURL(loopback)); err != nil {
			t.Errorf("%s: %v", loopback, err)
		}
	}
}

// A request the pipeline is given for a plain-http remote address (a redirect, a workload's
// own address) is refused before anything is sent.
func TestPlainHTTPRequestIsRefusedBeforeSending(t *testing.T) {
	mux, srv := setup(t)
	_ = mux
	var sent bool
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		sent = true
		return nil, errors.New("unreachable")
	})}
	c := newClient(t, srv, apiKey(), blaxel.WithHTTPClient(hc))
	req, _ := http.NewRequest(http.MethodGet, "http://workload.example.com/ws/agents/a", nil)
	_, err := blaxel.CoreHTTPClient(c).Do(req)
	if err == nil || !strings.Contains(err.Error(), "plain http") || sent {
		t.Fatalf("error %v, sent %v", err, sent)
	}
}

func TestCallersHTTPClientIsLeftAlone(t *testing.T) {
	mux, srv := setup(t)
	okSandbox(mux)
	hc := &http.Client{}
	if err := getSandbox(newClient(t, srv, apiKey(), blaxel.WithHTTPClient(hc))); err != nil {
		t.Fatal(err)
	}
	if hc.Transport != nil || hc.CheckRedirect != nil {
		t.Fatal("the caller's client was modified")
	}
}

// Every attempt of a retried request names the client once in its User-Agent.
func TestUserAgentIsNotRepeatedOnRetries(t *testing.T) {
	mux, srv := setup(t)
	rec := &recorder{}
	mux.HandleFunc("PUT /v0/sandboxes/sb", func(w http.ResponseWriter, r *http.Request) {
		if rec.add(r); rec.count() < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		writeJSON(w, http.StatusOK, sandboxJSON("sb"))
	})
	c := newClient(t, srv, apiKey())
	if _, err := c.UpdateSandbox(context.Background(), "sb", sandboxBody("sb")); err != nil {
		t.Fatal(err)
	}
	for i, r := range rec.all() {
		if ua := r.Header.Get("User-Agent"); strings.Count(ua, "(github.com/blaxel-go/blaxel)") != 1 {
			t.Errorf("attempt %d: User-Agent %q", i+1, ua)
		}
	}
}
