package blaxelmcp_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/blaxelmcp"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

func TestMCPOverWebSocketWithAFakeFunction(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	addTool(t, srv, "ws-tools")
	c, w := fakeClient(t, srv)
	deployFunction(t, c, "ws-tools", gen.FunctionRuntimeTransportWebsocket)

	connecting, cancel := context.WithCancel(t.Context())
	session, err := blaxelmcp.Connect(connecting, c, "ws-tools")
	cancel() // the session outlives the context of connecting
	if err != nil {
		t.Fatal(err)
	}
	defer session.Close()
	tools, err := session.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range tools.Tools {
		names = append(names, tool.Name)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"add", "echo"}) {
		t.Errorf("tools %q", names)
	}
	if got := callTool(t, session, "add", map[string]any{"a": 2, "b": 3}); got != "5" {
		t.Errorf("add answered %q", got)
	}
	if got := callTool(t, session, "echo", map[string]any{"message": "over a socket"}); got != "over a socket" {
		t.Errorf("echo answered %q", got)
	}

	// One handshake, a GET with the credential and the workspace, and no streamable HTTP.
	var mcpRequests []sentRequest
	for _, r := range w.requests() {
		if strings.HasSuffix(r.path, "/mcp") {
			mcpRequests = append(mcpRequests, r)
		}
	}
	if len(mcpRequests) != 1 || mcpRequests[0].method != "GET" || mcpRequests[0].path != "/ws/functions/ws-tools/mcp" ||
		!slices.Equal(mcpRequests[0].credentials, []string{"Bearer test-api-key-123"}) || mcpRequests[0].workspace != "ws" {
		t.Errorf("MCP requests %+v, want one handshake with the credential", mcpRequests)
	}
}

func TestMCPOverWebSocketReportsTheGatewaysRefusal(t *testing.T) {
	srv := blaxeltest.NewServer(t, blaxeltest.WithDeployDelay(time.Hour))
	c, _ := fakeClient(t, srv)
	transport := gen.FunctionRuntimeTransportWebsocket
	fn := gen.Function{Metadata: gen.Metadata{Name: "soon"}, Spec: gen.FunctionSpec{Runtime: &gen.FunctionRuntime{Transport: &transport}}}
	if _, err := c.CreateFunction(t.Context(), fn); err != nil {
		t.Fatal(err)
	}
	_, err := blaxelmcp.Connect(t.Context(), c, "soon")
	var apiErr *blaxel.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != "WORKLOAD_UNAVAILABLE" {
		t.Fatalf("Connect = %v, want the gateway's WORKLOAD_UNAVAILABLE", err)
	}
	if strings.Contains(err.Error(), "test-api-key-123") {
		t.Errorf("the error shows the credential: %v", err)
	}
}

func TestMCPOverWebSocketBoundsEachMessage(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	err := srv.AddFunctionTool("big", &mcp.Tool{Name: "big", InputSchema: map[string]any{"type": "object"}},
		func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: strings.Repeat("x", 64<<10)}}}, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := fakeClient(t, srv, blaxel.WithMaxResponseBytes(32<<10))
	deployFunction(t, c, "big", gen.FunctionRuntimeTransportWebsocket)
	session, err := blaxelmcp.Connect(t.Context(), c, "big")
	if err != nil {
		t.Fatal(err)
	}
	defer session.Close()
	if got := callTool(t, session, "echo", map[string]any{"message": "small"}); got != "small" {
		t.Errorf("echo answered %q", got)
	}
	if _, err := session.CallTool(t.Context(), &mcp.CallToolParams{Name: "big", Arguments: map[string]any{}}); err == nil {
		t.Fatal("a message past the client's limit was read")
	}
}
