package sandboxfake_test

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// putPart uploads one part and returns its etag.
func (b *box) putPart(id string, number int, data []byte) string {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	w, _ := mw.CreateFormFile("file", "part")
	_, _ = w.Write(data)
	_ = mw.Close()
	got := object(b.t, b.call(sbxRequest{method: "PUT", path: fmt.Sprintf("/filesystem-multipart/%s/part?partNumber=%d", id, number),
		body: &body, header: map[string]string{"Content-Type": mw.FormDataContentType()}}, 200))
	if got["partNumber"] != float64(number) || got["size"] != float64(len(data)) {
		b.t.Errorf("part %d answered %v", number, got)
	}
	return got["etag"].(string)
}

func md5hex(data []byte) string {
	sum := md5.Sum(data)
	return hex.EncodeToString(sum[:])
}

func TestMultipartUploadAssemblesByPartNumber(t *testing.T) {
	b := newBox(t)
	started := object(t, b.call(sbxRequest{method: "POST", path: "/filesystem-multipart/initiate/big.bin", json: map[string]any{"permissions": "600"}}, 200))
	id := started["uploadId"].(string)
	if started["path"] != "/blaxel/big.bin" {
		t.Errorf("initiate answered path %v, want it absolute", started["path"])
	}
	parts := map[int][]byte{1: []byte(strings.Repeat("a", 1000)), 2: []byte("bb"), 3: []byte("c")}
	etags := map[int]string{}
	for _, n := range []int{3, 1, 2} { // any order
		etags[n] = b.putPart(id, n, parts[n])
		if etags[n] != md5hex(parts[n]) {
			t.Errorf("part %d: etag %s, want the MD5 %s", n, etags[n], md5hex(parts[n]))
		}
	}
	etags[2] = b.putPart(id, 2, []byte("BB")) // the same number replaces the part

	listed := object(t, b.call(sbxRequest{path: "/filesystem-multipart/" + id + "/parts"}, 200))
	var numbers []float64
	for _, p := range listed["parts"].([]any) {
		numbers = append(numbers, p.(map[string]any)["partNumber"].(float64))
	}
	if fmt.Sprint(numbers) != "[1 2 3]" {
		t.Errorf("parts listed %v, want by number", numbers)
	}
	uploads := object(t, b.call(sbxRequest{path: "/filesystem-multipart"}, 200))["uploads"].([]any)
	if len(uploads) != 1 || uploads[0].(map[string]any)["permissions"] != 384.0 { // 0600, in decimal
		t.Errorf("uploads %v", uploads)
	}

	// A wrong etag or a part never sent fails the completion; the upload stays.
	b.call(sbxRequest{method: "POST", path: "/filesystem-multipart/" + id + "/complete",
		json: map[string]any{"parts": []map[string]any{{"partNumber": 1, "etag": md5hex([]byte("x"))}}}}, 500)
	b.call(sbxRequest{method: "POST", path: "/filesystem-multipart/" + id + "/complete",
		json: map[string]any{"parts": []map[string]any{{"partNumber": 4, "etag": "x"}}}}, 500)
	b.call(sbxRequest{method: "POST", path: "/filesystem-multipart/" + id + "/complete", json: map[string]any{"parts": []any{}}}, 400)

	list := []map[string]any{{"partNumber": 3, "etag": etags[3]}, {"partNumber": 1, "etag": etags[1]}, {"partNumber": 2, "etag": etags[2]}}
	done := object(t, b.call(sbxRequest{method: "POST", path: "/filesystem-multipart/" + id + "/complete", json: map[string]any{"parts": list}}, 200))
	if done["path"] != "/blaxel/big.bin" {
		t.Errorf("complete answered %v", done)
	}
	if got, want := b.readFile("big.bin"), strings.Repeat("a", 1000)+"BBc"; got != want {
		t.Errorf("the file is %q..., want the parts in number order", got[:min(20, len(got))])
	}
	if perm := object(t, b.call(sbxRequest{path: "/filesystem/"}, 200))["files"].([]any)[0].(map[string]any)["permissions"]; perm != "600" {
		t.Errorf("permissions %v, want those of the initiation", perm)
	}
	// The upload is gone once complete.
	b.call(sbxRequest{path: "/filesystem-multipart/" + id + "/parts"}, 404)
	b.call(sbxRequest{method: "POST", path: "/filesystem-multipart/" + id + "/complete", json: map[string]any{"parts": list}}, 404)
}

func TestMultipartAbort(t *testing.T) {
	b := newBox(t)
	id := object(t, b.call(sbxRequest{method: "POST", path: "/filesystem-multipart/initiate/" + abs("/tmp/x")}, 200))["uploadId"].(string)
	b.putPart(id, 1, []byte("data"))
	b.call(sbxRequest{method: "DELETE", path: "/filesystem-multipart/" + id + "/abort"}, 200)
	b.call(sbxRequest{method: "DELETE", path: "/filesystem-multipart/" + id + "/abort"}, 404)
	var uploads struct{ Uploads []any }
	if err := json.Unmarshal(b.call(sbxRequest{path: "/filesystem-multipart"}, 200), &uploads); err != nil || len(uploads.Uploads) != 0 {
		t.Errorf("uploads after the abort: %v %v", uploads, err)
	}
	b.call(sbxRequest{path: abs("/tmp/x")}, 404)
	// A part of an unknown upload, or out of range, is refused.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	w, _ := mw.CreateFormFile("file", "p")
	_, _ = w.Write([]byte("x"))
	_ = mw.Close()
	b.call(sbxRequest{method: "PUT", path: "/filesystem-multipart/" + id + "/part?partNumber=1", body: bytes.NewReader(body.Bytes()),
		header: map[string]string{"Content-Type": mw.FormDataContentType()}}, 500)
	b.call(sbxRequest{method: "PUT", path: "/filesystem-multipart/" + id + "/part", body: bytes.NewReader(body.Bytes()),
		header: map[string]string{"Content-Type": mw.FormDataContentType()}}, 400)
	id2 := object(t, b.call(sbxRequest{method: "POST", path: "/filesystem-multipart/initiate/y"}, 200))["uploadId"].(string)
	// Out of range: the document bounds the part number, so the fake refuses it as invalid.
	b.call(sbxRequest{method: "PUT", path: "/filesystem-multipart/" + id2 + "/part?partNumber=10001", body: bytes.NewReader(body.Bytes()),
		header: map[string]string{"Content-Type": mw.FormDataContentType()}}, 400)
}

// eachStore runs a test against a sandbox keeping files in memory, and one keeping them in a
// file directory; dir is that directory, "" for memory.
func eachStore(t *testing.T, test func(t *testing.T, b *box, dir string)) {
	t.Run("memory", func(t *testing.T) { test(t, newBox(t), "") })
	t.Run("directory", func(t *testing.T) {
		dir := t.TempDir()
		test(t, newBox(t, blaxeltest.WithSandboxFileDir(dir)), dir)
	})
}

// storedFiles counts the contents kept in a file directory; 0 for memory.
func storedFiles(t *testing.T, dir string) int {
	t.Helper()
	if dir == "" {
		return 0
	}
	found, err := filepath.Glob(filepath.Join(dir, "*", "*"))
	if err != nil {
		t.Fatal(err)
	}
	return len(found)
}

// uploadParts initiates an upload to path and sends the parts, numbered from 1, last first;
// it returns the upload's id and the list to complete it with, in the order given by order.
func (b *box) uploadParts(path string, parts [][]byte, order []int) (string, []map[string]any) {
	b.t.Helper()
	id := object(b.t, b.call(sbxRequest{method: "POST", path: "/filesystem-multipart/initiate/" + path}, 200))["uploadId"].(string)
	etags := map[int]string{}
	for i := len(parts) - 1; i >= 0; i-- {
		etags[i+1] = b.putPart(id, i+1, parts[i])
	}
	var list []map[string]any
	for _, n := range order {
		list = append(list, map[string]any{"partNumber": n, "etag": etags[n]})
	}
	return id, list
}

func TestMultipartCompletionJoinsPartsOfDifferentSizes(t *testing.T) {
	eachStore(t, func(t *testing.T, b *box, dir string) {
		// Sizes that leave short chunks in the middle of the file.
		parts := [][]byte{
			bytes.Repeat([]byte("a"), 70000), []byte("bcd"), bytes.Repeat([]byte("e"), 131072), []byte("f"), bytes.Repeat([]byte("g"), 65537),
		}
		id, list := b.uploadParts("joined.bin", parts, []int{4, 2, 5, 1, 3}) // listed out of order
		b.call(sbxRequest{method: "POST", path: "/filesystem-multipart/" + id + "/complete", json: map[string]any{"parts": list}}, 200)
		if got, want := b.readFile("joined.bin"), string(bytes.Join(parts, nil)); got != want {
			t.Errorf("the file has %d bytes, want the %d of the parts in number order", len(got), len(want))
		}
		if dir != "" {
			if n := storedFiles(t, dir); n != 1 {
				t.Errorf("%d contents kept after the completion, want the file's alone: the parts stayed", n)
			}
		}
		// The file stays whole when the same path is written again through another upload.
		id, list = b.uploadParts("joined.bin", [][]byte{[]byte("x"), []byte("yz")}, []int{2, 1})
		b.call(sbxRequest{method: "POST", path: "/filesystem-multipart/" + id + "/complete", json: map[string]any{"parts": list}}, 200)
		if got := b.readFile("joined.bin"); got != "xyz" {
			t.Errorf("the file rewritten is %q, want xyz", got)
		}
		if dir != "" {
			if n := storedFiles(t, dir); n != 1 {
				t.Errorf("%d contents kept after the rewrite, want the file's alone", n)
			}
		}
	})
}

func TestMultipartCompletionToAnUnwritablePathLeavesNothing(t *testing.T) {
	eachStore(t, func(t *testing.T, b *box, dir string) {
		b.writeFile("plain", "kept")
		b.call(sbxRequest{method: "PUT", path: "/filesystem/adir", json: map[string]any{"isDirectory": true}}, 200)
		for _, target := range []string{"adir", "plain/under"} { // a directory; a path under a file
			before := storedFiles(t, dir)
			id, list := b.uploadParts(target, [][]byte{bytes.Repeat([]byte("p"), 70000), []byte("q")}, []int{1, 2})
			got := object(t, b.call(sbxRequest{method: "POST", path: "/filesystem-multipart/" + id + "/complete", json: map[string]any{"parts": list}}, 500))
			if msg, _ := got["error"].(string); !strings.HasPrefix(msg, "failed to complete upload: ") {
				t.Errorf("%s: error %q", target, msg)
			}
			b.call(sbxRequest{path: "/filesystem-multipart/" + id + "/parts"}, 404) // the upload is gone
			if dir != "" {
				if n := storedFiles(t, dir); n != before {
					t.Errorf("%s: %d contents kept, want the %d there were before the upload", target, n, before)
				}
			}
		}
		if got := b.readFile("plain"); got != "kept" {
			t.Errorf("the file in the way is %q, want it unchanged", got)
		}
		if files := object(t, b.call(sbxRequest{path: "/filesystem/adir"}, 200))["files"]; files != nil && len(files.([]any)) != 0 {
			t.Errorf("the directory in the way holds %v", files)
		}
	})
}
