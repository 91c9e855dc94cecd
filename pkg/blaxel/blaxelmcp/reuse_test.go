package blaxelmcp_test

import (
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
