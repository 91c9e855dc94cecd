package blaxelmcp_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/blaxelmcp"
)

// webSocketFunction is a control plane that knows the function "f", which speaks WebSocket
// at an address on the same server, where an MCP server of a few lines answers initialize
// and refuses tools/list with an error echoing the request's key.
func webSocketFunction(t *testing.T) *httptest.Server {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v0/functions/f") {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"metadata":{"name":"f","url":%q},"spec":{"runtime":{"transport":"websocket"}}}`, srv.URL+"/fn")
			return
		}
		key := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		conn, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer conn.CloseNow()
		ctx := context.Background()
		for {
			_, data, err := conn.Read(ctx)
			if err != nil {
				return
			}
			var msg struct {
				ID     json.RawMessage `json:"id"`
				Method string          `json:"method"`
			}
			_ = json.Unmarshal(data, &msg)
			var answer any
			switch {
			case len(msg.ID) == 0:
				continue // a notification
			case msg.Method == "initialize":
				answer = map[string]any{"protocolVersion": "2025-06-18", "capabilities": map[string]any{}, "serverInfo": map[string]any{"name": "x", "version": "1"}}
			case msg.Method == "tools/list":
				answer = nil
			default:
				answer = nil
			}
			reply := map[string]any{"jsonrpc": "2.0", "id": msg.ID}
			switch {
			case answer != nil:
				reply["result"] = answer
			case msg.Method == "tools/list":
				reply["error"] = map[string]any{"code": -32000, "message": "refused " + key, "data": map[string]string{"key": key}}
			default:
				reply["error"] = map[string]any{"code": -32601, "message": "method not found"}
			}
			out, _ := json.Marshal(reply)
			if conn.Write(ctx, websocket.MessageText, out) != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// Over WebSocket too, a JSON-RPC error a server sends reaches the caller without the key.
func TestMCPOverWebSocketErrorsNeverHoldTheKey(t *testing.T) {
	srv := webSocketFunction(t)
	c, err := blaxel.New(blaxel.WithAPIKey(echoedKey), blaxel.WithWorkspace("ws"), blaxel.WithBaseURL(srv.URL+"/v0"), fastRetries())
	if err != nil {
		t.Fatal(err)
	}
	session, err := blaxelmcp.Connect(t.Context(), c, "f")
	if err != nil {
		t.Fatal(err)
	}
	defer session.Close()
	_, err = session.ListTools(t.Context(), nil)
	if err == nil {
		t.Fatal("the refusal was taken for a success")
	}
	text := fmt.Sprintf("%v\n%+v", err, err)
	var rpcErr *jsonrpc.Error
	if errors.As(err, &rpcErr) {
		text += "\n" + rpcErr.Message + "\n" + string(rpcErr.Data)
	}
	for _, form := range keyForms() {
		if strings.Contains(text, form) {
			t.Fatalf("the error holds the key (%q): %s", form, text)
		}
	}
}
