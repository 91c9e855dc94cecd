package sandboxfake_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// The sandbox's MCP server is stateless and answers JSON; it has no event stream to GET.
func TestSandboxMCPAnswersJSONAndRefusesGET(t *testing.T) {
	b := newBox(t)
	resp := b.do(sbxRequest{method: "GET", path: "/mcp"})
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || !strings.Contains(string(body), `"error"`) {
		t.Errorf("GET /mcp: %d %s", resp.StatusCode, body)
	}
	resp = b.do(sbxRequest{method: "POST", path: "/mcp", body: strings.NewReader(
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"processExecute","arguments":{"command":"echo hi","waitForCompletion":true}}}`),
		header: map[string]string{"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}})
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") ||
		resp.Header.Get("Mcp-Session-Id") != "" || !strings.Contains(string(body), `\"logs\":\"hi\\n\"`) {
		t.Errorf("POST /mcp without a session: %d %q %s", resp.StatusCode, resp.Header, body)
	}
	if n := b.srv.CommandStarts("ws", "box", "echo hi"); n != 1 {
		t.Errorf("echo hi started %d times", n)
	}
}
