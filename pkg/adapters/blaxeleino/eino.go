// Package blaxeleino gives the tools of a Blaxel function's MCP server to CloudWeGo Eino
// (github.com/cloudwego/eino) as tool.InvokableTool values, for a ToolsNode, a ChatModel's
// tool list or an ADK agent. It is a module of its own, so that the users of the blaxel
// module who do not use Eino download none of it.
//
// Open the session with package blaxelmcp, then list its tools:
//
//	session, err := blaxelmcp.Connect(ctx, client, "my-tools")
//	if err != nil { ... }
//	defer session.Close()
//	tools, err := blaxeleino.Tools(ctx, session)
//
// Each tool's parameters are the JSON Schema its server declares. A call goes through the
// session, hence through the client's pipeline (its credential, retries and limits); the
// tool's answer is the text of its result (see blaxelmcp.CallText), and a result the server
// marks as an error is a *blaxelmcp.ToolError.
package blaxeleino

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cloudwego/eino/components/tool"
	"github.com/cloudwego/eino/schema"
	"github.com/eino-contrib/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/blaxel-go/blaxel/pkg/blaxel/blaxelmcp"
)

// Tools lists the tools of the session's server, every page of them, as Eino tools.
func Tools(ctx context.Context, session *mcp.ClientSession) ([]tool.InvokableTool, error) {
	if session == nil {
		return nil, errors.New("blaxel: blaxeleino.Tools: the session is nil")
	}
	var tools []tool.InvokableTool
	for t, err := range session.Tools(ctx, nil) {
		if err != nil {
			return nil, err
		}
		info, err := toolInfo(t)
		if err != nil {
			return nil, err
		}
		tools = append(tools, &mcpTool{session: session, info: info})
	}
	return tools, nil
}

// toolInfo describes an MCP tool as Eino does.
func toolInfo(t *mcp.Tool) (*schema.ToolInfo, error) {
	info := &schema.ToolInfo{Name: t.Name, Desc: t.Description}
	if t.InputSchema != nil {
		data, err := json.Marshal(t.InputSchema)
		if err != nil {
			return nil, fmt.Errorf("blaxel: the input schema of the tool %s: %w", t.Name, err)
		}
		params := &jsonschema.Schema{}
		if err := json.Unmarshal(data, params); err != nil {
			return nil, fmt.Errorf("blaxel: the input schema of the tool %s: %w", t.Name, err)
		}
		info.ParamsOneOf = schema.NewParamsOneOfByJSONSchema(params)
	}
	return info, nil
}

// mcpTool is one tool of an MCP session.
type mcpTool struct {
	session *mcp.ClientSession
	info    *schema.ToolInfo
}

func (t *mcpTool) Info(context.Context) (*schema.ToolInfo, error) { return t.info, nil }

func (t *mcpTool) InvokableRun(ctx context.Context, argumentsInJSON string, _ ...tool.Option) (string, error) {
	return blaxelmcp.CallText(ctx, t.session, t.info.Name, json.RawMessage(argumentsInJSON))
}
