package blaxelmcp_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/blaxelmcp"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// A function deployed with the WebSocket transport is reached as any other: Connect reads
// its transport from its spec. Here against the fake of package blaxeltest.
func ExampleConnect_webSocket() {
	srv, err := blaxeltest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	client, err := blaxel.New(blaxel.WithBaseURL(srv.URL()), blaxel.WithRunURL(srv.RunURL()),
		blaxel.WithAPIKey("my-api-key"), blaxel.WithWorkspace("my-workspace"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	transport := gen.FunctionRuntimeTransportWebsocket
	fn := gen.Function{Metadata: gen.Metadata{Name: "legacy-tools"}, Spec: gen.FunctionSpec{Runtime: &gen.FunctionRuntime{Transport: &transport}}}
	if _, err := client.CreateFunction(ctx, fn); err != nil {
		log.Fatal(err)
	}
	if _, err := client.WaitForFunction(ctx, "legacy-tools", blaxel.WithPollInterval(10*time.Millisecond)); err != nil {
		log.Fatal(err)
	}

	session, err := blaxelmcp.Connect(ctx, client, "legacy-tools")
	if err != nil {
		log.Fatal(err)
	}
	defer session.Close()
	res, err := session.CallTool(ctx, &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"message": "hello over WebSocket"}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Content[0].(*mcp.TextContent).Text)
	// Output: hello over WebSocket
}
