package sandbox_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
)

func TestSandboxRequestsCarryTheCredentialAsXBlaxelAuthorization(t *testing.T) {
	sbx, sb, srv := sandboxSetup(t)
	var got http.Header
	sbx.HandleFunc("GET /process", func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		writeJSON(w, http.StatusOK, []any{})
	})
	if _, err := sb.Processes(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got.Get("X-Blaxel-Authorization") != "Bearer test-api-key-123" || got.Get("Authorization") != "" || got.Get("X-Blaxel-Workspace") != "ws" {
		t.Errorf("headers: X-Blaxel-Authorization %q, Authorization %q, X-Blaxel-Workspace %q",
			got.Get("X-Blaxel-Authorization"), got.Get("Authorization"), got.Get("X-Blaxel-Workspace"))
	}
	if sb.URL() != srv.URL+"/sbx" || sb.Name() != "sb" {
		t.Errorf("URL %q, name %q", sb.URL(), sb.Name())
	}
}

func TestSandboxAPIReachesTheWholeDocumentOnThePipeline(t *testing.T) {
	sbx, sb, _ := sandboxSetup(t)
	sbx.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Blaxel-Authorization") == "" {
			t.Error("the generated client's request has no credential")
		}
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "version": "v1", "arch": "amd64", "buildTime": "2025-01-01T00:00:00Z", "gitCommit": "abc",
			"goVersion": "go1.26", "os": "linux", "startedAt": "2025-01-01T00:00:00Z", "upgradeCount": 0, "uptime": "1s", "uptimeSeconds": 1,
			"lastUpgrade": map[string]any{"status": "idle", "step": "", "version": ""}})
	})
	resp, err := sb.API().GetHealthWithResponse(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if resp.JSON200 == nil || resp.JSON200.Version != "v1" {
		t.Errorf("health = %+v", resp.JSON200)
	}
}

func TestSandboxErrorsNameTheSandboxsMessageAndHideTheKey(t *testing.T) {
	sbx, sb, _ := sandboxSetup(t)
	sbx.HandleFunc("GET /process/{name}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "process not found (key " + r.Header.Get("X-Blaxel-Authorization") + ")"})
	})
	_, err := sb.Process(context.Background(), "ghost")
	var apiErr *blaxel.APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, blaxel.ErrNotFound) || !strings.HasPrefix(apiErr.Message, "process not found") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "test-api-key-123") {
		t.Errorf("the key leaked: %v", err)
	}
}

func TestSandboxAddressForcedByTheEnvironment(t *testing.T) {
	mux, srv := setup(t)
	var controlPlane atomic.Int32
	mux.HandleFunc("/v0/", func(w http.ResponseWriter, r *http.Request) { controlPlane.Add(1) })
	mux.HandleFunc("GET /forced/process", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Blaxel-Authorization") == "" {
			t.Error("no credential at the forced address")
		}
		writeJSON(w, http.StatusOK, []any{})
	})
	env := map[string]string{"BL_API_KEY": "env-key", "BL_WORKSPACE": "ws", "BL_API_URL": baseURL(srv), "BL_SANDBOX_MY_BOX_URL": srv.URL + "/forced"}
	c, err := blaxel.NewFromEnv(blaxel.WithEnv(func(k string) string { return env[k] }), blaxel.WithConfigFile(t.TempDir()+"/none.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sb, err := sandbox.Open(context.Background(), c, "my-box")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sb.Processes(context.Background()); err != nil {
		t.Fatal(err)
	}
	if sb.URL() != srv.URL+"/forced" || controlPlane.Load() != 0 {
		t.Errorf("URL %q, %d control-plane requests (want none)", sb.URL(), controlPlane.Load())
	}
}

func TestSandboxWithoutMetadataURLIsReachedThroughTheRunURL(t *testing.T) {
	mux, srv := setup(t)
	mux.HandleFunc("GET /v0/sandboxes/sb", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, sandboxJSON("sb")) })
	mux.HandleFunc("GET /ws/sandboxes/sb/process", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, []any{}) })
	c := newClient(t, srv, apiKey(), blaxel.WithRunURL(srv.URL))
	sb, err := sandbox.Open(context.Background(), c, "sb")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sb.Processes(context.Background()); err != nil {
		t.Fatal(err)
	}
	if sb.URL() != srv.URL+"/ws/sandboxes/sb" {
		t.Errorf("URL = %q", sb.URL())
	}
}

func TestSandboxCredentialStaysOnTheSandboxsHost(t *testing.T) {
	var leaked atomic.Value
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Store(r.Header.Get("X-Blaxel-Authorization") + r.Header.Get("Authorization"))
		writeJSON(w, http.StatusOK, []any{})
	}))
	t.Cleanup(elsewhere.Close)
	sbx, sb, _ := sandboxSetup(t)
	sbx.HandleFunc("GET /process", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+"/process", http.StatusTemporaryRedirect)
	})
	if _, err := sb.Processes(context.Background()); err != nil {
		t.Fatal(err)
	}
	if v, _ := leaked.Load().(string); v != "" {
		t.Errorf("the redirect's target received the credential %q", v)
	}
}

func TestOpenPreviewSendsThePreviewTokenAlone(t *testing.T) {
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		writeJSON(w, http.StatusOK, []any{})
	}))
	t.Cleanup(srv.Close)
	sb, err := sandbox.OpenPreview(srv.URL, "preview-token-1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sb.Processes(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got.Get("X-Blaxel-Preview-Token") != "preview-token-1" || got.Get("Authorization") != "" || got.Get("X-Blaxel-Authorization") != "" {
		t.Errorf("headers: %v", got)
	}
	if _, err := sandbox.OpenPreview(srv.URL, "t", blaxel.WithAPIKey("k")); err == nil {
		t.Error("a preview handle accepted a workspace credential")
	}
	if _, err := sandbox.OpenPreview("http://example.com", "t"); err == nil {
		t.Error("a preview handle accepted plain http to another machine")
	}
	if _, err := sandbox.OpenPreview(srv.URL, " "); err == nil {
		t.Error("a preview handle accepted an empty token")
	}
}
