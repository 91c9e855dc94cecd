package sandboxfake

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// reports collects what a host reports.
type reports struct {
	mu   sync.Mutex
	list []string
}

func (r *reports) add(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.list = append(r.list, fmt.Sprintf(format, args...))
}

func (r *reports) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.list...)
}

// callOf builds the call a handler of route would get, on a host that reports to rep.
func callOf(t *testing.T, route string, rep *reports) *sbxCall {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Now, cfg.Report = time.Now, rep.add
	h, err := NewHost(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close() })
	rt := h.api.byKey[route]
	if rt == nil || rt.doc == nil {
		t.Fatalf("no route %s with a document", route)
	}
	r := httptest.NewRequest(http.MethodGet, "http://sandbox/x", nil)
	return &sbxCall{host: h, route: rt, r: r, ctx: r.Context(), params: map[string]string{}}
}

func TestEveryOperationOfTheDocumentIsServed(t *testing.T) {
	a, err := sharedSandboxAPI()
	if err != nil {
		t.Fatal(err)
	}
	if len(a.byID) != 41 {
		t.Errorf("%d operations served, want the document's 41", len(a.byID))
	}
	for id, rt := range a.byID {
		if rt.doc == nil || rt.handle == nil || rt.op.id != id {
			t.Errorf("%s is not bound to the document and a handler", id)
		}
	}
}

func TestAnswersTheDocumentRejectsAreReported(t *testing.T) {
	rep := &reports{}
	x := callOf(t, "GET /health", rep)
	h := http.Header{"Content-Type": {"application/json"}}
	x.host.responseValidator(x)(http.StatusOK, h, []byte(`{"status":"ok"}`)) // required fields missing
	x.host.responseValidator(x)(http.StatusTeapot, h, []byte(`{}`))          // a status it does not declare
	if got := rep.all(); len(got) != 2 {
		t.Errorf("reports %q, want 2", got)
	}

	rep = &reports{}
	x = callOf(t, "POST /process", rep)
	line := x.host.lineValidator(x, "application/x-ndjson")
	line([]byte(`{"type":"stdout","data":"ok"}` + "\n"))
	line([]byte(`{"type":"bogus"}` + "\n"))
	if got := rep.all(); len(got) != 1 || !strings.Contains(got[0], "bogus") {
		t.Errorf("reports %q, want one about the bogus event", got)
	}

	rep = &reports{}
	x = callOf(t, "GET /watch/filesystem/{path}", rep)
	line = x.host.lineValidator(x, "text/plain; charset=utf-8")
	line([]byte("[keepalive]\n"))
	line([]byte(`{"op":"CREATE","name":"a","path":"/","error":null}` + "\n"))
	line([]byte(`{"op":"CREATE"}` + "\n")) // name and path missing
	if got := rep.all(); len(got) != 1 {
		t.Errorf("reports %q, want one about the incomplete event", got)
	}

	rep = &reports{}
	x = callOf(t, "GET /process/{identifier}/logs/stream", rep)
	x.host.headerValidator(x)(http.StatusNotFound, http.Header{"Content-Type": {"application/json"}})
	x.host.headerValidator(x)(http.StatusOK, http.Header{"Content-Type": {"text/plain; charset=utf-8"}})
	if got := rep.all(); len(got) != 1 {
		t.Errorf("reports %q, want one about the 404", got)
	}
}
