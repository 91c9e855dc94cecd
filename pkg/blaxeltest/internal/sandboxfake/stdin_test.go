package sandboxfake_test

import (
	"bufio"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

func (b *box) writeStdin(id, data string, want int) map[string]any {
	b.t.Helper()
	return object(b.t, b.call(sbxRequest{method: "POST", path: "/process/" + id + "/stdin", body: strings.NewReader(data),
		header: map[string]string{"Content-Type": "application/octet-stream"}}, want))
}

func (b *box) closeStdin(id string, want int) map[string]any {
	b.t.Helper()
	return object(b.t, b.call(sbxRequest{method: "DELETE", path: "/process/" + id + "/stdin"}, want))
}

func (b *box) start(body map[string]any) map[string]any {
	b.t.Helper()
	return object(b.t, b.call(sbxRequest{method: "POST", path: "/process", json: body}, 200))
}

func TestCatEchoesStdinUntilClosed(t *testing.T) {
	b := newBox(t)
	started := b.start(map[string]any{"command": "cat", "name": "echo", "stdin": true})
	if started["stdin"] != true || started["status"] != "running" {
		t.Fatalf("started %v", started)
	}
	if got := b.writeStdin("echo", "hello\n", 200); got["message"] != "6 bytes written" {
		t.Errorf("write answered %v", got)
	}
	b.writeStdin("echo", "world\n", 200)
	b.closeStdin("echo", 200)
	done := b.waitStatus("echo", "completed")
	if done["stdout"] != "hello\nworld\n" {
		t.Errorf("stdout %q", done["stdout"])
	}
	if got := b.writeStdin("echo", "late", 409); got["error"] == nil {
		t.Errorf("a write after the close answered %v", got)
	}
	b.closeStdin("echo", 200) // closing again changes nothing
}

func TestProcessWithoutStdin(t *testing.T) {
	b := newBox(t)
	b.start(map[string]any{"command": "cat", "name": "plain"})
	if p := b.waitStatus("plain", "completed"); p["stdout"] != "" || p["stdin"] != false {
		t.Errorf("cat without stdin: %v", p)
	}
	if got := b.writeStdin("plain", "x", 409); got["error"] != "process has no stdin" {
		t.Errorf("write answered %v", got)
	}
	b.closeStdin("plain", 409)
	b.writeStdin("nobody", "x", 404)
	b.closeStdin("nobody", 404)
}

// TestScriptedCommandReadsStdin: a command reads lines as they are written, and answers each.
func TestScriptedCommandReadsStdin(t *testing.T) {
	b := newBox(t)
	b.srv.HandleCommand("upper", func(_ context.Context, p *blaxeltest.Process) int {
		lines := bufio.NewScanner(p.Stdin)
		for lines.Scan() {
			fmt.Fprintln(p.Stdout, strings.ToUpper(lines.Text()))
		}
		return 0
	})
	b.start(map[string]any{"command": "upper", "name": "up", "stdin": true})
	b.writeStdin("up", "one\ntw", 200)
	b.writeStdin("up", "o\n", 200)
	b.closeStdin("up", 200)
	if p := b.waitStatus("up", "completed"); p["stdout"] != "ONE\nTWO\n" {
		t.Errorf("stdout %q", p["stdout"])
	}
}

// TestStoppedProcessStopsReadingStdin: a process waiting for input ends when it is killed, and
// later writes answer 503.
func TestStoppedProcessStopsReadingStdin(t *testing.T) {
	b := newBox(t)
	b.start(map[string]any{"command": "cat", "name": "waiting", "stdin": true})
	b.call(sbxRequest{method: "DELETE", path: "/process/waiting/kill"}, 200)
	b.waitStatus("waiting", "killed")
	b.writeStdin("waiting", "x", 503)
}

// TestStdinLimits: one write holds at most 8 MiB, and a process leaves at most 8 MiB unread.
func TestStdinLimits(t *testing.T) {
	b := newBox(t)
	b.start(map[string]any{"command": "sleep 1000", "name": "deaf", "stdin": true})
	b.writeStdin("deaf", strings.Repeat("x", 8<<20+1), 413)
	b.writeStdin("deaf", strings.Repeat("x", 8<<20), 200)
	if got := b.writeStdin("deaf", "x", 503); got["error"] != "process stopped reading stdin" {
		t.Errorf("a write past the backlog answered %v", got)
	}
}
