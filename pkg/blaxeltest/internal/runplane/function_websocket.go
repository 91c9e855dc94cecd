package runplane

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/coder/websocket"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// serveWebSocket answers the MCP endpoint of a function deployed with transport "websocket",
// as the platform serves one: a WebSocket handshake on GET .../mcp, no subprotocol, then
// one JSON-RPC message per text frame each way, the session lasting as long as the
// connection (or the server).
func (f *functionServer) serveWebSocket(w http.ResponseWriter, r *http.Request) {
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return // Accept answered the refusal (a request that is no handshake: 426)
	}
	conn.SetReadLimit(maxBody)
	session, err := f.server.Connect(r.Context(), &webSocketServerTransport{conn: conn}, nil)
	if err != nil {
		_ = conn.Close(websocket.StatusInternalError, "the MCP session could not start")
		return
	}
	stop := context.AfterFunc(r.Context(), func() { _ = session.Close() })
	defer stop()
	_ = session.Wait()
}

// webSocketServerTransport hands the go-sdk's server an accepted connection.
type webSocketServerTransport struct{ conn *websocket.Conn }

func (t *webSocketServerTransport) Connect(context.Context) (mcp.Connection, error) {
	return &webSocketServerConn{conn: t.conn}, nil
}

type webSocketServerConn struct{ conn *websocket.Conn }

func (c *webSocketServerConn) Read(ctx context.Context) (jsonrpc.Message, error) {
	_, data, err := c.conn.Read(ctx)
	if err != nil {
		if websocket.CloseStatus(err) != -1 || errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		return nil, err
	}
	msg, err := jsonrpc.DecodeMessage(data)
	if err != nil {
		return nil, fmt.Errorf("a frame that is no JSON-RPC message: %w", err)
	}
	return msg, nil
}

func (c *webSocketServerConn) Write(ctx context.Context, msg jsonrpc.Message) error {
	data, err := jsonrpc.EncodeMessage(msg)
	if err != nil {
		return err
	}
	return c.conn.Write(ctx, websocket.MessageText, data)
}

func (c *webSocketServerConn) Close() error {
	_ = c.conn.Close(websocket.StatusNormalClosure, "")
	return nil
}

func (c *webSocketServerConn) SessionID() string { return "" }
