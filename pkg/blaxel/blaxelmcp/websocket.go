package blaxelmcp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/blaxel-go/blaxel/internal/pipeline"
)

// A function deployed with spec.runtime.transport "websocket" serves MCP over a WebSocket at
// {address}/mcp, as Blaxel's SDKs speak it: the handshake is a GET of that address (ws:// or
// wss:// for http:// or https://) carrying the credential headers, with no subprotocol; then
// each JSON-RPC message is one text frame, either way. A normal closure ends the session.

// webSocketTransport is the mcp.Transport of a function that speaks WebSocket. Its
// handshake goes through the client's pipeline (credential, workspace, retries of a refused
// handshake, redaction), to the function's address only.
type webSocketTransport struct {
	endpoint   *url.URL
	client     *http.Client
	p          *pipeline.Pipeline
	maxMessage int64
	handshake  time.Duration
}

func (t *webSocketTransport) Connect(ctx context.Context) (mcp.Connection, error) {
	ctx, cancel := context.WithTimeout(ctx, t.handshake)
	defer cancel()
	conn, resp, err := websocket.Dial(ctx, t.endpoint.String(), &websocket.DialOptions{HTTPClient: t.client})
	if err != nil {
		if resp != nil && resp.StatusCode >= 300 {
			return nil, pipeline.NewAPIError(resp.Request, resp, t.p.Redact)
		}
		if cause := context.Cause(ctx); cause != nil {
			return nil, fmt.Errorf("blaxel: the WebSocket handshake with %s: %w", t.p.Redact.URL(t.endpoint), cause)
		}
		return nil, fmt.Errorf("blaxel: the WebSocket handshake with %s: %s", t.p.Redact.URL(t.endpoint), t.p.Redact.Text(err.Error()))
	}
	conn.SetReadLimit(t.maxMessage)
	return &webSocketConn{conn: conn}, nil
}

// webSocketConn carries one JSON-RPC message per frame.
type webSocketConn struct {
	conn  *websocket.Conn
	close sync.Once
	err   error
}

func (c *webSocketConn) Read(ctx context.Context) (jsonrpc.Message, error) {
	_, data, err := c.conn.Read(ctx)
	if err != nil {
		switch websocket.CloseStatus(err) {
		case websocket.StatusNormalClosure, websocket.StatusGoingAway:
			return nil, io.EOF
		}
		if errors.Is(err, websocket.ErrMessageTooBig) || errors.Is(err, io.EOF) {
			return nil, err
		}
		return nil, fmt.Errorf("blaxel: reading the MCP WebSocket: %w", err)
	}
	msg, err := jsonrpc.DecodeMessage(data)
	if err != nil {
		return nil, fmt.Errorf("blaxel: the MCP WebSocket sent a frame that is no JSON-RPC message: %w", err)
	}
	return msg, nil
}

func (c *webSocketConn) Write(ctx context.Context, msg jsonrpc.Message) error {
	data, err := jsonrpc.EncodeMessage(msg)
	if err != nil {
		return err
	}
	return c.conn.Write(ctx, websocket.MessageText, data)
}

// Close ends the connection with a normal closure, waiting a bounded time for the server's
// answer to it; later calls return the first one's result.
func (c *webSocketConn) Close() error {
	c.close.Do(func() {
		err := c.conn.Close(websocket.StatusNormalClosure, "")
		if err != nil && !errors.Is(err, net.ErrClosed) && websocket.CloseStatus(err) == -1 {
			c.err = err
		}
	})
	return c.err
}

func (c *webSocketConn) SessionID() string { return "" }

// connectWebSocket opens an MCP session with the server at base + "/mcp" over WebSocket,
// through the pipeline p with the destination dest. ctx bounds connecting.
func connectWebSocket(ctx context.Context, p *pipeline.Pipeline, dest pipeline.Destination, base *url.URL, s *settings) (*mcp.ClientSession, error) {
	return s.client.Connect(ctx, newWebSocketTransport(p, dest, base, s.headerTimeout), nil)
}

// newWebSocketTransport is the transport of the function answering below base.
func newWebSocketTransport(p *pipeline.Pipeline, dest pipeline.Destination, base *url.URL, handshake time.Duration) *webSocketTransport {
	hc := p.Client(dest)
	hc.Timeout = 0 // the handshake is bounded below; the connection then lives until closed
	t := &webSocketTransport{endpoint: base.JoinPath("mcp"), client: hc, p: p, maxMessage: p.MaxBody, handshake: handshake}
	if t.maxMessage <= 0 {
		t.maxMessage = pipeline.DefaultMaxResponseBytes
	}
	return t
}
