package sandboxfake_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/faketest"
)

func TestTheGateInFrontOfSandboxes(t *testing.T) {
	b := newBox(t, blaxeltest.WithAPIKey("test-key"))
	b.call(sbxRequest{path: "/health"}, 200)

	gateway := func(resp *http.Response, status int, code string) {
		t.Helper()
		defer resp.Body.Close()
		var body struct{ Error struct{ Code string } }
		_ = json.NewDecoder(resp.Body).Decode(&body)
		if resp.StatusCode != status || body.Error.Code != code || resp.Header.Get("X-Blaxel-Error-Code") != code {
			t.Errorf("answer %d %q (header %q), want %d %s", resp.StatusCode, body.Error.Code, resp.Header.Get("X-Blaxel-Error-Code"), status, code)
		}
	}
	other := &box{t: t, srv: b.srv, url: sandboxURL(b.srv, "ws", "nope")}
	gateway(other.do(sbxRequest{path: "/health"}), 404, "WORKLOAD_NOT_FOUND")
	gateway(b.do(sbxRequest{path: "/health", header: map[string]string{"X-Blaxel-Authorization": ""}}), 401, "AUTHENTICATION_REQUIRED")
	gateway(b.do(sbxRequest{path: "/health", header: map[string]string{"X-Blaxel-Authorization": "Bearer wrong"}}), 401, "AUTHENTICATION_FAILED")
	b.call(sbxRequest{path: "/health", header: map[string]string{"X-Blaxel-Authorization": "", "Authorization": "Bearer test-key"}}, 200)

	// A preview token of the sandbox opens it, in the header or the query.
	faketest.Send(t, b.srv, faketest.Request{Method: "POST", Path: "/sandboxes/box/previews", Body: map[string]any{
		"metadata": map[string]any{"name": "p"}, "spec": map[string]any{"port": 8080, "public": false}}}).MustStatus(t, 200)
	token := faketest.Send(t, b.srv, faketest.Request{Method: "POST", Path: "/sandboxes/box/previews/p/tokens", Body: map[string]any{
		"metadata": map[string]any{"name": "tk"}, "spec": map[string]any{"expiresAt": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}}}).MustStatus(t, 200).Str("spec.token")
	if token == "" {
		t.Fatal("no preview token")
	}
	b.call(sbxRequest{path: "/health", header: map[string]string{"X-Blaxel-Authorization": "", "X-Blaxel-Preview-Token": token}}, 200)
	b.call(sbxRequest{path: "/health?bl_preview_token=" + token, header: map[string]string{"X-Blaxel-Authorization": ""}}, 200)
	gateway(b.do(sbxRequest{path: "/health", header: map[string]string{"X-Blaxel-Authorization": "", "X-Blaxel-Preview-Token": "blpt_forged"}}), 401, "AUTHENTICATION_FAILED")

	// The data plane's requests are in the log, credentials redacted.
	var seen bool
	for _, r := range b.srv.Requests() {
		if strings.Contains(r.Path, "bl_preview_token") {
			seen = true
			if strings.Contains(r.Path, token) || r.Route != "GET /health" {
				t.Errorf("logged %q as %q", r.Path, r.Route)
			}
		}
		if v := r.Header.Get("X-Blaxel-Preview-Token"); v != "" && v != "REDACTED" {
			t.Errorf("a preview token is logged: %q", v)
		}
		if v := r.Header.Get("X-Blaxel-Authorization"); v != "" && v != "REDACTED" {
			t.Errorf("a key is logged: %q", v)
		}
	}
	if !seen {
		t.Error("the request with a preview token is not in the log")
	}
	// A bad preview token does not spoil a good key.
	b.call(sbxRequest{path: "/health", header: map[string]string{"X-Blaxel-Preview-Token": "blpt_forged"}}, 200)
	if n := b.srv.Attempts("GET /health"); n < 8 {
		t.Errorf("Attempts(GET /health) = %d", n)
	}
	// HEAD answers 200 whatever the resource.
	b.call(sbxRequest{method: "HEAD", path: "/filesystem/%2Fno%2Fsuch%2Ffile"}, 200)
	// A path the sandbox does not serve.
	if got := string(b.call(sbxRequest{path: "/nothing/here"}, 404)); got != "404 page not found" {
		t.Errorf("unknown route answered %q", got)
	}
}

func TestASandboxStillDeployingAnswersAtOnce(t *testing.T) {
	b := newBox(t, blaxeltest.WithDeployDelay(time.Hour))
	b.call(sbxRequest{method: "POST", path: "/process", json: map[string]any{"command": "echo hi", "waitForCompletion": true}}, 200)
	b.call(sbxRequest{method: "PUT", path: "/filesystem/a.txt", json: map[string]any{"content": "a"}}, 200)
}

func TestASlowSandboxStillDeployingAnswers503(t *testing.T) {
	b := newBox(t, blaxeltest.WithDeployDelay(time.Hour), blaxeltest.WithSlowSandboxStart())
	resp := b.do(sbxRequest{path: "/health"})
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 503 || !strings.Contains(string(page), "503") || resp.Header.Get("Content-Type") != "text/html" {
		t.Errorf("answer %d %q: %s", resp.StatusCode, resp.Header.Get("Content-Type"), page)
	}
}

func TestEdgeTimeoutAnswers504WhileTheProcessGoesOn(t *testing.T) {
	b := newBox(t, blaxeltest.WithSandboxSecond(10*time.Millisecond), blaxeltest.WithSandboxEdgeTimeout(100*time.Millisecond))
	start := sbxRequest{method: "POST", path: "/process", json: map[string]any{"command": "sleep 3000", "waitForCompletion": true}}
	resp := b.do(start)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 504 || !strings.Contains(string(page), "504 Gateway Time-out") {
		t.Fatalf("answer %d: %s", resp.StatusCode, page)
	}
	var list []map[string]any
	_ = json.Unmarshal(b.call(sbxRequest{path: "/process"}, 200), &list)
	if len(list) != 1 || list[0]["status"] != "running" {
		t.Fatalf("after the 504 the processes are %v, want one running", list)
	}
	// A client that sends the same POST again starts the command a second time.
	resp = b.do(start)
	resp.Body.Close()
	if n := b.srv.CommandStarts("ws", "box", "sleep 3000"); n != 2 {
		t.Errorf("CommandStarts = %d, want 2", n)
	}

	// The streaming mode survives: keepalives (every 5 sandbox seconds, 50 ms) reach the edge
	// more often than it gives up.
	events := b.exec(map[string]any{"command": "sleep 30"})
	if res := result(t, events); res["status"] != "completed" {
		t.Errorf("the stream ended with %v", res)
	}
}

func TestEdgeCutsASilentStream(t *testing.T) {
	b := newBox(t, blaxeltest.WithSandboxQuirks(0), blaxeltest.WithSandboxEdgeTimeout(50*time.Millisecond))
	resp := b.do(sbxRequest{path: "/watch/filesystem/"})
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("watch: %d", resp.StatusCode)
	}
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Error("a watch without keepalives outlived the edge timeout")
	}
}

func TestInjectedFaultsOnTheDataPlane(t *testing.T) {
	b := newBox(t)
	start := sbxRequest{method: "POST", path: "/process", json: map[string]any{"command": "echo hi", "name": "e"}}

	// Waking: 503 pages, and the command never started.
	b.srv.Inject("POST /process", 2, blaxeltest.EdgeError(503))
	for range 2 {
		data := b.call(start, 503)
		if !strings.Contains(string(data), "503 Service Unavailable") {
			t.Errorf("page %s", data)
		}
	}
	if n := b.srv.ProcessStarts("ws", "box", "e"); n != 0 {
		t.Errorf("ProcessStarts = %d after the waking faults", n)
	}
	// A committed 504: the edge answers, the process runs.
	b.srv.Inject("StartProcess", 1, blaxeltest.EdgeTimeout().Committed()) // by operationId
	b.call(start, 504)
	if n := b.srv.Attempts("StartProcess"); n != 3 {
		t.Errorf("Attempts(StartProcess) = %d, want 3", n)
	}
	b.waitStatus("e", "completed")
	if n := b.srv.ProcessStarts("ws", "box", "e"); n != 1 {
		t.Errorf("ProcessStarts = %d after a committed 504, want 1", n)
	}
	// A 200 whose stream carries an error.
	b.srv.Inject("POST /process", 1, blaxeltest.StreamError("boom"))
	events := b.exec(map[string]any{"command": "echo hi"})
	if len(events) != 1 || events[0] != (event{Type: "error", Data: "boom"}) {
		t.Errorf("events %+v", events)
	}
	// A drop in the middle of a stream: the client sees a broken body, the process goes on.
	b.srv.Inject("POST /process", 1, blaxeltest.Disconnect())
	b.srv.HandleCommand("chatty", func(_ context.Context, p *blaxeltest.Process) int {
		for range 100 {
			fmt.Fprintln(p.Stdout, "line")
		}
		return 0
	})
	resp := b.do(sbxRequest{method: "POST", path: "/process", json: map[string]any{"command": "chatty", "name": "c"}, header: map[string]string{"Accept": "text/event-stream"}})
	_, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("reading a dropped stream: %v, want an unexpected EOF", err)
	}
	b.waitStatus("c", "completed")

	// A download dropped after 10 bytes.
	b.writeFile("f.txt", strings.Repeat("x", 1000))
	b.srv.Inject("GET /filesystem/{path}", 1, blaxeltest.DropAfter(10))
	resp = b.do(sbxRequest{path: "/filesystem/f.txt?download=true"})
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if len(data) != 10 || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("dropped download: %d bytes, %v", len(data), err)
	}
	// A JSON answer cut in half.
	b.srv.Inject("GET /health", 1, blaxeltest.TruncatedJSON())
	var v any
	if err := json.Unmarshal(b.call(sbxRequest{path: "/health"}, 200), &v); err == nil {
		t.Error("a truncated answer decoded")
	}
	// A gateway error, and an unknown route name, which Inject reports.
	b.srv.Inject("GET /health", 1, blaxeltest.GatewayError("WORKLOAD_UNAVAILABLE"))
	b.call(sbxRequest{path: "/health"}, 404)
}

func TestUpgradeDropsStreamsAndKeepsProcesses(t *testing.T) {
	b := newBox(t, blaxeltest.WithSandboxSecond(10*time.Millisecond))
	b.call(sbxRequest{method: "POST", path: "/process", json: map[string]any{"command": "sleep 100000", "name": "s"}}, 200)
	resp := b.do(sbxRequest{path: "/process/s/logs/stream"})
	defer resp.Body.Close()
	b.call(sbxRequest{method: "POST", path: "/upgrade", json: map[string]any{}}, 200)
	if _, err := io.Copy(io.Discard, bufio.NewReader(resp.Body)); err == nil {
		t.Error("the log stream ended cleanly across an upgrade")
	}
	if p := b.process("s"); p["status"] != "running" {
		t.Errorf("after the upgrade the process is %v", p["status"])
	}
	deadline := time.Now().Add(10 * time.Second)
	for object(t, b.call(sbxRequest{path: "/health"}, 200))["upgradeCount"] != 1.0 {
		if time.Now().After(deadline) {
			t.Fatal("health never counts the upgrade")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestASandboxMadeAgainStartsAfresh(t *testing.T) {
	b := newBox(t)
	ended := make(chan struct{})
	b.srv.HandleCommand("wait", func(ctx context.Context, _ *blaxeltest.Process) int {
		<-ctx.Done()
		close(ended)
		return 0
	})
	b.call(sbxRequest{method: "POST", path: "/process", json: map[string]any{"command": "wait", "name": "w"}}, 200)
	b.writeFile("kept.txt", "x")
	faketest.Send(t, b.srv, faketest.Request{Method: "DELETE", Path: "/sandboxes/box"}).MustStatus(t, 200)
	b.call(sbxRequest{path: "/process/w"}, 404)
	select {
	case <-ended:
	case <-time.After(10 * time.Second): // only guards a hang
		t.Fatal("the process of a deleted sandbox goes on")
	}
	faketest.Send(t, b.srv, faketest.Request{Method: "POST", Path: "/sandboxes", Body: faketest.Sandbox("box", nil)}).MustStatus(t, 200)
	b.call(sbxRequest{path: "/process/w"}, 404)
	b.call(sbxRequest{path: "/filesystem/kept.txt"}, 404)
}
