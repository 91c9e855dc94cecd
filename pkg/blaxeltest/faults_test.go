package blaxeltest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/faketest"
)

// get sends a GET with the default headers through hc and returns the answer and the body read.
func get(hc *http.Client, srv *blaxeltest.Server, path string) (*http.Response, []byte, error) {
	req, err := http.NewRequest(http.MethodGet, srv.URL()+path, nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer k")
	req.Header.Set("X-Blaxel-Workspace", "ws")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, body, err
}

func TestFaultStatusForTheNextRequests(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	srv.Inject("CreateSandbox", 2, blaxeltest.Status(503).WithRetryAfter("2"))
	for i := range 2 {
		a := faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes", Body: faketest.Sandbox("box", nil)}).MustStatus(t, 503)
		if a.Header.Get("Retry-After") != "2" {
			t.Errorf("attempt %d: Retry-After %q", i+1, a.Header.Get("Retry-After"))
		}
	}
	faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes/box"}).MustStatus(t, 404) // the faulted creations did nothing
	faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes", Body: faketest.Sandbox("box", nil)}).MustStatus(t, 200)
	if n := srv.Attempts("CreateSandbox"); n != 3 {
		t.Errorf("%d attempts at CreateSandbox, want 3", n)
	}
	if n := srv.Attempts("POST /sandboxes"); n != 3 {
		t.Errorf("%d attempts at POST /sandboxes, want 3", n)
	}
	if n := srv.Attempts("GetSandbox"); n != 1 {
		t.Errorf("%d attempts at GetSandbox, want 1", n)
	}
}

func TestFaultByRouteTemplateAndForever(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	srv.Inject("GET /sandboxes/{sandboxName}/previews", 0, blaxeltest.Status(429))
	faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes", Body: faketest.Sandbox("box", nil)}).MustStatus(t, 200)
	for range 3 {
		faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes/box/previews"}).MustStatus(t, 429)
	}
	faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes/box"}).MustStatus(t, 200)
	srv.ClearFaults()
	faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes/box/previews"}).MustStatus(t, 200)
}

func TestFaultHang(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	srv.Inject("ListAgents", 1, blaxeltest.Hang(time.Minute))
	hc := &http.Client{Timeout: 100 * time.Millisecond}
	if _, _, err := get(hc, srv, "/agents"); err == nil {
		t.Fatal("a hanging request answered")
	}
	srv.Inject("ListAgents", 1, blaxeltest.Hang(50*time.Millisecond))
	start := time.Now()
	resp, _, err := get(http.DefaultClient, srv, "/agents")
	if err != nil || resp.StatusCode != 200 || time.Since(start) < 50*time.Millisecond {
		t.Errorf("a short hang: %v %v after %v", resp, err, time.Since(start))
	}
	waitFor(t, func() bool { return len(srv.Requests()) == 2 })
	if r := srv.Requests()[0]; r.Status != 0 || r.Fault != "hang" {
		t.Errorf("the abandoned request is logged as %+v", r)
	}
}

func TestFaultDisconnect(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes", Body: faketest.Sandbox("box", nil)}).MustStatus(t, 200)
	srv.Inject("GetSandbox", 1, blaxeltest.Disconnect().Committed())
	resp, body, err := get(http.DefaultClient, srv, "/sandboxes/box")
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("got %v, %q, %v; want an unexpected EOF", resp, body, err)
	}
	if resp.StatusCode != 200 || !bytes.HasPrefix(body, []byte(`{"events":`)) {
		t.Errorf("status %d, body %q: want half of the real answer", resp.StatusCode, body)
	}
}

func TestFaultEdgeTimeoutWhileCreationGoesOn(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	srv.Inject("CreateSandbox", 1, blaxeltest.EdgeTimeout().Committed())
	a := faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/sandboxes", Body: faketest.Sandbox("box", nil)}).MustStatus(t, 504)
	if ct := a.Header.Get("Content-Type"); ct != "text/html" || !strings.Contains(string(a.Raw), "504 Gateway Time-out") {
		t.Errorf("answer %s %q", ct, a.Raw)
	}
	faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes/box"}).MustStatus(t, 200)
}

func TestFaultTruncatedJSON(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	srv.Inject("ListAgents", 1, blaxeltest.TruncatedJSON())
	resp, body, err := get(http.DefaultClient, srv, "/agents")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v %v", resp, err)
	}
	var v any
	if json.Unmarshal(body, &v) == nil || len(body) == 0 {
		t.Errorf("body %q decodes", body)
	}
}

func TestFaultGatewayError(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	srv.Inject("*", 1, blaxeltest.GatewayError("WORKLOAD_UNAVAILABLE"))
	a := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/functions"}).MustStatus(t, 404)
	e, _ := a.Body["error"].(map[string]any)
	if e["code"] != "WORKLOAD_UNAVAILABLE" || e["retryable"] != true || e["status"] != float64(404) ||
		a.Header.Get("X-Blaxel-Error-Code") != "WORKLOAD_UNAVAILABLE" || a.Header.Get("X-Blaxel-Source") == "" {
		t.Errorf("answer %v %s", a.Header, a.Raw)
	}
	srv.Inject("GetFunction", 1, blaxeltest.GatewayError("USAGE_LIMIT_EXCEEDED").WithRetryAfter("30"))
	if a := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/functions/f"}).MustStatus(t, 429); a.Header.Get("Retry-After") != "30" {
		t.Errorf("answer %v", a.Header)
	}
}

// recorder is a testing.TB that keeps the errors reported to it.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func TestInjectReportsUnknownRoutes(t *testing.T) {
	rec := &recorder{TB: t}
	srv := blaxeltest.NewServer(rec)
	srv.Inject("CreateSandboxes", 1, blaxeltest.Status(500))
	srv.Inject("GET /sandbox", 1, blaxeltest.Status(500))
	srv.Inject("*", 1, blaxeltest.GatewayError("NO_SUCH_CODE"))
	if len(rec.errors) != 3 {
		t.Errorf("reported %q", rec.errors)
	}
	faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes"}).MustStatus(t, 200) // nothing was armed
}

func TestInjectReportsStatusesHTTPCannotSend(t *testing.T) {
	rec := &recorder{TB: t}
	srv := blaxeltest.NewServer(rec)
	for _, status := range []int{0, 42, 99, 600, 1000, -503} {
		srv.Inject("GetSandbox", 1, blaxeltest.Status(status))
	}
	if len(rec.errors) != 6 {
		t.Errorf("reported %q", rec.errors)
	}
	faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes/box"}).MustStatus(t, 404) // nothing was armed
	srv.Inject("GetSandbox", 1, blaxeltest.Status(599))
	faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes/box"}).MustStatus(t, 599)
	if len(rec.errors) != 6 {
		t.Errorf("reported %q", rec.errors)
	}
}

func TestRequestLog(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes?limit=2&bl_preview_token=secret-token",
		Header: map[string]string{"Authorization": "Bearer bl_secret", "X-Blaxel-Preview-Token": "secret-token"}}).MustStatus(t, 200)
	faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/no/such/path"}).MustStatus(t, 404)
	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	r := reqs[0]
	if r.Method != "GET" || r.OperationID != "ListSandboxes" || r.Route != "GET /sandboxes" || r.Status != 200 ||
		r.Header.Get("Authorization") != "REDACTED" || r.Header.Get("X-Blaxel-Preview-Token") != "REDACTED" ||
		r.Header.Get("X-Blaxel-Workspace") != "ws" || !strings.HasPrefix(r.Path, "/v0/sandboxes?") ||
		!strings.Contains(r.Path, "limit=2") || strings.Contains(r.Path, "secret") {
		t.Errorf("logged %+v", r)
	}
	if r := reqs[1]; r.OperationID != "" || r.Status != 404 || r.Path != "/v0/no/such/path" {
		t.Errorf("logged %+v", r)
	}
	if n := srv.Attempts("GET /v0/no/such/path"); n != 1 {
		t.Errorf("%d attempts at an unknown path", n)
	}
}

// waitFor polls cond for up to a minute, a guard against a hang only.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatal("condition never met")
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func TestFaultDisconnectWithoutBody(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	srv.Inject("DeclineImageShare", 1, blaxeltest.Disconnect())
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/pending-image-shares/x/decline", nil)
	req.Header.Set("Authorization", "Bearer k")
	req.Header.Set("X-Blaxel-Workspace", "ws")
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("status %d, want a dropped connection", resp.StatusCode)
	}
	if r := srv.Requests()[0]; r.Status != 0 || r.Fault != "disconnect" {
		t.Errorf("logged %+v", r)
	}
}
