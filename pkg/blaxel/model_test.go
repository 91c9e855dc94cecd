package blaxel_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

func seedModel(t *testing.T, srv *blaxeltest.Server, name string) {
	t.Helper()
	if err := srv.Seed(blaxeltest.Seed{Path: "/models", Workspace: "ws", Body: map[string]any{
		"metadata": map[string]any{"name": name}, "spec": map[string]any{},
	}}); err != nil {
		t.Fatal(err)
	}
}

func TestModelStreamsAChatCompletion(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	seedModel(t, srv, "gpt")
	c, _ := fakeClient(t, srv)
	m, err := c.Model(t.Context(), "gpt")
	if err != nil {
		t.Fatal(err)
	}
	if m.BaseURL != srv.RunURL()+"/ws/models/gpt/v1" {
		t.Fatalf("base URL %s", m.BaseURL)
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, m.BaseURL+"/chat/completions",
		strings.NewReader(`{"stream":true,"messages":[{"role":"system","content":"be brief"},{"role":"user","content":[{"type":"text","text":"streamed words"}]}]}`))
	req.Header.Set("Authorization", "Bearer sk-placeholder") // as OpenAI SDKs insist on sending
	resp, err := m.HTTPClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var text strings.Builder
	done := false
	for ev, err := range blaxel.ReadEvents(resp.Body, resp.Header.Get("Content-Type")) {
		if err != nil {
			t.Fatal(err)
		}
		if string(ev.Data) == "[DONE]" {
			done = true
			continue
		}
		var chunk struct {
			Choices []struct{ Delta struct{ Content string } }
		}
		if err := ev.Decode(&chunk); err != nil {
			t.Fatal(err)
		}
		text.WriteString(chunk.Choices[0].Delta.Content)
	}
	if text.String() != "streamed words" || !done {
		t.Errorf("streamed %q, [DONE] %v", text.String(), done)
	}
}

// The model's client carries the credential and the workspace to the model's host only: not
// to another host, called directly or reached by a redirect.
func TestModelHTTPClientKeepsTheCredentialOnTheModelsHost(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]http.Header{}
	record := func(name string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			seen[name+" "+r.URL.Path] = r.Header.Clone()
			mu.Unlock()
		}
	}
	elsewhere := httptest.NewServer(record("elsewhere"))
	defer elsewhere.Close()
	model := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/redirect" {
			http.Redirect(w, r, elsewhere.URL+"/landed", http.StatusTemporaryRedirect)
			return
		}
		record("model")(w, r)
	}))
	defer model.Close()
	home := t.TempDir()
	c, err := blaxel.NewFromEnv(blaxel.WithEnv(func(name string) string {
		return map[string]string{
			"BL_API_KEY": "test-api-key-123", "BL_WORKSPACE": "ws", "HOME": home,
			"BL_API_URL": "http://127.0.0.1:1/v0", "BL_RUN_URL": "http://127.0.0.1:2", "BL_MODELS_GPT_URL": model.URL,
		}[name]
	}))
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.Model(t.Context(), "gpt") // forced by the environment: nothing asked of the control plane
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{m.BaseURL + "/models", m.BaseURL + "/redirect", elsewhere.URL + "/direct"} {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, target, nil)
		req.Header.Set("Authorization", "Bearer sk-placeholder")
		resp, err := m.HTTPClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	mu.Lock()
	defer mu.Unlock()
	if h := seen["model /v1/models"]; h.Get("Authorization") != "Bearer test-api-key-123" || h.Get("X-Blaxel-Workspace") != "ws" {
		t.Errorf("the model got Authorization %q and workspace %q", h.Get("Authorization"), h.Get("X-Blaxel-Workspace"))
	}
	for _, path := range []string{"elsewhere /landed", "elsewhere /direct"} {
		h, ok := seen[path]
		if !ok {
			t.Errorf("%s was not reached", path)
			continue
		}
		for _, name := range []string{"Authorization", "X-Blaxel-Authorization"} {
			if v := h.Get(name); v != "" {
				t.Errorf("%s got %s %q", path, name, v)
			}
		}
		if path == "elsewhere /direct" && h.Get("X-Blaxel-Workspace") != "" {
			t.Errorf("%s got the workspace", path)
		}
	}
}

// The errors of a model's HTTP client never quote the client's key, whatever the server
// echoes it in: a header line that does not parse, a Content-Length that is no number, a
// Location that is no address.
func TestModelHTTPClientErrorsAreRedacted(t *testing.T) {
	const key = "test-api-key-123"
	for _, answer := range []string{
		"HTTP/1.1 200 OK\r\nbroken line " + key + "\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: " + key + "\r\n\r\n",
		"HTTP/1.1 302 Found\r\nLocation: http://[" + key + "\r\nContent-Length: 0\r\n\r\n",
	} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			for {
				conn, err := ln.Accept()
				if err != nil {
					return
				}
				go func() {
					defer conn.Close()
					_, _ = bufio.NewReader(conn).ReadString('\n')
					_, _ = io.WriteString(conn, answer)
				}()
			}
		}()
		home := t.TempDir()
		c, err := blaxel.NewFromEnv(blaxel.WithEnv(func(name string) string {
			return map[string]string{
				"BL_API_KEY": key, "BL_WORKSPACE": "ws", "HOME": home,
				"BL_API_URL": "http://127.0.0.1:1/v0", "BL_RUN_URL": "http://127.0.0.1:2", "BL_MODELS_GPT_URL": "http://" + ln.Addr().String(),
			}[name]
		}), blaxel.WithMaxRetries(0))
		if err != nil {
			t.Fatal(err)
		}
		m, err := c.Model(t.Context(), "gpt")
		if err != nil {
			t.Fatal(err)
		}
		resp, err := m.HTTPClient.Get(m.BaseURL + "/models")
		if err == nil {
			resp.Body.Close()
			t.Errorf("%q: no error", answer)
		} else if strings.Contains(err.Error(), key) {
			t.Errorf("the error quotes the key: %v", err)
		}
		ln.Close()
	}
}
