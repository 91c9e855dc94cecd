package sandbox_test

import (
	"io"
	"strings"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
)

func TestRealTerminal(t *testing.T) {
	sb, _ := realSandbox(t)
	term, err := sb.Terminal(t.Context(), sandbox.WithTerminalSize(120, 40), sandbox.WithTerminalSession("blaxel-go-test"),
		sandbox.WithShell("/bin/sh"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(term, "echo real-$((40+2))\r"); err != nil {
		t.Fatal(err)
	}
	readUntilContains(t, term, "real-42")
	if err := term.Resize(80, 24); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(term, "stty size\r"); err != nil {
		t.Fatal(err)
	}
	readUntilContains(t, term, "24 80")
	if _, err := io.WriteString(term, "exit\r"); err != nil {
		t.Fatal(err)
	}
	if err := term.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
}

// readUntilContains reads until the output holds want; a real shell's prompt and escape
// sequences vary, so only the text looked for is checked.
func readUntilContains(t *testing.T, term io.Reader, want string) {
	t.Helper()
	var got strings.Builder
	buf := make([]byte, 4096)
	for !strings.Contains(got.String(), want) {
		n, err := term.Read(buf)
		got.Write(buf[:n])
		if err != nil {
			t.Fatalf("reading until %q: %v (got %q)", want, err, got.String())
		}
	}
}
