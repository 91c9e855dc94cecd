package sandbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// The handle's methods are spans named sandbox.<Method>, around the HTTP client spans of
// their requests (ReadFile's under the Open it calls), whose trace context reaches the
// sandbox.
func TestSandboxCallsAreSpans(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	sb := openWith(t, srv, blaxel.WithTracerProvider(tp))
	ctx := t.Context()
	exp.Reset()
	ctx, parent := tp.Tracer("caller").Start(ctx, "caller")
	if _, err := sb.Run(ctx, "echo traced"); err != nil {
		t.Fatal(err)
	}
	if err := sb.WriteFile(ctx, "/tmp/traced.txt", strings.NewReader("hello"), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := sb.ReadFile(ctx, "/tmp/absent"); err == nil {
		t.Fatal("reading a missing file succeeded")
	}
	parent.End()

	byID := map[string]tracetest.SpanStub{}
	for _, s := range exp.GetSpans() {
		byID[s.SpanContext.SpanID().String()] = s
	}
	parentOf := func(s tracetest.SpanStub) string { return byID[s.Parent.SpanID().String()].Name }
	under := func(s, op tracetest.SpanStub) bool { // s is op's descendant
		for s.Parent.IsValid() {
			if s.Parent.SpanID() == op.SpanContext.SpanID() {
				return true
			}
			s = byID[s.Parent.SpanID().String()]
		}
		return false
	}
	want := map[string]string{"sandbox.Run": "POST", "sandbox.WriteFile": "PUT", "sandbox.ReadFile": "GET"}
	for op, method := range want {
		ops := spansNamed(exp.GetSpans(), op)
		if len(ops) != 1 || parentOf(ops[0]) != "caller" {
			t.Fatalf("%s: %d spans, under %q", op, len(ops), parentOf(ops[0]))
		}
		var attempts []tracetest.SpanStub
		for _, s := range exp.GetSpans() {
			if s.Name == method && under(s, ops[0]) {
				attempts = append(attempts, s)
			}
		}
		if len(attempts) != 1 {
			t.Errorf("%s: %d %s attempts under it", op, len(attempts), method)
		}
	}
	if read := spansNamed(exp.GetSpans(), "sandbox.ReadFile")[0]; read.Status.Code.String() != "Error" {
		t.Errorf("the failed read's span: %v", read.Status)
	}
	run := spansNamed(exp.GetSpans(), "sandbox.Run")[0]
	// The fake records a request once its handler returned, which may come after the client
	// read the end of the stream: wait for the record (the deadline only guards a hang).
	found := func() bool {
		for _, r := range srv.Requests() {
			if r.Method == http.MethodPost && strings.Contains(r.Header.Get("Traceparent"), run.SpanContext.TraceID().String()) {
				return true
			}
		}
		return false
	}
	for deadline := time.Now().Add(time.Minute); !found(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the exec request carried no traceparent of the run's trace")
		}
	}
}

func spansNamed(spans tracetest.SpanStubs, name string) []tracetest.SpanStub {
	var out []tracetest.SpanStub
	for _, s := range spans {
		if s.Name == name {
			out = append(out, s)
		}
	}
	return out
}

// openWith creates the sandbox "box" on srv and opens it with a client built with opts.
func openWith(t *testing.T, srv *blaxeltest.Server, opts ...blaxel.Option) *sandbox.Sandbox {
	t.Helper()
	c, err := blaxel.New(append([]blaxel.Option{blaxel.WithBaseURL(srv.URL()), blaxel.WithRunURL(srv.RunURL()),
		blaxel.WithAPIKey("fake-key-for-spans"), blaxel.WithWorkspace("ws"), fastRetries()}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateSandboxAndWait(t.Context(), gen.Sandbox{Metadata: gen.Metadata{Name: "box"}}, blaxel.WithPollInterval(time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	sb, err := sandbox.Open(t.Context(), c, "box")
	if err != nil {
		t.Fatal(err)
	}
	return sb
}

// lockedBuffer is a log's output, written from several goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// The debug records of a handle's requests name the method they are for.
func TestDebugLogNamesTheHandlesMethod(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	var logs lockedBuffer
	sb := openWith(t, srv, blaxel.WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	if _, err := sb.Run(t.Context(), "echo logged"); err != nil {
		t.Fatal(err)
	}
	found := false
	for line := range strings.SplitSeq(strings.TrimSpace(logs.String()), "\n") {
		var rec struct{ Msg, Operation, Method, URL string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec.Msg == "blaxel: request" && rec.Method == http.MethodPost && strings.Contains(rec.URL, "/process") {
			found = true
			if rec.Operation != "sandbox.Run" {
				t.Errorf("the exec request is logged for %q", rec.Operation)
			}
		}
	}
	if !found {
		t.Errorf("no record of the exec request:\n%s", logs.String())
	}
}
