// Package blaxelmcp opens MCP sessions, with the official Go SDK
// (github.com/modelcontextprotocol/go-sdk/mcp), with the MCP servers of Blaxel functions and
// of sandboxes, through the pipeline of a blaxel.Client: its credential, workspace, logging,
// redaction and retry rules. It is a package of its own so that a program that does not speak
// MCP does not link the SDK.
//
// Connect and ConnectSandbox open a session themselves. NewTransport and NewSandboxTransport
// give an mcp.Transport instead, for a program (an agent framework's tool set among them)
// whose own go-sdk client opens the sessions: the same pipeline and guarantees apply.
// ConnectProcess and NewProcessTransport do the same for an MCP server that speaks stdio,
// run as a process of a sandbox: messages go to its stdin and come from its output stream.
//
// What a session reads is bounded: a JSON answer to a call by the client's limit
// (blaxel.WithMaxResponseBytes, 64 MiB by default; past it the call fails with an error
// matching blaxel.ErrResponseTooLarge and the session goes on), each event of a stream by the
// same limit (past it the call fails with a JSON-RPC error of code -32001 naming the limit),
// an error answer by its first MiB; over WebSocket, each message by the client's limit (past
// it, an error matching blaxel.ErrResponseTooLarge ends the session). Errors never hold the client's credentials: a transport's
// error keeps its type unless its text held one (errors.Is still sees through), and a JSON-RPC
// error a server sends has them removed from its message and data; results come as they
// were sent.
//
// Over streamable HTTP, calls one after the other share one connection: once a call's answer
// has come on its event stream, the rest of the stream is read (at most 4 KiB, for at most
// 250 ms) before the answer is handed on. The MCP specification asks a server to end the
// stream after the answer; one that keeps it open delays each answer by those 250 ms, and
// each call then opens a connection of its own.
package blaxelmcp

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/internal/option"
	"github.com/blaxel-go/blaxel/internal/pipeline"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
)

// ErrUnsupportedTransport is the error of Connect for a function whose spec.runtime.transport
// is neither "http-stream" (streamable HTTP, the default) nor "websocket".
var ErrUnsupportedTransport = errors.New("blaxel: unsupported MCP transport")

// Default waits of an MCP session's requests; see WithTimeouts.
const (
	defaultConnectTimeout = 30 * time.Second
	defaultHeaderTimeout  = 2 * time.Minute // above the 100 s a synchronous call may stay silent
)

// Option tunes Connect and ConnectSandbox. An option with an unusable value makes MCP fail before
// anything is sent.
type Option func(*settings) error

type settings struct {
	client                        *mcp.Client
	connectTimeout, headerTimeout time.Duration
}

// WithClient connects with c, the go-sdk client that carries the caller's handlers
// (sampling, elicitation, list-changed notifications, logging) and capabilities. By default a
// bare client named after this module is used.
func WithClient(c *mcp.Client) Option {
	return func(s *settings) error {
		if c == nil {
			return errors.New("blaxel: WithClient: the client is nil")
		}
		s.client = c
		return nil
	}
}

// WithTimeouts bounds every request of the session: connect is how long opening a
// connection may take (30 s by default), headers how long the answer's headers may take once
// the request is sent, connection included (2 minutes by default, above the 100 s a
// synchronous call may stay silent at Blaxel's gateway). Bodies, the session's event streams,
// are not bounded: there is no overall timeout.
func WithTimeouts(connect, headers time.Duration) Option {
	return func(s *settings) error {
		if connect <= 0 || headers <= 0 {
			return fmt.Errorf("blaxel: WithTimeouts: %v and %v must both be positive", connect, headers)
		}
		s.connectTimeout, s.headerTimeout = connect, headers
		return nil
	}
}

// Connect opens a session with the MCP server of a function, over the streamable HTTP
// transport and through c's pipeline: the credential and the workspace go with every request,
// to the function's address only, and a POST that may have reached the server is never sent
// again. The address is resolved as Blaxel's tools do: BL_FUNCTIONS_<NAME>_URL or
// BL_FUNCTION_<NAME>_URL for a client built by NewFromEnv, else the function's metadata.url
// (one GetFunction), else {run URL}/{workspace}/functions/{name}; then /mcp below it.
//
// ctx bounds connecting, everything that connecting sends included; the session then lives
// until closed. Closing it always returns: its last request is bounded (see
// WithTimeouts). A function whose spec.runtime.transport is "websocket" is spoken to over a
// WebSocket at the same address instead, its handshake through the same pipeline, each
// message one text frame of at most the client's response limit; one whose address the
// environment forces is not read, and is taken to speak streamable HTTP. A refusal while
// connecting (an unknown function, a missing credential) is a *blaxel.APIError.
//
//	session, err := blaxelmcp.Connect(ctx, client, "my-tools")
//	if err != nil { ... }
//	defer session.Close()
//	tools, err := session.ListTools(ctx, nil)
func Connect(ctx context.Context, c *blaxel.Client, function string, opts ...Option) (*mcp.ClientSession, error) {
	if c == nil {
		return nil, errors.New("blaxel: blaxelmcp.Connect: the client is nil")
	}
	s, err := options(opts)
	if err != nil {
		return nil, err
	}
	p := c.Pipeline()
	base, transport, err := functionAddress(ctx, c, p, function)
	if err != nil {
		return nil, err
	}
	var session *mcp.ClientSession
	if transport == gen.FunctionRuntimeTransportWebsocket {
		session, err = connectWebSocket(ctx, p, pipeline.Destination{Origin: base}, base, s)
	} else {
		session, err = connect(ctx, p, pipeline.Destination{Origin: base}, base, s)
	}
	if err != nil {
		return nil, fmt.Errorf("blaxel: MCP session with function %s: %w", function, err)
	}
	return session, nil
}

// ConnectSandbox opens a session with the sandbox's own MCP server ({address}/mcp, whose
// tools run processes and read and write files), over the streamable HTTP transport and the
// handle's pipeline: the credential goes in the sandbox's header, to its address only. ctx
// bounds connecting; close the session when done. See Connect for the options.
func ConnectSandbox(ctx context.Context, sb *sandbox.Sandbox, opts ...Option) (*mcp.ClientSession, error) {
	if sb == nil {
		return nil, errors.New("blaxel: blaxelmcp.ConnectSandbox: the sandbox is nil")
	}
	s, err := options(opts)
	if err != nil {
		return nil, err
	}
	p, dest, base, err := sandboxServer(sb)
	if err != nil {
		return nil, err
	}
	session, err := connect(ctx, p, dest, base, s)
	if err != nil {
		return nil, fmt.Errorf("blaxel: MCP session with the sandbox at %s: %w", p.Redact.URL(base), err)
	}
	return session, nil
}

// functionAddress resolves a function's address and the MCP transport it speaks.
func functionAddress(ctx context.Context, c *blaxel.Client, p *pipeline.Pipeline, name string) (*url.URL, gen.FunctionRuntimeTransport, error) {
	if err := pipeline.CheckName("function", name); err != nil {
		return nil, "", err
	}
	if forced := p.ForcedAddress(pipeline.KindFunctions, name); forced != "" {
		u, err := p.WorkloadBase(pipeline.KindFunctions, name, forced)
		return u, gen.FunctionRuntimeTransportHTTPStream, err
	}
	f, err := c.GetFunction(ctx, name, nil)
	if err != nil {
		return nil, "", err
	}
	transport := gen.FunctionRuntimeTransportHTTPStream
	if rt := f.Spec.Runtime; rt != nil && rt.Transport != nil && *rt.Transport != "" {
		transport = *rt.Transport
	}
	if transport != gen.FunctionRuntimeTransportHTTPStream && transport != gen.FunctionRuntimeTransportWebsocket {
		return nil, "", fmt.Errorf("blaxel: function %s serves MCP over %q: %w", name, transport, ErrUnsupportedTransport)
	}
	advertised := ""
	if f.Metadata.URL != nil {
		advertised = *f.Metadata.URL
	}
	u, err := p.WorkloadBase(pipeline.KindFunctions, name, advertised)
	return u, transport, err
}

// settingsOf is the defaults with opts applied.
func settingsOf(opts []Option) (*settings, error) {
	s := &settings{connectTimeout: defaultConnectTimeout, headerTimeout: defaultHeaderTimeout}
	if err := option.Apply(s, opts); err != nil {
		return nil, err
	}
	return s, nil
}

// options is the settings of Connect and ConnectSandbox: a client of the module's own unless
// WithClient gives one.
func options(opts []Option) (*settings, error) {
	s, err := settingsOf(opts)
	if err != nil {
		return nil, err
	}
	if s.client == nil {
		s.client = mcp.NewClient(&mcp.Implementation{Name: "blaxel-go", Version: pipeline.ModuleVersion}, nil)
	}
	return s, nil
}

// connect opens an MCP session with the server at base + "/mcp", base being an address the
// client resolved, through the pipeline p with the destination dest (which trusts base's
// origin with the credential). ctx bounds connecting.
func connect(ctx context.Context, p *pipeline.Pipeline, dest pipeline.Destination, base *url.URL, s *settings) (*mcp.ClientSession, error) {
	t := &Transport{address: fixedAddress(p, dest, base), connectTimeout: s.connectTimeout, headerTimeout: s.headerTimeout}
	var watch *handshakeWatch
	session, err := s.client.Connect(ctx, transportFunc(func(ctx context.Context) (mcp.Connection, error) {
		conn, w, err := t.open(ctx)
		watch = w
		return conn, err
	}), nil)
	if watch == nil {
		return nil, err
	}
	cut := watch.finish()
	if err == nil && cut {
		// ctx ended as the session opened, and may have cut its event stream.
		_ = session.Close()
		session, err = nil, context.Cause(ctx)
	}
	if err != nil {
		if refused := watch.st.refusal(); refused != nil {
			return nil, refused // Blaxel's own account of the failure
		}
		return nil, err
	}
	return session, nil
}
