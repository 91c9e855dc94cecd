package blaxelgenkit_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/firebase/genkit/go/ai"
	"github.com/firebase/genkit/go/genkit"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/adapters/blaxelgenkit"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/blaxelmcp"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// A function's tools in a Genkit generation: the model asks for the echo tool, Genkit runs it
// through the MCP session, and the model answers with what the tool said. Here against the
// fake of package blaxeltest, with a scripted model in place of a real one.
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

	tools, err := blaxelgenkit.Tools(ctx, session)
	if err != nil {
		log.Fatal(err)
	}
	var refs []ai.ToolRef // what a generation takes
	for _, t := range tools {
		fmt.Println("tool:", t.Name(), "requires", t.Definition().InputSchema["required"])
		refs = append(refs, t)
	}

	g := genkit.Init(ctx)
	model := genkit.DefineModel(g, "scripted/echoer", &ai.ModelOptions{Supports: &ai.ModelSupports{Tools: true, Multiturn: true}}, scriptedModel)
	resp, err := genkit.Generate(ctx, g, ai.WithModel(model), ai.WithPrompt("Say hello through the echo tool."), ai.WithTools(refs...))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.Text())
	// Output:
	// tool: echo requires [message]
	// the tool said: hello from Genkit
}

// scriptedModel asks for the echo tool, then repeats its answer.
func scriptedModel(_ context.Context, req *ai.ModelRequest, _ ai.ModelStreamCallback) (*ai.ModelResponse, error) {
	last := req.Messages[len(req.Messages)-1]
	for _, part := range last.Content {
		if part.IsToolResponse() {
			return &ai.ModelResponse{Request: req, Message: ai.NewModelTextMessage(fmt.Sprint("the tool said: ", part.ToolResponse.Output))}, nil
		}
	}
	call := ai.NewToolRequestPart(&ai.ToolRequest{Name: "echo", Ref: "call-1", Input: map[string]any{"message": "hello from Genkit"}})
	return &ai.ModelResponse{Request: req, Message: ai.NewModelMessage(call)}, nil
}
