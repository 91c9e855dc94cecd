package blaxelmcp_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/internal/conntest"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/blaxelmcp"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// A session's calls, one after the other, come over one connection, with answers whose end
// comes apart from their data.
func TestMCPCallsReuseTheirConnection(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	addTool(t, srv, "tools")
	conns := &conntest.Counter{}
	c, err := blaxel.New(blaxel.WithBaseURL(srv.URL()), blaxel.WithRunURL(srv.RunURL()), blaxel.WithAPIKey("test-api-key-123"),
		blaxel.WithWorkspace("ws"), blaxel.WithHTTPClient(conns.Serve(t, srv)), fastRetries())
	if err != nil {
		t.Fatal(err)
	}
	deployFunction(t, c, "tools", gen.FunctionRuntimeTransportHTTPStream)
	session, err := blaxelmcp.Connect(t.Context(), c, "tools")
	if err != nil {
		t.Fatal(err)
	}
	defer session.Close()
	conns.Reset()
	for range 5 {
		if got := callTool(t, session, "add", map[string]any{"a": 1, "b": 2}); got != "3" {
			t.Fatalf("add answered %q", got)
		}
	}
	if n := conns.Count(); n != 1 {
		t.Errorf("5 calls, one after the other, came over %d connections; want 1", n)
	}
}

// resultFirst is a streamable MCP server that writes its answers as MCP's TypeScript SDK
// does: each in an event named "message", its result before its id. Every tool call it
// answers "3"; it has no event stream of its own and keeps no session.
func resultFirst() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var msg struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		if err := json.NewDecoder(r.Body).Decode(&msg); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if msg.ID == nil {
			w.WriteHeader(http.StatusAccepted) // a notification
			return
		}
		var result string
		switch msg.Method {
		case "initialize":
			result = `{"protocolVersion":"2025-06-18","capabilities":{"tools":{}},"serverInfo":{"name":"result-first","version":"1"}}`
		case "tools/call":
			result = `{"content":[{"type":"text","text":"3"}]}`
		default:
			result = `{}`
		}
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprintf(w, "event: message\ndata: {\"result\":%s,\"jsonrpc\":\"2.0\",\"id\":%s}\n\n", result, msg.ID)
	})
}

// A server that writes an answer's result before its id is answered over one connection too.
func TestMCPCallsReuseTheirConnectionWithResultsFirst(t *testing.T) {
	conns := &conntest.Counter{}
	srv := httptest.NewServer(conns.LateEnd(resultFirst()))
	defer srv.Close()
	c := forcedFunction(t, srv, blaxel.WithHTTPClient(srv.Client()))
	session, err := blaxelmcp.Connect(t.Context(), c, "f")
	if err != nil {
		t.Fatal(err)
	}
	defer session.Close()
	conns.Reset()
	for range 5 {
		if got := callTool(t, session, "add", map[string]any{"a": 1, "b": 2}); got != "3" {
			t.Fatalf("add answered %q", got)
		}
	}
	if n := conns.Count(); n != 1 {
		t.Errorf("5 calls, one after the other, came over %d connections; want 1", n)
	}
}
