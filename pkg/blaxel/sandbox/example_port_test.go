package sandbox_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"time"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// A web server listening on port 3000 inside a sandbox, reached through the sandbox's
// address with the client's credential, then served on 127.0.0.1 for local tools. Here the
// fake of package blaxeltest plays the server on the port.
func ExamplePort_Forward() {
	srv, err := blaxeltest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	srv.HandlePort(3000, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from port 3000, you asked for %s", r.URL.Path)
	}))
	client, err := blaxel.New(blaxel.WithBaseURL(srv.URL()), blaxel.WithRunURL(srv.RunURL()),
		blaxel.WithAPIKey("my-key"), blaxel.WithWorkspace("my-workspace"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if _, err := client.CreateSandboxAndWait(ctx, gen.Sandbox{Metadata: gen.Metadata{Name: "web"}},
		blaxel.WithPollInterval(10*time.Millisecond)); err != nil {
		log.Fatal(err)
	}
	sb, err := sandbox.Open(ctx, client, "web")
	if err != nil {
		log.Fatal(err)
	}
	port, err := sb.Port(3000)
	if err != nil {
		log.Fatal(err)
	}

	// From Go: an *http.Client that authenticates to the sandbox, and only to it.
	resp, err := port.HTTPClient().Get(port.URL() + "/status")
	if err != nil {
		log.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(string(body))

	// For everything else: a local address, until ctx ends (or Close).
	fwdCtx, stop := context.WithCancel(ctx)
	defer stop()
	fwd, err := port.Forward(fwdCtx)
	if err != nil {
		log.Fatal(err)
	}
	resp, err = http.Get(fwd.URL() + "/index.html") // what a browser or curl would do
	if err != nil {
		log.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(string(body))
	// Output:
	// hello from port 3000, you asked for /status
	// hello from port 3000, you asked for /index.html
}
