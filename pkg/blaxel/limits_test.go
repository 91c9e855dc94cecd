package blaxel_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// guard bounds a call that must not hang: generous, since CI is a busy machine.
const guard = time.Minute

// stuckBody is a body whose Read blocks until it is closed, whatever any context says: the
// body of a 101 (the connection itself), or of a transport that does not watch contexts.
type stuckBody struct {
	once   sync.Once
	closed chan struct{}
}

func newStuckBody() *stuckBody { return &stuckBody{closed: make(chan struct{})} }

func (b *stuckBody) Read([]byte) (int, error) {
	<-b.closed
	return 0, io.ErrClosedPipe
}

func (b *stuckBody) Close() error {
	b.once.Do(func() { close(b.closed) })
	return nil
}

func (b *stuckBody) wasClosed() bool {
	select {
	case <-b.closed:
		return true
	default:
		return false
	}
}

// stuckAnswer is a transport that answers every request with status and body.
type stuckAnswer struct {
	status int
	body   io.ReadCloser
}

func (a stuckAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: a.status, Header: http.Header{"Content-Type": {"text/plain"}}, Body: a.body, Request: r}, nil
}

// callWithGuard runs call, failing the test if it has not returned after guard.
func callWithGuard(t *testing.T, call func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- call() }()
	select {
	case err := <-done:
		return err
	case <-time.After(guard):
		t.Fatalf("the call was still running after %v", guard)
		return nil
	}
}

// A 1xx that comes as the final answer is an *APIError at once: its body, which for a 101 is
// the connection, is closed unread.
func TestInformationalFinalAnswerIsAnErrorAtOnce(t *testing.T) {
	for _, status := range []int{http.StatusSwitchingProtocols, http.StatusEarlyHints} {
		body := newStuckBody()
		c, err := blaxel.New(blaxel.WithAPIKey("test-api-key"), blaxel.WithBaseURL("https://api.test/v0"),
			blaxel.WithHTTPClient(&http.Client{Transport: stuckAnswer{status: status, body: body}}))
		if err != nil {
			t.Fatal(err)
		}
		err = callWithGuard(t, func() error { _, err := c.GetSandbox(context.Background(), "sb", nil); return err })
		var apiErr *blaxel.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != status || len(apiErr.Body) != 0 {
			t.Errorf("%d: error %v", status, err)
		}
		if !body.wasClosed() {
			t.Errorf("%d: the body was not closed", status)
		}
	}
}

// The body of an error answer is read for no longer than the caller's context lasts, even
// through a transport whose bodies ignore contexts.
func TestErrorBodyReadEndsWithTheContext(t *testing.T) {
	body := newStuckBody()
	c, err := blaxel.New(blaxel.WithAPIKey("test-api-key"), blaxel.WithBaseURL("https://api.test/v0"),
		blaxel.WithHTTPClient(&http.Client{Transport: stuckAnswer{status: http.StatusBadRequest, body: body}}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err = callWithGuard(t, func() error { _, err := c.GetSandbox(ctx, "sb", nil); return err })
	if err == nil || !body.wasClosed() {
		t.Fatalf("error %v, body closed %v", err, body.wasClosed())
	}
}

func TestMaxResponseBytes(t *testing.T) {
	for _, n := range []int64{0, -1} {
		if _, err := blaxel.New(blaxel.WithAPIKey("test-api-key"), blaxel.WithMaxResponseBytes(n)); err == nil {
			t.Errorf("WithMaxResponseBytes(%d) accepted", n)
		}
	}
	mux, srv := setup(t)
	mux.HandleFunc("GET /v0/sandboxes/{name}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, sandboxJSON(r.PathValue("name")))
	})
	c := newClient(t, srv, apiKey(), blaxel.WithMaxResponseBytes(64))
	if _, err := c.GetSandbox(context.Background(), "sb", nil); err != nil {
		t.Errorf("a small answer: %v", err)
	}
	_, err := c.GetSandbox(context.Background(), strings.Repeat("n", 100), nil)
	var decErr *blaxel.DecodeError
	if !errors.Is(err, blaxel.ErrResponseTooLarge) || !errors.As(err, &decErr) || decErr.StatusCode != 200 {
		t.Errorf("an answer above the limit: %v", err)
	}
}

// The config file is read only when it is a regular file of at most 1 MiB.
func TestConfigFileAboveOneMiBIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	content := "context:\n  workspace: ws\n#" + strings.Repeat("x", 1<<20) + "\n"
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := blaxel.NewFromEnv(blaxel.WithEnv(func(string) string { return "" }), blaxel.WithConfigFile(path), blaxel.WithAPIKey("test-api-key"))
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("error %v", err)
	}
	if _, err := blaxel.NewFromEnv(blaxel.WithEnv(func(string) string { return "" }), blaxel.WithConfigFile(t.TempDir()),
		blaxel.WithAPIKey("test-api-key")); err == nil {
		t.Fatal("a directory was read as a config file")
	}
}
