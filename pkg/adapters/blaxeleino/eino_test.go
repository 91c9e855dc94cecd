package blaxeleino_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/adapters/blaxeleino"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/blaxelmcp"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// session connects to the function "tools" of a fake that also serves add, which fails on
// negative numbers.
func session(t *testing.T) *mcp.ClientSession {
	t.Helper()
	srv := blaxeltest.NewServer(t)
	schema := map[string]any{"type": "object", "required": []any{"a", "b"}, "properties": map[string]any{
		"a": map[string]any{"type": "number", "description": "the first term"}, "b": map[string]any{"type": "number"},
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

func TestToolsDescribeAndCallTheFunctionsTools(t *testing.T) {
	s := session(t)
	tools, err := blaxeleino.Tools(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]int{}
	for i, tool := range tools {
		info, err := tool.Info(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		byName[info.Name] = i
	}
	if len(byName) != 2 {
		t.Fatalf("tools %v, want add and echo", byName)
	}
	add := tools[byName["add"]]
	info, _ := add.Info(t.Context())
	params, err := info.ParamsOneOf.ToJSONSchema()
	if err != nil {
		t.Fatal(err)
	}
	if info.Desc != "Adds a and b." || !reflect.DeepEqual(params.Required, []string{"a", "b"}) || params.Properties.Len() != 2 {
		t.Errorf("add described as %q with %+v", info.Desc, params)
	}
	if a, ok := params.Properties.Get("a"); !ok || a.Type != "number" || a.Description != "the first term" {
		t.Errorf("parameter a: %+v", a)
	}

	if got, err := add.InvokableRun(t.Context(), `{"a": 2, "b": 40}`); err != nil || got != "42" {
		t.Errorf("add answered %q, %v", got, err)
	}
	_, err = add.InvokableRun(t.Context(), `{"a": -1, "b": 1}`)
	var toolErr *blaxelmcp.ToolError
	if !errors.As(err, &toolErr) || toolErr.Message != "negative" {
		t.Errorf("a failing call: %v, want a ToolError", err)
	}
	if _, err := blaxeleino.Tools(t.Context(), nil); err == nil {
		t.Error("a nil session gave tools")
	}
}
