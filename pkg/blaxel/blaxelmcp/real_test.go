package blaxelmcp_test

import (
	"os"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/blaxelmcp"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
)

// Against Blaxel's own sandbox server when REAL_SANDBOX_URL gives its address (any token
// reaches it, as it is behind Blaxel's edge); skipped otherwise. Its MCP server must list the
// tools the fake's serves, and a session must run them.
func TestRealSandboxMCP(t *testing.T) {
	addr := os.Getenv("REAL_SANDBOX_URL")
	if addr == "" {
		t.Skip("REAL_SANDBOX_URL names no sandbox server")
	}
	sb, err := sandbox.OpenPreview(addr, "any-token", blaxel.WithInsecureHTTP())
	if err != nil {
		t.Fatal(err)
	}
	session, err := blaxelmcp.ConnectSandbox(t.Context(), sb)
	if err != nil {
		t.Fatal(err)
	}
	defer session.Close()
	names := map[string]bool{}
	for tool, err := range session.Tools(t.Context(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		names[tool.Name] = true
	}
	for _, want := range []string{"processExecute", "processGet", "processGetLogs", "processStop", "processKill", "processesList",
		"fsReadFile", "fsWriteFile", "fsEditFile", "fsListDirectory", "fsDeleteFileOrDirectory", "fsGetWorkingDirectory"} {
		if !names[want] {
			t.Errorf("the server lists no %s (it lists %v)", want, names)
		}
	}
	if got := callTool(t, session, "fsGetWorkingDirectory", map[string]any{}); got == "" {
		t.Error("fsGetWorkingDirectory answered nothing")
	}
}
