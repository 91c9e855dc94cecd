package blaxelmcp

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/url"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/internal/pipeline"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
)

// Transport is an mcp.Transport to the MCP server of a Blaxel function or of a sandbox, for
// any program that opens MCP sessions itself with the go-sdk: an agent framework's tool set
// that takes a Transport, or an mcp.Client of the caller's. Every session it opens speaks the
// streamable HTTP transport through the pipeline of the client or handle it was made from:
// the credential goes with each request, to the server's address only, a POST that may have
// reached the server is never sent again, and every request's wait is bounded (see
// WithTimeouts).
//
// A Transport is safe for concurrent use and serves any number of sessions: each Connect
// opens a new one. The context given to mcp.Client.Connect bounds connecting, the session's
// event stream included; the session then lives until closed.
type Transport struct {
	// address resolves where the server is, at each Connect: the pipeline, the destination
	// that trusts the server's origin, and the address the MCP endpoint is below.
	address        func(context.Context) (serverAddress, error)
	connectTimeout time.Duration
	headerTimeout  time.Duration
}

var _ mcp.Transport = (*Transport)(nil)

// NewTransport returns a Transport to the MCP server of the function named function, whose
// address each Connect resolves as Connect does: from the environment of a client built by
// NewFromEnv, else from the function's metadata (one GetFunction per session, which also
// tells whether the function speaks WebSocket, as Connect does). WithTimeouts
// applies; WithClient does not (the caller's client connects) and is refused.
//
//	transport, err := blaxelmcp.NewTransport(client, "my-tools")
//	if err != nil { ... }
//	session, err := mcp.NewClient(impl, nil).Connect(ctx, transport, nil)
func NewTransport(c *blaxel.Client, function string, opts ...Option) (*Transport, error) {
	if c == nil {
		return nil, errors.New("blaxel: blaxelmcp.NewTransport: the client is nil")
	}
	if err := pipeline.CheckName("function", function); err != nil {
		return nil, err
	}
	t, err := newTransport(opts)
	if err != nil {
		return nil, err
	}
	p := c.Pipeline()
	t.address = func(ctx context.Context) (serverAddress, error) {
		base, transport, err := functionAddress(ctx, c, p, function)
		if err != nil {
			return serverAddress{}, err
		}
		return serverAddress{p: p, dest: pipeline.Destination{Origin: base}, base: base,
			webSocket: transport == gen.FunctionRuntimeTransportWebsocket}, nil
	}
	return t, nil
}

// NewSandboxTransport returns a Transport to the sandbox's own MCP server ({address}/mcp),
// through the handle's pipeline: the credential goes in the sandbox's header, to its address
// only. See NewTransport for the options.
func NewSandboxTransport(sb *sandbox.Sandbox, opts ...Option) (*Transport, error) {
	if sb == nil {
		return nil, errors.New("blaxel: blaxelmcp.NewSandboxTransport: the sandbox is nil")
	}
	t, err := newTransport(opts)
	if err != nil {
		return nil, err
	}
	p, dest, base, err := sandboxServer(sb)
	if err != nil {
		return nil, err
	}
	t.address = fixedAddress(p, dest, base)
	return t, nil
}

// sandboxServer is where a sandbox's own MCP server answers: the handle's pipeline and
// destination, and the sandbox's address, which its endpoint is below.
func sandboxServer(sb *sandbox.Sandbox) (*pipeline.Pipeline, pipeline.Destination, *url.URL, error) {
	p, dest := sb.Pipeline()
	base, err := url.Parse(sb.URL())
	if err != nil {
		return nil, pipeline.Destination{}, nil, fmt.Errorf("blaxel: %w", err)
	}
	return p, dest, base, nil
}

// Connect opens a connection for a new session; the go-sdk's Client.Connect calls it. ctx
// bounds resolving the address and every request sent until the session is open.
func (t *Transport) Connect(ctx context.Context) (mcp.Connection, error) {
	conn, _, err := t.open(ctx)
	return conn, err
}

// open is Connect, also returning the watch over the connection's handshake.
func (t *Transport) open(ctx context.Context) (mcp.Connection, *handshakeWatch, error) {
	if t == nil || t.address == nil {
		return nil, nil, errors.New("blaxel: blaxelmcp.Transport: use NewTransport or NewSandboxTransport")
	}
	a, err := t.address(ctx)
	if err != nil {
		return nil, nil, err
	}
	p, dest, base := a.p, a.dest, a.base
	if a.webSocket {
		ws := newWebSocketTransport(p, dest, base, t.headerTimeout)
		conn, err := ws.Connect(ctx)
		return conn, nil, err
	}
	hc := p.Client(dest)
	hc.Timeout = 0 // an overall timeout would cut the session's event streams
	watch := &handshakeWatch{st: &sessionTransport{
		next: hc.Transport, connect: t.connectTimeout, headers: t.headerTimeout,
		redact: p.Redact, maxBody: p.MaxBody, connecting: ctx,
	}}
	hc.Transport = watch
	// The session's RoundTripper bounds each event at the client's limit, with an error for the
	// call it answers; the go-sdk's own bound is only a backstop above it.
	st := &mcp.StreamableClientTransport{Endpoint: base.JoinPath("mcp").String(), HTTPClient: hc, MaxEventSize: int(min(p.MaxBody, math.MaxInt32)) + 64<<10}
	conn, err := st.Connect(ctx)
	if err != nil {
		return nil, nil, err
	}
	return conn, watch, nil
}

// newTransport applies the options that make sense for a Transport.
func newTransport(opts []Option) (*Transport, error) {
	s, err := settingsOf(opts)
	if err != nil {
		return nil, err
	}
	if s.client != nil {
		return nil, errors.New("blaxel: WithClient is for Connect and ConnectSandbox: a Transport is connected by the caller's client")
	}
	return &Transport{connectTimeout: s.connectTimeout, headerTimeout: s.headerTimeout}, nil
}

// serverAddress is where an MCP server answers: the pipeline, the destination that trusts
// its origin, the address its endpoint is below, and whether it speaks WebSocket.
type serverAddress struct {
	p         *pipeline.Pipeline
	dest      pipeline.Destination
	base      *url.URL
	webSocket bool
}

// fixedAddress is the address of a server resolved once.
func fixedAddress(p *pipeline.Pipeline, dest pipeline.Destination, base *url.URL) func(context.Context) (serverAddress, error) {
	return func(context.Context) (serverAddress, error) {
		return serverAddress{p: p, dest: dest, base: base}, nil
	}
}

// transportFunc is an mcp.Transport made of its Connect.
type transportFunc func(context.Context) (mcp.Connection, error)

func (f transportFunc) Connect(ctx context.Context) (mcp.Connection, error) { return f(ctx) }
