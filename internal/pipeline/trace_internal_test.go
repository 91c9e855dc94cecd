package pipeline

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/blaxel-go/blaxel/internal/redact"
)

// With no tracer provider installed, a span costs what the API's non-recording span costs
// (the span and its context), and no attribute is computed: an operation and each attempt
// allocate three times at most.
func TestUnrecordedSpansCostLittle(t *testing.T) {
	tr := newTracing(Settings{}, redact.New())
	ctx := context.Background()
	req, err := http.NewRequest(http.MethodGet, "https://api.example/v0/sandboxes/box?token=abcdefghijklmnop", nil)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	if n := testing.AllocsPerRun(100, func() {
		_, op := tr.startOperation(ctx, "GetSandbox")
		op.End(nil)
	}); n > 3 {
		t.Errorf("an unrecorded operation allocates %v times", n)
	}
	if n := testing.AllocsPerRun(100, func() {
		actx, span := tr.startAttempt(ctx, req, 2)
		tr.inject(actx, h)
		tr.endAttempt(span, &http.Response{StatusCode: http.StatusBadGateway}, nil)
	}); n > 3 {
		t.Errorf("an unrecorded attempt allocates %v times", n)
	}
	if len(h) != 0 {
		t.Errorf("headers %v sent without a trace", h)
	}
}

// url.full goes through the client's redactor: no password, no credential in the query, no
// secret the client knows, wherever it appears in the address.
func TestURLFullIsRedacted(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	defer tp.Shutdown(context.Background())
	tr := newTracing(Settings{TracerProvider: tp}, redact.New("known-secret-123"))
	req, err := http.NewRequest("PROPFIND", "https://user:pass-word-9@sbx.example:8443/known-secret-123/x?bl_preview_token=preview-secret-9&q=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, span := tr.startAttempt(context.Background(), req, 3)
	tr.endAttempt(span, nil, errors.New("dial: connection refused"))
	spans := exp.GetSpans()
	if len(spans) != 1 || spans[0].Name != "HTTP" {
		t.Fatalf("spans %v", spans)
	}
	got := map[attribute.Key]string{}
	for _, kv := range spans[0].Attributes {
		got[kv.Key] = kv.Value.String()
	}
	want := map[attribute.Key]string{
		"http.request.method": "_OTHER", "http.request.method_original": "PROPFIND", "server.address": "sbx.example",
		"server.port": "8443", "http.request.resend_count": "2", "error.type": "*errors.errorString",
	}
	for key, value := range want {
		if got[key] != value {
			t.Errorf("%s = %q, want %q", key, got[key], value)
		}
	}
	full := got["url.full"]
	for _, secret := range []string{"pass-word-9", "preview-secret-9", "known-secret-123"} {
		if strings.Contains(full, secret) {
			t.Errorf("url.full %q holds %s", full, secret)
		}
	}
	if !strings.Contains(full, "sbx.example:8443") || !strings.Contains(full, "q=1") {
		t.Errorf("url.full %q", full)
	}
}
