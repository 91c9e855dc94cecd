package blaxel_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// traced is a client of srv whose spans go to an in-memory exporter, and a tracer for the
// caller's own spans.
func traced(t *testing.T, srv *blaxeltest.Server, opts ...blaxel.Option) (*blaxel.Client, *tracetest.InMemoryExporter, trace.Tracer) {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	c, _ := fakeClient(t, srv, append([]blaxel.Option{blaxel.WithTracerProvider(tp)}, opts...)...)
	return c, exp, tp.Tracer("caller")
}

func attr(s tracetest.SpanStub, key attribute.Key) (attribute.Value, bool) {
	for _, kv := range s.Attributes {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return attribute.Value{}, false
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

// A generated call retried once is one span named by its operationId, under the caller's
// span, holding one HTTP client span per attempt; the second attempt's trace context is the
// traceparent the server received.
func TestSpansOfARetriedCall(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	c, exp, tracer := traced(t, srv)
	if _, err := c.CreateSandbox(t.Context(), gen.Sandbox{Metadata: gen.Metadata{Name: "box"}}, nil); err != nil {
		t.Fatal(err)
	}
	exp.Reset()
	srv.Inject("GetSandbox", 1, blaxeltest.Status(http.StatusServiceUnavailable))

	ctx, parent := tracer.Start(t.Context(), "caller")
	if _, err := c.GetSandbox(ctx, "box", nil); err != nil {
		t.Fatal(err)
	}
	parent.End()

	spans := exp.GetSpans()
	ops := spansNamed(spans, "GetSandbox")
	if len(ops) != 1 {
		t.Fatalf("spans %v: want one GetSandbox", spanNames(spans))
	}
	op := ops[0]
	if op.Parent.SpanID() != parent.SpanContext().SpanID() || op.SpanKind != trace.SpanKindInternal || op.Status.Code == codes.Error {
		t.Errorf("operation span: parent %v kind %v status %v", op.Parent.SpanID(), op.SpanKind, op.Status)
	}
	attempts := spansNamed(spans, http.MethodGet)
	if len(attempts) != 2 {
		t.Fatalf("spans %v: want two GET attempts", spanNames(spans))
	}
	for i, a := range attempts {
		if a.Parent.SpanID() != op.SpanContext.SpanID() || a.SpanKind != trace.SpanKindClient {
			t.Errorf("attempt %d: parent %v kind %v", i+1, a.Parent.SpanID(), a.SpanKind)
		}
		if v, _ := attr(a, "http.request.method"); v.AsString() != http.MethodGet {
			t.Errorf("attempt %d: http.request.method %q", i+1, v.AsString())
		}
		if v, _ := attr(a, "server.address"); v.AsString() != "127.0.0.1" {
			t.Errorf("attempt %d: server.address %q", i+1, v.AsString())
		}
		if v, _ := attr(a, "server.port"); v.AsInt64() == 0 {
			t.Errorf("attempt %d: no server.port", i+1)
		}
		if v, _ := attr(a, "url.full"); !strings.HasSuffix(v.AsString(), "/v0/sandboxes/box") {
			t.Errorf("attempt %d: url.full %q", i+1, v.AsString())
		}
	}
	first, second := attempts[0], attempts[1]
	if v, _ := attr(first, "http.response.status_code"); v.AsInt64() != http.StatusServiceUnavailable || first.Status.Code != codes.Error {
		t.Errorf("first attempt: status %d, %v", v.AsInt64(), first.Status)
	}
	if v, _ := attr(first, "error.type"); v.AsString() != "503" {
		t.Errorf("first attempt: error.type %q", v.AsString())
	}
	if _, ok := attr(first, "http.request.resend_count"); ok {
		t.Error("the first attempt has a resend count")
	}
	if v, _ := attr(second, "http.response.status_code"); v.AsInt64() != http.StatusOK || second.Status.Code == codes.Error {
		t.Errorf("second attempt: status %d, %v", v.AsInt64(), second.Status)
	}
	if v, _ := attr(second, "http.request.resend_count"); v.AsInt64() != 1 {
		t.Errorf("second attempt: resend count %d", v.AsInt64())
	}

	var got []string
	for _, r := range srv.Requests() {
		if r.OperationID == "GetSandbox" {
			got = append(got, r.Header.Get("Traceparent"))
		}
	}
	want := []string{traceparent(first.SpanContext), traceparent(second.SpanContext)}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("traceparent received %q, want %q", got, want)
	}
	for _, s := range spans {
		for _, kv := range s.Attributes {
			if strings.Contains(kv.Value.String(), "test-api-key-123") {
				t.Errorf("span %s: %s holds the credential", s.Name, kv.Key)
			}
		}
	}
}

func traceparent(sc trace.SpanContext) string {
	return "00-" + sc.TraceID().String() + "-" + sc.SpanID().String() + "-01"
}

func spanNames(spans tracetest.SpanStubs) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name)
	}
	return out
}

// A refused call ends its span with an error status and the answer's status as error.type.
func TestSpanOfARefusedCall(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	c, exp, _ := traced(t, srv)
	_, err := c.GetSandbox(t.Context(), "absent", nil)
	var apiErr *blaxel.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotFound {
		t.Fatalf("err %v", err)
	}
	ops := spansNamed(exp.GetSpans(), "GetSandbox")
	if len(ops) != 1 {
		t.Fatalf("spans %v", spanNames(exp.GetSpans()))
	}
	op := ops[0]
	if op.Status.Code != codes.Error {
		t.Errorf("status %v", op.Status)
	}
	if v, _ := attr(op, "error.type"); v.AsString() != "404" {
		t.Errorf("error.type %q", v.AsString())
	}
	if v, _ := attr(op, "http.response.status_code"); v.AsInt64() != http.StatusNotFound {
		t.Errorf("http.response.status_code %d", v.AsInt64())
	}
}

// A workload call is a span named after it, and its trace continues into the workload.
func TestSpanOfRunAgent(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	c, exp, tracer := traced(t, srv)
	deployAgent(t, c, "helper")
	var received string
	srv.HandleAgent("helper", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		received = r.Header.Get("Traceparent")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{}`))
	}))
	exp.Reset()
	ctx, parent := tracer.Start(t.Context(), "caller")
	body, err := c.RunAgent(ctx, "helper", strings.NewReader(`{"inputs":"hi"}`))
	if err != nil {
		t.Fatal(err)
	}
	body.Close()
	parent.End()
	spans := exp.GetSpans()
	runs, posts := spansNamed(spans, "RunAgent"), spansNamed(spans, http.MethodPost)
	if len(runs) != 1 || len(posts) != 1 {
		t.Fatalf("spans %v", spanNames(spans))
	}
	if runs[0].Parent.SpanID() != parent.SpanContext().SpanID() || posts[0].Parent.SpanID() != runs[0].SpanContext.SpanID() {
		t.Error("RunAgent is not between the caller's span and its attempt")
	}
	if received != traceparent(posts[0].SpanContext) {
		t.Errorf("the agent received traceparent %q", received)
	}
}

// With no provider set, a call still carries the caller's trace context, and the propagator
// chosen replaces W3C Trace Context.
func TestTraceContextWithoutProvider(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1, 2, 3}, SpanID: trace.SpanID{4, 5, 6}, TraceFlags: trace.FlagsSampled})
	ctx := trace.ContextWithSpanContext(t.Context(), sc)
	for _, tc := range []struct {
		name string
		opts []blaxel.Option
		want string
	}{
		{"default", nil, traceparent(sc)},
		{"none", []blaxel.Option{blaxel.WithTextMapPropagator(propagation.NewCompositeTextMapPropagator())}, ""},
	} {
		c, _ := fakeClient(t, srv, tc.opts...)
		before := len(srv.Requests())
		if _, err := c.ListSandboxes(ctx, nil); err != nil {
			t.Fatal(err)
		}
		reqs := srv.Requests()[before:]
		if len(reqs) != 1 || reqs[0].Header.Get("Traceparent") != tc.want {
			t.Errorf("%s: traceparent %q, want %q", tc.name, reqs[len(reqs)-1].Header.Get("Traceparent"), tc.want)
		}
	}
}

// The debug log names the operation of each request: the operationId of a generated call,
// the workload call's name otherwise.
func TestDebugLogNamesTheOperation(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	var logs syncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, _ := fakeClient(t, srv, blaxel.WithLogger(logger))
	deployAgent(t, c, "helper")
	srv.Inject("GetSandbox", 1, blaxeltest.Status(http.StatusServiceUnavailable))
	if _, err := c.GetSandbox(t.Context(), "absent", nil); err == nil {
		t.Fatal("got an absent sandbox")
	}
	body, err := c.RunAgent(t.Context(), "helper", strings.NewReader(`{"inputs":"hi"}`))
	if err != nil {
		t.Fatal(err)
	}
	body.Close()
	seen := map[string]int{}
	for line := range strings.SplitSeq(strings.TrimSpace(logs.String()), "\n") {
		var rec struct{ Msg, Operation, Method string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		seen[rec.Msg+" "+rec.Operation+" "+rec.Method]++
	}
	for _, want := range []string{"blaxel: request GetSandbox GET", "blaxel: retrying GetSandbox GET", "blaxel: request RunAgent POST"} {
		if seen[want] == 0 {
			t.Errorf("no record %q in %v", want, seen)
		}
	}
}

// A token request is a span too, IssueToken, inside the attempt that needed the token, with
// no credential among its attributes and its trace context sent to the token endpoint.
func TestSpanOfATokenRequest(t *testing.T) {
	srv := blaxeltest.NewServer(t, blaxeltest.WithClientCredentials("trace-client", "trace-secret-77"))
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	c, err := blaxel.New(blaxel.WithBaseURL(srv.URL()), blaxel.WithRunURL(srv.RunURL()), blaxel.WithWorkspace("ws"),
		blaxel.WithClientCredentials("trace-client", "trace-secret-77"), blaxel.WithTracerProvider(tp))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListSandboxes(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	spans := exp.GetSpans()
	issue, posts := spansNamed(spans, "IssueToken"), spansNamed(spans, http.MethodPost)
	if len(issue) != 1 || len(posts) != 1 || posts[0].Parent.SpanID() != issue[0].SpanContext.SpanID() {
		t.Fatalf("spans %v", spanNames(spans))
	}
	if v, _ := attr(posts[0], "url.full"); !strings.HasSuffix(v.AsString(), "/oauth/token") {
		t.Errorf("url.full %q", v.AsString())
	}
	for _, s := range spans {
		for _, kv := range s.Attributes {
			if strings.Contains(kv.Value.String(), "trace-secret-77") {
				t.Errorf("span %s: %s holds the secret", s.Name, kv.Key)
			}
		}
	}
	sent := false
	for _, r := range srv.Requests() {
		if strings.HasSuffix(r.Path, "/oauth/token") && r.Header.Get("Traceparent") == traceparent(posts[0].SpanContext) {
			sent = true
		}
	}
	if !sent {
		t.Error("the token request carried no traceparent of its span")
	}
}
