package sandbox_test

import (
	"context"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
)

// Blaxel's sandbox server ends an exec stream right after its result, and Run reads that
// end: commands run one after the other share one connection. A stream that ended late
// would leave its connection behind, and the next command would dial again.
func TestRealRunsReuseTheirConnection(t *testing.T) {
	addr := os.Getenv("REAL_SANDBOX_URL")
	if addr == "" {
		t.Skip("REAL_SANDBOX_URL names no sandbox server")
	}
	var dials atomic.Int32
	transport := http.DefaultTransport.(*http.Transport).Clone()
	dial := (&net.Dialer{}).DialContext
	transport.DialContext = func(ctx context.Context, network, address string) (net.Conn, error) {
		dials.Add(1)
		return dial(ctx, network, address)
	}
	defer transport.CloseIdleConnections()
	sb, err := sandbox.OpenPreview(addr, "any-token", blaxel.WithInsecureHTTP(), blaxel.WithHTTPClient(&http.Client{Transport: transport}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := realContext(t)
	for range 5 {
		res, err := sb.Run(ctx, "echo hello")
		if err != nil {
			t.Fatal(err)
		}
		if string(res.Stdout) != "hello\n" {
			t.Fatalf("stdout %q", res.Stdout)
		}
	}
	if n := dials.Load(); n != 1 {
		t.Errorf("5 runs, one after the other, dialled %d connections; want 1", n)
	}
}
