package sandboxtools

import (
	"context"
	"errors"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
)

// Transport is an mcp.Transport to an in-process server of the sandbox's tools: each Connect
// starts a session of that server, which ends when the client's session closes. Give it to
// any go-sdk client, or to an agent framework's tool set that takes an mcp.Transport.
type Transport struct {
	server *mcp.Server
}

var _ mcp.Transport = (*Transport)(nil)

// NewTransport returns a Transport to a server of sb's tools (see NewServer for the options).
func NewTransport(sb *sandbox.Sandbox, opts ...Option) (*Transport, error) {
	server, err := NewServer(sb, opts...)
	if err != nil {
		return nil, err
	}
	return &Transport{server: server}, nil
}

// Connect starts a session of the server and returns the client's end of it.
func (t *Transport) Connect(ctx context.Context) (mcp.Connection, error) {
	if t == nil || t.server == nil {
		return nil, errors.New("blaxel: sandboxtools.Transport: use NewTransport")
	}
	clientEnd, serverEnd := mcp.NewInMemoryTransports()
	// The server's session lives as long as the client's, not as long as ctx.
	if _, err := t.server.Connect(context.WithoutCancel(ctx), serverEnd, nil); err != nil {
		return nil, err
	}
	return clientEnd.Connect(ctx)
}
