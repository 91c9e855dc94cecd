package runplane_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/faketest"
)

// call sends a request to the run plane with a key and the workspace "ws", unless header
// overrides them ("" removes one).
func call(t *testing.T, srv *blaxeltest.Server, method, path, body string, header map[string]string) faketest.Answer {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.RunURL()+path, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer test-key")
	req.Header.Set("X-Blaxel-Workspace", "ws")
	for k, v := range header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := faketest.Answer{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	_ = json.Unmarshal(raw, &a.Body)
	return a
}

// deploy creates a workload in workspace "ws" through the control plane and returns it.
func deploy(t *testing.T, srv *blaxeltest.Server, kind, name string) faketest.Answer {
	t.Helper()
	faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/" + kind, Body: map[string]any{
		"metadata": map[string]any{"name": name}, "spec": map[string]any{},
	}}).MustStatus(t, http.StatusOK)
	return faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/" + kind + "/" + name}).MustStatus(t, http.StatusOK)
}

func TestWorkloadsGetTheirRunAddress(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	for _, kind := range []string{"agents", "functions", "models", "sandboxes"} {
		got := deploy(t, srv, kind, "w1")
		if want := srv.RunURL() + "/ws/" + kind + "/w1"; got.Str("metadata.url") != want {
			t.Errorf("%s: metadata.url %q, want %q", kind, got.Str("metadata.url"), want)
		}
	}
	if !strings.HasPrefix(srv.URL(), srv.RunURL()+"/") {
		t.Errorf("control plane %s is not below the run URL %s", srv.URL(), srv.RunURL())
	}
}

func TestRunPlaneChecksAsTheGatewayDoes(t *testing.T) {
	srv := blaxeltest.NewServer(t, blaxeltest.WithAPIKey("test-key"), blaxeltest.WithDeployDelay(time.Hour))
	deploy(t, srv, "agents", "soon") // DEPLOYING for an hour
	if err := srv.Seed(blaxeltest.Seed{Path: "/agents", Workspace: "other", Body: map[string]any{
		"metadata": map[string]any{"name": "theirs"}, "spec": map[string]any{}}}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Seed(blaxeltest.Seed{Path: "/agents", Workspace: "ws", Body: map[string]any{
		"metadata": map[string]any{"name": "ready"}, "spec": map[string]any{}}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		what, path string
		header     map[string]string
		status     int
		code       string
	}{
		{"no credential", "/ws/agents/ready", map[string]string{"Authorization": ""}, 401, "AUTHENTICATION_REQUIRED"},
		{"a wrong key", "/ws/agents/ready", map[string]string{"Authorization": "Bearer nope"}, 401, "AUTHENTICATION_FAILED"},
		{"no workspace header", "/ws/agents/ready", map[string]string{"X-Blaxel-Workspace": ""}, 403, "FORBIDDEN"},
		{"another workspace header", "/ws/agents/ready", map[string]string{"X-Blaxel-Workspace": "other"}, 403, "FORBIDDEN"},
		{"an unknown agent", "/ws/agents/nobody", nil, 404, "WORKLOAD_NOT_FOUND"},
		{"another workspace's agent", "/ws/agents/theirs", nil, 404, "WORKLOAD_NOT_FOUND"},
		{"an agent still deploying", "/ws/agents/soon", nil, 404, "WORKLOAD_UNAVAILABLE"},
		{"a path below an agent", "/ws/agents/ready/more", nil, 404, "ROUTE_NOT_FOUND"},
		{"an unknown kind", "/ws/robots/ready", nil, 404, "ROUTE_NOT_FOUND"},
		{"no name", "/ws/agents", nil, 404, "ROUTE_NOT_FOUND"},
	} {
		a := call(t, srv, "POST", tc.path, `{}`, tc.header)
		if a.Status != tc.status || a.GatewayCode(t) != tc.code {
			t.Errorf("%s: %d %s, want %d %s", tc.what, a.Status, a.Raw, tc.status, tc.code)
		}
	}
	if a := call(t, srv, "POST", "/ws/agents/ready", `{"inputs":"hi"}`, nil); a.Status != 200 || a.Str("body.inputs") != "hi" {
		t.Errorf("the deployed agent answered %d %s", a.Status, a.Raw)
	}
	logged := srv.Requests()
	last := logged[len(logged)-1]
	if last.Path != "/ws/agents/ready" || last.Status != 200 || last.Header.Get("Authorization") != "REDACTED" {
		t.Errorf("logged %+v", last)
	}
	if n := srv.Attempts("POST /ws/agents/ready"); n != 5 {
		t.Errorf("%d attempts counted, want 5", n)
	}
}

func TestHandleAgentReplacesTheEcho(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	deploy(t, srv, "agents", "custom")
	srv.HandleAgent("custom", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "custom answer to %s", r.URL.Query().Get("q"))
	}))
	if a := call(t, srv, "GET", "/ws/agents/custom?q=x", "", nil); string(a.Raw) != "custom answer to x" {
		t.Errorf("answered %q", a.Raw)
	}
	srv.HandleAgent("custom", nil)
	if a := call(t, srv, "GET", "/ws/agents/custom?q=x", "", nil); a.Str("method") != "GET" {
		t.Errorf("the echo did not come back: %s", a.Raw)
	}
}

func TestAgentStreamsItsEcho(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	deploy(t, srv, "agents", "talker")
	sse := call(t, srv, "POST", "/ws/agents/talker", `{"inputs":"a b"}`, map[string]string{"Accept": "text/event-stream"})
	want := "event: delta\ndata: {\"text\":\"a\"}\n\nevent: delta\ndata: {\"text\":\"b\"}\n\nevent: done\n"
	if sse.Header.Get("Content-Type") != "text/event-stream" || !strings.HasPrefix(string(sse.Raw), want) {
		t.Errorf("SSE %q", sse.Raw)
	}
	nd := call(t, srv, "POST", "/ws/agents/talker", `{"inputs":"a b"}`, map[string]string{"Accept": "application/x-ndjson"})
	lines := strings.Split(strings.TrimSpace(string(nd.Raw)), "\n")
	if nd.Header.Get("Content-Type") != "application/x-ndjson" || len(lines) != 3 || !strings.Contains(lines[2], `"type":"done"`) {
		t.Errorf("NDJSON %q", nd.Raw)
	}
}

func TestAsyncAgentCallAnswersAtOnce(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	deploy(t, srv, "agents", "bg")
	ran := make(chan struct{})
	srv.HandleAgent("bg", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(ran)
		<-r.Context().Done() // held until the server stops
	}))
	a := call(t, srv, "POST", "/ws/agents/bg?async=true", `{}`, nil)
	if a.Status != 200 || a.Body["success"] != true {
		t.Fatalf("answered %d %s", a.Status, a.Raw)
	}
	<-ran
	srv.Close() // ends the background call rather than wait for it
}

func TestModelsAnswerOpenAIsAPI(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	deploy(t, srv, "models", "gpt")
	list := call(t, srv, "GET", "/ws/models/gpt/v1/models", "", nil)
	if data, _ := list.Body["data"].([]any); list.Status != 200 || len(data) != 1 {
		t.Errorf("models: %d %s", list.Status, list.Raw)
	}
	chat := call(t, srv, "POST", "/ws/models/gpt/v1/chat/completions", `{"messages":[{"role":"user","content":"echo me"}]}`, nil)
	choices, _ := chat.Body["choices"].([]any)
	if chat.Status != 200 || chat.Str("object") != "chat.completion" || len(choices) != 1 ||
		choices[0].(map[string]any)["message"].(map[string]any)["content"] != "echo me" {
		t.Errorf("chat: %d %s", chat.Status, chat.Raw)
	}
	for _, tc := range []struct{ method, path, body string }{
		{"POST", "/ws/models/gpt/v1/chat/completions", `not json`},
		{"POST", "/ws/models/gpt/v1/chat/completions", `{"messages":[]}`},
		{"POST", "/ws/models/gpt/v1/embeddings", `{}`},
	} {
		a := call(t, srv, tc.method, tc.path, tc.body, nil)
		if e, _ := a.Body["error"].(map[string]any); a.Status < 400 || e["message"] == nil {
			t.Errorf("%s %s: %d %s", tc.method, tc.path, a.Status, a.Raw)
		}
	}
}

func TestFunctionsAreMCPServers(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	deploy(t, srv, "functions", "tools")
	client := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil)
	transport := &mcp.StreamableClientTransport{Endpoint: srv.RunURL() + "/ws/functions/tools/mcp", HTTPClient: &http.Client{
		Transport: headers{"Authorization": "Bearer test-key", "X-Blaxel-Workspace": "ws"},
	}}
	session, err := client.Connect(t.Context(), transport, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := session.CallTool(t.Context(), &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"message": "hi"}})
	if err != nil || len(res.Content) != 1 || res.Content[0].(*mcp.TextContent).Text != "hi" {
		t.Fatalf("echo: %+v, %v", res, err)
	}
	// The server stops at once, its sessions' streams still open.
	closed := make(chan struct{})
	go func() {
		srv.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(time.Minute): // guards a hang only
		t.Fatal("Close waited for the open session")
	}
	session.Close()
}

// headers is a RoundTripper that sets headers on each request.
type headers map[string]string

func (h headers) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range h {
		r.Header.Set(k, v)
	}
	return http.DefaultTransport.RoundTrip(r)
}

func TestAddFunctionToolRefusesWhatItCannotServe(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	handler := func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return &mcp.CallToolResult{}, nil
	}
	object := map[string]any{"type": "object"}
	for _, tc := range []struct {
		what     string
		function string
		tool     *mcp.Tool
		handler  mcp.ToolHandler
	}{
		{"no function", "", &mcp.Tool{Name: "t", InputSchema: object}, handler},
		{"no tool", "f", nil, handler},
		{"no tool name", "f", &mcp.Tool{InputSchema: object}, handler},
		{"no handler", "f", &mcp.Tool{Name: "t", InputSchema: object}, nil},
		{"no schema", "f", &mcp.Tool{Name: "t"}, handler},
		{"a schema that is not an object", "f", &mcp.Tool{Name: "t", InputSchema: map[string]any{"type": "string"}}, handler},
	} {
		if err := srv.AddFunctionTool(tc.function, tc.tool, tc.handler); err == nil {
			t.Errorf("%s: accepted", tc.what)
		}
	}
	if err := srv.AddFunctionTool("f", &mcp.Tool{Name: "t", InputSchema: object}, handler); err != nil {
		t.Errorf("a good tool was refused: %v", err)
	}
}
