package blaxel_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// syncBuffer is a log destination that goroutines can share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestDebugLogRedactsEveryCredential drives a token exchange, a retried error answer that
// echoes credentials, a preview token in a header and in the query, and checks that the debug
// log says what happened without any of them.
func TestDebugLogRedactsEveryCredential(t *testing.T) {
	mux, srv := setup(t)
	mux.HandleFunc("POST /v0/oauth/token", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"access_token": "issued-access-77", "refresh_token": "issued-refresh-77", "expires_in": 3600})
	})
	var n atomic.Int32
	mux.HandleFunc("GET /v0/sandboxes/sb", func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": "busy",
				"message": "seen " + r.Header.Get("Authorization"), "apiKey": "echoed-key-77", "token": "issued-access-77"})
			return
		}
		writeJSON(w, http.StatusOK, sandboxJSON("sb"))
	})
	var logs syncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newClient(t, srv, blaxel.WithClientCredentials("client-id-77", "client-secret-77"), blaxel.WithLogger(logger))
	_, err := c.API().GetSandboxWithResponse(context.Background(), "sb", nil, func(_ context.Context, r *http.Request) error {
		r.Header.Set("X-Blaxel-Preview-Token", "preview-header-77")
		q := r.URL.Query()
		q.Set("bl_preview_token", "preview-query-77")
		r.URL.RawQuery = q.Encode()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	for _, secret := range []string{"client-secret-77", base64.StdEncoding.EncodeToString([]byte("client-id-77:client-secret-77")),
		"issued-access-77", "issued-refresh-77", "echoed-key-77", "preview-header-77", "preview-query-77"} {
		if strings.Contains(out, secret) {
			t.Errorf("the log holds %q", secret)
		}
	}
	var records []map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(out), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		records = append(records, rec)
	}
	var requests, retries, tokens int
	for _, rec := range records {
		switch rec["msg"] {
		case "blaxel: request":
			requests++
			for _, key := range []string{"method", "url", "status", "attempt", "duration"} {
				if _, ok := rec[key]; !ok {
					t.Errorf("request record without %s: %v", key, rec)
				}
			}
			headers, _ := rec["request_headers"].(map[string]any)
			if headers["Authorization"] != "Bearer REDACTED" || headers["X-Blaxel-Preview-Token"] != "REDACTED" {
				t.Errorf("request headers as logged: %v", headers)
			}
		case "blaxel: retrying":
			retries++
		case "blaxel: token request":
			tokens++
			headers, _ := rec["request_headers"].(map[string]any)
			if headers["Authorization"] != "Basic REDACTED" {
				t.Errorf("token request headers as logged: %v", headers)
			}
		}
	}
	if requests != 2 || retries != 1 || tokens != 1 {
		t.Fatalf("%d request, %d retry and %d token records:\n%s", requests, retries, tokens, out)
	}
	if !strings.Contains(out, "bl_preview_token=REDACTED") {
		t.Errorf("the query credential is not shown redacted:\n%s", out)
	}
}

// A server that echoes the credentials it received, in a message, a header or an HTML page,
// gets none of them into the client's errors or log: the client remembers every token it
// obtained and every credential it sent.
func TestEchoedCredentialsAreRedacted(t *testing.T) {
	mux, srv := setup(t)
	tokenServer(mux, 3600)
	echo := func(w http.ResponseWriter, r *http.Request) {
		token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		preview := r.Header.Get("X-Blaxel-Preview-Token")
		w.Header().Set("X-Echo", token+" "+preview)
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte("<pre>you sent " + token + " and " + preview + "</pre>"))
	}
	mux.HandleFunc("GET /v0/sandboxes/sb", echo)
	mux.HandleFunc("/ws/agents/helper", echo)
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newClient(t, srv, blaxel.WithClientCredentials("client-id", "client-secret-88"), blaxel.WithRunURL(srv.URL), blaxel.WithLogger(logger))
	errAPI := getSandbox(c)
	_, errRun := c.RunAgent(context.Background(), "helper", nil, blaxel.WithPreviewToken("preview-token-88"))
	for _, err := range []error{errAPI, errRun} {
		var apiErr *blaxel.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusForbidden {
			t.Fatalf("error %v", err)
		}
		text := err.Error() + string(apiErr.Body)
		if strings.Contains(text, "token-1") || strings.Contains(text, "preview-token-88") {
			t.Errorf("the error holds an echoed credential: %s", text)
		}
		if !strings.Contains(text, "you sent REDACTED") {
			t.Errorf("the echo is not shown redacted: %s", text)
		}
	}
	if out := logs.String(); strings.Contains(out, "token-1") || strings.Contains(out, "preview-token-88") || strings.Contains(out, "client-secret-88") {
		t.Errorf("the log holds an echoed credential:\n%s", out)
	}
}
