package sandbox_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/gen/sandboxapi"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

func TestDriveMountsAgainstTheFake(t *testing.T) {
	_, sb := fakeSandbox(t)
	ctx := t.Context()
	got, err := sb.MountDrive(ctx, sandboxapi.DriveMountRequest{DriveName: "shared", MountPath: "/mnt/data/", ReadOnly: ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	if valueOf(got.MountPath) != "/mnt/data" || !*got.ReadOnly || valueOf(got.DrivePath) != "/" {
		t.Errorf("mounted %+v", got)
	}
	if _, err := sb.MountDrive(ctx, sandboxapi.DriveMountRequest{DriveName: "other", MountPath: "/mnt/data"}); !errors.Is(err, blaxel.ErrConflict) {
		t.Errorf("a second mount at the same path: %v", err)
	}
	mounts, err := sb.Drives(ctx)
	if err != nil || len(mounts) != 1 || valueOf(mounts[0].DriveName) != "shared" || valueOf(mounts[0].MountPath) != "/mnt/data" {
		t.Fatalf("Drives = %+v, %v", mounts, err)
	}
	if err := sb.UnmountDrive(ctx, "/mnt/data"); err != nil {
		t.Fatal(err)
	}
	if mounts, err := sb.Drives(ctx); err != nil || len(mounts) != 0 {
		t.Errorf("after unmounting: %+v, %v", mounts, err)
	}
	var apiErr *blaxel.APIError
	if err := sb.UnmountDrive(ctx, "/mnt/data"); !errors.As(err, &apiErr) {
		t.Errorf("unmounting what is not mounted: %v", err)
	}
}

func TestDriveArgumentsAreCheckedBeforeSending(t *testing.T) {
	_, sb := fakeSandbox(t)
	for name, req := range map[string]sandboxapi.DriveMountRequest{
		"no drive":      {MountPath: "/mnt/x"},
		"relative path": {DriveName: "d", MountPath: "mnt/x"},
		"dot dot":       {DriveName: "d", MountPath: "/mnt/../etc"},
		"the root":      {DriveName: "d", MountPath: "/"},
	} {
		var apiErr *blaxel.APIError
		if _, err := sb.MountDrive(t.Context(), req); err == nil || errors.As(err, &apiErr) {
			t.Errorf("%s: MountDrive = %v, want an error of the client", name, err)
		}
	}
	if err := sb.UnmountDrive(t.Context(), "mnt"); err == nil {
		t.Error("UnmountDrive of a relative path")
	}
}

func TestCodegenWithoutAProviderAgainstTheFake(t *testing.T) {
	_, sb := fakeSandbox(t)
	_, err := sb.FastApply(t.Context(), "/app/main.go", sandboxapi.ApplyEditRequest{CodeEdit: "func main() {}"})
	if !errors.Is(err, blaxel.ErrBadRequest) {
		t.Errorf("FastApply without a provider: %v", err)
	}
	_, err = sb.Rerank(t.Context(), "/app", sandboxapi.RerankParams{Query: "auth middleware"})
	var apiErr *blaxel.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("Rerank without a provider: %v", err)
	}
	if _, err := sb.FastApply(t.Context(), "/a", sandboxapi.ApplyEditRequest{}); err == nil || errors.As(err, &apiErr) && apiErr.StatusCode == 400 {
		t.Errorf("an empty edit was sent: %v", err)
	}
	if _, err := sb.Rerank(t.Context(), "/a", sandboxapi.RerankParams{}); err == nil {
		t.Error("an empty query was sent")
	}
}

func TestCodegenAnswers(t *testing.T) {
	mux, sb, _ := sandboxSetup(t)
	mux.HandleFunc("PUT /codegen/fastapply/{path...}", func(w http.ResponseWriter, r *http.Request) {
		var req sandboxapi.ApplyEditRequest
		_ = json.NewDecoder(r.Body).Decode(&req)
		if r.URL.EscapedPath() != "/codegen/fastapply/%2Fapp%2Fhello.js" {
			t.Errorf("path %s", r.URL.EscapedPath())
		}
		writeJSON(w, http.StatusOK, map[string]any{"success": true, "path": "/app/hello.js", "originalContent": "a",
			"updatedContent": req.CodeEdit, "provider": "Relace", "message": "ok"})
	})
	mux.HandleFunc("GET /codegen/reranking/{path...}", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("query") != "auth" || q.Get("tokenLimit") != "100" || q.Get("filePattern") != `.*\.ts$` {
			t.Errorf("query %v", q)
		}
		writeJSON(w, http.StatusOK, map[string]any{"success": true, "files": []any{map[string]any{"path": "/app/auth.ts", "score": 0.9}}})
	})
	got, err := sb.FastApply(t.Context(), "app/hello.js", sandboxapi.ApplyEditRequest{CodeEdit: "b"})
	if err != nil || valueOf(got.UpdatedContent) != "b" || valueOf(got.Provider) != "Relace" {
		t.Fatalf("FastApply = %+v, %v", got, err)
	}
	ranked, err := sb.Rerank(t.Context(), "/app", sandboxapi.RerankParams{Query: "auth", TokenLimit: ptr(100), FilePattern: ptr(`.*\.ts$`)})
	if err != nil || len(ranked.Files) != 1 || valueOf(ranked.Files[0].Path) != "/app/auth.ts" {
		t.Fatalf("Rerank = %+v, %v", ranked, err)
	}
}

func TestCodegenThatSaysItFailed(t *testing.T) {
	mux, sb, _ := sandboxSetup(t)
	mux.HandleFunc("PUT /codegen/fastapply/{path...}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"success": false, "message": "the provider timed out"})
	})
	_, err := sb.FastApply(t.Context(), "/a.js", sandboxapi.ApplyEditRequest{CodeEdit: "x"})
	var se *blaxel.StreamError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "the provider timed out") {
		t.Errorf("FastApply = %v", err)
	}
}

func TestUpgradeWaitsAgainstTheFake(t *testing.T) {
	_, sb := fakeSandbox(t)
	before, err := sb.Health(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if before.Status != "ok" || before.UpgradeCount != 0 {
		t.Fatalf("health %+v", before)
	}
	after, err := sb.Upgrade(t.Context(), &sandboxapi.UpgradeRequest{Version: ptr("v1.2.3")}, blaxel.WithPollInterval(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if after.UpgradeCount != 1 || after.LastUpgrade.Version != "v1.2.3" || after.LastUpgrade.Status != sandboxapi.ProcessUpgradeStateCompleted {
		t.Errorf("after the upgrade: %+v", after)
	}
	started, err := sb.StartUpgrade(t.Context(), nil)
	if err != nil || started.Version != "latest" {
		t.Errorf("StartUpgrade = %+v, %v", started, err)
	}
}

func TestUpgradeThatFails(t *testing.T) {
	mux, sb, _ := sandboxSetup(t)
	var upgraded atomic.Bool
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		last := map[string]any{"status": "idle", "step": "none", "version": ""}
		if upgraded.Load() {
			last = map[string]any{"status": "failed", "step": "download", "version": "v9", "error": "no such release",
				"lastAttempt": "2026-09-01T12:00:00Z"}
		}
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "version": "v1", "gitCommit": "c", "buildTime": "b",
			"goVersion": "go", "os": "linux", "arch": "amd64", "uptime": "1s", "uptimeSeconds": 1, "upgradeCount": 0,
			"startedAt": "2026-09-01T11:00:00Z", "lastUpgrade": last})
	})
	mux.HandleFunc("POST /upgrade", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !strings.Contains(string(body), `"v9"`) {
			t.Errorf("upgrade body %s", body)
		}
		upgraded.Store(true)
		writeJSON(w, http.StatusOK, map[string]any{"message": "soon", "version": "v9", "baseUrl": "https://releases.example"})
	})
	_, err := sb.Upgrade(t.Context(), &sandboxapi.UpgradeRequest{Version: ptr("v9")}, blaxel.WithPollInterval(time.Millisecond))
	var se *blaxel.StatusError
	if !errors.As(err, &se) || !errors.Is(err, blaxel.ErrStatusFailed) || se.Message != "no such release" {
		t.Errorf("Upgrade = %v, want the server's reason", err)
	}
}

func valueOf[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
