package sandbox_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
)

// sandboxSetup starts a test server with a control plane that knows the sandbox "sb", whose
// metadata.url points at /sbx on the same server, and returns the mux of the sandbox's own
// API (routes without the /sbx prefix) and a handle on it.
func sandboxSetup(t *testing.T, opts ...blaxel.Option) (*http.ServeMux, *sandbox.Sandbox, *httptest.Server) {
	t.Helper()
	mux, srv := setup(t)
	sbx := http.NewServeMux()
	mux.Handle("/sbx/", http.StripPrefix("/sbx", sbx))
	mux.HandleFunc("GET /v0/sandboxes/sb", func(w http.ResponseWriter, r *http.Request) {
		body := sandboxJSON("sb")
		body["metadata"].(map[string]any)["url"] = srv.URL + "/sbx"
		writeJSON(w, http.StatusOK, body)
	})
	c := newClient(t, srv, append([]blaxel.Option{apiKey()}, opts...)...)
	sb, err := sandbox.Open(context.Background(), c, "sb")
	if err != nil {
		t.Fatal(err)
	}
	return sbx, sb, srv
}

// processJSON is a process as the sandbox describes it.
func processJSON(name, status string, exitCode int) map[string]any {
	return map[string]any{
		"pid": "42", "name": name, "command": "true", "status": status, "startedAt": "Wed, 01 Jan 2025 12:00:00 GMT",
		"completedAt": "", "exitCode": exitCode, "workingDir": "/", "logs": "", "stdout": "", "stderr": "",
	}
}

// resetConnection closes the connection of a request without an answer, as a dropped
// connection does after the request was sent.
func resetConnection(t *testing.T, w http.ResponseWriter) {
	t.Helper()
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		t.Error(err)
		return
	}
	conn.Close()
}
