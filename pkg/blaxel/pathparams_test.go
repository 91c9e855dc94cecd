package blaxel

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/blaxel-go/blaxel/internal/pipeline"
)

// One rule for a value that becomes a path segment, whoever puts it there: an operation's path
// parameter and a name in a workload's address refuse the same values, and escape a slash or
// a backslash into the one segment they belong to.
func TestOneRuleForPathSegments(t *testing.T) {
	var mu sync.Mutex
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.EscapedPath())
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"metadata":{"name":"x"},"spec":{}}`))
	}))
	defer srv.Close()
	c, err := New(WithAPIKey("test-key"), WithWorkspace("ws"), WithBaseURL(srv.URL+"/v0"))
	if err != nil {
		t.Fatal(err)
	}
	c.p.RunURL = srv.URL
	ctx := context.Background()
	for _, bad := range []string{"", ".", ".."} {
		_, opErr := c.GetSandbox(ctx, bad, nil)
		_, runErr := c.RunAgent(ctx, bad, nil)
		if opErr == nil || runErr == nil || !strings.Contains(opErr.Error(), pipeline.SegmentProblem(bad)) ||
			!strings.Contains(runErr.Error(), pipeline.SegmentProblem(bad)) {
			t.Errorf("%q: GetSandbox %v, RunAgent %v", bad, opErr, runErr)
		}
	}
	for _, name := range []string{"a/b", `a\b`} {
		if _, err := c.GetSandbox(ctx, name, nil); err != nil {
			t.Fatal(err)
		}
		body, err := c.RunAgent(ctx, name, nil)
		if err != nil {
			t.Fatal(err)
		}
		body.Close()
	}
	want := []string{"/v0/sandboxes/a%2Fb", "/ws/agents/a%2Fb", "/v0/sandboxes/a%5Cb", "/ws/agents/a%5Cb"}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(paths, " ") != strings.Join(want, " ") {
		t.Fatalf("paths %q, want %q", paths, want)
	}
}
