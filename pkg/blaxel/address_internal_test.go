package blaxel

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/blaxel-go/blaxel/internal/pipeline"
)

// envClient is a client built by NewFromEnv from vars alone.
func envClient(t *testing.T, vars map[string]string) *Client {
	t.Helper()
	home := t.TempDir()
	c, err := NewFromEnv(WithEnv(func(name string) string {
		if name == "HOME" {
			return home
		}
		return vars[name]
	}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestForcedAddressesComeFromTheClientsEnvironment(t *testing.T) {
	t.Setenv("BL_FUNCTIONS_MY_TOOLS_URL", "https://process.example/f") // never read: not the client's environment
	c := envClient(t, map[string]string{
		"BL_API_KEY": "test-key-123", "BL_WORKSPACE": "ws",
		"BL_FUNCTIONS_MY_TOOLS_URL": " https://plural.example/f ",
		"BL_FUNCTION_MY_TOOLS_URL":  "https://singular.example/f",
		"BL_SANDBOX_BOX_1_URL":      "https://sbx.example/",
	})
	for _, tc := range []struct{ kind, name, want string }{
		{pipeline.KindFunctions, "my-tools", "https://plural.example/f"},
		{pipeline.KindSandboxes, "box-1", "https://sbx.example/"},
		{pipeline.KindAgents, "my-tools", ""},
	} {
		if got := c.p.ForcedAddress(tc.kind, tc.name); got != tc.want {
			t.Errorf("%s %s: %q, want %q", tc.kind, tc.name, got, tc.want)
		}
	}
	plain, err := New(WithAPIKey("test-key-123"), WithWorkspace("ws"))
	if err != nil {
		t.Fatal(err)
	}
	if got := plain.p.ForcedAddress(pipeline.KindFunctions, "my-tools"); got != "" {
		t.Errorf("New read the process environment: %q", got)
	}
}

func TestWorkloadBaseOrder(t *testing.T) {
	c := envClient(t, map[string]string{"BL_API_KEY": "test-key-123", "BL_WORKSPACE": "my ws", "BL_AGENT_FORCED_URL": "https://forced.example/a/"})
	for _, tc := range []struct{ name, advertised, want string }{
		{"forced", "https://advertised.example/x", "https://forced.example/a"},
		{"plain", "https://sbx-1-2.us-pdx-1.bl.run/?q=1#f", "https://sbx-1-2.us-pdx-1.bl.run"},
		{"plain", "", "https://run.blaxel.ai/my%20ws/agents/plain"},
	} {
		u, err := c.p.WorkloadBase(pipeline.KindAgents, tc.name, tc.advertised)
		if err != nil {
			t.Fatal(err)
		}
		if u.String() != tc.want {
			t.Errorf("%s %q: %s, want %s", tc.name, tc.advertised, u, tc.want)
		}
	}
	for _, bad := range []string{"http://plain.example/x", "/relative", "ftp://x.example"} {
		if u, err := c.p.WorkloadBase(pipeline.KindAgents, "plain", bad); err == nil {
			t.Errorf("%q was accepted as %s", bad, u)
		}
	}
	// One rule for names in paths: a slash is escaped, so it stays in its segment; "", "." and
	// ".." would address something else and are refused.
	if u, err := c.p.WorkloadBase(pipeline.KindAgents, "a/b", ""); err != nil || u.String() != "https://run.blaxel.ai/my%20ws/agents/a%2Fb" {
		t.Errorf("a/b: %v, %v", u, err)
	}
	for _, bad := range []string{"", ".", ".."} {
		if u, err := c.p.WorkloadBase(pipeline.KindAgents, bad, ""); err == nil {
			t.Errorf("the name %q was accepted as %s", bad, u)
		}
	}
}

// resolveWorkload reads metadata.url with one GET, and falls back to the run URL when the
// resource has none. The control plane is a stand-in, so it can answer a resource without an
// address (the fake gives every resource one).
func TestResolveWorkloadReadsTheAdvertisedAddress(t *testing.T) {
	var sandboxReads atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/sandboxes/box":
			sandboxReads.Add(1)
			fmt.Fprint(w, `{"metadata":{"name":"box","url":"https://box-1.us-pdx-1.bl.run/"},"spec":{}}`)
		case "/agents/nowhere":
			fmt.Fprint(w, `{"metadata":{"name":"nowhere"},"spec":{}}`)
		default:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"error":"not found"}`)
		}
	}))
	defer api.Close()
	c, err := New(WithBaseURL(api.URL), WithRunURL("https://run.example"), WithAPIKey("test-key-123"), WithWorkspace("ws"))
	if err != nil {
		t.Fatal(err)
	}
	u, err := c.resolveWorkload(context.Background(), pipeline.KindSandboxes, "box")
	if err != nil || u.String() != "https://box-1.us-pdx-1.bl.run" {
		t.Errorf("sandbox: %v, %v", u, err)
	}
	u, err = c.resolveWorkload(context.Background(), pipeline.KindAgents, "nowhere")
	if err != nil || u.String() != "https://run.example/ws/agents/nowhere" {
		t.Errorf("agent without metadata.url: %v, %v", u, err)
	}
	if _, err := c.resolveWorkload(context.Background(), pipeline.KindModels, "missing"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("missing model: %v", err)
	}
	if n := sandboxReads.Load(); n != 1 {
		t.Errorf("%d reads of the sandbox, want 1", n)
	}
}

// The pipeline sends the credential and the workspace to the control plane, the run URL and
// the origin of a request's destination; nowhere else.
func TestThePipelineTrustsThreeOriginsAtMost(t *testing.T) {
	var sent *http.Request
	record := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		sent = r
		return &http.Response{StatusCode: http.StatusNoContent, Header: http.Header{}, Body: http.NoBody, Request: r}, nil
	})
	c, err := New(WithBaseURL("https://api.example/v0"), WithRunURL("https://run.example"), WithAPIKey("test-key-123"), WithWorkspace("ws"),
		WithHTTPClient(&http.Client{Transport: record}))
	if err != nil {
		t.Fatal(err)
	}
	workload, _ := url.Parse("https://sbx-1.us-pdx-1.bl.run/base")
	hc := c.p.Client(pipeline.Destination{Origin: workload})
	for _, tc := range []struct {
		target  string
		trusted bool
	}{
		{"https://api.example/v0/agents", true},
		{"https://API.example/v0/agents", true},
		{"https://run.example/ws/agents/a", true},
		{"https://sbx-1.us-pdx-1.bl.run/process", true},
		{"https://sbx-2.us-pdx-1.bl.run/process", false},
		{"http://sbx-1.us-pdx-1.bl.run/process", false},
		{"https://run.example:8443/ws", false},
		{"https://evil.example/", false},
	} {
		sent = nil
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, tc.target, nil)
		resp, err := hc.Do(req)
		if err != nil {
			if tc.trusted {
				t.Fatalf("%s: %v", tc.target, err)
			}
			continue
		}
		resp.Body.Close()
		r := sent
		got := r.Header.Get("Authorization") != "" && r.Header.Get("X-Blaxel-Workspace") != ""
		if got != tc.trusted || !tc.trusted && (r.Header.Get("Authorization") != "" || r.Header.Get("X-Blaxel-Workspace") != "") {
			t.Errorf("%s: credential and workspace %v, want %v", tc.target, got, tc.trusted)
		}
	}
}
