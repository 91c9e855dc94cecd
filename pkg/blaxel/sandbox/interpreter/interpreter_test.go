package interpreter_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox/interpreter"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// fakeInterpreter starts the fake, creates an interpreter named "py" there and returns both.
func fakeInterpreter(t *testing.T) (*blaxeltest.Server, *blaxel.Client, *interpreter.Interpreter) {
	t.Helper()
	srv := blaxeltest.NewServer(t)
	c, err := blaxel.New(blaxel.WithBaseURL(srv.URL()), blaxel.WithRunURL(srv.RunURL()), blaxel.WithAPIKey("fake-key"),
		blaxel.WithWorkspace("ws"), blaxel.WithRetryPolicy(blaxel.RetryPolicy{MaxRetries: 3, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	in, err := interpreter.Create(t.Context(), c, gen.Sandbox{Metadata: gen.Metadata{Name: "py"}}, blaxel.WithPollInterval(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return srv, c, in
}

func TestCreateMakesAJupyterSandbox(t *testing.T) {
	_, c, in := fakeInterpreter(t)
	sb, err := c.GetSandbox(t.Context(), "py", nil)
	if err != nil {
		t.Fatal(err)
	}
	rt := sb.Spec.Runtime
	if rt == nil || rt.Image == nil || *rt.Image != "blaxel/jupyter-server" || rt.Ports == nil || len(*rt.Ports) != 1 ||
		(*rt.Ports)[0].Target != 8888 || *(*rt.Ports)[0].Name != "jupyter" || *(*rt.Ports)[0].Protocol != gen.PortProtocolHTTP {
		t.Errorf("runtime: %+v", rt)
	}
	lc := sb.Spec.Lifecycle
	if lc == nil || len(lc.ExpirationPolicies) != 1 || *lc.ExpirationPolicies[0].Type != gen.ExpirationPolicyTypeTTLIdle ||
		*lc.ExpirationPolicies[0].Value != "30m" || *lc.ExpirationPolicies[0].Action != gen.ExpirationPolicyActionDelete {
		t.Errorf("lifecycle: %+v", lc)
	}
	if want := in.Sandbox().URL() + "/port/8888"; in.URL() != want {
		t.Errorf("URL %q, want %q", in.URL(), want)
	}
}

func TestWithDefaultsKeepsWhatTheSpecSays(t *testing.T) {
	image, value := "my/jupyter:1", "2h"
	typ := gen.ExpirationPolicyTypeTTLMaxAge
	spec := gen.Sandbox{Metadata: gen.Metadata{Name: "x"}, Spec: gen.SandboxSpec{
		Runtime:   &gen.SandboxRuntime{Image: &image},
		Lifecycle: &gen.SandboxLifecycle{ExpirationPolicies: []gen.ExpirationPolicy{{Type: &typ, Value: &value}}},
	}}
	got := interpreter.WithDefaults(spec)
	if *got.Spec.Runtime.Image != image || got.Spec.Runtime.Ports == nil || (*got.Spec.Runtime.Ports)[0].Target != 8888 {
		t.Errorf("runtime: %+v", got.Spec.Runtime)
	}
	if *got.Spec.Lifecycle.ExpirationPolicies[0].Value != "2h" {
		t.Errorf("lifecycle replaced: %+v", got.Spec.Lifecycle)
	}
	if spec.Spec.Runtime.Ports != nil {
		t.Error("WithDefaults changed its argument")
	}
}

func TestExecGathersTheDefaultRun(t *testing.T) {
	_, _, in := fakeInterpreter(t)
	for n := 1; n <= 2; n++ {
		e, err := in.Exec(t.Context(), "x = 1\nx + 1\n")
		if err != nil {
			t.Fatal(err)
		}
		if e.ExecutionCount != n || !slices.Equal(e.Stdout, []string{"x = 1\nx + 1\n"}) || e.Text() != "x + 1" || e.Error != nil {
			t.Errorf("run %d: %+v", n, e)
		}
	}
}

func TestRunYieldsOutputsAsTheyCome(t *testing.T) {
	srv, _, in := fakeInterpreter(t)
	next := make(chan struct{})
	seen := make(chan *blaxeltest.CodeRun, 1)
	srv.HandleCode(func(ctx context.Context, run *blaxeltest.CodeRun) {
		seen <- run
		run.Stdout("first\n")
		select { // the client must have the first line before the second is written
		case <-next:
		case <-ctx.Done():
			return
		}
		run.Stderr("careful\n")
		run.Result(map[string]any{"text": "42", "html": "<b>42</b>", "is_main_result": true})
		run.Error("ZeroDivisionError", "division by zero", "Traceback (most recent call last): ...")
	})
	var types []interpreter.OutputType
	var last interpreter.Output
	for out, err := range in.Run(t.Context(), "print('first')", interpreter.WithLanguage("javascript"), interpreter.WithEnv("A", "b")) {
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, out.Type)
		if out.Type == interpreter.OutputStdout {
			if out.Text != "first\n" {
				t.Errorf("stdout %q", out.Text)
			}
			close(next)
		}
		last = out
	}
	want := []interpreter.OutputType{interpreter.OutputExecutionCount, interpreter.OutputStdout, interpreter.OutputStderr,
		interpreter.OutputResult, interpreter.OutputError}
	if !slices.Equal(types, want) {
		t.Errorf("types %v, want %v", types, want)
	}
	if last.Error == nil || last.Error.Name != "ZeroDivisionError" || last.Error.Value != "division by zero" ||
		!strings.HasPrefix(last.Error.Traceback, "Traceback") {
		t.Errorf("error %+v", last.Error)
	}
	got := <-seen
	if got.Code != "print('first')" || got.Language != "javascript" || got.Env["A"] != "b" || got.ContextID != "default-javascript" {
		t.Errorf("the fake got %+v", got)
	}
}

func TestExecReportsRaisedCodeInTheExecution(t *testing.T) {
	srv, _, in := fakeInterpreter(t)
	srv.HandleCode(func(ctx context.Context, run *blaxeltest.CodeRun) {
		run.Result(map[string]any{"text": "<Figure>", "png": "iVBORw0KGgo="})
		run.Error("NameError", "name 'y' is not defined", "")
	})
	e, err := in.Exec(t.Context(), "y")
	if err != nil {
		t.Fatal(err)
	}
	var raised *interpreter.ExecutionError
	if !errors.As(error(e.Error), &raised) || raised.Name != "NameError" ||
		raised.Error() != "blaxel: interpreter: the code raised NameError: name 'y' is not defined" {
		t.Errorf("error %+v", e.Error)
	}
	if len(e.Results) != 1 || e.Results[0]["png"] != "iVBORw0KGgo=" || e.Results[0].IsMain() || e.Text() != "" {
		t.Errorf("results %+v", e.Results)
	}
	if _, ok := e.Results[0]["type"]; ok {
		t.Error("the result keeps its type field")
	}
}

func TestContextsKeepTheirOwnRuns(t *testing.T) {
	srv, _, in := fakeInterpreter(t)
	var mu sync.Mutex
	var cwd string
	srv.HandleCode(func(ctx context.Context, run *blaxeltest.CodeRun) { mu.Lock(); cwd = run.Cwd; mu.Unlock() })
	ctx := t.Context()
	c, err := in.CreateContext(ctx, "python", "/work")
	if err != nil {
		t.Fatal(err)
	}
	if c.ID == "" || c.Language != "python" || c.Cwd != "/work" {
		t.Errorf("context %+v", c)
	}
	for n := 1; n <= 2; n++ {
		e, err := in.Exec(ctx, "pass", interpreter.InContext(c))
		mu.Lock()
		dir := cwd
		mu.Unlock()
		if err != nil || e.ExecutionCount != n || dir != "/work" {
			t.Fatalf("run %d: %+v %v in %q", n, e, err, dir)
		}
	}
	if e, err := in.Exec(ctx, "pass"); err != nil || e.ExecutionCount != 1 {
		t.Errorf("the default context: %+v %v", e, err)
	}
	if err := in.DeleteContext(ctx, c); err != nil {
		t.Fatal(err)
	}
	if _, err := in.Exec(ctx, "pass", interpreter.InContext(c)); !errors.Is(err, blaxel.ErrNotFound) {
		t.Errorf("a run in a deleted context: %v", err)
	}
	if err := in.DeleteContext(ctx, c); !errors.Is(err, blaxel.ErrNotFound) {
		t.Errorf("deleting it again: %v", err)
	}
}

func TestBadOptionsSendNothing(t *testing.T) {
	srv, _, in := fakeInterpreter(t)
	before := srv.Attempts("ANY /port/{port}")
	for _, opts := range [][]interpreter.RunOption{
		{interpreter.WithLanguage("python"), interpreter.InContext(&interpreter.Context{ID: "c"})},
		{interpreter.WithLanguage(" ")},
		{interpreter.InContext(nil)},
		{interpreter.WithEnv("A=B", "c")},
		{interpreter.WithTimeout(0)},
	} {
		if _, err := in.Exec(t.Context(), "1", opts...); err == nil {
			t.Errorf("%d options accepted", len(opts))
		}
	}
	if err := in.DeleteContext(t.Context(), &interpreter.Context{}); err == nil {
		t.Error("DeleteContext without an id")
	}
	if n := srv.Attempts("ANY /port/{port}") - before; n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func TestARunIsSentOnce(t *testing.T) {
	srv, _, in := fakeInterpreter(t)
	srv.HandlePort(8888, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close() // the connection drops after the code was sent
		}
	}))
	before := srv.Attempts("ANY /port/{port}")
	if _, err := in.Exec(t.Context(), "launch()"); err == nil {
		t.Fatal("no error after the connection dropped")
	}
	if n := srv.Attempts("ANY /port/{port}") - before; n != 1 {
		t.Errorf("the code was sent %d times", n)
	}
}

func TestRunEndsWithTheContext(t *testing.T) {
	srv, _, in := fakeInterpreter(t)
	srv.HandleCode(func(ctx context.Context, run *blaxeltest.CodeRun) {
		run.Stdout("working\n")
		<-ctx.Done() // runs until the client goes away
	})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var last error
	for out, err := range in.Run(ctx, "while True: pass") {
		if err != nil {
			last = err
			break
		}
		if out.Type == interpreter.OutputStdout {
			cancel()
		}
	}
	if !errors.Is(last, context.Canceled) {
		t.Errorf("last value %v, want the context's end", last)
	}

	// WithTimeout bounds a run the same way.
	var timedOut error
	for _, err := range in.Run(t.Context(), "while True: pass", interpreter.WithTimeout(50*time.Millisecond)) {
		if err != nil {
			timedOut = err
		}
	}
	if !errors.Is(timedOut, context.DeadlineExceeded) {
		t.Errorf("with a timeout: %v", timedOut)
	}
}
