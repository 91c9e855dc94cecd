package sandboxtools_test

import (
	"context"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandboxtools"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// An MCP client, as an agent holds one, working in a sandbox through its tools. Here against
// the fake of package blaxeltest.
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
	if _, err := client.CreateSandboxAndWait(ctx, gen.Sandbox{Metadata: gen.Metadata{Name: "box"}},
		blaxel.WithPollInterval(10*time.Millisecond)); err != nil {
		log.Fatal(err)
	}
	sb, err := sandbox.Open(ctx, client, "box")
	if err != nil {
		log.Fatal(err)
	}

	transport, err := sandboxtools.NewTransport(sb, sandboxtools.WithRoot("/blaxel"))
	if err != nil {
		log.Fatal(err)
	}
	session, err := mcp.NewClient(&mcp.Implementation{Name: "my-agent", Version: "1.0.0"}, nil).Connect(ctx, transport, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer session.Close()

	for _, step := range []struct {
		tool string
		args map[string]any
	}{
		{"write_file", map[string]any{"path": "hello.txt", "content": "hello from a tool\n"}},
		{"run_command", map[string]any{"command": "cat hello.txt"}},
		{"read_file", map[string]any{"path": "/blaxel/missing.txt"}},
	} {
		res, err := session.CallTool(ctx, &mcp.CallToolParams{Name: step.tool, Arguments: step.args})
		if err != nil {
			log.Fatal(err)
		}
		answer := res.Content[0].(*mcp.TextContent).Text // the structured answer, as JSON
		if out, ok := res.StructuredContent.(map[string]any); ok && step.tool == "run_command" {
			answer = fmt.Sprintf("exit %v, stdout %q", out["exit_code"], out["stdout"])
		}
		if res.IsError {
			answer, _, _ = strings.Cut(answer, ": ") // the rest names the fake's address
		}
		fmt.Printf("%s (error %t): %s\n", step.tool, res.IsError, answer)
	}
	// Output:
	// write_file (error false): {"bytes":18,"path":"/blaxel/hello.txt"}
	// run_command (error false): exit 0, stdout "hello from a tool\n"
	// read_file (error true): open /blaxel/missing.txt
}
