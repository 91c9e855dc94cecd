package blaxel_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"golang.org/x/oauth2"
)

// okSandbox answers GET /v0/sandboxes/sb, recording each request.
func okSandbox(mux *http.ServeMux) *recorder {
	rec := &recorder{}
	mux.HandleFunc("GET /v0/sandboxes/sb", func(w http.ResponseWriter, r *http.Request) {
		rec.add(r)
		writeJSON(w, http.StatusOK, sandboxJSON("sb"))
	})
	return rec
}

func TestAPIKeyIsSentAsBearer(t *testing.T) {
	mux, srv := setup(t)
	api := okSandbox(mux)
	if err := getSandbox(newClient(t, srv, apiKey())); err != nil {
		t.Fatal(err)
	}
	h := api.all()[0].Header
	if got := h.Values("Authorization"); len(got) != 1 || got[0] != "Bearer test-api-key-123" {
		t.Fatalf("Authorization %q", got)
	}
	if got := h.Get("X-Blaxel-Authorization"); got != "" {
		t.Fatalf("X-Blaxel-Authorization %q sent beside Authorization", got)
	}
}

func TestClientCredentialsAreExchangedAtTheControlPlane(t *testing.T) {
	mux, srv := setup(t)
	tokens := tokenServer(mux, 3600)
	api := okSandbox(mux)
	c := newClient(t, srv, blaxel.WithClientCredentials("my-id", "my-secret"))
	if err := getSandbox(c); err != nil {
		t.Fatal(err)
	}
	reqs := tokens.all()
	if len(reqs) != 1 {
		t.Fatalf("%d token requests", len(reqs))
	}
	tr := reqs[0]
	if want := "Basic " + base64.StdEncoding.EncodeToString([]byte("my-id:my-secret")); tr.Header.Get("Authorization") != want {
		t.Fatalf("token request Authorization %q, want %q", tr.Header.Get("Authorization"), want)
	}
	if ct := tr.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("token request Content-Type %q", ct)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(tr.Body), &body); err != nil || len(body) != 1 || body["grant_type"] != "client_credentials" {
		t.Fatalf("token request body %s", tr.Body)
	}
	if got := api.all()[0].Header.Get("Authorization"); got != "Bearer token-1" {
		t.Fatalf("API request Authorization %q", got)
	}
}

// The workload address gets the access token, never the client secret, and the token request
// still goes to the control plane.
func TestWorkloadCallsNeverSeeTheClientSecret(t *testing.T) {
	mux, srv := setup(t)
	tokens := tokenServer(mux, 3600)
	runMux, runSrv := setup(t)
	workload := &recorder{}
	runMux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		workload.add(r)
		w.WriteHeader(http.StatusOK)
	})
	c := newClient(t, srv, blaxel.WithClientCredentials("my-id", "my-secret"), blaxel.WithRunURL(runSrv.URL))
	req, _ := http.NewRequest(http.MethodPost, blaxel.CoreRunURL(c)+"/ws/agents/a", strings.NewReader(`{}`))
	resp, err := blaxel.CoreHTTPClient(c).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if tokens.count() != 1 {
		t.Fatalf("%d token requests at the control plane", tokens.count())
	}
	for _, r := range workload.all() {
		if r.Path == "/oauth/token" || strings.Contains(r.Path, "oauth") {
			t.Fatalf("token request sent to the workload: %s", r.Path)
		}
		if got := r.Header.Get("Authorization"); got != "Bearer token-1" {
			t.Fatalf("workload got Authorization %q", got)
		}
	}
}

func TestConcurrentCallersShareOneTokenRequest(t *testing.T) {
	mux, srv := setup(t)
	tokens := tokenServer(mux, 3600)
	okSandbox(mux)
	c := newClient(t, srv, blaxel.WithClientCredentials("id", "secret-value"))
	getSandboxConcurrently(t, c, 100)
	if n := tokens.count(); n != 1 {
		t.Fatalf("%d token requests for 100 concurrent callers, want 1", n)
	}
}

// When every caller's token is refused at once, one new token is asked for, not one per caller.
func TestConcurrent401sRenewTheTokenOnce(t *testing.T) {
	mux, srv := setup(t)
	tokens := tokenServer(mux, 3600)
	var refused atomic.Int32
	mux.HandleFunc("GET /v0/sandboxes/sb", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer token-1" {
			refused.Add(1)
			writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "unauthorized", "message": "token revoked"})
			return
		}
		writeJSON(w, http.StatusOK, sandboxJSON("sb"))
	})
	c := newClient(t, srv, blaxel.WithClientCredentials("id", "secret-value"))
	getSandboxConcurrently(t, c, 100)
	if n := tokens.count(); n != 2 {
		t.Fatalf("%d token requests, want 2 (the first, and one renewal)", n)
	}
	if refused.Load() == 0 {
		t.Fatal("no request was refused: the test proves nothing")
	}
}

// A 401 on a cached token gets one new token and one new attempt, even for a POST.
func TestUnauthorizedRenewsOnceEvenForPOST(t *testing.T) {
	mux, srv := setup(t)
	tokens := tokenServer(mux, 3600)
	creates := &recorder{}
	mux.HandleFunc("POST /v0/sandboxes", func(w http.ResponseWriter, r *http.Request) {
		rec := creates.add(r)
		if r.Header.Get("Authorization") == "Bearer token-1" {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "unauthorized"})
			return
		}
		if !strings.Contains(rec.Body, `"name":"sb"`) {
			t.Errorf("second attempt's body %q", rec.Body)
		}
		writeJSON(w, http.StatusOK, sandboxJSON("sb"))
	})
	c := newClient(t, srv, blaxel.WithClientCredentials("id", "secret-value"))
	if _, err := c.CreateSandbox(context.Background(), sandboxBody("sb"), nil); err != nil {
		t.Fatal(err)
	}
	if creates.count() != 2 || tokens.count() != 2 {
		t.Fatalf("%d POSTs and %d token requests, want 2 and 2", creates.count(), tokens.count())
	}
}

// A workload's own 401 may come after it acted: a POST there is not sent again. The same 401
// from the gateway in front of it, which refuses before the workload runs, is renewed and
// resent; a GET is resent whoever refused it.
func TestWorkloadUnauthorizedResendsOnlyWhatIsSafe(t *testing.T) {
	for _, tc := range []struct {
		method, errorCode string
		wantCalls         int
	}{
		{http.MethodPost, "", 1},
		{http.MethodPost, "AUTHENTICATION_FAILED", 2},
		{http.MethodPost, "AUTHENTICATION_REQUIRED", 2},
		{http.MethodGet, "", 2},
	} {
		mux, srv := setup(t)
		tokenServer(mux, 3600)
		runMux, runSrv := setup(t)
		calls := &recorder{}
		runMux.HandleFunc("/ws/agents/a", func(w http.ResponseWriter, r *http.Request) {
			calls.add(r)
			if tc.errorCode != "" {
				w.Header().Set("X-Blaxel-Error-Code", tc.errorCode)
			}
			w.WriteHeader(http.StatusUnauthorized)
		})
		c := newClient(t, srv, blaxel.WithClientCredentials("id", "secret-value"), blaxel.WithRunURL(runSrv.URL))
		var body io.Reader
		if tc.method == http.MethodPost {
			body = strings.NewReader(`{"inputs":"x"}`)
		}
		_, err := c.RunAgent(context.Background(), "a", body, blaxel.WithMethod(tc.method))
		if !errors.Is(err, blaxel.ErrUnauthorized) {
			t.Errorf("%s %q: error %v", tc.method, tc.errorCode, err)
		}
		if calls.count() != tc.wantCalls {
			t.Errorf("%s %q: the workload received %d calls, want %d", tc.method, tc.errorCode, calls.count(), tc.wantCalls)
		}
	}
}

// A 401 that persists is returned after the one renewal: no loop.
func TestUnauthorizedTwiceIsReturned(t *testing.T) {
	mux, srv := setup(t)
	tokens := tokenServer(mux, 3600)
	api := &recorder{}
	mux.HandleFunc("GET /v0/sandboxes/sb", func(w http.ResponseWriter, r *http.Request) {
		api.add(r)
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "unauthorized"})
	})
	c := newClient(t, srv, blaxel.WithClientCredentials("id", "secret-value"))
	err := getSandbox(c)
	if !errors.Is(err, blaxel.ErrUnauthorized) {
		t.Fatalf("error %v", err)
	}
	if api.count() != 2 || tokens.count() != 2 {
		t.Fatalf("%d requests and %d token requests, want 2 and 2", api.count(), tokens.count())
	}
}

// An API key cannot be renewed: its 401 is returned at once.
func TestUnauthorizedAPIKeyIsNotRetried(t *testing.T) {
	mux, srv := setup(t)
	api := &recorder{}
	mux.HandleFunc("GET /v0/sandboxes/sb", func(w http.ResponseWriter, r *http.Request) {
		api.add(r)
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "unauthorized"})
	})
	if err := getSandbox(newClient(t, srv, apiKey())); !errors.Is(err, blaxel.ErrUnauthorized) {
		t.Fatalf("error %v", err)
	}
	if api.count() != 1 {
		t.Fatalf("%d requests", api.count())
	}
}

// A token is replaced before it expires: one that expires within the safety margin is never
// sent twice, one that lives for an hour is reused.
// A token is replaced a minute before it expires, or a quarter of its lifetime before when it
// lives less than four minutes: one that lives 30 s serves 22.5 s, rather than being renewed
// before every request.
func TestTokensAreRenewedBeforeExpiry(t *testing.T) {
	for _, tc := range []struct {
		expiresIn   int
		renewedFrom time.Duration // how long after it was obtained the token is replaced
	}{{expiresIn: 30, renewedFrom: 22500 * time.Millisecond}, {expiresIn: 3600, renewedFrom: 59 * time.Minute}} {
		mux, srv := setup(t)
		tokens := tokenServer(mux, tc.expiresIn)
		api := okSandbox(mux)
		clock := newFakeClock()
		c := newClient(t, srv, blaxel.WithClientCredentials("id", "secret-value"), blaxel.WithClock(clock.now))
		for range 10 {
			if err := getSandbox(c); err != nil {
				t.Fatal(err)
			}
		}
		if tokens.count() != 1 {
			t.Errorf("expires_in %d: %d token requests for 10 calls in a row, want 1", tc.expiresIn, tokens.count())
		}
		clock.advance(tc.renewedFrom - time.Millisecond)
		if err := getSandbox(c); err != nil || tokens.count() != 1 {
			t.Errorf("expires_in %d: %v, %d token requests just before the renewal, want 1", tc.expiresIn, err, tokens.count())
		}
		clock.advance(2 * time.Millisecond)
		if err := getSandbox(c); err != nil || tokens.count() != 2 {
			t.Errorf("expires_in %d: %v, %d token requests just after the renewal, want 2", tc.expiresIn, err, tokens.count())
		}
		if got := api.all()[11].Header.Get("Authorization"); got != "Bearer token-2" {
			t.Errorf("expires_in %d: the request after the renewal used %q", tc.expiresIn, got)
		}
	}
}

func TestBadClientSecretIsAnErrorWithoutTheSecret(t *testing.T) {
	mux, srv := setup(t)
	tokens := &recorder{}
	mux.HandleFunc("POST /v0/oauth/token", func(w http.ResponseWriter, r *http.Request) {
		tokens.add(r)
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_client", "message": "bad secret wrong-secret-42"})
	})
	api := okSandbox(mux)
	c := newClient(t, srv, blaxel.WithClientCredentials("id", "wrong-secret-42"))
	err := getSandbox(c)
	var apiErr *blaxel.APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, blaxel.ErrBadRequest) || !errors.Is(err, blaxel.ErrUnauthorized) || apiErr.Code != "invalid_client" {
		t.Fatalf("error %v", err)
	}
	if apiErr.Operation != "IssueToken" {
		t.Errorf("operation %q", apiErr.Operation)
	}
	if strings.Contains(err.Error(), "wrong-secret-42") || strings.Contains(string(apiErr.Body), "wrong-secret-42") {
		t.Errorf("the secret is in the error: %v", err)
	}
	if tokens.count() != 1 || api.count() != 0 {
		t.Errorf("%d token requests, %d API requests, want 1 and 0", tokens.count(), api.count())
	}
}

// The token request goes through the caller's transport, but not through the authenticated
// pipeline: it carries the Basic credential alone.
func TestTokenRequestUsesTheCallersTransport(t *testing.T) {
	mux, srv := setup(t)
	tokenServer(mux, 3600)
	okSandbox(mux)
	var seen []string
	var mu sync.Mutex
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		seen = append(seen, r.URL.Path+" "+strings.SplitN(r.Header.Get("Authorization"), " ", 2)[0])
		mu.Unlock()
		return http.DefaultTransport.RoundTrip(r)
	})}
	c := newClient(t, srv, blaxel.WithClientCredentials("id", "secret-value"), blaxel.WithHTTPClient(hc))
	if err := getSandbox(c); err != nil {
		t.Fatal(err)
	}
	want := []string{"/v0/oauth/token Basic", "/v0/sandboxes/sb Bearer"}
	if strings.Join(seen, ",") != strings.Join(want, ",") {
		t.Fatalf("the caller's transport saw %q, want %q", seen, want)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Two clients in one process keep their own tokens.
func TestTwoClientsDoNotShareTokens(t *testing.T) {
	mux, srv := setup(t)
	var mu sync.Mutex
	byClient := map[string]int{}
	mux.HandleFunc("POST /v0/oauth/token", func(w http.ResponseWriter, r *http.Request) {
		user, _, _ := r.BasicAuth()
		mu.Lock()
		byClient[user]++
		mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"access_token": "for-" + user, "expires_in": 3600})
	})
	api := okSandbox(mux)
	a := newClient(t, srv, blaxel.WithClientCredentials("alice", "secret-a"))
	b := newClient(t, srv, blaxel.WithClientCredentials("bob", "secret-b"), blaxel.WithWorkspace("other"))
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() { _ = getSandbox(a) })
		wg.Go(func() { _ = getSandbox(b) })
	}
	wg.Wait()
	if byClient["alice"] != 1 || byClient["bob"] != 1 {
		t.Fatalf("token requests per client %v", byClient)
	}
	for _, r := range api.all() {
		auth, ws := r.Header.Get("Authorization"), r.Header.Get("X-Blaxel-Workspace")
		if !(auth == "Bearer for-alice" && ws == "ws" || auth == "Bearer for-bob" && ws == "other") {
			t.Fatalf("request with %q in workspace %q", auth, ws)
		}
	}
}

func TestCallerTokenSource(t *testing.T) {
	mux, srv := setup(t)
	api := okSandbox(mux)
	ts := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "from-source"})
	if err := getSandbox(newClient(t, srv, blaxel.WithTokenSource(ts))); err != nil {
		t.Fatal(err)
	}
	if got := api.all()[0].Header.Get("Authorization"); got != "Bearer from-source" {
		t.Fatalf("Authorization %q", got)
	}
}

// A caller whose context ends stops waiting for the token, which the server never sends.
func TestTokenWaitEndsWithTheContext(t *testing.T) {
	mux, srv := setup(t)
	release := make(chan struct{})
	mux.HandleFunc("POST /v0/oauth/token", func(w http.ResponseWriter, r *http.Request) {
		<-release
		writeJSON(w, http.StatusOK, map[string]any{"access_token": "late-token", "expires_in": 3600})
	})
	defer close(release)
	okSandbox(mux)
	c := newClient(t, srv, blaxel.WithClientCredentials("id", "secret-value"))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := c.GetSandbox(ctx, "sb", nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v", err)
	}
}

// getSandboxConcurrently makes n GetSandbox calls at once and fails the test if any fails.
func getSandboxConcurrently(t *testing.T, c *blaxel.Client, n int) {
	t.Helper()
	var wg sync.WaitGroup
	var failures atomic.Int32
	for range n {
		wg.Go(func() {
			if err := getSandbox(c); err != nil {
				failures.Add(1)
			}
		})
	}
	wg.Wait()
	if failures.Load() != 0 {
		t.Fatalf("%d of %d calls failed", failures.Load(), n)
	}
}

// traceKey stands for a trace span a caller carries in its context.
type traceKey struct{}

// contextRecorder passes requests on, remembering the context of each token request.
type contextRecorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	ctxs []context.Context
}

func (r *contextRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if strings.HasSuffix(req.URL.Path, "/oauth/token") {
		r.mu.Lock()
		r.ctxs = append(r.ctxs, req.Context())
		r.mu.Unlock()
	}
	return r.next.RoundTrip(req)
}

// A token request keeps what the caller set: the timeout of its http.Client (not 30 s) and
// the values of the context of the call that needed the token, such as a trace span.
func TestTokenRequestKeepsTheCallersTimeoutAndValues(t *testing.T) {
	mux, srv := setup(t)
	tokenServer(mux, 3600)
	okSandbox(mux)
	rec := &contextRecorder{next: http.DefaultTransport}
	c := newClient(t, srv, blaxel.WithClientCredentials("id", "secret-value"),
		blaxel.WithHTTPClient(&http.Client{Transport: rec, Timeout: 10 * time.Minute}))
	ctx := context.WithValue(context.Background(), traceKey{}, "span-42")
	start := time.Now()
	if _, err := c.GetSandbox(ctx, "sb", nil); err != nil {
		t.Fatal(err)
	}
	if len(rec.ctxs) != 1 {
		t.Fatalf("%d token requests", len(rec.ctxs))
	}
	tokenCtx := rec.ctxs[0]
	if v := tokenCtx.Value(traceKey{}); v != "span-42" {
		t.Errorf("the token request's context carries %v, not the caller's span", v)
	}
	if deadline, ok := tokenCtx.Deadline(); !ok || deadline.Sub(start) < 5*time.Minute {
		t.Errorf("the token request's deadline is %v after the call, not the http.Client's 10 minutes", deadline.Sub(start))
	}
}

// A token of another type than bearer, from the caller's source, is an error: the client never
// sends "Authorization: MAC ...".
func TestNonBearerTokenFromTheCallersSource(t *testing.T) {
	mux, srv := setup(t)
	api := okSandbox(mux)
	ts := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "mac-token-value", TokenType: "MAC"})
	err := getSandbox(newClient(t, srv, blaxel.WithTokenSource(ts)))
	if err == nil || !strings.Contains(err.Error(), "bearer") || api.count() != 0 {
		t.Fatalf("error %v, %d requests sent", err, api.count())
	}
}

// A credential shorter than 6 characters cannot be told apart from ordinary text, so it could
// not be kept out of errors and logs: it is refused when the client is built, and never quoted.
func TestShortCredentialsAreRefused(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(file, []byte("context:\n  workspace: ws\nworkspaces:\n  - name: ws\n    credentials:\n      access_token: tk9\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	noEnv := blaxel.WithEnv(func(string) string { return "" })
	for name, build := range map[string]func() error{
		"WithAPIKey": func() error { _, err := blaxel.New(blaxel.WithAPIKey("k3y9z")); return err },
		"WithClientCredentials": func() error {
			_, err := blaxel.New(blaxel.WithClientCredentials("id", "s3c9z"))
			return err
		},
		"BL_API_KEY": func() error {
			_, err := blaxel.NewFromEnv(blaxel.WithEnv(func(k string) string { return map[string]string{"BL_API_KEY": "k3y9z"}[k] }))
			return err
		},
		"access_token in the file": func() error {
			_, err := blaxel.NewFromEnv(noEnv, blaxel.WithConfigFile(file))
			return err
		},
	} {
		err := build()
		if err == nil || !strings.Contains(err.Error(), "shorter than 6") {
			t.Errorf("%s: error %v", name, err)
			continue
		}
		for _, value := range []string{"k3y9z", "s3c9z", "tk9"} {
			if strings.Contains(err.Error(), value) {
				t.Errorf("%s: the error quotes the credential: %v", name, err)
			}
		}
	}
}
