package blaxelmcp_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/blaxelmcp"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

func callersClient() *mcp.Client {
	return mcp.NewClient(&mcp.Implementation{Name: "agent", Version: "1"}, nil)
}

// A caller's own go-sdk client connects through the Transport, as an agent framework does:
// sessions outlive the context they were opened with, and one Transport serves several.
func TestTransportServesTheCallersClient(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	addTool(t, srv, "tools")
	c, w := fakeClient(t, srv)
	deployFunction(t, c, "tools", gen.FunctionRuntimeTransportHTTPStream)

	transport, err := blaxelmcp.NewTransport(c, "tools")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		ctx, cancel := context.WithCancel(t.Context())
		session, err := callersClient().Connect(ctx, transport, nil)
		cancel() // connecting is over: the session no longer depends on ctx
		if err != nil {
			t.Fatal(err)
		}
		if got := callTool(t, session, "add", map[string]any{"a": 20, "b": 22}); got != "42" {
			t.Errorf("add answered %q", got)
		}
		if got := callTool(t, session, "echo", map[string]any{"message": "hi"}); got != "hi" {
			t.Errorf("echo answered %q", got)
		}
		if err := session.Close(); err != nil {
			t.Fatal(err)
		}
	}
	srv.Close()

	fake, _ := url.Parse(srv.RunURL())
	reads, mcpRequests := 0, 0
	for _, r := range w.requests() {
		if r.host != fake.Host || len(r.credentials) != 1 || r.workspace != "ws" {
			t.Errorf("%s %s went to %s with credentials %q and workspace %q", r.method, r.path, r.host, r.credentials, r.workspace)
		}
		switch r.path {
		case "/v0/functions/tools":
			reads++
		case "/ws/functions/tools/mcp":
			mcpRequests++
		}
	}
	if reads != 3 { // the wait, then one per session
		t.Errorf("%d reads of the function, want one per session", reads)
	}
	if mcpRequests < 8 {
		t.Errorf("%d MCP requests, want each session's handshake and calls", mcpRequests)
	}
}

// What the server says on its own (a changed tool list) still arrives once the context
// given to Connect has ended.
func TestTransportSessionHearsTheServerAfterConnectsContextEnded(t *testing.T) {
	server := mcp.NewServer(&mcp.Implementation{Name: "stand-in", Version: "1"}, nil)
	handler := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, nil)
	srv := httptest.NewServer(handler)
	defer srv.Close()
	c := forcedFunction(t, srv)
	transport, err := blaxelmcp.NewTransport(c, "f")
	if err != nil {
		t.Fatal(err)
	}
	changed := make(chan struct{}, 1)
	client := mcp.NewClient(&mcp.Implementation{Name: "agent", Version: "1"}, &mcp.ClientOptions{
		ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) {
			select {
			case changed <- struct{}{}:
			default:
			}
		},
	})
	ctx, cancel := context.WithCancel(t.Context())
	session, err := client.Connect(ctx, transport, nil)
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	defer session.Close()
	mcp.AddTool(server, &mcp.Tool{Name: "late"}, func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "here"}}}, nil, nil
	})
	select {
	case <-changed:
	case <-time.After(time.Minute): // guards a hang only
		t.Fatal("the tool list change never arrived")
	}
	if got := callTool(t, session, "late", map[string]any{}); got != "here" {
		t.Errorf("late answered %q", got)
	}
}

// Each Connect resolves the function: an unknown one is Blaxel's refusal, and nothing is
// sent to an MCP endpoint.
func TestTransportResolvesTheFunctionAtEachConnect(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	c, w := fakeClient(t, srv)
	transport, err := blaxelmcp.NewTransport(c, "missing")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := callersClient().Connect(t.Context(), transport, nil); !errors.Is(err, blaxel.ErrNotFound) {
		t.Errorf("unknown function: %v, want ErrNotFound", err)
	}
	for _, r := range w.requests() {
		if strings.HasSuffix(r.path, "/mcp") {
			t.Errorf("%s %s was sent", r.method, r.path)
		}
	}
}

func TestSandboxTransportCarriesTheSandboxsCredentialHeader(t *testing.T) {
	sbx, sb := sandboxAt(t)
	server := mcp.NewServer(&mcp.Implementation{Name: "sandbox-api", Version: "1"}, nil)
	mcp.AddTool(server, &mcp.Tool{Name: "processesList"}, func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "[]"}}}, nil, nil
	})
	handler := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, nil)
	var good, bad atomic.Int32
	sbx.Handle("/mcp", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Blaxel-Authorization") == "Bearer test-api-key-123" && r.Header.Get("Authorization") == "" {
			good.Add(1)
		} else {
			bad.Add(1)
		}
		handler.ServeHTTP(w, r)
	}))
	transport, err := blaxelmcp.NewSandboxTransport(sb)
	if err != nil {
		t.Fatal(err)
	}
	session, err := callersClient().Connect(t.Context(), transport, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer session.Close()
	if got := callTool(t, session, "processesList", map[string]any{}); got != "[]" {
		t.Errorf("processesList answered %q", got)
	}
	if good.Load() < 2 || bad.Load() != 0 {
		t.Errorf("%d MCP requests with the sandbox's credential header alone, %d without", good.Load(), bad.Load())
	}
}

func TestNewTransportRefusesUnusableArguments(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	c, _ := fakeClient(t, srv)
	for name, build := range map[string]func() (*blaxelmcp.Transport, error){
		"nil client":   func() (*blaxelmcp.Transport, error) { return blaxelmcp.NewTransport(nil, "f") },
		"dot-dot name": func() (*blaxelmcp.Transport, error) { return blaxelmcp.NewTransport(c, "..") },
		"empty name":   func() (*blaxelmcp.Transport, error) { return blaxelmcp.NewTransport(c, "") },
		"nil sandbox":  func() (*blaxelmcp.Transport, error) { return blaxelmcp.NewSandboxTransport(nil) },
		"a client": func() (*blaxelmcp.Transport, error) {
			return blaxelmcp.NewTransport(c, "f", blaxelmcp.WithClient(callersClient()))
		},
		"bad timeouts": func() (*blaxelmcp.Transport, error) {
			return blaxelmcp.NewTransport(c, "f", blaxelmcp.WithTimeouts(0, time.Second))
		},
	} {
		if tr, err := build(); err == nil || tr != nil {
			t.Errorf("%s: %v, %v; want an error", name, tr, err)
		}
	}
	var zero blaxelmcp.Transport
	if _, err := zero.Connect(t.Context()); err == nil {
		t.Error("the zero Transport connected")
	}
}

// A function deployed with the WebSocket transport is spoken to over a WebSocket by a
// Transport too, as by Connect.
func TestTransportSpeaksWebSocketToAWebSocketFunction(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	c, _ := fakeClient(t, srv)
	deployFunction(t, c, "legacy", gen.FunctionRuntimeTransportWebsocket)
	transport, err := blaxelmcp.NewTransport(c, "legacy")
	if err != nil {
		t.Fatal(err)
	}
	session, err := callersClient().Connect(t.Context(), transport, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer session.Close()
	if got := callTool(t, session, "echo", map[string]any{"message": "over a WebSocket"}); got != "over a WebSocket" {
		t.Errorf("echo answered %q", got)
	}
}
