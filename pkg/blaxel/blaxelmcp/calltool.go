package blaxelmcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// ToolError is a tool's own failure: the server answered the call, marking its result as an
// error (isError), as opposed to failing to answer it. Message is what the tool said.
type ToolError struct {
	Tool    string
	Message string
}

func (e *ToolError) Error() string {
	return fmt.Sprintf("blaxel: the tool %s failed: %s", e.Tool, e.Message)
}

// CallText calls a tool of the session with arguments, a JSON object (or empty for none),
// and returns its answer as text, as agent frameworks hand it to a model: the text parts
// joined by newlines, the structured content as JSON when the answer has no text, and a
// short note for each part that is not text (an image, a resource). A result marked as an
// error is a *ToolError.
func CallText(ctx context.Context, session *mcp.ClientSession, tool string, arguments json.RawMessage) (string, error) {
	if session == nil {
		return "", errors.New("blaxel: blaxelmcp.CallText: the session is nil")
	}
	params := &mcp.CallToolParams{Name: tool}
	if len(strings.TrimSpace(string(arguments))) > 0 {
		if !json.Valid(arguments) {
			return "", fmt.Errorf("blaxel: the arguments of the tool %s are not JSON", tool)
		}
		params.Arguments = arguments
	}
	res, err := session.CallTool(ctx, params)
	if err != nil {
		return "", err
	}
	text := ResultText(res)
	if res.IsError {
		return "", &ToolError{Tool: tool, Message: text}
	}
	return text, nil
}

// ResultText is a tool's result as text; see CallText.
func ResultText(res *mcp.CallToolResult) string {
	if res == nil {
		return ""
	}
	var parts []string
	for _, c := range res.Content {
		switch c := c.(type) {
		case *mcp.TextContent:
			parts = append(parts, c.Text)
		case *mcp.ImageContent:
			parts = append(parts, fmt.Sprintf("[image %s, %d bytes]", c.MIMEType, len(c.Data)))
		case *mcp.AudioContent:
			parts = append(parts, fmt.Sprintf("[audio %s, %d bytes]", c.MIMEType, len(c.Data)))
		case *mcp.ResourceLink:
			parts = append(parts, fmt.Sprintf("[resource %s]", c.URI))
		case *mcp.EmbeddedResource:
			if r := c.Resource; r != nil && r.Text != "" {
				parts = append(parts, r.Text)
			} else if r != nil {
				parts = append(parts, fmt.Sprintf("[resource %s]", r.URI))
			}
		}
	}
	if len(parts) == 0 && res.StructuredContent != nil {
		if data, err := json.Marshal(res.StructuredContent); err == nil {
			return string(data)
		}
	}
	return strings.Join(parts, "\n")
}
