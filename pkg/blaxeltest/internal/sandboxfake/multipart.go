package sandboxfake

import (
	"cmp"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// uploadTable holds the multipart uploads of a sandbox, S3-like: parts in any order, each
// with the hex MD5 of its bytes as its etag, assembled in part-number order on completion.
// Uploads never expire, as on the real server. Safe for concurrent use.
type uploadTable struct {
	mu      sync.Mutex
	uploads map[string]*upload
}

type upload struct {
	id          string
	path        string // absolute
	perm        fs.FileMode
	initiatedAt time.Time
	parts       map[int]*uploadPart
}

type uploadPart struct {
	PartNumber int       `json:"partNumber"`
	ETag       string    `json:"etag"`
	Size       int64     `json:"size"`
	UploadedAt time.Time `json:"uploadedAt"`
	blob       string
}

// The part numbers an upload accepts.
const (
	minPartNumber = 1
	maxPartNumber = 10000
)

func newUploadTable() *uploadTable { return &uploadTable{uploads: map[string]*upload{}} }

func (t *uploadTable) get(id string) *upload {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.uploads[id]
}

// close forgets every upload and its parts.
func (t *uploadTable) close(b blobs) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for id, u := range t.uploads {
		for _, p := range u.parts {
			b.remove(p.blob)
		}
		delete(t.uploads, id)
	}
}

// errUploadNotFound is the server's error for an unknown upload id.
func errUploadNotFound(id string) error { return fmt.Errorf("upload not found: %s", id) }

// initiateUpload starts an upload to a path (made absolute in the answer), with optional
// permissions for the file.
func initiateUpload(x *sbxCall) {
	abs := x.sb.abs(x.fsParam())
	var req struct {
		Permissions string `json:"permissions"`
	}
	_ = x.readJSON(&req) // the body is optional, and a bad one is ignored, as on the real server
	perm := fs.FileMode(0o644)
	if req.Permissions != "" {
		n, err := strconv.ParseUint(req.Permissions, 8, 32)
		if err != nil {
			x.fail(http.StatusBadRequest, "invalid permissions format: "+err.Error())
			return
		}
		perm = fs.FileMode(n)
	}
	u := &upload{id: newUUID(), path: abs, perm: perm, initiatedAt: x.host.now(), parts: map[int]*uploadPart{}}
	t := x.sb.uploads
	t.mu.Lock()
	t.uploads[u.id] = u
	t.mu.Unlock()
	x.json(http.StatusOK, map[string]string{"uploadId": u.id, "path": abs})
}

// putPart stores one part, streamed from the form's file field, replacing an earlier part
// of the same number.
func putPart(x *sbxCall) {
	id := x.params["uploadId"]
	raw := x.query("partNumber")
	if raw == "" {
		x.fail(http.StatusBadRequest, "partNumber is required")
		return
	}
	number, err := strconv.Atoi(raw)
	if err != nil {
		x.fail(http.StatusBadRequest, "invalid partNumber: "+err.Error())
		return
	}
	mr, err := x.multipartReader()
	if err != nil {
		x.fail(http.StatusBadRequest, "error reading multipart data: "+err.Error())
		return
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			x.fail(http.StatusBadRequest, "error reading multipart part: "+err.Error())
			return
		}
		if part.FormName() != "file" {
			_ = part.Close()
			continue
		}
		stored, err := x.sb.uploads.storePart(x.host, id, number, part)
		_ = part.Close()
		if err != nil {
			x.fail(http.StatusInternalServerError, "failed to upload part: "+err.Error())
			return
		}
		x.json(http.StatusOK, map[string]any{"partNumber": stored.PartNumber, "etag": stored.ETag, "size": stored.Size})
		return
	}
	x.fail(http.StatusBadRequest, "missing 'file' field in multipart form")
}

// storePart streams a part to the blob store, computing its MD5 on the way.
func (t *uploadTable) storePart(h *Host, id string, number int, r io.Reader) (*uploadPart, error) {
	if t.get(id) == nil {
		return nil, errUploadNotFound(id)
	}
	if number < minPartNumber || number > maxPartNumber {
		return nil, fmt.Errorf("part number must be between %d and %d", minPartNumber, maxPartNumber)
	}
	sum := md5.New()
	blob, size, err := h.blobs.put(io.TeeReader(r, sum))
	if err != nil {
		return nil, fmt.Errorf("failed to write part: %w", err)
	}
	p := &uploadPart{PartNumber: number, ETag: hex.EncodeToString(sum.Sum(nil)), Size: size, UploadedAt: h.now(), blob: blob}
	t.mu.Lock()
	defer t.mu.Unlock()
	u := t.uploads[id]
	if u == nil { // aborted or completed while the part came in
		h.blobs.remove(blob)
		return nil, errUploadNotFound(id)
	}
	if old := u.parts[number]; old != nil {
		h.blobs.remove(old.blob)
	}
	u.parts[number] = p
	return p, nil
}

// completeUpload assembles the listed parts, after checking each one's etag, in part-number
// order whatever the order of the list, into the upload's file; the upload is then gone. The
// blob store joins the parts itself, as the real server concatenates its part files.
func completeUpload(x *sbxCall) {
	id := x.params["uploadId"]
	var req struct {
		Parts []struct {
			PartNumber int    `json:"partNumber"`
			ETag       string `json:"etag"`
		} `json:"parts"`
	}
	if err := x.readJSON(&req); err != nil {
		x.fail(http.StatusBadRequest, err.Error())
		return
	}
	if len(req.Parts) == 0 {
		x.fail(http.StatusBadRequest, "at least one part is required")
		return
	}
	t := x.sb.uploads
	t.mu.Lock()
	u := t.uploads[id]
	if u == nil {
		t.mu.Unlock()
		x.fail(http.StatusNotFound, errUploadNotFound(id).Error())
		return
	}
	var listed []*uploadPart
	for _, want := range req.Parts {
		p := u.parts[want.PartNumber]
		var err error
		switch {
		case p == nil:
			err = fmt.Errorf("part %d not found", want.PartNumber)
		case p.ETag != want.ETag:
			err = fmt.Errorf("etag mismatch for part %d", want.PartNumber)
		}
		if err != nil {
			t.mu.Unlock()
			x.fail(http.StatusInternalServerError, "failed to complete upload: "+err.Error())
			return
		}
		listed = append(listed, p)
	}
	delete(t.uploads, id) // no part may change while it is assembled
	t.mu.Unlock()
	defer func() {
		for _, p := range u.parts {
			x.host.blobs.remove(p.blob)
		}
	}()
	slices.SortStableFunc(listed, func(a, b *uploadPart) int { return cmp.Compare(a.PartNumber, b.PartNumber) })
	ids := make([]string, len(listed))
	for i, p := range listed {
		ids[i] = p.blob
	}
	if err := x.sb.fs.concatFile(u.path, ids, u.perm); err != nil {
		x.fail(http.StatusInternalServerError, "failed to complete upload: "+err.Error())
		return
	}
	x.success(u.path, "Multipart upload completed successfully")
}

// abortUpload forgets an upload and its parts.
func abortUpload(x *sbxCall) {
	id := x.params["uploadId"]
	t := x.sb.uploads
	t.mu.Lock()
	u := t.uploads[id]
	delete(t.uploads, id)
	t.mu.Unlock()
	if u == nil {
		x.fail(http.StatusNotFound, errUploadNotFound(id).Error())
		return
	}
	for _, p := range u.parts {
		x.host.blobs.remove(p.blob)
	}
	x.success("", "Multipart upload aborted successfully")
}

// listParts answers the parts received so far, by part number.
func listParts(x *sbxCall) {
	id := x.params["uploadId"]
	t := x.sb.uploads
	t.mu.Lock()
	defer t.mu.Unlock()
	u := t.uploads[id]
	if u == nil {
		x.fail(http.StatusNotFound, errUploadNotFound(id).Error())
		return
	}
	x.json(http.StatusOK, map[string]any{"uploadId": id, "parts": u.sortedParts()})
}

func (u *upload) sortedParts() []*uploadPart {
	parts := make([]*uploadPart, 0, len(u.parts))
	for _, n := range slices.Sorted(maps.Keys(u.parts)) {
		parts = append(parts, u.parts[n])
	}
	return parts
}

// listUploads answers every upload in progress, its permissions as a decimal integer and its
// parts keyed by number, as the real server shows them.
func listUploads(x *sbxCall) {
	t := x.sb.uploads
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]map[string]any, 0, len(t.uploads))
	for _, id := range slices.Sorted(maps.Keys(t.uploads)) {
		u := t.uploads[id]
		parts := map[string]*uploadPart{}
		for n, p := range u.parts {
			parts[strconv.Itoa(n)] = p
		}
		out = append(out, map[string]any{
			"uploadId": u.id, "path": u.path, "permissions": int(u.perm), "initiatedAt": u.initiatedAt.UTC(), "parts": parts,
		})
	}
	x.json(http.StatusOK, map[string]any{"uploads": out})
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	raw := make([]byte, 16)
	_, _ = rand.Read(raw) // crypto/rand.Read never fails
	raw[6] = raw[6]&0x0f | 0x40
	raw[8] = raw[8]&0x3f | 0x80
	h := hex.EncodeToString(raw)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
