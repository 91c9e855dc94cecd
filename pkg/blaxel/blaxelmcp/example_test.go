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

// A function's tools for any program that opens MCP sessions with the go-sdk itself, such as
// an agent framework's tool set that takes an mcp.Transport. Here against the fake of package
// blaxeltest, whose functions serve an echo tool.
func ExampleNewTransport() {
	srv, err := blaxeltest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	client, err := blaxel.New(blaxel.WithBaseURL(srv.URL()), blaxel.WithRunURL(srv.RunURL()),
		blaxel.WithAPIKey("my-key"), blaxel.WithWorkspace("my-workspace"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if _, err := client.CreateFunction(ctx, gen.Function{Metadata: gen.Metadata{Name: "my-tools"}}); err != nil {
		log.Fatal(err)
	}
	if _, err := client.WaitForFunction(ctx, "my-tools", blaxel.WithPollInterval(10*time.Millisecond)); err != nil {
		log.Fatal(err)
	}

	transport, err := blaxelmcp.NewTransport(client, "my-tools")
	if err != nil {
		log.Fatal(err)
	}
	agent := mcp.NewClient(&mcp.Implementation{Name: "my-agent", Version: "1.0.0"}, nil)
	session, err := agent.Connect(ctx, transport, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer session.Close()
	for tool, err := range session.Tools(ctx, nil) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("tool:", tool.Name)
	}
	res, err := session.CallTool(ctx, &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"message": "hello"}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Content[0].(*mcp.TextContent).Text)
	// Output:
	// tool: echo
	// hello
}
