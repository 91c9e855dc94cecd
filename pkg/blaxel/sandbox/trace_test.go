package sandbox_test

import (
	"context"
	"net/http"
	"strings"
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
	c, err := blaxel.New(blaxel.WithBaseURL(srv.URL()), blaxel.WithRunURL(srv.RunURL()), blaxel.WithAPIKey("fake-key-for-spans"),
		blaxel.WithWorkspace("ws"), fastRetries(), blaxel.WithTracerProvider(tp))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if _, err := c.CreateSandboxAndWait(ctx, gen.Sandbox{Metadata: gen.Metadata{Name: "box"}}, blaxel.WithPollInterval(time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	sb, err := sandbox.Open(ctx, c, "box")
	if err != nil {
		t.Fatal(err)
	}
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
	found := false
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPost && strings.Contains(r.Header.Get("Traceparent"), run.SpanContext.TraceID().String()) {
			found = true
		}
	}
	if !found {
		t.Error("the exec request carried no traceparent of the run's trace")
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
