package blaxelgenkit_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/firebase/genkit/go/genkit"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/adapters/blaxelgenkit"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/blaxelmcp"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// session connects to the function "tools" of a fake that also serves add, which fails on
// negative numbers, and now, which takes no input.
func session(t *testing.T) *mcp.ClientSession {
	t.Helper()
	srv := blaxeltest.NewServer(t)
	schema := map[string]any{"type": "object", "required": []any{"a", "b"}, "properties": map[string]any{
		"a": map[string]any{"type": "number"}, "b": map[string]any{"type": "number"},
	}}
	err := srv.AddFunctionTool("tools", &mcp.Tool{Name: "add", Description: "Adds a and b.", InputSchema: schema},
		func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			var in struct{ A, B float64 }
			if err := json.Unmarshal(req.Params.Arguments, &in); err != nil {
				return nil, err
			}
			if in.A < 0 || in.B < 0 {
				return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: "negative"}}}, nil
			}
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: fmt.Sprint(in.A + in.B)}}}, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	err = srv.AddFunctionTool("tools", &mcp.Tool{Name: "now", Description: "Tells the time.", InputSchema: map[string]any{"type": "object"}},
		func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "noon"}}}, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	c, err := blaxel.New(blaxel.WithBaseURL(srv.URL()), blaxel.WithRunURL(srv.RunURL()), blaxel.WithAPIKey("my-key"), blaxel.WithWorkspace("ws"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateFunction(t.Context(), gen.Function{Metadata: gen.Metadata{Name: "tools"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitForFunction(t.Context(), "tools", blaxel.WithPollInterval(time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	s, err := blaxelmcp.Connect(t.Context(), c, "tools")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestDefineToolsRegistersAndCallsTheFunctionsTools(t *testing.T) {
	s := session(t)
	g := genkit.Init(t.Context())
	tools, err := blaxelgenkit.DefineTools(t.Context(), g, s)
	if err != nil {
		t.Fatal(err)
	}
	if len(tools) != 3 {
		t.Fatalf("%d tools, want add, echo and now", len(tools))
	}
	add := genkit.LookupTool(g, "add")
	if add == nil {
		t.Fatal("add is not registered")
	}
	def := add.Definition()
	if def.Description != "Adds a and b." || fmt.Sprint(def.InputSchema["required"]) != "[a b]" {
		t.Errorf("add defined as %+v", def)
	}
	if out, err := add.RunRaw(t.Context(), map[string]any{"a": 2, "b": 40}); err != nil || out != "42" {
		t.Errorf("add answered %v, %v", out, err)
	}
	_, err = add.RunRaw(t.Context(), map[string]any{"a": -1, "b": 1})
	var toolErr *blaxelmcp.ToolError
	if !errors.As(err, &toolErr) || toolErr.Message != "negative" {
		t.Errorf("a failing call: %v, want a ToolError", err)
	}
	if out, err := genkit.LookupTool(g, "now").RunRaw(t.Context(), map[string]any{}); err != nil || out != "noon" {
		t.Errorf("now answered %v, %v", out, err)
	}

	if _, err := blaxelgenkit.DefineTools(t.Context(), g, s); err == nil {
		t.Error("the same tools were registered twice")
	}
	if _, err := blaxelgenkit.DefineTools(t.Context(), nil, s); err == nil {
		t.Error("a nil Genkit was accepted")
	}
	if _, err := blaxelgenkit.Tools(t.Context(), nil); err == nil {
		t.Error("a nil session gave tools")
	}
}
