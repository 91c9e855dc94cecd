package sandboxfake_test

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// abs escapes an absolute path as one segment, the way a generated client sends it: every
// slash becomes %2F, so the server takes the path as absolute.
func abs(p string) string { return url.PathEscape(p) }

func TestThePathRule(t *testing.T) {
	b := newBox(t)
	b.writeFile("src/a.go", "relative")      // /blaxel/src/a.go
	b.writeFile("src%2Fa.go", "escaped")     // %2F anywhere: /src/a.go
	b.writeFile("%2Fsrc%2Fb.go", "absolute") // /src/b.go
	b.writeFile("/opt/c.go", "doubled")      // //opt/c.go: /opt/c.go
	b.writeFile("a%2fb.txt", "lowercase")    // only %2F counts: relative a/b.txt
	for _, c := range []struct{ path, want string }{
		{abs("/blaxel/src/a.go"), "relative"},
		{abs("/src/a.go"), "escaped"},
		{abs("/src/b.go"), "absolute"},
		{abs("/opt/c.go"), "doubled"},
		{abs("/blaxel/a/b.txt"), "lowercase"},
		{"src/a.go", "relative"},
		{"src/../src/./a.go", "relative"},
		{abs("~/../blaxel/src/a.go"), "relative"},
	} {
		if got := b.readFile(c.path); got != c.want {
			t.Errorf("%s holds %q, want %q", c.path, got, c.want)
		}
	}
	info := object(t, b.call(sbxRequest{method: "PUT", path: "/filesystem/src/d.go", json: map[string]any{"content": "d"}}, 200))
	if info["path"] != "src/d.go" {
		t.Errorf("the answer names %v: the server shows the path as given", info["path"])
	}
}

func TestTreeCaptureOfNamesStartingWithTree(t *testing.T) {
	b := newBox(t)
	// A relative tree.txt goes to the tree routes, which read it as /.txt.
	b.call(sbxRequest{method: "PUT", path: "/filesystem/tree.txt", json: map[string]any{"files": map[string]string{"x": "captured"}}}, 200)
	if got := b.readFile(abs("/.txt/x")); got != "captured" {
		t.Errorf("/.txt/x holds %q", got)
	}
	// Escaped, the same name is the file meant.
	b.writeFile(abs("/blaxel/tree.txt"), "the file")
	if got := b.readFile(abs("/blaxel/tree.txt")); got != "the file" {
		t.Errorf("tree.txt holds %q", got)
	}
	clean := newBox(t, blaxeltest.WithSandboxQuirks(0))
	clean.writeFile("tree.txt", "not captured")
	if got := clean.readFile(abs("/blaxel/tree.txt")); got != "not captured" {
		t.Errorf("without the quirk tree.txt holds %q", got)
	}
}

func TestHostilePathsLandOnTheFileMeant(t *testing.T) {
	parent := t.TempDir()
	b := newBox(t, blaxeltest.WithSandboxFileDir(parent))
	long := strings.Repeat("d", 200)
	deep := "/tmp/" + strings.Repeat(long+"/", 19) + "end.txt" // about 3.9 KB
	names := []string{
		"/tmp/a b c.txt",
		"/tmp/é ü 日本語 🙂.txt",
		"/tmp/q?uery#frag%25.txt",
		"/tmp/semi;colon&amp=1",
		"/tmp/" + strings.Repeat("n", 255),
		deep,
		"/../../../etc/passwd",
		"/tmp/..../x",
	}
	for i, name := range names {
		b.writeFile(abs(name), "content "+name)
		if got := b.readFile(abs(name)); got != "content "+name {
			t.Errorf("%d: %q holds %q", i, name, got)
		}
	}
	// Each name is one file: /etc/passwd of the sandbox, never of the host.
	if got := b.readFile(abs("/etc/passwd")); got != "content /../../../etc/passwd" {
		t.Errorf("/etc/passwd holds %q", got)
	}
	listing := object(t, b.call(sbxRequest{path: "/filesystem/" + abs("/tmp")}, 200))
	if n := len(listing["files"].([]any)); n != 5 {
		t.Errorf("/tmp holds %d files, want 5: %v", n, listing["files"])
	}
	// What the kernel refuses, the sandbox refuses.
	data := b.call(sbxRequest{method: "PUT", path: "/filesystem/" + abs("/tmp/"+strings.Repeat("n", 256)), json: map[string]any{"content": "x"}}, 422)
	if !strings.Contains(string(data), "file name too long") {
		t.Errorf("a 256-byte name answered %s", data)
	}
	b.call(sbxRequest{method: "PUT", path: "/filesystem/" + abs("/tmp/"+strings.Repeat(long+"/", 21)+"x"), json: map[string]any{"content": "x"}}, 422)
	// Nothing left the file directory.
	var outside []string
	_ = filepath.WalkDir(parent, func(p string, d os.DirEntry, _ error) error {
		if !d.IsDir() && filepath.Dir(filepath.Dir(p)) != parent {
			outside = append(outside, p)
		}
		return nil
	})
	if len(outside) > 0 {
		t.Errorf("files outside the store's directory: %v", outside)
	}
}
