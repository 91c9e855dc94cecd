package sandbox_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

func TestFSAgainstTheFake(t *testing.T) {
	_, sb := fakeSandbox(t, blaxeltest.WithSandboxFileDir(t.TempDir()))
	ctx := context.Background()
	files := map[string]string{
		"/site/index.html":       "<h1>hello</h1>",
		"/site/css/main.css":     "body{}",
		"/site/docs/a.md":        "# a",
		"/site/docs/b.md":        "# b",
		"/site/docs/deep/c.txt":  strings.Repeat("c", 5000),
		"/site/with space/d.txt": "d",
	}
	for name, content := range files {
		if err := sb.WriteFile(ctx, name, strings.NewReader(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	site, err := fs.Sub(sb.FS(ctx), "site")
	if err != nil {
		t.Fatal(err)
	}
	// The standard checker: opening, reading, seeking, listing and walking all agree.
	if err := fstest.TestFS(site, "index.html", "css/main.css", "docs/a.md", "docs/b.md", "docs/deep/c.txt", "with space/d.txt"); err != nil {
		t.Fatal(err)
	}
	md, err := fs.Glob(site, "docs/*.md")
	if err != nil || strings.Join(md, ",") != "docs/a.md,docs/b.md" {
		t.Errorf("Glob = %v, %v", md, err)
	}
	var walked []string
	if err := fs.WalkDir(sb.FS(ctx), "site", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			walked = append(walked, p)
		}
		return nil
	}); err != nil || len(walked) != len(files) {
		t.Errorf("WalkDir found %v, %v", walked, err)
	}
	var pe *fs.PathError
	if _, err := fs.Stat(sb.FS(ctx), "site/missing"); !errors.Is(err, fs.ErrNotExist) || !errors.As(err, &pe) || pe.Path != "site/missing" {
		t.Errorf("Stat of a missing file: %v", err)
	}
	if _, err := sb.FS(ctx).Open("/abs"); err == nil {
		t.Error("fs.FS accepted a rooted name")
	}

	// http.FS serves the sandbox's files, ranges included.
	web := httptest.NewServer(http.FileServerFS(site))
	t.Cleanup(web.Close)
	req, _ := http.NewRequest(http.MethodGet, web.URL+"/docs/deep/c.txt", nil)
	req.Header.Set("Range", "bytes=4990-")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent || string(body) != "cccccccccc" {
		t.Errorf("ranged GET through http.FS: %d %q", resp.StatusCode, body)
	}
	resp, err = http.Get(web.URL + "/index.html")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != files["/site/index.html"] {
		t.Errorf("GET through http.FS: %q", body)
	}
}

func TestWatchAgainstTheFake(t *testing.T) {
	_, sb := fakeSandbox(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := sb.MkdirAll(ctx, "/watched/sub", 0); err != nil {
		t.Fatal(err)
	}
	events := make(chan sandbox.FileEvent, 16)
	done := make(chan error, 1)
	watchCtx, stopWatching := context.WithCancel(ctx)
	go func() {
		defer close(events)
		for ev, err := range sb.Watch(watchCtx, "/watched", sandbox.WatchRecursive(), sandbox.WatchIgnore("ignored")) {
			if err != nil {
				done <- err
				return
			}
			events <- ev
		}
		done <- nil
	}()
	// The watch is open once a write shows up; write until one does.
	var first sandbox.FileEvent
	for first.Path == "" {
		if err := sb.WriteFile(ctx, "/watched/sub/ignored.txt", strings.NewReader("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := sb.WriteFile(ctx, "/watched/sub/new.txt", strings.NewReader("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		select {
		case first = <-events:
		case <-time.After(50 * time.Millisecond):
		}
	}
	if first.Path != "/watched/sub/new.txt" || !(first.Has("CREATE") || first.Has("WRITE")) {
		t.Errorf("first event = %+v", first)
	}
	stopWatching()
	for ev := range events {
		if strings.Contains(ev.Path, "ignored") {
			t.Errorf("an ignored path came through: %+v", ev)
		}
	}
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("the watch ended with %v, want its context's error", err)
	}
	for _, err := range sb.Watch(ctx, "/not/there") {
		if err == nil {
			t.Error("watching a missing directory yielded an event")
		}
		break
	}
}
