package sandboxtools_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandboxtools"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

const apiKey = "fake-key-0123456789"

// connect starts the fake with the sandbox "box" and returns the fake, the handle, and a
// session of an in-memory client with the sandbox's tools.
func connect(t *testing.T, opts ...sandboxtools.Option) (*blaxeltest.Server, *sandbox.Sandbox, *mcp.ClientSession) {
	t.Helper()
	srv := blaxeltest.NewServer(t)
	c, err := blaxel.New(blaxel.WithBaseURL(srv.URL()), blaxel.WithRunURL(srv.RunURL()), blaxel.WithAPIKey(apiKey),
		blaxel.WithWorkspace("ws"), blaxel.WithRetryPolicy(blaxel.RetryPolicy{MaxRetries: 3, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateSandboxAndWait(t.Context(), gen.Sandbox{Metadata: gen.Metadata{Name: "box"}},
		blaxel.WithPollInterval(time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	sb, err := sandbox.Open(t.Context(), c, "box")
	if err != nil {
		t.Fatal(err)
	}
	transport, err := sandboxtools.NewTransport(sb, opts...)
	if err != nil {
		t.Fatal(err)
	}
	session, err := mcp.NewClient(&mcp.Implementation{Name: "agent", Version: "1"}, nil).Connect(t.Context(), transport, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { session.Close() })
	return srv, sb, session
}

// call calls a tool that must succeed, and decodes its structured answer into out.
func call[T any](t *testing.T, session *mcp.ClientSession, tool string, args map[string]any) T {
	t.Helper()
	res := callRaw(t, session, tool, args)
	if res.IsError {
		t.Fatalf("%s answered the error %s", tool, text(res))
	}
	var out T
	data, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("%s answered %s: %v", tool, data, err)
	}
	return out
}

// callFails calls a tool that must answer a tool error, and returns its text.
func callFails(t *testing.T, session *mcp.ClientSession, tool string, args map[string]any) string {
	t.Helper()
	res := callRaw(t, session, tool, args)
	if !res.IsError {
		t.Fatalf("%s answered %s, want an error", tool, text(res))
	}
	msg := text(res)
	if strings.Contains(msg, apiKey) {
		t.Errorf("%s's error holds the credential: %s", tool, msg)
	}
	return msg
}

func callRaw(t *testing.T, session *mcp.ClientSession, tool string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	res, err := session.CallTool(t.Context(), &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	return res
}

func text(res *mcp.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n")
}

func toolNames(t *testing.T, session *mcp.ClientSession) []string {
	t.Helper()
	var names []string
	for tool, err := range session.Tools(t.Context(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tool.Name)
	}
	slices.Sort(names)
	return names
}
