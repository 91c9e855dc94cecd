package blaxel_test

import (
	"os/exec"
	"strings"
	"testing"
)

// A program that only calls the control plane links neither the MCP SDK, nor the sandbox API's
// generated code, nor a WebSocket library: those live in packages blaxelmcp, sandbox and
// sandboxtools, which it does not import. Nor does it link an agent framework: their adapters
// are modules of their own. Of OpenTelemetry it links the API alone, never the SDK.
func TestControlPlaneProgramLinksNoDataPlane(t *testing.T) {
	gocmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	out, err := exec.Command(gocmd, "list", "-deps", "./testdata/controlplane").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 || !strings.Contains(string(out), "github.com/blaxel-go/blaxel/pkg/blaxel\n") {
		t.Fatalf("go list gave no dependency list:\n%s", out)
	}
	for _, dep := range deps {
		for _, banned := range []string{"modelcontextprotocol", "github.com/blaxel-go/blaxel/gen/sandboxapi", "pkg/blaxel/sandbox", "pkg/blaxel/blaxelmcp",
			"pkg/blaxel/sandboxtools", "/adapters/", "cloudwego", "firebase/genkit", "github.com/coder/websocket",
			"go.opentelemetry.io/otel/sdk"} {
			if strings.Contains(dep, banned) {
				t.Errorf("a control-plane program links %s", dep)
			}
		}
	}
}
