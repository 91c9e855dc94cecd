package blaxelmcp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel/blaxelmcp"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// structured calls a tool and decodes its structured result into out.
func structured(t *testing.T, session *mcp.ClientSession, name string, args map[string]any, out any) {
	t.Helper()
	res, err := session.CallTool(t.Context(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if res.IsError {
		t.Fatalf("%s answered an error: %+v", name, res.Content[0])
	}
	data, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, out); err != nil {
		t.Fatalf("%s: %v in %s", name, err, data)
	}
}

// toolError calls a tool that must fail and returns its message.
func toolError(t *testing.T, session *mcp.ClientSession, name string, args map[string]any) string {
	t.Helper()
	res, err := session.CallTool(t.Context(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if !res.IsError {
		t.Fatalf("%s succeeded: %+v", name, res.StructuredContent)
	}
	return res.Content[0].(*mcp.TextContent).Text
}

// The fake's sandboxes serve Blaxel's sandbox MCP server: its tools act on the sandbox's
// processes and files, as the Sandbox API sees them.
func TestSandboxMCPOfTheFake(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	srv.HandleCommand("serve", func(ctx context.Context, p *blaxeltest.Process) int {
		fmt.Fprintln(p.Stdout, "serving")
		<-ctx.Done()
		return 0
	})
	c := srv.Client(t)
	if _, err := c.CreateSandbox(t.Context(), gen.Sandbox{Metadata: gen.Metadata{Name: "box"}}, nil); err != nil {
		t.Fatal(err)
	}
	sb, err := sandbox.Open(t.Context(), c, "box")
	if err != nil {
		t.Fatal(err)
	}
	session, err := blaxelmcp.ConnectSandbox(t.Context(), sb)
	if err != nil {
		t.Fatal(err)
	}
	defer session.Close()

	tools, err := session.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range tools.Tools {
		names = append(names, tool.Name)
	}
	for _, want := range []string{"processExecute", "processGet", "processGetLogs", "processStop", "processKill", "processesList",
		"fsReadFile", "fsWriteFile", "fsEditFile", "fsListDirectory", "fsDeleteFileOrDirectory", "fsGetWorkingDirectory"} {
		if !slices.Contains(names, want) {
			t.Errorf("no tool %s in %v", want, names)
		}
	}

	var wd struct{ Path string }
	structured(t, session, "fsGetWorkingDirectory", nil, &wd)
	if wd.Path != "/blaxel" {
		t.Errorf("working directory %q", wd.Path)
	}
	var written struct{ Path, Message string }
	structured(t, session, "fsWriteFile", map[string]any{"path": "/app/notes.txt", "content": "one two two\n"}, &written)
	if written.Message != "File created/updated successfully" {
		t.Errorf("fsWriteFile: %+v", written)
	}
	var edited struct {
		Path                string
		OccurrencesReplaced int
	}
	structured(t, session, "fsEditFile", map[string]any{"path": "/app/notes.txt", "oldString": "one", "newString": "1"}, &edited)
	if edited.OccurrencesReplaced != 1 {
		t.Errorf("fsEditFile: %+v", edited)
	}
	if msg := toolError(t, session, "fsEditFile", map[string]any{"path": "/app/notes.txt", "oldString": "two", "newString": "2"}); msg == "" {
		t.Error("an ambiguous edit gave no reason")
	}
	var file struct{ Path, Content, Permissions string }
	structured(t, session, "fsReadFile", map[string]any{"path": "/app/notes.txt"}, &file)
	if file.Content != "1 two two\n" || file.Permissions != "644" {
		t.Errorf("fsReadFile: %+v", file)
	}
	if data, err := sb.ReadFile(t.Context(), "/app/notes.txt"); err != nil || string(data) != "1 two two\n" {
		t.Errorf("the Sandbox API reads %q, %v", data, err)
	}
	var listing struct {
		Directory struct {
			Files []struct{ Name string }
		}
	}
	structured(t, session, "fsListDirectory", map[string]any{"path": "/app"}, &listing)
	if len(listing.Directory.Files) != 1 || listing.Directory.Files[0].Name != "notes.txt" {
		t.Errorf("fsListDirectory: %+v", listing)
	}

	type executed struct {
		PID, Name, Status, Logs string
		ExitCode                int
	}
	var ran executed
	structured(t, session, "processExecute", map[string]any{"command": "cat notes.txt", "workingDir": "/app", "name": "reader", "waitForCompletion": true}, &ran)
	if ran.Status != "completed" || ran.ExitCode != 0 || ran.Logs != "1 two two\n" || ran.Name != "reader" {
		t.Errorf("processExecute: %+v", ran)
	}
	var logs struct{ Logs string }
	structured(t, session, "processGetLogs", map[string]any{"identifier": "reader"}, &logs)
	if logs.Logs != "1 two two\n" {
		t.Errorf("processGetLogs: %+v", logs)
	}
	ran = executed{}
	structured(t, session, "processExecute", map[string]any{"command": "serve", "name": "web"}, &ran)
	if ran.Status != "running" || ran.Logs != "" {
		t.Errorf("a start without waiting: %+v", ran)
	}
	var got struct{ Name, Status, WorkingDir string }
	structured(t, session, "processGet", map[string]any{"identifier": ran.PID}, &got)
	if got.Name != "web" || got.WorkingDir != "/" {
		t.Errorf("processGet: %+v", got)
	}
	var stopped struct{ Status string }
	structured(t, session, "processStop", map[string]any{"identifier": "web"}, &stopped)
	if stopped.Status != "stopped" {
		t.Errorf("processStop: %+v", stopped)
	}
	if msg := toolError(t, session, "processKill", map[string]any{"identifier": "nobody"}); msg == "" {
		t.Error("killing no process gave no reason")
	}
	var list struct {
		Processes []struct{ Name string }
	}
	structured(t, session, "processesList", nil, &list)
	if len(list.Processes) != 2 {
		t.Errorf("processesList: %+v", list)
	}
	var deleted struct{ Message string }
	structured(t, session, "fsDeleteFileOrDirectory", map[string]any{"path": "/app", "recursive": true}, &deleted)
	if deleted.Message != "Directory deleted successfully" {
		t.Errorf("fsDeleteFileOrDirectory: %+v", deleted)
	}
	if _, err := sb.ReadFile(t.Context(), "/app/notes.txt"); err == nil {
		t.Error("the deleted file is still there")
	}
}
