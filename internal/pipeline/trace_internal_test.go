package pipeline

import (
	"context"
	"net/http"
	"testing"

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
