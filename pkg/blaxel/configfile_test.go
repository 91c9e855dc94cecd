package blaxel_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// jwt makes an unsigned JWT that expires at exp: enough for the client, which only reads exp.
func jwt(exp time.Time) string {
	claims, _ := json.Marshal(map[string]any{"exp": exp.Unix(), "sub": "someone"})
	return "eyJhbGciOiJub25lIn0." + base64.RawURLEncoding.EncodeToString(claims) + ".c2ln"
}

// loginConfig is a file as a device login leaves it: an access token that has expired, its
// refresh token, and things the client must keep as they are.
func loginConfig(access string) string {
	return `# written by the CLI
context:
  workspace: ws # the current one
workspaces:
  - name: ws
    env: prod
    credentials:
      access_token: ` + access + `
      refresh_token: refresh-0
      expires_in: 7200
      device_code: dc-1
  - name: other
    credentials:
      apiKey: other-key
`
}

// refreshServer answers refresh grants with token-N and refresh-N, recording each one.
func refreshServer(t *testing.T) (*http.ServeMux, *recorder, string) {
	mux, srv := setup(t)
	tokens := tokenServer(mux, 3600)
	return mux, tokens, baseURL(srv)
}

func TestExpiredConfigTokenIsRefreshed(t *testing.T) {
	mux, tokens, base := refreshServer(t)
	api := okSandbox(mux)
	home, path := writeConfig(t, loginConfig(jwt(time.Now().Add(-time.Hour))))
	before, _ := os.ReadFile(path)
	c, err := blaxel.NewFromEnv(envOf(map[string]string{"HOME": home, "BL_API_URL": base}))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := getSandbox(c); err != nil {
			t.Fatal(err)
		}
	}
	if tokens.count() != 1 {
		t.Fatalf("%d refreshes, want 1", tokens.count())
	}
	tr := tokens.all()[0]
	var body map[string]string
	if err := json.Unmarshal([]byte(tr.Body), &body); err != nil {
		t.Fatal(err)
	}
	if body["grant_type"] != "refresh_token" || body["refresh_token"] != "refresh-0" || body["client_id"] != "blaxel" || len(body) != 3 {
		t.Fatalf("refresh body %s", tr.Body)
	}
	if tr.Header.Get("Authorization") != "" {
		t.Fatalf("refresh request sent Authorization %q", tr.Header.Get("Authorization"))
	}
	if got := api.all()[0].Header.Get("Authorization"); got != "Bearer token-1" {
		t.Fatalf("API request Authorization %q", got)
	}
	// Without WithConfigWriteBack, the file is not touched.
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Fatalf("the file changed:\n%s", after)
	}
}

// A token the server refuses is refreshed once, with the newest refresh token each time.
func TestRefusedConfigTokenIsRefreshedWithTheRotatedRefreshToken(t *testing.T) {
	mux, tokens, base := refreshServer(t)
	mux.HandleFunc("GET /v0/sandboxes/sb", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer token-2" {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "unauthorized"})
			return
		}
		writeJSON(w, http.StatusOK, sandboxJSON("sb"))
	})
	home, _ := writeConfig(t, loginConfig("opaque-access-token"))
	c, err := blaxel.NewFromEnv(envOf(map[string]string{"HOME": home, "BL_API_URL": base}))
	if err != nil {
		t.Fatal(err)
	}
	if err := getSandbox(c); !errors.Is(err, blaxel.ErrUnauthorized) { // opaque token refused, token-1 refused
		t.Fatalf("first call: %v", err)
	}
	if err := getSandbox(c); err != nil { // token-1 refused, token-2 accepted
		t.Fatalf("second call: %v", err)
	}
	var used []string
	for _, r := range tokens.all() {
		var body map[string]string
		_ = json.Unmarshal([]byte(r.Body), &body)
		used = append(used, body["refresh_token"])
	}
	if strings.Join(used, ",") != "refresh-0,refresh-1" {
		t.Fatalf("refresh tokens sent %v", used)
	}
}

func TestExpiredConfigTokenWithoutRefreshTokenAsksToLogIn(t *testing.T) {
	mux, tokens, base := refreshServer(t)
	api := okSandbox(mux)
	home, _ := writeConfig(t, strings.Replace(loginConfig(jwt(time.Now().Add(-time.Hour))), "refresh_token: refresh-0", "", 1))
	c, err := blaxel.NewFromEnv(envOf(map[string]string{"HOME": home, "BL_API_URL": base}))
	if err != nil {
		t.Fatal(err)
	}
	if err := getSandbox(c); err == nil || !strings.Contains(err.Error(), "log in again") {
		t.Fatalf("error %v", err)
	}
	if tokens.count() != 0 || api.count() != 0 {
		t.Fatalf("%d token requests and %d API requests, want none", tokens.count(), api.count())
	}
}

// WithConfigWriteBack replaces the file atomically, with mode 0600, keeping everything else.
func TestRefreshedTokensAreWrittenBack(t *testing.T) {
	mux, tokens, base := refreshServer(t)
	api := okSandbox(mux)
	home, path := writeConfig(t, loginConfig(jwt(time.Now().Add(-time.Hour))))
	old, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	c, err := blaxel.NewFromEnv(envOf(map[string]string{"HOME": home, "BL_API_URL": base}), blaxel.WithConfigWriteBack())
	if err != nil {
		t.Fatal(err)
	}
	if err := getSandbox(c); err != nil {
		t.Fatal(err)
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(after)
	for _, want := range []string{"access_token: token-1", "refresh_token: refresh-1", "expires_in: 3600",
		"# written by the CLI", "# the current one", "device_code: dc-1", "apiKey: other-key", "name: other"} {
		if !strings.Contains(text, want) {
			t.Errorf("the file lacks %q:\n%s", want, text)
		}
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("mode %v, want 0600", mode)
	}
	// The file was replaced (renamed over), not rewritten in place.
	oldInfo, _ := old.Stat()
	if os.SameFile(oldInfo, info) {
		t.Error("the file was rewritten in place")
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("%d files beside the config, want none", len(entries)-1)
	}
	// A new client started from the file uses the written token without a refresh.
	c2, err := blaxel.NewFromEnv(envOf(map[string]string{"HOME": home, "BL_API_URL": base}))
	if err != nil {
		t.Fatal(err)
	}
	if err := getSandbox(c2); err != nil {
		t.Fatal(err)
	}
	if got := api.all()[1].Header.Get("Authorization"); got != "Bearer token-1" || tokens.count() != 1 {
		t.Errorf("the next client sent %q after %d token requests", got, tokens.count())
	}
}

// A file that no longer parses is left alone; the refresh still serves the request and the
// failure is logged with the file's name.
func TestWriteBackRefusesAFileThatDoesNotParse(t *testing.T) {
	mux, _, base := refreshServer(t)
	okSandbox(mux)
	home, path := writeConfig(t, loginConfig(jwt(time.Now().Add(-time.Hour))))
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	c, err := blaxel.NewFromEnv(envOf(map[string]string{"HOME": home, "BL_API_URL": base}), blaxel.WithConfigWriteBack(), blaxel.WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	broken := []byte("workspaces: [ {name: ws\n")
	if err := os.WriteFile(path, broken, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := getSandbox(c); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(after, broken) {
		t.Fatalf("the file was rewritten:\n%s", after)
	}
	if !strings.Contains(logs.String(), path) {
		t.Fatalf("the warning does not name the file: %s", logs.String())
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("%d files beside the config, want none", len(entries)-1)
	}
}
