package blaxelmcp_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/internal/apitest"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/blaxelmcp"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// wire records every request the client puts on the wire: its host, and the credential
// headers it carries.
type wire struct {
	mu   sync.Mutex
	sent []sentRequest
	next http.RoundTripper
}

type sentRequest struct {
	method, host, path string
	credentials        []string // the values of Authorization and X-Blaxel-Authorization
	workspace          string
}

func (w *wire) RoundTrip(r *http.Request) (*http.Response, error) {
	w.mu.Lock()
	w.sent = append(w.sent, sentRequest{
		method: r.Method, host: r.URL.Host, path: r.URL.Path,
		credentials: append(slices.Clone(r.Header.Values("Authorization")), r.Header.Values("X-Blaxel-Authorization")...),
		workspace:   r.Header.Get("X-Blaxel-Workspace"),
	})
	w.mu.Unlock()
	return w.next.RoundTrip(r)
}

func (w *wire) requests() []sentRequest {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.sent)
}

// fakeClient is a client of srv, its control plane and its run plane, whose requests w records.
func fakeClient(t *testing.T, srv *blaxeltest.Server, opts ...blaxel.Option) (*blaxel.Client, *wire) {
	t.Helper()
	w := &wire{next: http.DefaultTransport}
	all := append([]blaxel.Option{blaxel.WithBaseURL(srv.URL()), blaxel.WithRunURL(srv.RunURL()), blaxel.WithAPIKey("test-api-key-123"),
		blaxel.WithWorkspace("ws"), blaxel.WithHTTPClient(&http.Client{Transport: w}), fastRetries()}, opts...)
	c, err := blaxel.New(all...)
	if err != nil {
		t.Fatal(err)
	}
	return c, w
}

// deployFunction creates a function on the fake and waits until it is DEPLOYED.
func deployFunction(t *testing.T, c *blaxel.Client, name string, transport gen.FunctionRuntimeTransport) *gen.Function {
	t.Helper()
	fn := gen.Function{Metadata: gen.Metadata{Name: name}, Spec: gen.FunctionSpec{Runtime: &gen.FunctionRuntime{Transport: &transport}}}
	if _, err := c.CreateFunction(t.Context(), fn); err != nil {
		t.Fatal(err)
	}
	deployed, err := c.WaitForFunction(t.Context(), name, blaxel.WithPollInterval(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return deployed
}

// addTool is a tool that adds two numbers.
func addTool(t *testing.T, srv *blaxeltest.Server, function string) {
	t.Helper()
	schema := map[string]any{"type": "object", "required": []string{"a", "b"}, "properties": map[string]any{
		"a": map[string]any{"type": "number"}, "b": map[string]any{"type": "number"},
	}}
	err := srv.AddFunctionTool(function, &mcp.Tool{Name: "add", Description: "Adds a and b.", InputSchema: schema},
		func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			var in struct{ A, B float64 }
			if err := json.Unmarshal(req.Params.Arguments, &in); err != nil {
				return nil, err
			}
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: fmt.Sprint(in.A + in.B)}}}, nil
		})
	if err != nil {
		t.Fatal(err)
	}
}

// callTool calls a tool and returns the text it answered.
func callTool(t *testing.T, session *mcp.ClientSession, name string, args map[string]any) string {
	t.Helper()
	res, err := session.CallTool(t.Context(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatal(err)
	}
	if res.IsError || len(res.Content) != 1 {
		t.Fatalf("tool answered %+v", res)
	}
	text, ok := res.Content[0].(*mcp.TextContent)
	if !ok {
		t.Fatalf("tool answered %T", res.Content[0])
	}
	return text.Text
}

func TestMCPListsAndCallsTheToolsOfAFakeFunction(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	addTool(t, srv, "tools")
	c, w := fakeClient(t, srv)
	fn := deployFunction(t, c, "tools", gen.FunctionRuntimeTransportHTTPStream)
	if fn.Metadata.URL == nil || *fn.Metadata.URL != srv.RunURL()+"/ws/functions/tools" {
		t.Fatalf("metadata.url %v, want the fake's run address", fn.Metadata.URL)
	}

	session, err := blaxelmcp.Connect(t.Context(), c, "tools")
	if err != nil {
		t.Fatal(err)
	}
	tools, err := session.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range tools.Tools {
		names = append(names, tool.Name)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"add", "echo"}) {
		t.Fatalf("tools %v", names)
	}
	if got := callTool(t, session, "echo", map[string]any{"message": "hello"}); got != "hello" {
		t.Errorf("echo answered %q", got)
	}
	if got := callTool(t, session, "add", map[string]any{"a": 2, "b": 3}); got != "5" {
		t.Errorf("add answered %q", got)
	}
	if err := session.Close(); err != nil {
		t.Fatal(err)
	}
	// The session's event stream may still be ending on the fake's side, which logs a request
	// when its handler returns: stopping the fake waits for that.
	srv.Close()

	// Every request went to the fake, each with one credential; the run plane got the MCP ones.
	fake, _ := url.Parse(srv.RunURL())
	mcpRequests := 0
	for _, r := range w.requests() {
		if r.host != fake.Host {
			t.Errorf("%s %s went to %s", r.method, r.path, r.host)
		}
		if len(r.credentials) != 1 || r.workspace != "ws" {
			t.Errorf("%s %s carried credentials %q and workspace %q", r.method, r.path, r.credentials, r.workspace)
		}
		if r.path == "/ws/functions/tools/mcp" {
			mcpRequests++
		}
	}
	logged := 0
	for _, r := range srv.Requests() {
		if r.Path != "/ws/functions/tools/mcp" {
			continue
		}
		logged++
		if got := r.Header.Values("Authorization"); len(got) != 1 || r.Header.Get("X-Blaxel-Authorization") != "" {
			t.Errorf("%s reached the fake with Authorization %q and X-Blaxel-Authorization %q", r.Method, got, r.Header.Get("X-Blaxel-Authorization"))
		}
		if r.Status < 200 || r.Status > 299 {
			t.Errorf("%s answered %d", r.Method, r.Status)
		}
	}
	if mcpRequests < 4 || logged != mcpRequests { // initialize, initialized, list, two calls, and the closing
		t.Errorf("%d MCP requests sent, %d logged by the fake", mcpRequests, logged)
	}
}

// The address the environment forces may be on another host: it gets the credential (and
// the control plane is not asked about the function).
func TestMCPAtAForcedAddressOnAnotherHost(t *testing.T) {
	control := blaxeltest.NewServer(t)
	other := blaxeltest.NewServer(t)
	seedFunction(t, other, "ws", "remote")
	getenv := func(name string) string {
		switch name {
		case "BL_API_URL":
			return control.URL()
		case "BL_API_KEY":
			return "test-api-key-123"
		case "BL_WORKSPACE":
			return "ws"
		case "BL_FUNCTION_REMOTE_URL":
			return other.RunURL() + "/ws/functions/remote/"
		case "HOME":
			return t.TempDir()
		}
		return ""
	}
	c, err := blaxel.NewFromEnv(blaxel.WithEnv(getenv))
	if err != nil {
		t.Fatal(err)
	}
	session, err := blaxelmcp.Connect(t.Context(), c, "remote")
	if err != nil {
		t.Fatal(err)
	}
	if got := callTool(t, session, "echo", map[string]any{"message": "far"}); got != "far" {
		t.Errorf("echo answered %q", got)
	}
	session.Close()
	if n := len(control.Requests()); n != 0 {
		t.Errorf("the control plane got %d requests", n)
	}
	for _, r := range other.Requests() {
		if r.Header.Get("Authorization") == "" {
			t.Errorf("%s %s reached the forced address without the credential", r.Method, r.Path)
		}
	}
}

// seedFunction creates a DEPLOYED function on a fake.
func seedFunction(t *testing.T, srv *blaxeltest.Server, workspace, name string) {
	t.Helper()
	err := srv.Seed(blaxeltest.Seed{Path: "/functions", Workspace: workspace, Body: map[string]any{
		"metadata": map[string]any{"name": name}, "spec": map[string]any{},
	}})
	if err != nil {
		t.Fatal(err)
	}
}

func TestMCPReportsTheGatewaysRefusal(t *testing.T) {
	srv := blaxeltest.NewServer(t, blaxeltest.WithDeployDelay(time.Hour))
	c, _ := fakeClient(t, srv)
	_, err := blaxelmcp.Connect(t.Context(), c, "missing")
	if !errors.Is(err, blaxel.ErrNotFound) {
		t.Errorf("unknown function: %v, want ErrNotFound", err)
	}
	transport := gen.FunctionRuntimeTransportHTTPStream
	if _, err := c.CreateFunction(t.Context(), gen.Function{Metadata: gen.Metadata{Name: "slow"},
		Spec: gen.FunctionSpec{Runtime: &gen.FunctionRuntime{Transport: &transport}}}); err != nil {
		t.Fatal(err)
	}
	_, err = blaxelmcp.Connect(t.Context(), c, "slow") // still DEPLOYING
	var apiErr *blaxel.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != "WORKLOAD_UNAVAILABLE" || !apiErr.Retryable || apiErr.Source != "gateway" {
		t.Fatalf("err %v, want the gateway's WORKLOAD_UNAVAILABLE", err)
	}
}

// A POST of the session that may have reached the server is never sent again, whether it
// was answered 503 or its connection dropped.
func TestMCPNeverSendsAPostTwice(t *testing.T) {
	for _, fail := range []string{"503", "reset"} {
		t.Run(fail, func(t *testing.T) {
			var mu sync.Mutex
			var methods []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var msg struct{ Method string }
				_ = json.NewDecoder(r.Body).Decode(&msg)
				mu.Lock()
				methods = append(methods, r.Method+" "+msg.Method)
				mu.Unlock()
				if fail == "reset" {
					panic(http.ErrAbortHandler)
				}
				w.WriteHeader(http.StatusServiceUnavailable)
			}))
			defer srv.Close()
			if _, err := blaxelmcp.Connect(t.Context(), forcedFunction(t, srv), "f"); err == nil {
				t.Fatal("the session opened")
			}
			mu.Lock()
			defer mu.Unlock()
			seen := map[string]bool{}
			for _, m := range methods {
				if seen[m] {
					t.Errorf("%s was sent twice: %q", m, methods)
				}
				seen[m] = true
			}
			if !seen["POST initialize"] {
				t.Errorf("no initialize was sent: %q", methods)
			}
		})
	}
}

// mcpServer is a stateful MCP server of the go-sdk, for tests that make it misbehave.
func mcpServer() http.Handler {
	server := mcp.NewServer(&mcp.Implementation{Name: "stand-in", Version: "1"}, nil)
	return mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, nil)
}

// forcedFunction is a client whose function "f" answers at srv, through the environment.
func forcedFunction(t *testing.T, srv *httptest.Server, opts ...blaxel.Option) *blaxel.Client {
	t.Helper()
	home := t.TempDir()
	env := blaxel.WithEnv(func(name string) string {
		return map[string]string{
			"BL_API_KEY": "test-api-key-123", "BL_WORKSPACE": "ws", "HOME": home,
			"BL_API_URL": "http://127.0.0.1:1/v0", "BL_FUNCTIONS_F_URL": srv.URL,
		}[name]
	})
	all := []blaxel.EnvOption{env, fastRetries()}
	for _, o := range opts {
		all = append(all, o)
	}
	c, err := blaxel.NewFromEnv(all...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Closing sends a DELETE; a server that never answers it does not hold Close.
func TestMCPCloseReturnsWhenTheServerHangs(t *testing.T) {
	release := make(chan struct{})
	deletes := make(chan struct{}, 10)
	handler := mcpServer()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodDelete {
			deletes <- struct{}{}
			<-release
			return
		}
		handler.ServeHTTP(w, r)
	}))
	defer srv.Close()
	defer close(release)
	c := forcedFunction(t, srv)
	session, err := blaxelmcp.Connect(t.Context(), c, "f", blaxelmcp.WithTimeouts(time.Second, 200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	closed := make(chan error, 1)
	go func() { closed <- session.Close() }()
	select {
	case err := <-closed:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Close: %v, want the DELETE's timeout", err)
		}
	case <-time.After(time.Minute): // guards a hang only
		t.Fatal("Close did not return")
	}
	if len(deletes) == 0 {
		t.Error("no DELETE reached the server")
	}
}

// A server that takes the requests and never answers, all of them or only the GET of the
// session's event stream (which the SDK otherwise waits for, and tries five times): the
// caller's context ends the connection, what the SDK sends after the failure included.
func TestMCPConnectEndsWithTheContext(t *testing.T) {
	for _, hung := range []string{"every request", "the event stream"} {
		t.Run(hung, func(t *testing.T) {
			release := make(chan struct{})
			handler := mcpServer()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if hung == "every request" || r.Method != http.MethodPost {
					<-release
					return
				}
				handler.ServeHTTP(w, r)
			}))
			defer srv.Close()
			defer close(release)
			w := &wire{next: http.DefaultTransport}
			c := forcedFunction(t, srv, blaxel.WithHTTPClient(&http.Client{Transport: w}))
			ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
			defer cancel()
			returned := make(chan error, 1)
			go func() {
				_, err := blaxelmcp.Connect(ctx, c, "f")
				returned <- err
			}()
			select {
			case err := <-returned:
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("err %v, want the context's deadline", err)
				}
			case <-time.After(time.Minute): // guards a hang only: unbound, this takes minutes
				t.Fatal("MCP did not return after its context ended")
			}
			gets := 0
			for _, r := range w.requests() {
				if r.method == http.MethodGet {
					gets++
				}
			}
			if hung == "the event stream" && gets != 1 {
				t.Errorf("%d GETs of the event stream, want 1: none after the caller gave up", gets)
			}
		})
	}
}

// A server whose event stream never answers still gives a session, for calls and their
// answers, once the connect timeout is over.
func TestMCPConnectsWithoutAnEventStreamThatNeverAnswers(t *testing.T) {
	release := make(chan struct{})
	server := mcp.NewServer(&mcp.Implementation{Name: "stand-in", Version: "1"}, nil)
	mcp.AddTool(server, &mcp.Tool{Name: "ping"}, func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "pong"}}}, nil, nil
	})
	handler := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			<-release
			return
		}
		handler.ServeHTTP(w, r)
	}))
	defer srv.Close()
	defer close(release)
	session, err := blaxelmcp.Connect(t.Context(), forcedFunction(t, srv), "f", blaxelmcp.WithTimeouts(100*time.Millisecond, time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	defer session.Close()
	if got := callTool(t, session, "ping", map[string]any{}); got != "pong" {
		t.Errorf("ping answered %q", got)
	}
}

func TestMCPWaitsForAnswersAtMostTheHeaderTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	c := forcedFunction(t, srv)
	_, err := blaxelmcp.Connect(t.Context(), c, "f", blaxelmcp.WithTimeouts(time.Second, 100*time.Millisecond))
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "no answer within 100ms") {
		t.Fatalf("err %v", err)
	}
}

func TestMCPOptionsRefuseUnusableValues(t *testing.T) {
	c, err := blaxel.New(blaxel.WithAPIKey("test-key-123"), blaxel.WithWorkspace("ws"))
	if err != nil {
		t.Fatal(err)
	}
	for _, opt := range []blaxelmcp.Option{blaxelmcp.WithClient(nil), blaxelmcp.WithTimeouts(0, time.Second), blaxelmcp.WithTimeouts(time.Second, -1)} {
		if _, err := blaxelmcp.Connect(t.Context(), c, "f", opt); err == nil {
			t.Error("an unusable option was accepted")
		}
	}
	for _, name := range []string{"", "..", "a/b"} {
		if _, err := blaxelmcp.Connect(t.Context(), c, name); err == nil {
			t.Errorf("function name %q was accepted", name)
		}
	}
}

// fastRetries keeps the tests' waits short (see internal/apitest).
var fastRetries = apitest.FastRetries
