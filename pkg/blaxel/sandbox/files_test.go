package sandbox_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"strings"
	"testing"

	"github.com/blaxel-go/blaxel/gen/sandboxapi"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

func TestFilesAgainstTheFake(t *testing.T) {
	_, sb := fakeSandbox(t, blaxeltest.WithSandboxFileDir(t.TempDir()))
	ctx := context.Background()
	if err := sb.MkdirAll(ctx, "/project/src", 0o750); err != nil {
		t.Fatal(err)
	}
	binary := []byte{0, 1, 2, 0xff, '\n', '"', '\\'}
	if err := sb.WriteFile(ctx, "/project/src/data.bin", bytes.NewReader(binary), 0o640); err != nil {
		t.Fatal(err)
	}
	got, err := sb.ReadFile(ctx, "/project/src/data.bin")
	if err != nil || !bytes.Equal(got, binary) {
		t.Fatalf("ReadFile = %q, %v", got, err)
	}
	fi, err := sb.Stat(ctx, "/project/src/data.bin")
	if err != nil {
		t.Fatal(err)
	}
	if fi.Name() != "data.bin" || fi.Size() != int64(len(binary)) || fi.Mode() != 0o640 || fi.IsDir() {
		t.Errorf("Stat = %v", fi)
	}
	if fi, err := sb.Stat(ctx, "/project/src"); err != nil || !fi.IsDir() {
		t.Errorf("Stat of a directory = %v, %v", fi, err)
	}
	entries, err := sb.ReadDir(ctx, "/project")
	if err != nil || len(entries) != 1 || entries[0].Name() != "src" || !entries[0].IsDir() {
		t.Errorf("ReadDir = %v, %v", entries, err)
	}
	if _, err := sb.ReadDir(ctx, "/project/src/data.bin"); err == nil {
		t.Error("ReadDir of a file succeeded")
	}
	if _, err := sb.ReadFile(ctx, "/project/src"); err == nil {
		t.Error("ReadFile of a directory succeeded")
	}

	rc, err := sb.OpenRange(ctx, "/project/src/data.bin", 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	part, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(part, binary[2:5]) {
		t.Errorf("OpenRange(2, 3) = %q", part)
	}
	if rc, err := sb.OpenRange(ctx, "/project/src/data.bin", 100, -1); err != nil {
		t.Errorf("a range past the end: %v", err)
	} else if rest, _ := io.ReadAll(rc); len(rest) != 0 {
		t.Errorf("a range past the end read %q", rest)
	}

	if err := sb.WriteFile(ctx, "/project/src/a.go", strings.NewReader("package src // TODO: more\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	found, err := sb.Find(ctx, "/project", &sandboxapi.FindFilesParams{Patterns: ptr("*.go")})
	if err != nil || len(found.Matches) != 1 || !strings.HasSuffix(found.Matches[0].Path, "src/a.go") {
		t.Errorf("Find = %+v, %v", found, err)
	}
	grep, err := sb.Grep(ctx, "/project", sandboxapi.GrepFilesParams{Query: "TODO"})
	if err != nil || len(grep.Matches) != 1 || grep.Matches[0].Line != 1 {
		t.Errorf("Grep = %+v, %v", grep, err)
	}
	if _, err := sb.Search(ctx, "/project", &sandboxapi.SearchFilesParams{Patterns: ptr("data")}); err != nil {
		t.Errorf("Search: %v", err)
	}

	if err := sb.Remove(ctx, "/project/src"); err == nil {
		t.Error("Remove of a directory that is not empty succeeded")
	}
	if err := sb.RemoveAll(ctx, "/project"); err != nil {
		t.Fatal(err)
	}
	if _, err := sb.Stat(ctx, "/project/src/a.go"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat after RemoveAll: %v, want fs.ErrNotExist", err)
	}
	if err := sb.RemoveAll(ctx, "/project"); err != nil {
		t.Errorf("RemoveAll of what is gone: %v", err)
	}
	if err := sb.Remove(ctx, "/project"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Remove of what is gone: %v, want fs.ErrNotExist", err)
	}
	if err := sb.RemoveAll(ctx, "/a/../.."); err == nil {
		t.Error("RemoveAll of the root was sent")
	}
}

func TestHostilePathsLandOnTheFileMeant(t *testing.T) {
	_, sb := fakeSandbox(t, blaxeltest.WithSandboxFileDir(t.TempDir()))
	ctx := context.Background()
	long := strings.Repeat("n", 200)
	for _, name := range []string{
		"/tmp/tree.txt",             // a tree route by its prefix, were it relative
		"tree.txt",                  // relative: taken from the root
		"/tmp/a b/c d.txt",          // spaces
		"/tmp/x%2Fy.txt",            // an encoded slash in a name
		"/tmp/q?x=1#frag",           // a query and a fragment in a name
		"/tmp/ünï/cödé ✓.txt",       // unicode
		"/tmp/sub/../up.txt",        // a dot-dot that stays inside
		"/../../etc/escape.txt",     // one that would climb above the root
		"/tmp/" + long + "/" + long, // long segments
		"/tmp/" + strings.Repeat("deep/", 800) + "f.txt", // a 4 KB path
	} {
		content := "content of " + name
		if err := sb.WriteFile(ctx, name, strings.NewReader(content), 0o644); err != nil {
			t.Errorf("WriteFile(%q): %v", name, err)
			continue
		}
		got, err := sb.ReadFile(ctx, name)
		if err != nil || string(got) != content {
			t.Errorf("ReadFile(%q) = %q, %v", name, got, err)
		}
	}
	for want, written := range map[string]string{
		"/tree.txt":           "tree.txt",
		"/tmp/up.txt":         "/tmp/sub/../up.txt",
		"/etc/escape.txt":     "/../../etc/escape.txt",
		"/tmp/x%2Fy.txt":      "/tmp/x%2Fy.txt",
		"/tmp/a b/c d.txt":    "/tmp/a b/c d.txt",
		"/tmp/ünï/cödé ✓.txt": "/tmp/ünï/cödé ✓.txt",
	} {
		if _, err := sb.Stat(ctx, want); err != nil {
			t.Errorf("%q should be at %q: %v", written, want, err)
		}
	}
	if _, err := sb.Stat(ctx, "/tmp/x/y.txt"); err == nil {
		t.Error("an encoded slash in a name made a directory")
	}
}

func ptr[T any](v T) *T { return &v }
