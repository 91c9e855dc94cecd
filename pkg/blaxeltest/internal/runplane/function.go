package runplane

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// functionServer is the MCP server a function is: the go-sdk's server, over its streamable
// HTTP handler, with sessions.
type functionServer struct {
	server  *mcp.Server
	handler http.Handler
}

// function returns the MCP server of a function, made with its echo tool on first use.
func (wl *Plane) function(name string) *functionServer {
	wl.mu.Lock()
	defer wl.mu.Unlock()
	if f := wl.functions[name]; f != nil {
		return f
	}
	server := mcp.NewServer(&mcp.Implementation{Name: name, Version: "blaxeltest"}, nil)
	mcp.AddTool(server, &mcp.Tool{Name: "echo", Description: "Answers the message it is given."}, echoTool)
	f := &functionServer{
		server: server,
		// The gateway checks credentials in front of it; the SDK's protection of unauthenticated
		// local servers against DNS rebinding would only refuse the fake under another host name.
		handler: mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server },
			&mcp.StreamableHTTPOptions{DisableLocalhostProtection: true}),
	}
	wl.functions[name] = f
	return f
}

// closeSessions ends the sessions the server holds.
func (f *functionServer) closeSessions() {
	for session := range f.server.Sessions() {
		_ = session.Close()
	}
}

// echoInput is the input of the default echo tool.
type echoInput struct {
	Message string `json:"message" jsonschema:"the text to answer"`
}

func echoTool(_ context.Context, _ *mcp.CallToolRequest, in echoInput) (*mcp.CallToolResult, any, error) {
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: in.Message}}}, nil, nil
}

// AddFunctionTool adds a tool to the MCP server of the function named function (or replaces
// the one of the same name), beside the default "echo" tool, whose input is
// {"message": string} and whose answer is that message as text. tool.InputSchema must be a
// JSON Schema object of type "object"; handler gets the call, its arguments as JSON in
// req.Params.Arguments. The tools of a name serve every function created with that name,
// before or after the call; sessions already open are told that the list changed.
func (s *Plane) AddFunctionTool(function string, tool *mcp.Tool, handler mcp.ToolHandler) (err error) {
	switch {
	case function == "":
		return errors.New("blaxeltest: AddFunctionTool: the function name is empty")
	case tool == nil || tool.Name == "":
		return errors.New("blaxeltest: AddFunctionTool: the tool has no name")
	case handler == nil:
		return fmt.Errorf("blaxeltest: AddFunctionTool: tool %s has no handler", tool.Name)
	}
	raw, err := json.Marshal(tool.InputSchema)
	var schema struct {
		Type any `json:"type"`
	}
	if err != nil || json.Unmarshal(raw, &schema) != nil || schema.Type != "object" {
		return fmt.Errorf("blaxeltest: AddFunctionTool: the input schema of tool %s is not a JSON Schema of type \"object\"", tool.Name)
	}
	defer func() {
		if p := recover(); p != nil { // the SDK panics on a tool it cannot serve
			err = fmt.Errorf("blaxeltest: AddFunctionTool: tool %s: %v", tool.Name, p)
		}
	}()
	s.function(function).server.AddTool(tool, handler)
	return nil
}
