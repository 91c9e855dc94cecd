package reliability

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// seen keeps the headers and paths a server received.
type seen struct {
	mu       sync.Mutex
	requests []*http.Request
}

func (s *seen) add(r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r.Clone(context.Background()))
	s.mu.Unlock()
}

func (s *seen) all() []*http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*http.Request(nil), s.requests...)
}

// credentialHeaders lists the headers of r that carry a credential.
func credentialHeaders(r *http.Request) []string {
	var out []string
	for name, values := range r.Header {
		n := strings.ToLower(name)
		if n == "authorization" || n == "x-blaxel-authorization" || n == "x-blaxel-preview-token" || n == "cookie" {
			for _, v := range values {
				out = append(out, name+": "+v)
			}
		}
	}
	return out
}

// tokenHandler issues a new random token for every request to /oauth/token.
func tokenHandler(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"access_token": randomToken("at_"), "refresh_token": randomToken("rt_"), "expires_in": 7200, "token_type": "Bearer",
	})
}

// TestRedirectsCarryNoCredential: a redirect to another host (or port) reaches it without
// Authorization, X-Blaxel-Authorization, the preview token or cookies; a redirect within the
// control plane keeps the credential, which shows the check is not vacuous.
func TestRedirectsCarryNoCredential(t *testing.T) {
	noLeaks(t)
	var elsewhere seen
	other := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		elsewhere.add(r)
		ok(w)
	})
	var home seen
	api := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		home.add(r)
		switch {
		case strings.HasSuffix(r.URL.Path, "/oauth/token"):
			tokenHandler(w, r)
		case strings.HasSuffix(r.URL.Path, "/sandboxes/away"):
			http.Redirect(w, r, other.URL+"/v0/sandboxes/away", http.StatusTemporaryRedirect)
		case strings.HasSuffix(r.URL.Path, "/sandboxes/moved"):
			http.Redirect(w, r, "/v0/sandboxes/here", http.StatusFound)
		case strings.Contains(r.URL.Path, "/preview"):
			http.Redirect(w, r, other.URL+"/landing", http.StatusFound)
		default:
			ok(w)
		}
	})
	for _, cred := range []struct {
		name string
		opt  blaxel.Option
	}{{"API key", withAPIKey()}, {"client credentials", withClientCredentials()}} {
		client, _ := newClient(t, api.base(), cred.opt, blaxel.WithRunURL(api.URL))
		ctx := context.Background()
		if _, err := client.GetSandbox(ctx, "away", nil); err != nil {
			t.Fatalf("%s: %v", cred.name, err)
		}
		if _, err := client.GetSandbox(ctx, "moved", nil); err != nil {
			t.Fatalf("%s: %v", cred.name, err)
		}
		preview := &gen.Preview{Spec: gen.PreviewSpec{URL: ptr(api.URL + "/preview")}}
		body, err := client.RunPreview(ctx, preview, "index.html", nil, blaxel.WithPreviewToken(previewToken))
		if err != nil {
			t.Fatalf("%s: %v", cred.name, err)
		}
		body.Close()
	}
	for _, r := range elsewhere.all() {
		audit.add("redirected", 1)
		if h := credentialHeaders(r); len(h) > 0 {
			audit.add("redirect-leaks", 1)
			t.Errorf("%s %s on another host received %v", r.Method, r.URL, h)
		}
	}
	kept := 0
	for _, r := range home.all() {
		if strings.HasSuffix(r.URL.Path, "/sandboxes/here") && r.Header.Get("Authorization") != "" {
			kept++
		}
	}
	if len(elsewhere.all()) != 4 || kept != 2 {
		t.Errorf("%d requests reached the other host (want 4), %d same-host redirects kept the credential (want 2)", len(elsewhere.all()), kept)
	}
}

func ptr[T any](v T) *T { return &v }

// TestTokenEndpointIsTheControlPlanes: a client with client credentials calls a deployed agent
// on another host, whose gateway refuses its first token with 401, and a preview, which takes
// its own token and never the workspace's. The client asks the control plane for a new token,
// and neither workload host ever sees /oauth/token or the Basic credential.
func TestTokenEndpointIsTheControlPlanes(t *testing.T) {
	noLeaks(t)
	var workloads seen
	refused := map[string]bool{}
	var mu sync.Mutex
	workload := func(w http.ResponseWriter, r *http.Request) {
		workloads.add(r)
		_, _ = io.Copy(io.Discard, r.Body)
		auth := r.Header.Get("Authorization")
		mu.Lock()
		first := !refused[r.Host]
		refused[r.Host] = true
		mu.Unlock()
		if first || auth == "" {
			w.Header().Set("X-Blaxel-Error-Code", "AUTHENTICATION_FAILED") // the gateway's refusal
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = io.WriteString(w, `{"ok":true}`)
	}
	run := newServer(t, workload)
	previewHost := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		workloads.add(r)
		if r.Header.Get("Authorization") != "" || r.Header.Get("X-Blaxel-Preview-Token") != previewToken {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = io.WriteString(w, `{"ok":true}`)
	})
	var control seen
	api := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		control.add(r)
		if strings.HasSuffix(r.URL.Path, "/oauth/token") {
			tokenHandler(w, r)
			return
		}
		ok(w)
	})
	client, _ := newClient(t, api.base(), withClientCredentials(), blaxel.WithRunURL(run.URL))
	ctx := context.Background()
	body, err := client.RunAgent(ctx, "helper", strings.NewReader(`{"inputs":"hi"}`))
	if err != nil {
		t.Fatal(err)
	}
	body.Close()
	preview := &gen.Preview{Spec: gen.PreviewSpec{URL: ptr(previewHost.URL)}}
	body, err = client.RunPreview(ctx, preview, "/", nil, blaxel.WithPreviewToken(previewToken))
	if err != nil {
		t.Fatal(err)
	}
	body.Close()

	for _, r := range workloads.all() {
		audit.add("workload-requests", 1)
		if strings.Contains(r.URL.Path, "oauth") {
			audit.add("workload-token-traffic", 1)
			t.Errorf("a workload host received %s %s", r.Method, r.URL.Path)
		}
		if strings.HasPrefix(strings.ToLower(r.Header.Get("Authorization")), "basic") {
			audit.add("workload-token-traffic", 1)
			t.Errorf("a workload host received Basic credentials")
		}
	}
	tokens := 0
	for _, r := range control.all() {
		if strings.HasSuffix(r.URL.Path, "/oauth/token") {
			tokens++
		}
	}
	if tokens != 2 || len(workloads.all()) != 3 {
		t.Errorf("%d token requests to the control plane (want 2: one, then one after the 401), %d workload requests (want 3)", tokens, len(workloads.all()))
	}
}

// TestOneCredentialHeader: whatever sources of credentials are set at once (options, the
// environment, the config file, a header the caller adds), every request carries exactly one
// credential header, from the source that wins.
func TestOneCredentialHeader(t *testing.T) {
	noLeaks(t)
	var got seen
	api := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		got.add(r)
		if strings.HasSuffix(r.URL.Path, "/oauth/token") {
			tokenHandler(w, r)
			return
		}
		_, _ = io.Copy(io.Discard, r.Body)
		ok(w)
	})
	if _, err := blaxel.New(blaxel.WithAPIKey(apiKey), blaxel.WithClientCredentials(clientID, clientSecret)); err == nil {
		t.Error("New accepted an API key and client credentials at once")
	} else {
		audit.err(err)
	}

	home := t.TempDir()
	config := filepath.Join(home, ".blaxel", "config.yaml")
	fileKey, fileAccess, fileRefresh := randomToken("bl_file_"), randomToken("at_file_"), randomToken("rt_file_")
	audit.secret(fileKey, fileAccess, fileRefresh)
	writeFile(t, config, "context:\n  workspace: "+workspace+"\nworkspaces:\n  - name: "+workspace+
		"\n    credentials:\n      apiKey: "+fileKey+"\n      access_token: "+fileAccess+"\n      refresh_token: "+fileRefresh+"\n")
	envKey := randomToken("bl_env_")
	audit.secret(envKey)
	env := map[string]string{
		"HOME": home, "BL_API_KEY": envKey, "BL_API_URL": api.base(), "BL_RUN_URL": api.URL,
		"BL_CLIENT_CREDENTIALS": base64.StdEncoding.EncodeToString([]byte(clientID + ":" + clientSecret)),
	}
	getenv := blaxel.WithEnv(func(k string) string { return env[k] })
	cases := []struct {
		name string
		opts []blaxel.EnvOption
		want string // the credential that must be sent; "token" for an issued token
	}{
		{"environment key over environment client credentials and file", nil, "Bearer " + envKey},
		{"option key over everything", []blaxel.EnvOption{blaxel.WithAPIKey(apiKey)}, "Bearer " + apiKey},
		{"option client credentials over everything", []blaxel.EnvOption{blaxel.WithClientCredentials(clientID, clientSecret)}, "token"},
	}
	for _, tc := range cases {
		w := newWire(t)
		opts := append([]blaxel.EnvOption{getenv, blaxel.WithLogger(debugLogger), blaxel.WithHTTPClient(w.client())}, tc.opts...)
		client, err := blaxel.NewFromEnv(opts...)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		before := len(got.all())
		ctx := context.Background()
		if _, err := client.GetSandbox(ctx, "sb", nil); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if _, err := client.CreateSandbox(ctx, gen.Sandbox{Metadata: gen.Metadata{Name: "sb"}}, nil); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		// A caller's own credential header on a workload call is refused before sending.
		if _, err := client.RunAgent(ctx, "helper", strings.NewReader("{}"),
			blaxel.WithRequestHeader("X-Blaxel-Authorization", "Bearer "+fileKey)); err == nil {
			t.Fatalf("%s: a credential header of the caller was accepted", tc.name)
		}
		body, err := client.RunAgent(ctx, "helper", strings.NewReader("{}"))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		body.Close()
		for _, r := range got.all()[before:] {
			if strings.HasSuffix(r.URL.Path, "/oauth/token") {
				continue
			}
			audit.add("several-sources", 1)
			h := credentialHeaders(r)
			if len(h) != 1 {
				audit.add("double-credential", 1)
				t.Errorf("%s: %s %s carried %d credential headers: %v", tc.name, r.Method, r.URL.Path, len(h), h)
				continue
			}
			auth := r.Header.Get("Authorization")
			if tc.want == "token" && !strings.HasPrefix(auth, "Bearer at_") || tc.want != "token" && auth != tc.want {
				t.Errorf("%s: %s %s sent the credential of another source", tc.name, r.Method, r.URL.Path)
			}
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestEchoedCredentialsStayOut: servers that echo the credentials they received, in error
// messages, bodies, headers and HTML pages, must not get them into the client's errors or
// debug log. The audit of the run scans both.
func TestEchoedCredentialsStayOut(t *testing.T) {
	noLeaks(t)
	linesBefore := audit.lineCount()
	echo := func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/oauth/token") {
			tokenHandler(w, r)
			return
		}
		_, _ = io.Copy(io.Discard, r.Body)
		auth := r.Header.Get("Authorization")
		cred := strings.TrimPrefix(auth, "Bearer ")
		preview := r.Header.Get("X-Blaxel-Preview-Token")
		w.Header().Set("X-Echo", cred+" "+preview)
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", token="`+cred+`"`)
		switch {
		case strings.Contains(r.URL.Path, "json"):
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_ = json.NewEncoder(w).Encode(map[string]any{"error": "unauthorized " + cred, "code": 401,
				"message": "the credential " + cred + " (" + preview + ") was refused; you sent " + auth})
		case strings.Contains(r.URL.Path, "gateway"):
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Blaxel-Error-Code", "AUTHENTICATION_FAILED")
			w.WriteHeader(http.StatusForbidden)
			_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": "AUTHENTICATION_FAILED",
				"message": "refused " + cred, "action": "replace " + cred, "do_not": "retry with " + preview, "docs_url": "https://docs.test/?key=" + cred}})
		case strings.Contains(r.URL.Path, "html"):
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, "<html><pre>headers:\nAuthorization: "+auth+"\nX-Blaxel-Preview-Token: "+preview+"\nraw: "+cred+"</pre></html>")
		default:
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusOK)
			_, _ = io.WriteString(w, "you are "+cred)
		}
	}
	srv := newServer(t, echo)
	for _, cred := range []blaxel.Option{withAPIKey(), withClientCredentials()} {
		client, _ := newClient(t, srv.base(), cred, blaxel.WithRunURL(srv.URL), blaxel.WithMaxRetries(0))
		ctx := context.Background()
		for _, name := range []string{"json", "gateway", "html", "plain"} {
			_, err := client.GetSandbox(ctx, name, nil)
			audit.err(err)
			if err == nil {
				t.Errorf("GetSandbox(%s): no error", name)
			}
			body, err := client.RunAgent(ctx, name, nil, blaxel.WithPreviewToken(previewToken))
			audit.err(err)
			closeBody(body)
			preview := &gen.Preview{Spec: gen.PreviewSpec{URL: ptr(srv.URL + "/" + name)}}
			body, err = client.RunPreview(ctx, preview, "x", nil, blaxel.WithPreviewToken(previewToken))
			audit.err(err)
			closeBody(body)
			if name != "plain" && err == nil {
				t.Errorf("RunPreview(%s): no error", name)
			}
		}
	}
	if hits := audit.scan(); len(hits) > 0 {
		for _, h := range hits {
			t.Error(h)
		}
	}
	// The scan proves something only if the echoes reached the log, redacted.
	lines, redactedLines := audit.linesSince(linesBefore)
	t.Logf("%d debug lines during the test, %d with a redaction", lines, redactedLines)
	if lines == 0 || redactedLines == 0 {
		t.Errorf("%d debug lines, %d with a redaction: the log did not see the echoes", lines, redactedLines)
	}
}

// closeBody reads and closes the body of a successful workload call, if there is one.
func closeBody(body io.ReadCloser) {
	if body != nil {
		_, _ = io.Copy(io.Discard, body)
		_ = body.Close()
	}
}
