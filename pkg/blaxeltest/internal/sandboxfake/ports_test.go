package sandboxfake_test

import (
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

func TestPortsAnswerThroughTheirHandlers(t *testing.T) {
	b := newBox(t)
	b.srv.HandlePort(3000, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, name, ok := blaxeltest.SandboxOf(r)
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprintf(w, "%s %s raw=%s q=%s %s/%s %t", r.Method, r.URL.Path, r.URL.RawPath, r.URL.RawQuery, ws, name, ok)
	}))
	for _, tc := range []struct {
		path   string
		status int
		body   string
	}{
		{"/port/3000/a/b?x=1", http.StatusAccepted, "GET /a/b raw= q=x=1 ws/box true"},
		{"/port/3000", http.StatusAccepted, "GET / raw= q= ws/box true"},
		{"/port/3000/a%2Fb", http.StatusAccepted, "GET /a/b raw=/a%2Fb q= ws/box true"},
		{"/port/4000/", http.StatusBadGateway, ""}, // nothing listens
		{"/port/03000/", http.StatusNotFound, ""},  // not a port: the sandbox's own API, which has no such route
		{"/port/70000/", http.StatusNotFound, ""},
	} {
		resp := b.do(sbxRequest{path: tc.path})
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || tc.body != "" && string(body) != tc.body {
			t.Errorf("%s: %d %q", tc.path, resp.StatusCode, body)
		}
	}
	// The gate comes first.
	resp := b.do(sbxRequest{path: "/port/3000/", header: map[string]string{"X-Blaxel-Authorization": ""}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("without a credential: %d", resp.StatusCode)
	}
	if n := b.srv.Attempts("ANY /port/{port}"); n != 5 {
		t.Errorf("%d attempts logged, want 5", n)
	}
	// A nil handler brings back the default.
	b.srv.HandlePort(3000, nil)
	resp = b.do(sbxRequest{path: "/port/3000/"})
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway {
		t.Errorf("after HandlePort(nil): %d", resp.StatusCode)
	}
}
