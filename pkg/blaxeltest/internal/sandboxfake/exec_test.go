package sandboxfake_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

func TestExecStreamCarriesChunksThenTheResult(t *testing.T) {
	b := newBox(t)
	b.srv.HandleCommand("build", func(_ context.Context, p *blaxeltest.Process) int {
		fmt.Fprint(p.Stdout, "compiling\n")
		fmt.Fprint(p.Stdout, "half a line")
		fmt.Fprint(p.Stderr, "warning: "+strings.Join(p.Args[1:], "|")+"\n")
		fmt.Fprint(p.Stdout, " and the rest\n")
		return 3
	})
	events := b.exec(map[string]any{"command": `build 'a b' "c\"d"`, "name": "b1"})
	if got, want := output(events, "stdout"), "compiling\nhalf a line and the rest\n"; got != want {
		t.Errorf("stdout %q, want %q", got, want)
	}
	if got, want := output(events, "stderr"), "warning: a b|c\"d\n"; got != want {
		t.Errorf("stderr %q, want %q (the words as a shell splits them)", got, want)
	}
	if events[1].Data != "half a line" {
		t.Errorf("event 2 is %+v: each write is one chunk, not a line", events[1])
	}
	res := result(t, events)
	if res["exitCode"] != 3.0 || res["status"] != "failed" || res["name"] != "b1" {
		t.Errorf("result %v", res)
	}
	if res["stdout"] != "compiling\nhalf a line and the rest\n" || res["completedAt"] == "" {
		t.Errorf("result holds stdout %q, completedAt %q", res["stdout"], res["completedAt"])
	}
	if n := b.srv.ProcessStarts("ws", "box", "b1"); n != 1 {
		t.Errorf("ProcessStarts = %d, want 1", n)
	}
}

func TestExecStreamKeepalives(t *testing.T) {
	b := newBox(t, blaxeltest.WithSandboxSecond(5*time.Millisecond))
	events := b.exec(map[string]any{"command": "sleep 70"}) // 350 ms: 14 keepalives, 2 text ones
	var keepalives int
	for _, ev := range events {
		if ev.Type == "keepalive" {
			keepalives++
			if ev.Data != "" {
				t.Errorf("a keepalive event carries %q", ev.Data)
			}
		}
	}
	if keepalives == 0 {
		t.Errorf("no keepalive event in %+v", events)
	}
	if !strings.Contains(output(events, "stdout"), "[keepalive]\n") {
		t.Errorf("stdout %q lacks the text keepalive of the real server", output(events, "stdout"))
	}
	if res := result(t, events); res["status"] != "completed" {
		t.Errorf("result %v", res)
	}

	clean := newBox(t, blaxeltest.WithSandboxSecond(5*time.Millisecond), blaxeltest.WithSandboxQuirks(0))
	if got := output(clean.exec(map[string]any{"command": "sleep 70"}), "stdout"); got != "" {
		t.Errorf("without quirks stdout is %q, want nothing", got)
	}
}

func TestExecStartFailureIsAnErrorEventInA200(t *testing.T) {
	b := newBox(t)
	events := b.exec(map[string]any{"command": "echo hi", "workingDir": "/nowhere"})
	if len(events) != 1 || events[0].Type != "error" || !strings.Contains(events[0].Data, "chdir /nowhere") {
		t.Errorf("events %+v, want one error event", events)
	}
	// Without streaming, the same failure is a 422.
	data := b.call(sbxRequest{method: "POST", path: "/process", json: map[string]any{"command": "echo hi", "workingDir": "/nowhere"}}, 422)
	if !strings.Contains(object(t, data)["error"].(string), "failed to start process") {
		t.Errorf("422 body %s", data)
	}
}

func TestBuiltinsAndUnknownCommands(t *testing.T) {
	b := newBox(t)
	b.writeFile("notes.txt", "line 1\nline 2\n")
	run := func(command string) map[string]any {
		t.Helper()
		return object(t, b.call(sbxRequest{method: "POST", path: "/process",
			json: map[string]any{"command": command, "waitForCompletion": true}}, 200))
	}
	for _, c := range []struct {
		command, stdout, stderr string
		code                    float64
	}{
		{"echo hello   world", "hello world\n", "", 0},
		{"echo -n 'no newline'", "no newline", "", 0},
		{"cat notes.txt", "line 1\nline 2\n", "", 0},
		{"cat missing.txt", "", "cat: missing.txt: No such file or directory\n", 1},
		{"pwd", "/blaxel\n", "", 0},
		{"ls", "notes.txt\n", "", 0},
		{"exit 42", "", "", 42},
		{"sleep 0", "", "", 0},
		{"rm -rf /", "", "rm: it is dangerous to operate recursively on '/'\n", 1},
		{"gcc -o main main.c", "", "sh: gcc: command not found\n", 127},
		{"echo 'open quote", "", "sh: syntax error: unterminated quoted string\n", 2},
	} {
		p := run(c.command)
		if p["stdout"] != c.stdout || p["stderr"] != c.stderr || p["exitCode"] != c.code {
			t.Errorf("%s: stdout %q stderr %q code %v, want %q %q %v", c.command, p["stdout"], p["stderr"], p["exitCode"], c.stdout, c.stderr, c.code)
		}
	}
}

func TestProcessesNeverTouchTheHost(t *testing.T) {
	canary := filepath.Join(t.TempDir(), "canary")
	b := newBox(t)
	b.srv.HandleCommand("write", func(_ context.Context, p *blaxeltest.Process) int {
		if err := p.WriteFile(canary, []byte("in the sandbox"), 0o600); err != nil {
			fmt.Fprintln(p.Stderr, err)
			return 1
		}
		return 0
	})
	for _, command := range []string{"touch " + canary, "sh -c 'echo x > " + canary + "'", "bash", "write"} {
		b.call(sbxRequest{method: "POST", path: "/process", json: map[string]any{"command": command, "waitForCompletion": true}}, 200)
	}
	if _, err := os.Stat(canary); !os.IsNotExist(err) {
		t.Fatalf("a process reached the host: stat %s: %v", canary, err)
	}
	if got := b.readFile(strings.ReplaceAll(canary, "/", "%2F")); got != "in the sandbox" {
		t.Errorf("the sandbox's %s holds %q", canary, got)
	}
}

func TestWaitTimeoutAnswers422AndTheProcessGoesOn(t *testing.T) {
	b := newBox(t, blaxeltest.WithSandboxSecond(10*time.Millisecond))
	data := b.call(sbxRequest{method: "POST", path: "/process",
		json: map[string]any{"command": "sleep 1000", "name": "long", "waitForCompletion": true, "timeout": 2}}, 422)
	if got := object(t, data)["error"]; got != "process timed out after 2 seconds" {
		t.Errorf("error %q", got)
	}
	if p := b.process("long"); p["status"] != "running" || p["completedAt"] != "" {
		t.Errorf("after the timeout the process is %v (completedAt %q), want running", p["status"], p["completedAt"])
	}
	// A second start under the running name is refused, as the real server refuses it.
	data = b.call(sbxRequest{method: "POST", path: "/process", json: map[string]any{"command": "echo", "name": "long"}}, 400)
	if got := object(t, data)["error"]; got != "process with name 'long' already exists and is running" {
		t.Errorf("error %q", got)
	}
	if n := b.srv.ProcessStarts("ws", "box", "long"); n != 1 {
		t.Errorf("ProcessStarts = %d, want 1", n)
	}
	var list []map[string]any
	if err := json.Unmarshal(b.call(sbxRequest{path: "/process"}, 200), &list); err != nil || len(list) != 1 {
		t.Fatalf("list: %v %v", list, err)
	}
	if list[0]["completedAt"] != nil {
		t.Errorf("the listing shows completedAt %q for a running process, want null", list[0]["completedAt"])
	}
}

func TestStopAndKill(t *testing.T) {
	b := newBox(t)
	stubborn := make(chan struct{})
	b.srv.HandleCommand("stubborn", func(ctx context.Context, p *blaxeltest.Process) int {
		<-ctx.Done()
		fmt.Fprintln(p.Stdout, "trapped the signal")
		<-stubborn
		return 0
	})
	b.call(sbxRequest{method: "POST", path: "/process", json: map[string]any{"command": "stubborn", "name": "s"}}, 200)
	b.call(sbxRequest{method: "DELETE", path: "/process/s"}, 200)
	p := b.process("s")
	if p["status"] != "stopped" {
		t.Errorf("after a stop the process is %v, want stopped at once", p["status"])
	}
	// Stopped but still running: its output goes on.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(b.process("s")["stdout"].(string), "trapped the signal") {
		if time.Now().After(deadline) {
			t.Fatal("the stopped process never wrote again")
		}
		time.Sleep(5 * time.Millisecond)
	}
	b.call(sbxRequest{method: "DELETE", path: "/process/s"}, 404) // no longer running
	b.call(sbxRequest{method: "DELETE", path: "/process/s/kill"}, 200)
	p = b.process("s")
	if p["status"] != "stopped" && p["status"] != "killed" {
		t.Errorf("after the kill the process is %v", p["status"])
	}
	if strings.Contains(p["stdout"].(string), "[Process is being") {
		t.Errorf("the record's stdout %q keeps a notice: only live streams carry them", p["stdout"])
	}
	close(stubborn)
	b.call(sbxRequest{method: "DELETE", path: "/process/s/kill"}, 404)
	b.call(sbxRequest{method: "DELETE", path: "/process/nope"}, 404)

	b.call(sbxRequest{method: "POST", path: "/process", json: map[string]any{"command": "sleep 100000", "name": "k"}}, 200)
	b.call(sbxRequest{method: "DELETE", path: "/process/k/kill"}, 200)
	if p := b.process("k"); p["status"] != "killed" || p["exitCode"] != -1.0 {
		t.Errorf("killed process: %v %v", p["status"], p["exitCode"])
	}
}

func TestDigitNamesAreTakenForPIDs(t *testing.T) {
	b := newBox(t)
	started := object(t, b.call(sbxRequest{method: "POST", path: "/process",
		json: map[string]any{"command": "echo", "name": "12345", "waitForCompletion": true}}, 200))
	b.call(sbxRequest{path: "/process/12345"}, 404)
	b.process(started["pid"].(string))

	clean := newBox(t, blaxeltest.WithSandboxQuirks(0))
	clean.call(sbxRequest{method: "POST", path: "/process", json: map[string]any{"command": "echo", "name": "12345", "waitForCompletion": true}}, 200)
	clean.process("12345")
}

func TestRestartOnFailure(t *testing.T) {
	b := newBox(t, blaxeltest.WithSandboxSecond(time.Millisecond))
	runs := 0
	b.srv.HandleCommand("flaky", func(_ context.Context, p *blaxeltest.Process) int {
		runs++
		if runs < 3 {
			return 1
		}
		return 0
	})
	b.call(sbxRequest{method: "POST", path: "/process", json: map[string]any{"command": "flaky", "name": "f",
		"restartOnFailure": true, "maxRestarts": 5, "waitForCompletion": true}}, 200)
	p := b.waitStatus("f", "completed")
	if p["restartCount"] != 2.0 || !strings.Contains(p["stdout"].(string), "Attempting restart 2/5") {
		t.Errorf("restartCount %v, stdout %q", p["restartCount"], p["stdout"])
	}
	if n := b.srv.ProcessStarts("ws", "box", "f"); n != 1 {
		t.Errorf("ProcessStarts = %d: restarts are not starts", n)
	}
}

func TestLogStreamReplaysThenFollows(t *testing.T) {
	b := newBox(t)
	release := make(chan struct{})
	b.srv.HandleCommand("talk", func(_ context.Context, p *blaxeltest.Process) int {
		fmt.Fprint(p.Stdout, "before 1\nbefore 2\n")
		fmt.Fprint(p.Stderr, "oops\n")
		<-release
		fmt.Fprint(p.Stdout, "after 1\nafter 2\n")
		return 0
	})
	b.call(sbxRequest{method: "POST", path: "/process", json: map[string]any{"command": "talk", "name": "t"}}, 200)
	deadline := time.Now().Add(10 * time.Second) // only guards a hang
	for !strings.Contains(b.process("t")["stderr"].(string), "oops") {
		if time.Now().After(deadline) {
			t.Fatal("the process never wrote")
		}
		time.Sleep(time.Millisecond)
	}
	resp := b.do(sbxRequest{path: "/process/t/logs/stream"})
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("content type %q", ct)
	}
	close(release)
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	// The backlog comes a line at a time; the live chunk carries one prefix for two lines.
	if want := "stdout:before 1\nstdout:before 2\nstderr:oops\nstdout:after 1\nafter 2\n"; string(data) != want {
		t.Errorf("log stream %q, want %q", data, want)
	}
	// Once the process is over, the stream is the replay alone.
	if got := string(b.call(sbxRequest{path: "/process/t/logs/stream"}, 200)); got != "stdout:before 1\nstdout:before 2\nstderr:oops\nstdout:after 1\nstdout:after 2\n" {
		t.Errorf("replay %q", got)
	}
	logs := object(t, b.call(sbxRequest{path: "/process/t/logs"}, 200))
	if logs["logs"] != "before 1\nbefore 2\nafter 1\nafter 2\noops\n" {
		t.Errorf("logs %q: stdout then stderr", logs["logs"])
	}
}

func TestLogStreamPrefixesEveryLineWithoutTheQuirk(t *testing.T) {
	b := newBox(t, blaxeltest.WithSandboxQuirks(0))
	release := make(chan struct{})
	b.srv.HandleCommand("talk", func(_ context.Context, p *blaxeltest.Process) int {
		<-release
		fmt.Fprint(p.Stdout, "a\nb\npartial")
		fmt.Fprint(p.Stderr, "e\n")
		return 0
	})
	b.call(sbxRequest{method: "POST", path: "/process", json: map[string]any{"command": "talk", "name": "t"}}, 200)
	resp := b.do(sbxRequest{path: "/process/t/logs/stream"})
	defer resp.Body.Close()
	close(release)
	data, _ := io.ReadAll(resp.Body)
	if want := "stdout:a\nstdout:b\nstdout:partialstderr:e\n"; string(data) != want {
		t.Errorf("log stream %q, want %q", data, want)
	}
}

func TestLogStreamOfAnUnknownProcessIsA200WithAnError(t *testing.T) {
	b := newBox(t)
	data := b.call(sbxRequest{path: "/process/nope/logs/stream"}, 200)
	if got := object(t, data)["error"]; got != "process with Identifier nope not found" {
		t.Errorf("body %s", data)
	}
	b.call(sbxRequest{path: "/process/nope/logs"}, 404)
	b.call(sbxRequest{path: "/process/nope"}, 404)
}

func TestLogStreamKeepalives(t *testing.T) {
	b := newBox(t, blaxeltest.WithSandboxSecond(2*time.Millisecond))
	b.call(sbxRequest{method: "POST", path: "/process", json: map[string]any{"command": "sleep 100", "name": "s"}}, 200)
	data := string(b.call(sbxRequest{path: "/process/s/logs/stream"}, 200))
	if !strings.Contains(data, "[keepalive]\n") {
		t.Errorf("stream %q has no keepalive line", data)
	}
}
