package blaxel

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/blaxel-go/blaxel/gen"
)

// ErrUnsupportedTransport is the error of Client.MCP for a function whose MCP server is
// spoken to over WebSocket (spec.runtime.transport "websocket"): the client speaks the
// streamable HTTP transport only, as Blaxel's functions do by default ("http-stream").
var ErrUnsupportedTransport = errors.New("blaxel: unsupported MCP transport")

// Default waits of an MCP session's requests; see WithMCPTimeouts.
const (
	defaultMCPConnectTimeout = 30 * time.Second
	defaultMCPHeaderTimeout  = 2 * time.Minute // above the 100 s a synchronous call may stay silent
)

// MCPOption tunes Client.MCP. An option with an unusable value makes MCP fail before
// anything is sent.
type MCPOption func(*mcpSettings) error

type mcpSettings struct {
	client                        *mcp.Client
	connectTimeout, headerTimeout time.Duration
	credentialHeader              string // instead of Authorization: a sandbox's MCP server is behind its edge
}

// WithMCPClient connects with c, the go-sdk client that carries the caller's handlers
// (sampling, elicitation, list-changed notifications, logging) and capabilities. By default a
// bare client named after this module is used.
func WithMCPClient(c *mcp.Client) MCPOption {
	return func(s *mcpSettings) error {
		if c == nil {
			return errors.New("blaxel: WithMCPClient: the client is nil")
		}
		s.client = c
		return nil
	}
}

// WithMCPTimeouts bounds every request of the session: connect is how long opening a
// connection may take (30 s by default), headers how long the answer's headers may take once
// the request is sent, connection included (2 minutes by default, above the 100 s a
// synchronous call may stay silent at Blaxel's gateway). Bodies, the session's event streams,
// are not bounded: there is no overall timeout.
func WithMCPTimeouts(connect, headers time.Duration) MCPOption {
	return func(s *mcpSettings) error {
		if connect <= 0 || headers <= 0 {
			return fmt.Errorf("blaxel: WithMCPTimeouts: %v and %v must both be positive", connect, headers)
		}
		s.connectTimeout, s.headerTimeout = connect, headers
		return nil
	}
}

// MCP opens a session with the MCP server of a function, over the streamable HTTP transport
// and through the client's pipeline: the credential and the workspace go with every request,
// to the function's address only, and a POST that may have reached the server is never sent
// again. The address is resolved as Blaxel's tools do: BL_FUNCTIONS_<NAME>_URL or
// BL_FUNCTION_<NAME>_URL for a client built by NewFromEnv, else the function's metadata.url
// (one GetFunction), else {run URL}/{workspace}/functions/{name}; then /mcp below it.
//
// ctx bounds connecting, everything that connecting sends included; the session then lives
// until closed. Closing it always returns: its last request is bounded (see
// WithMCPTimeouts). A function read from the control plane whose spec.runtime.transport is
// "websocket" is refused with an error matching ErrUnsupportedTransport; one whose address
// the environment forces is not read, and is taken to speak streamable HTTP. A refusal
// while connecting (an unknown function, a missing credential) is an *APIError.
//
//	session, err := client.MCP(ctx, "my-tools")
//	if err != nil { ... }
//	defer session.Close()
//	tools, err := session.ListTools(ctx, nil)
func (c *Client) MCP(ctx context.Context, function string, opts ...MCPOption) (*mcp.ClientSession, error) {
	s, err := mcpOptions(opts)
	if err != nil {
		return nil, err
	}
	base, err := c.functionAddress(ctx, function)
	if err != nil {
		return nil, err
	}
	session, err := c.mcpSession(ctx, base, s)
	if err != nil {
		return nil, fmt.Errorf("blaxel: MCP session with function %s: %w", function, err)
	}
	return session, nil
}

// functionAddress resolves a function's address, refusing one that speaks WebSocket.
func (c *Client) functionAddress(ctx context.Context, name string) (*url.URL, error) {
	if err := checkName("function", name); err != nil {
		return nil, err
	}
	if forced := c.forcedAddress(kindFunctions, name); forced != "" {
		return c.workloadBase(kindFunctions, name, forced)
	}
	f, err := c.GetFunction(ctx, name, nil)
	if err != nil {
		return nil, err
	}
	if rt := f.Spec.Runtime; rt != nil && rt.Transport != nil && *rt.Transport == gen.FunctionRuntimeTransportWebsocket {
		return nil, fmt.Errorf("blaxel: function %s serves MCP over websocket, and this client speaks streamable HTTP only: %w", name, ErrUnsupportedTransport)
	}
	advertised := ""
	if f.Metadata.URL != nil {
		advertised = *f.Metadata.URL
	}
	return c.workloadBase(kindFunctions, name, advertised)
}

func mcpOptions(opts []MCPOption) (*mcpSettings, error) {
	s := &mcpSettings{connectTimeout: defaultMCPConnectTimeout, headerTimeout: defaultMCPHeaderTimeout}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(s); err != nil {
			return nil, err
		}
	}
	if s.client == nil {
		s.client = mcp.NewClient(&mcp.Implementation{Name: "blaxel-go", Version: moduleVersion}, nil)
	}
	return s, nil
}

// mcpSession opens an MCP session with the server at base + "/mcp", base being a workload
// address the client resolved (resolveWorkload, workloadBase): a function's, or a sandbox's
// own MCP endpoint. The credential goes to base's origin only. ctx bounds connecting.
func (c *Client) mcpSession(ctx context.Context, base *url.URL, s *mcpSettings) (*mcp.ClientSession, error) {
	endpoint := base.JoinPath("mcp")
	hc := c.workloadHTTPClient(base)
	if s.credentialHeader != "" {
		hc.Transport = credentialHeaderTransport{next: hc.Transport, header: s.credentialHeader}
	}
	hc.Timeout = 0 // an overall timeout would cut the session's event streams
	st := &sessionTransport{
		next: hc.Transport, connect: s.connectTimeout, headers: s.headerTimeout,
		apiError: c.apiError, connecting: ctx,
	}
	hc.Transport = st
	transport := &mcp.StreamableClientTransport{Endpoint: endpoint.String(), HTTPClient: hc}
	session, err := s.client.Connect(ctx, transport, nil)
	cut := st.connected()
	if err == nil && cut {
		// ctx ended as the session opened, and may have cut its event stream.
		_ = session.Close()
		session, err = nil, context.Cause(ctx)
	}
	if err != nil {
		if refused := st.refusal(); refused != nil {
			return nil, refused // Blaxel's own account of the failure
		}
		return nil, err
	}
	return session, nil
}
