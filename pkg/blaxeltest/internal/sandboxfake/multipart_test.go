package sandboxfake_test

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"strings"
	"testing"
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
