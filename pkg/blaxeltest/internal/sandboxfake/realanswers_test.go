package sandboxfake_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// Where the real server answers otherwise than one would guess, the fake answers as it does.

// A process started without a working directory runs in the sandbox's, and its record says "".
func TestRecordSaysNoWorkingDirWhenNoneWasGiven(t *testing.T) {
	b := newBox(t)
	p := object(t, b.call(sbxRequest{method: "POST", path: "/process",
		json: map[string]any{"command": "pwd", "name": "here", "waitForCompletion": true}}, 200))
	if p["workingDir"] != "" || p["stdout"] != "/blaxel\n" {
		t.Errorf("without workingDir: record %q, ran in %q; want \"\" and /blaxel", p["workingDir"], p["stdout"])
	}
	if got := b.process("here")["workingDir"]; got != "" {
		t.Errorf("read again: %q", got)
	}
	b.run("mkdir -p /app")
	p = object(t, b.call(sbxRequest{method: "POST", path: "/process",
		json: map[string]any{"command": "pwd", "workingDir": "/app", "waitForCompletion": true}}, 200))
	if p["workingDir"] != "/app" || p["stdout"] != "/app\n" {
		t.Errorf("with workingDir /app: record %q, ran in %q", p["workingDir"], p["stdout"])
	}
}

// The answer to a start that does not wait for the end has null output; reading the process
// gives it.
func TestStartAnswerHasNullLogsUnlessItWaited(t *testing.T) {
	b := newBox(t)
	started := object(t, b.call(sbxRequest{method: "POST", path: "/process",
		json: map[string]any{"command": "echo hi", "name": "quick"}}, 200))
	for _, field := range []string{"logs", "stdout", "stderr"} {
		if v, ok := started[field]; !ok || v != nil {
			t.Errorf("%s of a start that did not wait: %#v (present %v), want null", field, v, ok)
		}
	}
	if p := b.waitStatus("quick", "completed"); p["logs"] != "hi\n" {
		t.Errorf("read later: logs %#v", p["logs"])
	}
	waited := object(t, b.call(sbxRequest{method: "POST", path: "/process",
		json: map[string]any{"command": "echo hi", "waitForCompletion": true}}, 200))
	if waited["logs"] != "hi\n" || waited["stdout"] != "hi\n" || waited["stderr"] != "" {
		t.Errorf("a start that waited: %v", waited)
	}
}

// A stop or a kill is announced on the streams that follow the process, never in its record
// or logs.
func TestTerminationNoticesAreForLiveStreamsOnly(t *testing.T) {
	b := newBox(t)
	b.srv.HandleCommand("serve", func(ctx context.Context, p *blaxeltest.Process) int {
		fmt.Fprintln(p.Stdout, "ready")
		<-ctx.Done()
		return 0
	})
	for _, tc := range []struct{ name, path, notice string }{
		{"stopped", "/process/stopped", "\n[Process is being gracefully terminated]\n"},
		{"killed", "/process/killed/kill", "\n[Process is being forcefully killed]\n"},
	} {
		b.call(sbxRequest{method: "POST", path: "/process", json: map[string]any{"command": "serve", "name": tc.name}}, 200)
		resp := b.do(sbxRequest{path: "/process/" + tc.name + "/logs/stream"})
		r := bufio.NewReader(resp.Body)
		if line, err := r.ReadString('\n'); err != nil || line != "stdout:ready\n" {
			t.Fatalf("%s: first line %q, %v", tc.name, line, err)
		}
		b.call(sbxRequest{method: "DELETE", path: tc.path}, 200)
		rest, err := io.ReadAll(r)
		resp.Body.Close()
		if err != nil || !strings.Contains(string(rest), tc.notice) {
			t.Errorf("%s: the live stream went on with %q, %v; want the notice %q", tc.name, rest, err, tc.notice)
		}
		if p := b.process(tc.name); p["stdout"] != "ready\n" || p["logs"] != "ready\n" {
			t.Errorf("%s: record stdout %q logs %q, want the output alone", tc.name, p["stdout"], p["logs"])
		}
		if logs := object(t, b.call(sbxRequest{path: "/process/" + tc.name + "/logs"}, 200)); logs["stdout"] != "ready\n" {
			t.Errorf("%s: logs %q", tc.name, logs["stdout"])
		}
	}
}

// A process's ports are those its scripted command opens; a command that opens none has none.
func TestPortsAreWhatTheCommandOpens(t *testing.T) {
	b := newBox(t)
	b.srv.HandleCommand("web", func(ctx context.Context, p *blaxeltest.Process) int {
		p.Listen(3000)
		p.Listen(9229)
		<-ctx.Done()
		return 0
	})
	web := object(t, b.call(sbxRequest{method: "POST", path: "/process",
		json: map[string]any{"command": "web --port 3000", "waitForPorts": []int{3000, 9229}}}, 200))
	quiet := object(t, b.call(sbxRequest{method: "POST", path: "/process", json: map[string]any{"command": "sleep 1000"}}, 200))
	ports := func(pid any) []any {
		return object(t, b.call(sbxRequest{path: "/network/process/" + pid.(string) + "/ports"}, 200))["ports"].([]any)
	}
	got := ports(web["pid"])
	if len(got) != 2 {
		t.Fatalf("ports of web: %v", got)
	}
	for i, want := range []float64{3000, 9229} {
		port := got[i].(map[string]any)
		if port["localPort"] != want || port["processName"] != "web" || port["state"] != "LISTEN" {
			t.Errorf("port %d: %v", i, port)
		}
	}
	if got := ports(quiet["pid"]); len(got) != 0 {
		t.Errorf("ports of sleep: %v", got)
	}
}
