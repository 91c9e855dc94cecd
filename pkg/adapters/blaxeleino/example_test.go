package blaxeleino_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/cloudwego/eino/components/tool"
	"github.com/cloudwego/eino/compose"
	"github.com/cloudwego/eino/schema"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/adapters/blaxeleino"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/blaxelmcp"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// A function's tools in an Eino ToolsNode, which runs the tool calls of a model's message.
// Here against the fake of package blaxeltest, whose functions serve an echo tool.
func ExampleTools() {
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

	session, err := blaxelmcp.Connect(ctx, client, "my-tools")
	if err != nil {
		log.Fatal(err)
	}
	defer session.Close()
	tools, err := blaxeleino.Tools(ctx, session)
	if err != nil {
		log.Fatal(err)
	}
	var base []tool.BaseTool
	for _, t := range tools {
		info, err := t.Info(ctx)
		if err != nil {
			log.Fatal(err)
		}
		params, err := info.ParamsOneOf.ToJSONSchema()
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("tool:", info.Name, "requires", params.Required)
		base = append(base, t)
	}

	node, err := compose.NewToolNode(ctx, &compose.ToolsNodeConfig{Tools: base})
	if err != nil {
		log.Fatal(err)
	}
	answers, err := node.Invoke(ctx, schema.AssistantMessage("", []schema.ToolCall{{
		ID: "call-1", Function: schema.FunctionCall{Name: "echo", Arguments: `{"message": "hello from Eino"}`},
	}}))
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range answers {
		fmt.Println(m.ToolCallID, m.Content)
	}
	// Output:
	// tool: echo requires [message]
	// call-1 hello from Eino
}
