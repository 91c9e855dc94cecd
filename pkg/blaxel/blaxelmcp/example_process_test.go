package blaxelmcp_test

import (
	"context"
	"fmt"
	"io"
	"log"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/blaxelmcp"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// An MCP server that speaks stdio, run in a sandbox: the session goes over the process's
// stdin and its output. Here against the fake of package blaxeltest, whose command
// "my-mcp-server" is scripted to serve a go-sdk server with an echo tool over the process's
// stdin and stdout; in a real sandbox it is any stdio MCP server the image has.
func ExampleConnectProcess() {
	srv, err := blaxeltest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	srv.HandleCommand("my-mcp-server", func(ctx context.Context, p *blaxeltest.Process) int {
		server := mcp.NewServer(&mcp.Implementation{Name: "echo-server", Version: "1"}, nil)
		mcp.AddTool(server, &mcp.Tool{Name: "echo", Description: "says the message back"},
			func(ctx context.Context, req *mcp.CallToolRequest, args struct{ Message string }) (*mcp.CallToolResult, any, error) {
				return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: args.Message}}}, nil, nil
			})
		if err := server.Run(ctx, &mcp.IOTransport{Reader: io.NopCloser(p.Stdin), Writer: stdoutCloser{p.Stdout}}); err != nil {
			return 1
		}
		return 0
	})
	client, err := blaxel.New(blaxel.WithBaseURL(srv.URL()), blaxel.WithRunURL(srv.RunURL()),
		blaxel.WithAPIKey("my-key"), blaxel.WithWorkspace("my-workspace"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if _, err := client.CreateSandbox(ctx, gen.Sandbox{Metadata: gen.Metadata{Name: "my-box"}}, nil); err != nil {
		log.Fatal(err)
	}
	sb, err := sandbox.Open(ctx, client, "my-box")
	if err != nil {
		log.Fatal(err)
	}

	session, err := blaxelmcp.ConnectProcess(ctx, sb, sandbox.Command{Command: "my-mcp-server", Name: "tools"})
	if err != nil {
		log.Fatal(err)
	}
	defer session.Close() // closes the server's stdin: it ends
	res, err := session.CallTool(ctx, &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"Message": "hello from the sandbox"}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Content[0].(*mcp.TextContent).Text)
	// Output:
	// hello from the sandbox
}
