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

// serve runs the program with args in the background and returns its base URL, its log and a
// function that stops it and returns what run returned.
func serve(t *testing.T, args ...string) (string, *syncBuffer, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	urls := make(chan string, 1)
	done := make(chan error, 1)
	logs := &syncBuffer{}
	go func() {
		done <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), logs, func(url string) { urls <- url })
	}()
	stop := func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(time.Minute): // a guard against a hang only
			t.Fatal("the server did not stop")
			return nil
		}
	}
	select {
	case base := <-urls:
		return base, logs, stop
	case err := <-done:
		t.Fatalf("run: %v", err)
	case <-time.After(time.Minute): // a guard against a hang only
		t.Fatal("the server did not start")
	}
	return "", nil, nil
}

// status sends a GET with a key and a workspace and returns the status of the answer.
func status(t *testing.T, url, key string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("X-Blaxel-Workspace", "demo")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
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
	base, logs, stop := serve(t, "-seed", seeds, "-api-key", "bl_test", "-deploy-delay", "0s")
	for _, tc := range []struct {
		key  string
		want int
	}{{"bl_test", 200}, {"bl_other", 401}} {
		if got := status(t, base+"/sandboxes/seeded", tc.key); got != tc.want {
			t.Errorf("key %s: status %d, want %d", tc.key, got, tc.want)
		}
	}
	if err := stop(); err != nil {
		t.Errorf("run: %v", err)
	}
	out := logs.String()
	if !strings.Contains(out, "operation=GetSandbox") || !strings.Contains(out, "status=401") || !strings.Contains(out, "shutting down") {
		t.Errorf("log:\n%s", out)
	}
	if strings.Contains(out, "bl_test") || strings.Contains(out, "bl_other") {
		t.Errorf("the log shows a key:\n%s", out)
	}
}

// The seed file that the package comment and the README name.
func TestServesTheExampleSeeds(t *testing.T) {
	base, _, stop := serve(t, "-seed", filepath.Join("..", "..", "examples", "seeds.yaml"))
	defer stop()
	for _, path := range []string{"/sandboxes/demo-sandbox", "/sandboxes/by-external-id/demo-1", "/agents/demo-agent", "/functions/demo-tools"} {
		if got := status(t, base+path, "any-key"); got != 200 {
			t.Errorf("GET %s: status %d", path, got)
		}
	}
	// The deployed agent answers at the run URL, the server's root.
	run := strings.TrimSuffix(base, "/v0")
	if got := status(t, run+"/demo/agents/demo-agent", "any-key"); got != 200 {
		t.Errorf("the seeded agent answered %d at the run URL", got)
	}
}

func TestLogsTheRunURL(t *testing.T) {
	base, logs, stop := serve(t)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if run := strings.TrimSuffix(base, "/v0"); !strings.Contains(logs.String(), "run_url="+run) || !strings.Contains(logs.String(), "BL_RUN_URL="+run) {
		t.Errorf("log:\n%s", logs.String())
	}
}

func TestBadArguments(t *testing.T) {
	for _, args := range [][]string{
		{"-deploy-delay", "soon"},
		{"-seed", filepath.Join(t.TempDir(), "missing.yaml")},
		{"-client-id", "id"}, // a secret is needed too
		{"extra"},
		{"-file-dir", " "},
	} {
		err := run(context.Background(), append([]string{"-addr", "127.0.0.1:0"}, args...), io.Discard, nil)
		if err == nil || errors.Is(err, flag.ErrHelp) {
			t.Errorf("%q: err %v", args, err)
		}
	}
}

func TestServesSandboxesWithTheirFilesInTheFileDir(t *testing.T) {
	dir := t.TempDir()
	base, _, stop := serve(t, "-deploy-delay", "0s", "-file-dir", dir)
	req, _ := http.NewRequest(http.MethodPost, base+"/sandboxes", strings.NewReader(`{"metadata":{"name":"box"},"spec":{}}`))
	req.Header.Set("Authorization", "Bearer any-key")
	req.Header.Set("X-Blaxel-Workspace", "demo")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("create: %v %v", resp, err)
	}
	resp.Body.Close()
	sandbox := strings.TrimSuffix(base, "/v0") + "/demo/sandboxes/box"
	put, _ := http.NewRequest(http.MethodPut, sandbox+"/filesystem/hello.txt", strings.NewReader(`{"content":"hi"}`))
	put.Header.Set("X-Blaxel-Authorization", "Bearer any-key")
	put.Header.Set("Content-Type", "application/json")
	if resp, err = http.DefaultClient.Do(put); err != nil || resp.StatusCode != 200 {
		t.Fatalf("write: %v %v", resp, err)
	}
	resp.Body.Close()
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the file directory holds %v", entries)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left behind after the stop: %v", entries)
	}
}
