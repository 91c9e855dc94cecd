package blaxel

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/blaxel-go/blaxel/gen"
)

// workloadServer records the calls it gets and answers each with answer.
type workloadServer struct {
	mu     sync.Mutex
	calls  []*http.Request
	bodies []string
	answer http.HandlerFunc
}

func (s *workloadServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.calls, s.bodies = append(s.calls, r), append(s.bodies, string(body))
	s.mu.Unlock()
	if s.answer != nil {
		s.answer(w, r)
		return
	}
	_, _ = w.Write([]byte(`{"ok":true}`))
}

func (s *workloadServer) sent() ([]*http.Request, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*http.Request(nil), s.calls...), append([]string(nil), s.bodies...)
}

// newRunClient returns a client whose run URL is a recording server.
func newRunClient(t *testing.T) (*workloadServer, *httptest.Server, *Client) {
	t.Helper()
	s := &workloadServer{}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	c, err := New(WithAPIKey("test-key"), WithWorkspace("my ws"), WithBaseURL("https://control.invalid/v0"))
	if err != nil {
		t.Fatal(err)
	}
	c.p.RunURL = srv.URL
	return s, srv, c
}

func readAll(t *testing.T, body io.ReadCloser, err error) string {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRunAgentSendsCredentialsAndOptions(t *testing.T) {
	s, _, c := newRunClient(t)
	body, err := c.RunAgent(context.Background(), "my agent", strings.NewReader(`{"inputs":"hi"}`),
		WithThreadID("thread-7"), WithAsync(), WithRequestHeader("Accept", "text/event-stream"))
	if got := readAll(t, body, err); got != `{"ok":true}` {
		t.Fatalf("body %q", got)
	}
	calls, bodies := s.sent()
	r := calls[0]
	checks := map[string][2]string{
		"method":          {r.Method, http.MethodPost},
		"path":            {r.URL.EscapedPath(), "/my%20ws/agents/my%20agent"},
		"async":           {r.URL.Query().Get("async"), "true"},
		"thread":          {r.Header.Get("X-Blaxel-Thread-Id"), "thread-7"},
		"credential":      {r.Header.Get("Authorization"), "Bearer test-key"},
		"workspace":       {r.Header.Get("X-Blaxel-Workspace"), "my ws"},
		"content type":    {r.Header.Get("Content-Type"), "application/json"},
		"accept":          {r.Header.Get("Accept"), "text/event-stream"},
		"body":            {bodies[0], `{"inputs":"hi"}`},
		"no preview key":  {r.Header.Get("X-Blaxel-Preview-Token"), ""},
		"api version set": {r.Header.Get("Blaxel-Version"), APIVersion},
	}
	for what, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s: %q, want %q", what, c[0], c[1])
		}
	}
}

func TestRunAddressesEachKind(t *testing.T) {
	s, _, c := newRunClient(t)
	ctx := context.Background()
	body, err := c.RunFunction(ctx, "files", strings.NewReader(`{"jsonrpc":"2.0"}`))
	readAll(t, body, err)
	body, err = c.RunModel(ctx, "gpt", "/v1/chat/completions", strings.NewReader(`{}`))
	readAll(t, body, err)
	body, err = c.RunModel(ctx, "gpt", "v1/models", nil)
	readAll(t, body, err)
	calls, _ := s.sent()
	want := []string{"POST /my%20ws/functions/files/mcp", "POST /my%20ws/models/gpt/v1/chat/completions", "GET /my%20ws/models/gpt/v1/models"}
	for i, w := range want {
		if got := calls[i].Method + " " + calls[i].URL.EscapedPath(); got != w {
			t.Errorf("call %d: %s, want %s", i, got, w)
		}
	}
}

func TestRunPrefersTheResourceAddress(t *testing.T) {
	s, srv, c := newRunClient(t)
	url := srv.URL + "/elsewhere/functions/files/"
	body, err := c.RunFunction(context.Background(), "files", nil, WithMetadata(gen.Metadata{Name: "files", URL: &url}), WithMethod(http.MethodGet))
	readAll(t, body, err)
	calls, _ := s.sent()
	if got := calls[0].URL.EscapedPath(); got != "/elsewhere/functions/files/mcp" {
		t.Fatalf("path %s", got)
	}
}

func TestRunPreviewWithToken(t *testing.T) {
	s, srv, c := newRunClient(t)
	url := srv.URL + "/preview-host"
	preview := &gen.Preview{Spec: gen.PreviewSpec{URL: &url}}
	body, err := c.RunPreview(context.Background(), preview, "api/health", nil, WithPreviewToken("preview-secret"))
	readAll(t, body, err)
	calls, _ := s.sent()
	if calls[0].URL.EscapedPath() != "/preview-host/api/health" || calls[0].Header.Get("X-Blaxel-Preview-Token") != "preview-secret" {
		t.Fatalf("call %s %v", calls[0].URL, calls[0].Header)
	}
	if _, err := c.RunPreview(context.Background(), &gen.Preview{}, "", nil); err == nil {
		t.Fatal("a preview without an address was accepted")
	}
}

// A preview serves the sandbox's own code: neither a private one (with its own token) nor a
// public one receives the workspace credential, even when the caller adds one.
func TestRunPreviewNeverCarriesTheWorkspaceCredential(t *testing.T) {
	s, srv, c := newRunClient(t)
	url := srv.URL + "/preview-host"
	preview := &gen.Preview{Spec: gen.PreviewSpec{URL: &url}}
	body, err := c.RunPreview(context.Background(), preview, "", nil, WithPreviewToken("preview-secret"))
	readAll(t, body, err)
	body, err = c.RunPreview(context.Background(), preview, "", strings.NewReader(`{}`))
	readAll(t, body, err)
	body, err = c.RunAgent(context.Background(), "a", nil)
	readAll(t, body, err)
	calls, _ := s.sent()
	for i, call := range calls[:2] {
		if got := call.Header.Get("Authorization") + call.Header.Get("X-Blaxel-Authorization"); got != "" {
			t.Errorf("preview call %d carried the credential %q", i+1, got)
		}
	}
	if got := calls[2].Header.Get("Authorization"); got != "Bearer test-key" {
		t.Errorf("the agent call carried %q", got)
	}
}

// WithMetadata's address gets the workspace credential only on the run URL's host or the
// control plane's: any other host is refused before sending.
func TestRunWithMetadataOnAnotherHostIsRefused(t *testing.T) {
	s, _, c := newRunClient(t)
	for _, other := range []string{"https://attacker.invalid/ws/agents/a", "https://run.invalid.evil/a", "https://control.invalid:8443/a"} {
		_, err := c.RunAgent(context.Background(), "a", nil, WithMetadata(gen.Metadata{URL: &other}))
		if err == nil || !strings.Contains(err.Error(), "neither the run URL's host nor the control plane's") {
			t.Errorf("%s: error %v", other, err)
		}
	}
	if calls, _ := s.sent(); len(calls) != 0 {
		t.Fatalf("%d calls sent", len(calls))
	}
	control := "https://control.invalid/ws/agents/a"
	if _, err := c.RunAgent(context.Background(), "a", nil, WithMetadata(gen.Metadata{URL: &control})); err != nil && strings.Contains(err.Error(), "neither") {
		t.Errorf("the control plane's host was refused: %v", err)
	}
}

func TestRunStreamsTheAnswer(t *testing.T) {
	s, _, c := newRunClient(t)
	second := make(chan struct{})
	s.answer = func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("first\n"))
		w.(http.Flusher).Flush()
		<-second
		_, _ = w.Write([]byte("second\n"))
	}
	body, err := c.RunAgent(context.Background(), "a", strings.NewReader("{}"))
	if err != nil {
		close(second)
		t.Fatal(err)
	}
	defer body.Close()
	buf := make([]byte, len("first\n"))
	if _, err := io.ReadFull(body, buf); err != nil || string(buf) != "first\n" {
		close(second)
		t.Fatalf("read %q, %v before the rest was sent", buf, err)
	}
	close(second)
	rest, err := io.ReadAll(body)
	if err != nil || string(rest) != "second\n" {
		t.Fatalf("rest %q, %v", rest, err)
	}
}

func TestRunErrorsAreAPIErrors(t *testing.T) {
	s, _, c := newRunClient(t)
	s.answer = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error":"not_found","code":404,"message":"no such agent"}`))
	}
	_, err := c.RunAgent(context.Background(), "ghost", strings.NewReader("{}"))
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotFound || !errors.Is(err, ErrNotFound) {
		t.Fatalf("error %v", err)
	}
	if !strings.Contains(err.Error(), "no such agent") {
		t.Fatalf("error text %q", err)
	}
}

func TestRunRefusesBadInputBeforeSending(t *testing.T) {
	s, _, c := newRunClient(t)
	ctx := context.Background()
	for _, name := range []string{"", ".", ".."} {
		if _, err := c.RunAgent(ctx, name, nil); err == nil {
			t.Errorf("agent name %q accepted", name)
		}
	}
	for _, path := range []string{"v1/../admin", "v1/./x", "a//b"} {
		if _, err := c.RunModel(ctx, "m", path, nil); err == nil {
			t.Errorf("model path %q accepted", path)
		}
	}
	for _, opt := range []RunOption{WithThreadID(" "), WithPreviewToken(""), WithMethod("GET /"), WithRequestHeader("Bad Key", "v"), WithRequestHeader("K", "a\nb"),
		WithRequestHeader("authorization", "Bearer x"), WithRequestHeader("X-Blaxel-Authorization", "Bearer x")} {
		if _, err := c.RunAgent(ctx, "a", nil, opt); err == nil {
			t.Error("a bad option was accepted")
		}
	}
	c.p.Workspace = ""
	if _, err := c.RunAgent(ctx, "a", nil); err == nil || !strings.Contains(err.Error(), "workspace") {
		t.Errorf("no workspace: %v", err)
	}
	if calls, _ := s.sent(); len(calls) != 0 {
		t.Fatalf("%d calls sent for bad input", len(calls))
	}
}

func TestRunSendsCredentialsOnlyOverHTTPS(t *testing.T) {
	s, _, c := newRunClient(t)
	c.p.RunURL = "https://run.invalid"
	plain := "http://agents.invalid/agents/a"
	_, err := c.RunAgent(context.Background(), "a", nil, WithMetadata(gen.Metadata{URL: &plain}))
	if err == nil || !strings.Contains(err.Error(), "not https") {
		t.Fatalf("error %v", err)
	}
	relative := "/agents/a"
	if _, err := c.RunAgent(context.Background(), "a", nil, WithMetadata(gen.Metadata{URL: &relative})); err == nil {
		t.Fatal("a relative address was accepted")
	}
	if calls, _ := s.sent(); len(calls) != 0 {
		t.Fatal("a call was sent")
	}
}
