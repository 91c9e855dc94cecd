package blaxeltest_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// The fake serves the client as the real control plane would. In a test, use
// blaxeltest.NewServer(t) instead of Start, and srv.Client(t) for the client: the server
// closes itself and fails the test on an answer that breaks openapi.yaml.
func Example() {
	srv, err := blaxeltest.Start(blaxeltest.WithDeployDelay(30 * time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	client, err := blaxel.New(srv.ClientOptions()...) // srv.Client(t) in a test
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	box, err := client.CreateSandboxAndWait(ctx, gen.Sandbox{Metadata: gen.Metadata{Name: "my-box"}},
		blaxel.WithPollInterval(10*time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(box.Metadata.Name, *box.Status)
	// Output: my-box DEPLOYED
}

// Faults make chosen requests fail, to test how a client copes: here the edge gives up on a
// slow creation (HTML 504) while the sandbox is created anyway, and the client polls for it
// instead of creating it twice.
func ExampleServer_Inject() {
	srv, err := blaxeltest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	srv.Inject("CreateSandbox", 1, blaxeltest.EdgeTimeout().Committed())

	client, err := blaxel.New(srv.ClientOptions()...) // srv.Client(t) in a test
	if err != nil {
		log.Fatal(err)
	}
	box, err := client.CreateSandboxAndWait(context.Background(), gen.Sandbox{Metadata: gen.Metadata{Name: "slow-box"}},
		blaxel.WithPollInterval(10*time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(box.Metadata.Name, *box.Status, "after", srv.Attempts("CreateSandbox"), "creation")
	// Output: slow-box DEPLOYED after 1 creation
}
