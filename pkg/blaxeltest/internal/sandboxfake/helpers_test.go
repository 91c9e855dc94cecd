package sandboxfake_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/faketest"
)

// box is a sandbox of a test server, reached with plain net/http.
type box struct {
	t   *testing.T
	srv *blaxeltest.Server
	url string // the sandbox's address: {server}/ws/sandboxes/{name}
}

// newBox starts a server, creates the sandbox "box" in workspace "ws" on its control plane,
// and returns the sandbox.
func newBox(t *testing.T, opts ...blaxeltest.Option) *box {
	t.Helper()
	srv := blaxeltest.NewServer(t, opts...)
	faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes", Body: faketest.Sandbox("box", nil)}).MustStatus(t, 200)
	return &box{t: t, srv: srv, url: sandboxURL(srv, "ws", "box")}
}

// sandboxURL is the run address of a sandbox of a test server.
func sandboxURL(srv *blaxeltest.Server, workspace, name string) string {
	return strings.TrimSuffix(srv.URL(), "/v0") + "/" + workspace + "/sandboxes/" + name
}

// sbxRequest is a request to a sandbox; the zero value of each field means the default.
type sbxRequest struct {
	method string
	path   string // after the sandbox's address, escaped as it is to be sent
	body   io.Reader
	json   any // encoded as the body when set
	header map[string]string
}

// do sends a request with the test key and returns the answer, its body unread.
func (b *box) do(req sbxRequest) *http.Response {
	b.t.Helper()
	resp, err := b.try(req)
	if err != nil {
		b.t.Fatal(err)
	}
	return resp
}

func (b *box) try(req sbxRequest) (*http.Response, error) {
	body := req.body
	if req.json != nil {
		data, err := json.Marshal(req.json)
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(data)
	}
	method := req.method
	if method == "" {
		method = http.MethodGet
	}
	r, err := http.NewRequest(method, b.url+req.path, body)
	if err != nil {
		return nil, err
	}
	r.Header.Set("X-Blaxel-Authorization", "Bearer test-key")
	if req.json != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	for k, v := range req.header {
		if v == "" {
			r.Header.Del(k)
		} else {
			r.Header.Set(k, v)
		}
	}
	return http.DefaultClient.Do(r)
}

// call sends a request, reads the whole answer and checks its status.
func (b *box) call(req sbxRequest, want int) []byte {
	b.t.Helper()
	resp := b.do(req)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatalf("%s %s: read: %v", req.method, req.path, err)
	}
	if resp.StatusCode != want {
		b.t.Fatalf("%s %s: status %d, want %d: %s", req.method, req.path, resp.StatusCode, want, data)
	}
	return data
}

// object decodes a JSON object.
func object(t *testing.T, data []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("not a JSON object: %v: %s", err, data)
	}
	return m
}

// writeFile writes a text file through the JSON PUT.
func (b *box) writeFile(path, content string) {
	b.t.Helper()
	b.call(sbxRequest{method: "PUT", path: "/filesystem/" + path, json: map[string]any{"content": content}}, 200)
}

// readFile reads a file's raw bytes.
func (b *box) readFile(path string) string {
	b.t.Helper()
	return string(b.call(sbxRequest{path: "/filesystem/" + path, header: map[string]string{"Accept": "application/octet-stream"}}, 200))
}

// event is one line of an exec stream.
type event struct {
	Type string `json:"type"`
	Data string `json:"data"`
}

// exec starts a command in the streaming mode and returns every event until the stream ends.
func (b *box) exec(body map[string]any) []event {
	b.t.Helper()
	resp := b.do(sbxRequest{method: "POST", path: "/process", json: body, header: map[string]string{"Accept": "text/event-stream"}})
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-ndjson" {
		data, _ := io.ReadAll(resp.Body)
		b.t.Fatalf("exec: %d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), data)
	}
	var events []event
	r := bufio.NewReader(resp.Body)
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			var ev event
			if jerr := json.Unmarshal(line, &ev); jerr != nil {
				b.t.Fatalf("exec: a line is not JSON: %v: %q", jerr, line)
			}
			events = append(events, ev)
		}
		if err == io.EOF {
			return events
		}
		if err != nil {
			b.t.Fatalf("exec: read the stream: %v", err)
		}
	}
}

// output joins the data of the events of one type.
func output(events []event, typ string) string {
	var sb strings.Builder
	for _, ev := range events {
		if ev.Type == typ {
			sb.WriteString(ev.Data)
		}
	}
	return sb.String()
}

// result decodes the final result event of an exec stream.
func result(t *testing.T, events []event) map[string]any {
	t.Helper()
	if len(events) == 0 || events[len(events)-1].Type != "result" {
		t.Fatalf("the stream does not end with a result event: %+v", events)
	}
	return object(t, []byte(events[len(events)-1].Data))
}

// process reads a process's description.
func (b *box) process(id string) map[string]any {
	b.t.Helper()
	return object(b.t, b.call(sbxRequest{path: "/process/" + id}, 200))
}

// waitStatus polls a process until its status is want.
func (b *box) waitStatus(id, want string) map[string]any {
	b.t.Helper()
	deadline := time.Now().Add(10 * time.Second) // only guards a hang
	for {
		p := b.process(id)
		if p["status"] == want {
			return p
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("process %s is %v, never %s", id, p["status"], want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
