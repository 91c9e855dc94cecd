package sandboxfake_test

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

func TestFileRoundTripWithRangeAnd304(t *testing.T) {
	b := newBox(t)
	b.writeFile("src/main.go", "package main\n")
	got := object(t, b.call(sbxRequest{path: "/filesystem/src/main.go"}, 200))
	if got["content"] != "package main\n" || got["path"] != "src/main.go" || got["permissions"] != "644" || got["name"] != "" {
		t.Errorf("JSON read %v", got)
	}
	if got["size"] != 13.0 || got["owner"] != "root" {
		t.Errorf("JSON read %v", got)
	}

	resp := b.do(sbxRequest{path: "/filesystem/src/main.go", header: map[string]string{"Accept": "application/octet-stream", "Range": "bytes=8-11"}})
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 206 || string(data) != "main" || resp.Header.Get("Content-Range") != "bytes 8-11/13" {
		t.Errorf("range: %d %q %q", resp.StatusCode, data, resp.Header.Get("Content-Range"))
	}
	if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="main.go"` {
		t.Errorf("Content-Disposition %q", cd)
	}
	modified := resp.Header.Get("Last-Modified")
	resp = b.do(sbxRequest{path: "/filesystem/src/main.go?download=true", header: map[string]string{"If-Modified-Since": modified}})
	resp.Body.Close()
	if resp.StatusCode != 304 {
		t.Errorf("If-Modified-Since answered %d, want 304", resp.StatusCode)
	}
	// Accept naming another specific type is a download too; */* is JSON.
	if got := string(b.call(sbxRequest{path: "/filesystem/src/main.go", header: map[string]string{"Accept": "text/plain"}}, 200)); got != "package main\n" {
		t.Errorf("Accept: text/plain got %q", got)
	}
	if got := object(t, b.call(sbxRequest{path: "/filesystem/src/main.go", header: map[string]string{"Accept": "*/*"}}, 200)); got["content"] != "package main\n" {
		t.Errorf("Accept: */* got %v", got)
	}
	b.call(sbxRequest{path: "/filesystem/src/none.go"}, 404)
}

func TestDirectoriesAndPermissions(t *testing.T) {
	b := newBox(t)
	b.call(sbxRequest{method: "PUT", path: "/filesystem/%2Fopt%2Ftools", json: map[string]any{"isDirectory": true}}, 200)
	b.call(sbxRequest{method: "PUT", path: "/filesystem/%2Fopt%2Ftools%2Frun.sh", json: map[string]any{"content": "#!/bin/sh\n", "permissions": "755"}}, 200)
	b.call(sbxRequest{method: "PUT", path: "/filesystem/%2Fopt%2Fx", json: map[string]any{"content": "x", "permissions": "8"}}, 400)
	dir := object(t, b.call(sbxRequest{path: "/filesystem/%2Fopt"}, 200))
	subs := dir["subdirectories"].([]any)
	if dir["path"] != "/opt" || dir["name"] != "opt" || len(subs) != 1 || subs[0].(map[string]any)["path"] != "/opt/tools" {
		t.Errorf("listing %v", dir)
	}
	tools := object(t, b.call(sbxRequest{path: "/filesystem/%2Fopt%2Ftools"}, 200))
	files := tools["files"].([]any)
	if len(files) != 1 || files[0].(map[string]any)["permissions"] != "755" || files[0].(map[string]any)["name"] != "run.sh" {
		t.Errorf("files %v", files)
	}
	// A directory that is not empty goes only with recursive=true.
	b.call(sbxRequest{method: "DELETE", path: "/filesystem/%2Fopt"}, 422)
	b.call(sbxRequest{method: "DELETE", path: "/filesystem/%2Fopt?recursive=true"}, 200)
	b.call(sbxRequest{path: "/filesystem/%2Fopt%2Ftools%2Frun.sh"}, 404)
	b.call(sbxRequest{method: "DELETE", path: "/filesystem/%2Fopt"}, 404)
	// The working directory itself.
	if wd := object(t, b.call(sbxRequest{path: "/filesystem/"}, 200)); wd["path"] != "/blaxel" {
		t.Errorf("/filesystem/ lists %v", wd["path"])
	}
}

// formUpload builds a multipart/form-data body with the fields in order.
func formUpload(t *testing.T, fields [][2]string, content []byte) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		if f[0] == "file" {
			w, _ := mw.CreateFormFile("file", f[1])
			_, _ = w.Write(content)
			continue
		}
		_ = mw.WriteField(f[0], f[1])
	}
	_ = mw.Close()
	return &buf, mw.FormDataContentType()
}

func TestBinaryUploadAndThePermissionsOrder(t *testing.T) {
	content := make([]byte, 300<<10)
	_, _ = rand.Read(content)
	for _, c := range []struct {
		name   string
		quirks blaxeltest.Quirk
		fields [][2]string
		want   string
	}{
		{"permissions first", blaxeltest.AllQuirks, [][2]string{{"permissions", "750"}, {"file", "blob.bin"}}, "750"},
		{"permissions last, ignored", blaxeltest.AllQuirks, [][2]string{{"file", "blob.bin"}, {"permissions", "750"}}, "644"},
		{"permissions last, without the quirk", 0, [][2]string{{"file", "blob.bin"}, {"permissions", "750"}}, "750"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := newBox(t, blaxeltest.WithSandboxQuirks(c.quirks))
			body, ct := formUpload(t, c.fields, content)
			b.call(sbxRequest{method: "PUT", path: "/filesystem/%2Ftmp%2Fblob.bin", body: body, header: map[string]string{"Content-Type": ct}}, 200)
			if got := b.readFile("%2Ftmp%2Fblob.bin"); got != string(content) {
				t.Errorf("read back %d bytes, they differ from the %d sent", len(got), len(content))
			}
			listing := object(t, b.call(sbxRequest{path: "/filesystem/%2Ftmp"}, 200))
			if perm := listing["files"].([]any)[0].(map[string]any)["permissions"]; perm != c.want {
				t.Errorf("permissions %v, want %s", perm, c.want)
			}
		})
	}
	b := newBox(t)
	body, ct := formUpload(t, [][2]string{{"permissions", "644"}}, nil)
	b.call(sbxRequest{method: "PUT", path: "/filesystem/x", body: body, header: map[string]string{"Content-Type": ct}}, 400)
}

func TestTreeRoutes(t *testing.T) {
	b := newBox(t)
	listing := object(t, b.call(sbxRequest{method: "PUT", path: "/filesystem/tree/app",
		json: map[string]any{"files": map[string]string{"a.txt": "A", "lib/b.txt": "B"}}}, 200))
	if listing["path"] != "/app" || len(listing["files"].([]any)) != 1 || len(listing["subdirectories"].([]any)) != 1 {
		t.Errorf("tree PUT answered %v", listing)
	}
	if got := b.readFile("%2Fapp%2Flib%2Fb.txt"); got != "B" {
		t.Errorf("lib/b.txt holds %q", got)
	}
	b.call(sbxRequest{path: "/filesystem/tree/app%2Fa.txt"}, 400) // a file is not a tree
	b.call(sbxRequest{method: "DELETE", path: "/filesystem/tree/app"}, 422)
	b.call(sbxRequest{method: "DELETE", path: "/filesystem/tree/app?recursive=true"}, 200)
	b.call(sbxRequest{path: "/filesystem/%2Fapp"}, 404)
}

func TestFindSearchAndGrep(t *testing.T) {
	b := newBox(t)
	b.call(sbxRequest{method: "PUT", path: "/filesystem/tree/proj", json: map[string]any{"files": map[string]string{
		"main.go": "package main\nfunc Hello() {}\n", "util/strings.go": "package util // hello\n",
		"README.md": "Say HELLO\n", ".hidden/x.go": "hello", "node_modules/m.go": "hello",
	}}}, 200)
	find := object(t, b.call(sbxRequest{path: "/filesystem-find/%2Fproj?patterns=*.go"}, 200))
	var paths []string
	for _, m := range find["matches"].([]any) {
		paths = append(paths, m.(map[string]any)["path"].(string))
	}
	if strings.Join(paths, ",") != "main.go,util/strings.go" {
		t.Errorf("find: %v", paths)
	}
	dirs := object(t, b.call(sbxRequest{path: "/filesystem-find/%2Fproj?type=directory"}, 200))
	if dirs["total"] != 2.0 { // proj itself (".") and util
		t.Errorf("find directories: %v", dirs)
	}
	b.call(sbxRequest{path: "/filesystem-find/%2Fproj?type=socket"}, 400)
	grep := object(t, b.call(sbxRequest{path: "/filesystem-content-search/%2Fproj?query=hello"}, 200))
	if grep["total"] != 4.0 { // node_modules is skipped, hidden files are not
		t.Errorf("grep: %v", grep)
	}
	cs := object(t, b.call(sbxRequest{path: "/filesystem-content-search/%2Fproj?query=HELLO&caseSensitive=true"}, 200))
	if cs["total"] != 1.0 || cs["matches"].([]any)[0].(map[string]any)["column"] != 5.0 {
		t.Errorf("case-sensitive grep: %v", cs)
	}
	b.call(sbxRequest{path: "/filesystem-content-search/%2Fnowhere?query=x"}, 400)
	// The fuzzy search takes its path as both the directory and the query, as the real one.
	b.call(sbxRequest{method: "PUT", path: "/filesystem/tree/blaxel/go", json: map[string]any{"files": map[string]string{
		"go.mod": "module x\n", "x/y.go": "package x\n", "readme": "",
	}}}, 200)
	fuzzy := object(t, b.call(sbxRequest{path: "/filesystem-search/go"}, 200))
	var found []string
	for _, m := range fuzzy["matches"].([]any) {
		found = append(found, m.(map[string]any)["path"].(string))
	}
	if strings.Join(found, ",") != "go.mod,x/y.go" {
		t.Errorf("fuzzy search found %v", found)
	}
}

func TestFileDirKeepsContentsUnderRandomNames(t *testing.T) {
	parent := t.TempDir()
	b := newBox(t, blaxeltest.WithSandboxFileDir(parent))
	b.writeFile("%2Fetc%2Fpasswd", "sandbox only")
	b.writeFile("..%2F..%2F..%2Fescape.txt", "still inside")
	entries, _ := os.ReadDir(parent)
	if len(entries) != 1 || !strings.HasPrefix(entries[0].Name(), "blaxeltest-files-") {
		t.Fatalf("the file directory holds %v", entries)
	}
	own := filepath.Join(parent, entries[0].Name())
	blobName := regexp.MustCompile(`^[0-9a-f]{32}$`)
	_ = filepath.WalkDir(own, func(p string, d os.DirEntry, err error) error {
		if p != own && (d.IsDir() || !blobName.MatchString(d.Name())) {
			t.Errorf("%s is not a blob of the store", p)
		}
		return nil
	})
	if got := b.readFile("%2Fescape.txt"); got != "still inside" {
		t.Errorf("the escaping path landed elsewhere: %q", got)
	}
	b.srv.Close()
	if _, err := os.Stat(own); !os.IsNotExist(err) {
		t.Errorf("the file directory is left after Close: %v", err)
	}
}

func TestWatchSeesTheFakesOwnWrites(t *testing.T) {
	b := newBox(t)
	b.call(sbxRequest{method: "PUT", path: "/filesystem/%2Fw%2Fsub", json: map[string]any{"isDirectory": true}}, 200)
	flat := b.watch("/watch/filesystem/%2Fw")
	deep := b.watch("/watch/filesystem/%2Fw%2F**?ignore=skip")
	b.writeFile("%2Fw%2Fa.txt", "1")
	b.writeFile("%2Fw%2Fa.txt", "2")
	b.writeFile("%2Fw%2Fsub%2Fb.txt", "3")
	b.writeFile("%2Fw%2Fskip.txt", "4")
	b.call(sbxRequest{method: "DELETE", path: "/filesystem/%2Fw%2Fa.txt"}, 200)
	want := []string{"CREATE /w/a.txt", "WRITE /w/a.txt", "WRITE /w/a.txt", "CREATE /w/skip.txt", "WRITE /w/skip.txt", "REMOVE /w/a.txt"}
	if got := flat.next(t, len(want)); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("flat watch saw %v, want %v", got, want)
	}
	want = []string{"CREATE /w/a.txt", "WRITE /w/a.txt", "WRITE /w/a.txt", "CREATE /w/sub/b.txt", "WRITE /w/sub/b.txt", "REMOVE /w/a.txt"}
	if got := deep.next(t, len(want)); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("recursive watch saw %v, want %v", got, want)
	}
	b.call(sbxRequest{path: "/watch/filesystem/%2Fnowhere"}, 400)
}

func TestWatchKeepalives(t *testing.T) {
	b := newBox(t, blaxeltest.WithSandboxSecond(time.Millisecond))
	w := b.watch("/watch/filesystem/")
	line, err := w.r.ReadString('\n')
	if err != nil || line != "[keepalive]\n" {
		t.Errorf("first line %q, %v", line, err)
	}
}

// watchStream reads a watch stream.
type watchStream struct {
	r *bufio.Reader
}

// watch opens a watch stream, closed when the test ends.
func (b *box) watch(path string) *watchStream {
	b.t.Helper()
	resp := b.do(sbxRequest{path: path})
	if resp.StatusCode != 200 {
		b.t.Fatalf("watch %s: %d", path, resp.StatusCode)
	}
	b.t.Cleanup(func() { resp.Body.Close() })
	return &watchStream{r: bufio.NewReader(resp.Body)}
}

// next reads n events as "OP /dir/name", skipping keepalives.
func (w *watchStream) next(t *testing.T, n int) []string {
	t.Helper()
	var out []string
	for len(out) < n {
		line, err := w.r.ReadString('\n')
		if err != nil {
			t.Fatalf("after %v: %v", out, err)
		}
		if line == "[keepalive]\n" {
			continue
		}
		var ev struct {
			Op, Name, Path string
			Error          *string
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		out = append(out, ev.Op+" "+strings.TrimSuffix(ev.Path, "/")+"/"+ev.Name)
	}
	return out
}

func TestFileDirUploadOfABigFileStaysOnDisk(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 8 MiB")
	}
	parent := t.TempDir()
	b := newBox(t, blaxeltest.WithSandboxFileDir(parent))
	const size = 8 << 20
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		w, _ := mw.CreateFormFile("file", "big.bin")
		chunk := bytes.Repeat([]byte("0123456789abcdef"), 4096)
		for written := 0; written < size; written += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.CloseWithError(mw.Close())
	}()
	b.call(sbxRequest{method: "PUT", path: "/filesystem/%2Ftmp%2Fbig.bin", body: pr, header: map[string]string{"Content-Type": mw.FormDataContentType()}}, 200)
	var onDisk int64
	_ = filepath.WalkDir(parent, func(_ string, d os.DirEntry, _ error) error {
		if info, err := d.Info(); err == nil && !d.IsDir() {
			onDisk += info.Size()
		}
		return nil
	})
	if onDisk != size {
		t.Errorf("%d bytes on disk, want %d", onDisk, size)
	}
	resp := b.do(sbxRequest{path: "/filesystem/%2Ftmp%2Fbig.bin", header: map[string]string{"Accept": "application/octet-stream"}})
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil || n != size || resp.Header.Get("Content-Length") != "8388608" {
		t.Errorf("download: %d bytes, %v, length %q", n, err, resp.Header.Get("Content-Length"))
	}
}

func TestRangesAcrossStorageChunks(t *testing.T) {
	content := make([]byte, 200<<10)
	_, _ = rand.Read(content)
	for name, opts := range map[string][]blaxeltest.Option{
		"memory":   nil,
		"file dir": {blaxeltest.WithSandboxFileDir(t.TempDir())},
	} {
		t.Run(name, func(t *testing.T) {
			b := newBox(t, opts...)
			body, ct := formUpload(t, [][2]string{{"file", "r.bin"}}, content)
			b.call(sbxRequest{method: "PUT", path: "/filesystem/r.bin", body: body, header: map[string]string{"Content-Type": ct}}, 200)
			for _, r := range [][2]int{{0, 9}, {65530, 65545}, {131071, 131072}, {len(content) - 5, len(content) - 1}} {
				got := b.call(sbxRequest{path: "/filesystem/r.bin?download=true", header: map[string]string{"Range": fmt.Sprintf("bytes=%d-%d", r[0], r[1])}}, 206)
				if !bytes.Equal(got, content[r[0]:r[1]+1]) {
					t.Errorf("range %v: wrong bytes", r)
				}
			}
			b.call(sbxRequest{path: "/filesystem/r.bin?download=true", header: map[string]string{"Range": "bytes=999999999-"}}, 416)
			if got := b.readFile("r.bin"); got != string(content) {
				t.Error("the whole file differs")
			}
		})
	}
}

// cutOff yields its bytes, then fails: a request body the client could not finish.
type cutOff struct{ r io.Reader }

func (c cutOff) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err == io.EOF {
		err = errors.New("the client stopped sending")
	}
	return n, err
}

// A form PUT whose body is cut off in the middle of the file writes no file, whether files
// are kept in memory or on disk.
func TestWriteCutOffLeavesNoFile(t *testing.T) {
	for name, opts := range map[string][]blaxeltest.Option{"memory": nil, "disk": {blaxeltest.WithSandboxFileDir(t.TempDir())}} {
		b := newBox(t, opts...)
		var form bytes.Buffer
		mw := multipart.NewWriter(&form)
		w, _ := mw.CreateFormFile("file", "cut.bin")
		_, _ = w.Write(bytes.Repeat([]byte("x"), 200<<10))
		_ = mw.Close()
		whole := form.Len()
		r, err := http.NewRequest("PUT", b.url+"/filesystem/cut.bin", cutOff{bytes.NewReader(form.Bytes()[:100<<10])})
		if err != nil {
			t.Fatal(err)
		}
		r.ContentLength = int64(whole)
		r.Header.Set("X-Blaxel-Authorization", "Bearer test-key")
		r.Header.Set("Content-Type", mw.FormDataContentType())
		if resp, err := http.DefaultClient.Do(r); err == nil {
			resp.Body.Close()
			t.Fatalf("%s: the cut-off request got an answer, %d", name, resp.StatusCode)
		}
		resp := b.do(sbxRequest{path: "/filesystem/cut.bin"})
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: reading the file after the cut-off write: status %d, want 404", name, resp.StatusCode)
		}
	}
}
