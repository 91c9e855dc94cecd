package blaxelmcp_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/blaxelmcp"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// sandboxAt is a handle on a sandbox whose control plane and own API are both served by one
// test server: its metadata.url points at /sbx, whose routes sbx serves.
func sandboxAt(t *testing.T) (sbx *http.ServeMux, sb *sandbox.Sandbox) {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	sbx = http.NewServeMux()
	mux.Handle("/sbx/", http.StripPrefix("/sbx", sbx))
	mux.HandleFunc("GET /v0/sandboxes/sb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"metadata":{"name":"sb","url":%q},"spec":{}}`, srv.URL+"/sbx")
	})
	c, err := blaxel.New(blaxel.WithBaseURL(srv.URL+"/v0"), blaxel.WithWorkspace("ws"), blaxel.WithAPIKey("test-api-key-123"), fastRetries())
	if err != nil {
		t.Fatal(err)
	}
	sb, err = sandbox.Open(t.Context(), c, "sb")
	if err != nil {
		t.Fatal(err)
	}
	return sbx, sb
}

func TestSandboxMCPCarriesTheSandboxsCredentialHeader(t *testing.T) {
	sbx, sb := sandboxAt(t)
	server := mcp.NewServer(&mcp.Implementation{Name: "sandbox-api", Version: "1"}, nil)
	mcp.AddTool(server, &mcp.Tool{Name: "processesList"}, func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "[]"}}}, nil, nil
	})
	handler := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, nil)
	var bad atomic.Int32
	sbx.Handle("/mcp", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Blaxel-Authorization") != "Bearer test-api-key-123" || r.Header.Get("Authorization") != "" {
			bad.Add(1)
		}
		handler.ServeHTTP(w, r)
	}))
	session, err := blaxelmcp.ConnectSandbox(t.Context(), sb)
	if err != nil {
		t.Fatal(err)
	}
	defer session.Close()
	if got := callTool(t, session, "processesList", map[string]any{}); got != "[]" {
		t.Errorf("processesList answered %q", got)
	}
	if n := bad.Load(); n != 0 {
		t.Errorf("%d MCP requests without the sandbox's credential header alone", n)
	}
}
