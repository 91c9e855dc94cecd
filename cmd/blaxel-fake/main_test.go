package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer that the server's log and the test can share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestServesSeedsAndStopsOnCancel(t *testing.T) {
	seeds := filepath.Join(t.TempDir(), "seeds.yaml")
	err := os.WriteFile(seeds, []byte(`
- path: /sandboxes
  body: {metadata: {name: seeded}, spec: {}}
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	urls := make(chan string, 1)
	done := make(chan error, 1)
	var logs syncBuffer
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-seed", seeds, "-api-key", "bl_test", "-deploy-delay", "0s"}, &logs,
			func(url string) { urls <- url })
	}()
	var base string
	select {
	case base = <-urls:
	case err := <-done:
		t.Fatalf("run: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not start")
	}

	for _, tc := range []struct {
		key  string
		want int
	}{{"bl_test", 200}, {"bl_other", 401}} {
		req, _ := http.NewRequest(http.MethodGet, base+"/sandboxes/seeded", nil)
		req.Header.Set("Authorization", "Bearer "+tc.key)
		req.Header.Set("X-Blaxel-Workspace", "demo")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("key %s: status %d: %s", tc.key, resp.StatusCode, body)
		}
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not stop")
	}
	out := logs.String()
	if !strings.Contains(out, "operation=GetSandbox") || !strings.Contains(out, "status=401") || !strings.Contains(out, "shutting down") {
		t.Errorf("log:\n%s", out)
	}
	if strings.Contains(out, "bl_test") || strings.Contains(out, "bl_other") {
		t.Errorf("the log shows a key:\n%s", out)
	}
}

func TestBadArguments(t *testing.T) {
	for _, args := range [][]string{
		{"-deploy-delay", "soon"},
		{"-seed", filepath.Join(t.TempDir(), "missing.yaml")},
		{"-client-id", "id"}, // a secret is needed too
		{"extra"},
	} {
		err := run(context.Background(), append([]string{"-addr", "127.0.0.1:0"}, args...), io.Discard, nil)
		if err == nil || errors.Is(err, flag.ErrHelp) {
			t.Errorf("%q: err %v", args, err)
		}
	}
}
