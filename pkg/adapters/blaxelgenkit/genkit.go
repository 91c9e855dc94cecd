// Package blaxelgenkit gives the tools of a Blaxel function's MCP server to Genkit for Go
// (github.com/firebase/genkit/go), as tools built from the input schema each one declares.
// It is a module of its own, so that the users of the blaxel module who do not use Genkit
// download none of it.
//
// Open the session with package blaxelmcp, then list its tools, to give a generation
// (ai.WithTools) or to register with DefineTools:
//
//	session, err := blaxelmcp.Connect(ctx, client, "my-tools")
//	if err != nil { ... }
//	defer session.Close()
//	tools, err := blaxelgenkit.Tools(ctx, session)
//	refs := make([]ai.ToolRef, len(tools))
//	for i, t := range tools { refs[i] = t }
//	resp, err := genkit.Generate(ctx, g, ai.WithPrompt("..."), ai.WithTools(refs...))
//
// A call goes through the session, hence through the client's pipeline (its credential,
// retries and limits); the tool's output is the text of its result (see blaxelmcp.CallText),
// and a result the server marks as an error is a *blaxelmcp.ToolError.
package blaxelgenkit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/firebase/genkit/go/ai"
	"github.com/firebase/genkit/go/genkit"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/blaxel-go/blaxel/pkg/blaxel/blaxelmcp"
)

// Tools lists the tools of the session's server, every page of them, as Genkit tools that
// are not registered: give them to a generation with ai.WithTools.
func Tools(ctx context.Context, session *mcp.ClientSession) ([]ai.Tool, error) {
	return tools(ctx, session, func(name, desc string, schema map[string]any, fn ai.ToolFunc[any, string]) ai.Tool {
		return ai.NewTool(name, desc, fn, ai.WithInputSchema(schema))
	})
}

// DefineTools registers the tools of the session's server with g, so that prompts and
// Genkit's developer tools find them by name, and returns them. A name that g already has a
// tool for is refused before anything is registered.
func DefineTools(ctx context.Context, g *genkit.Genkit, session *mcp.ClientSession) ([]ai.Tool, error) {
	if g == nil {
		return nil, errors.New("blaxel: blaxelgenkit.DefineTools: g is nil")
	}
	listed, err := listTools(ctx, session)
	if err != nil {
		return nil, err
	}
	for _, t := range listed {
		if genkit.LookupTool(g, t.Name) != nil {
			return nil, fmt.Errorf("blaxel: blaxelgenkit.DefineTools: Genkit already has a tool named %s", t.Name)
		}
	}
	return build(session, listed, func(name, desc string, schema map[string]any, fn ai.ToolFunc[any, string]) ai.Tool {
		return genkit.DefineTool(g, name, desc, fn, ai.WithInputSchema(schema))
	})
}

type newTool func(name, desc string, schema map[string]any, fn ai.ToolFunc[any, string]) ai.Tool

func tools(ctx context.Context, session *mcp.ClientSession, newFn newTool) ([]ai.Tool, error) {
	listed, err := listTools(ctx, session)
	if err != nil {
		return nil, err
	}
	return build(session, listed, newFn)
}

func listTools(ctx context.Context, session *mcp.ClientSession) ([]*mcp.Tool, error) {
	if session == nil {
		return nil, errors.New("blaxel: blaxelgenkit: the session is nil")
	}
	var listed []*mcp.Tool
	for t, err := range session.Tools(ctx, nil) {
		if err != nil {
			return nil, err
		}
		listed = append(listed, t)
	}
	return listed, nil
}

// build makes a Genkit tool of each MCP tool, its input schema the one the server declares.
func build(session *mcp.ClientSession, listed []*mcp.Tool, newFn newTool) ([]ai.Tool, error) {
	out := make([]ai.Tool, 0, len(listed))
	for _, t := range listed {
		schema, err := inputSchema(t)
		if err != nil {
			return nil, err
		}
		name := t.Name
		out = append(out, newFn(name, t.Description, schema, func(ctx *ai.ToolContext, input any) (string, error) {
			var args json.RawMessage // none for a tool called without input
			if input != nil {
				data, err := json.Marshal(input)
				if err != nil {
					return "", fmt.Errorf("blaxel: the input of the tool %s: %w", name, err)
				}
				args = data
			}
			return blaxelmcp.CallText(ctx, session, name, args)
		}))
	}
	return out, nil
}

// inputSchema is an MCP tool's input schema as the map Genkit takes.
func inputSchema(t *mcp.Tool) (map[string]any, error) {
	schema := map[string]any{"type": "object"}
	if t.InputSchema == nil {
		return schema, nil
	}
	data, err := json.Marshal(t.InputSchema)
	if err == nil {
		err = json.Unmarshal(data, &schema)
	}
	if err != nil {
		return nil, fmt.Errorf("blaxel: the input schema of the tool %s: %w", t.Name, err)
	}
	return schema, nil
}
