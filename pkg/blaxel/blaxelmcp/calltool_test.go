package blaxelmcp_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel/blaxelmcp"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

func TestCallTextAnswersAsAModelReadsIt(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	tools := map[string]*mcp.CallToolResult{
		"fails": {IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: "no such city"}}},
		"mixed": {Content: []mcp.Content{&mcp.TextContent{Text: "a chart:"}, &mcp.ImageContent{MIMEType: "image/png", Data: []byte("png")}}},
		"data":  {StructuredContent: map[string]any{"temperature": 21}},
	}
	for name, res := range tools {
		if err := srv.AddFunctionTool("tools", &mcp.Tool{Name: name, InputSchema: map[string]any{"type": "object"}},
			func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) { return res, nil }); err != nil {
			t.Fatal(err)
		}
	}
	c, _ := fakeClient(t, srv)
	deployFunction(t, c, "tools", gen.FunctionRuntimeTransportHTTPStream)
	session, err := blaxelmcp.Connect(t.Context(), c, "tools")
	if err != nil {
		t.Fatal(err)
	}
	defer session.Close()

	for tool, want := range map[string]string{"mixed": "a chart:\n[image image/png, 3 bytes]", "data": `{"temperature":21}`} {
		if got, err := blaxelmcp.CallText(t.Context(), session, tool, nil); err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", tool, got, err, want)
		}
	}
	if got, err := blaxelmcp.CallText(t.Context(), session, "echo", json.RawMessage(`{"message":"hi"}`)); err != nil || got != "hi" {
		t.Errorf("echo: %q, %v", got, err)
	}
	_, err = blaxelmcp.CallText(t.Context(), session, "fails", json.RawMessage(" "))
	var toolErr *blaxelmcp.ToolError
	if !errors.As(err, &toolErr) || toolErr.Tool != "fails" || toolErr.Message != "no such city" {
		t.Errorf("fails: %v, want a ToolError", err)
	}
	before := len(srv.Requests())
	if _, err := blaxelmcp.CallText(t.Context(), session, "echo", json.RawMessage(`{"message":`)); err == nil {
		t.Error("arguments that are not JSON were accepted")
	}
	if len(srv.Requests()) != before {
		t.Error("arguments that are not JSON were sent")
	}
}
