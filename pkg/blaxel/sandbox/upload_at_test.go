package sandbox_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// allocatedBy is how many bytes the process allocated while f ran.
func allocatedBy(t *testing.T, f func() error) uint64 {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if err := f(); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// leanSandbox serves the writes of a sandbox's API with little memory of its own (bodies
// read through small buffers and dropped, each part answered with its MD5), so that what a
// write allocates is the client's.
func leanSandbox(t *testing.T) *sandbox.Sandbox {
	sbx, sb, _ := sandboxSetup(t)
	done := map[string]string{"message": "done", "path": "/lean.bin"}
	sbx.HandleFunc("PUT /filesystem/{path...}", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		writeJSON(w, http.StatusOK, done)
	})
	sbx.HandleFunc("POST /filesystem-multipart/initiate/{path...}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"uploadId": "u1", "path": "/lean.bin"})
	})
	sbx.HandleFunc("PUT /filesystem-multipart/{id}/part", func(w http.ResponseWriter, r *http.Request) {
		mr, err := r.MultipartReader()
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		file, err := mr.NextPart()
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		h := md5.New()
		n, _ := io.CopyBuffer(h, file, make([]byte, 4<<10))
		number, _ := strconv.Atoi(r.URL.Query().Get("partNumber"))
		writeJSON(w, http.StatusOK, map[string]any{"partNumber": number, "etag": hex.EncodeToString(h.Sum(nil)), "size": n})
	})
	sbx.HandleFunc("POST /filesystem-multipart/u1/complete", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		writeJSON(w, http.StatusOK, done)
	})
	return sb
}

// Content that can be read at an offset is sent from the caller's reader, not copied: a write
// of 1 or 8 MiB (one request, then four parts) from a bytes.Reader allocates a small
// fraction of its size, whether the sandbox is a lean server (the client's allocations
// alone) or the fake (whose own buffers, 256 KiB for each file and each form it reads, are
// counted too).
func TestWriteFileFromAReaderAtAllocatesLittle(t *testing.T) {
	_, fake := fakeSandbox(t, blaxeltest.WithSandboxFileDir(t.TempDir()))
	for _, tc := range []struct {
		name           string
		sb             *sandbox.Sandbox
		small, largest uint64 // the bounds for 1 and 8 MiB
	}{
		{"lean server", leanSandbox(t), 128 << 10, 768 << 10},
		{"fake", fake, 896 << 10, 4 << 20},
	} {
		for _, size := range []int{1 << 20, 8 << 20} {
			bound := tc.small
			if size > 1<<20 {
				bound = tc.largest
			}
			data := pseudoRandom(size)
			write := func() error {
				return tc.sb.WriteFile(context.Background(), "/up/measured.bin", bytes.NewReader(data), 0o644)
			}
			_ = allocatedBy(t, write) // opens the connections and fills the pools of both sides
			if alloc := allocatedBy(t, write); alloc > bound {
				t.Errorf("%s: writing %d KiB allocated %d KiB, want at most %d KiB", tc.name, size>>10, alloc>>10, bound>>10)
			}
		}
	}
	if got, err := fake.ReadFile(context.Background(), "/up/measured.bin"); err != nil || len(got) != 8<<20 {
		t.Fatalf("read back %d bytes, %v", len(got), err)
	}
}

// leakyTransport answers the sandbox's writes itself without reading their bodies, and keeps
// the bodies, as a transport may that goes on reading a body after its answer came: a single
// write succeeds, a part fails (and the upload is aborted).
type leakyTransport struct {
	next   http.RoundTripper
	mu     sync.Mutex
	bodies []io.ReadCloser
}

func (l *leakyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodPut || !strings.Contains(req.URL.Path, "/filesystem") {
		return l.next.RoundTrip(req)
	}
	l.mu.Lock()
	l.bodies = append(l.bodies, req.Body)
	l.mu.Unlock()
	status, body := http.StatusOK, `{"message":"written","path":"/kept.bin"}`
	if strings.Contains(req.URL.Path, "/filesystem-multipart/") {
		status, body = http.StatusBadRequest, `{"error":"refused"}`
	}
	return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: req}, nil
}

// A body still read after WriteFile returned gets an error, not the caller's bytes, which the
// caller may be changing by then (the race detector watches the slice).
func TestWriteFileNeverReadsItsReaderAfterReturning(t *testing.T) {
	leaky := &leakyTransport{next: http.DefaultTransport}
	sbx, sb, _ := sandboxSetup(t, blaxel.WithHTTPClient(&http.Client{Transport: leaky}))
	sbx.HandleFunc("POST /filesystem-multipart/initiate/{path...}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"uploadId": "u1", "path": "/kept.bin"})
	})
	sbx.HandleFunc("DELETE /filesystem-multipart/{id}/abort", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"message": "aborted", "path": "/kept.bin"})
	})
	for _, tc := range []struct {
		name     string
		partSize int
		fails    bool
	}{{"one request", 1 << 20, false}, {"in parts", 64 << 10, true}} {
		data := pseudoRandom(256 << 10)
		err := sb.WriteFile(context.Background(), "/kept.bin", bytes.NewReader(data), 0, sandbox.WithPartSize(tc.partSize))
		if (err != nil) != tc.fails {
			t.Fatalf("%s: err = %v", tc.name, err)
		}
		leaky.mu.Lock()
		bodies := leaky.bodies
		leaky.bodies = nil
		leaky.mu.Unlock()
		if len(bodies) == 0 {
			t.Fatalf("%s: no body was kept", tc.name)
		}
		read := make(chan error, len(bodies))
		for _, b := range bodies {
			go func() {
				_, err := io.Copy(io.Discard, b)
				read <- err
			}()
		}
		for i := range data { // the caller reuses its buffer
			data[i] = 0
		}
		for range bodies {
			if err := <-read; err == nil || !strings.Contains(err.Error(), "WriteFile has returned") {
				t.Errorf("%s: a body read after WriteFile returned: %v", tc.name, err)
			}
		}
	}
}

// After a success the reader is at its end, as a consumed reader would be; after a failure
// it is where it was, so that the same call may be tried again.
func TestWriteFileLeavesItsReaderAtItsEndOrWhereItWas(t *testing.T) {
	srv, sb := fakeSandbox(t)
	ctx := context.Background()
	data := pseudoRandom(200 << 10)
	const from = 1000
	for _, partSize := range []int{1 << 20, 64 << 10} { // one request, then parts
		r := bytes.NewReader(data)
		_, _ = r.Seek(from, io.SeekStart)
		srv.Inject("PUT /filesystem/{path}", 0, blaxeltest.Status(http.StatusBadRequest))
		srv.Inject("PUT /filesystem-multipart/{uploadId}/part", 0, blaxeltest.Status(http.StatusBadRequest))
		if err := sb.WriteFile(ctx, "/up/again.bin", r, 0, sandbox.WithPartSize(partSize)); err == nil {
			t.Fatalf("part size %d: the refused write succeeded", partSize)
		}
		if r.Len() != len(data)-from {
			t.Errorf("part size %d: after a failure the reader has %d bytes left, want %d", partSize, r.Len(), len(data)-from)
		}
		srv.ClearFaults()
		if err := sb.WriteFile(ctx, "/up/again.bin", r, 0, sandbox.WithPartSize(partSize)); err != nil {
			t.Fatalf("part size %d: %v", partSize, err)
		}
		if r.Len() != 0 {
			t.Errorf("part size %d: after a success the reader has %d bytes left", partSize, r.Len())
		}
		if got, err := sb.ReadFile(ctx, "/up/again.bin"); err != nil || !bytes.Equal(got, data[from:]) {
			t.Fatalf("part size %d: read back %d bytes, %v", partSize, len(got), err)
		}
	}
	noUploadsLeft(t, sb)
}

// A file that shrinks while it is sent fails the write with an error that says so, and leaves
// no file and no upload behind; one that grows is written as it was when the write began.
// (A file of one part or less is read as a stream.)
func TestWriteFileOfAFileThatChangesSize(t *testing.T) {
	_, sb := fakeSandbox(t)
	ctx := context.Background()
	data := pseudoRandom(512 << 10)
	for _, partSize := range []int{256 << 10, 64 << 10} {
		local := filepath.Join(t.TempDir(), "changing.bin")
		write := func(change func(done, total int64)) error {
			if err := os.WriteFile(local, data, 0o600); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(local)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var once sync.Once
			return sb.WriteFile(ctx, "/up/changing.bin", f, 0, sandbox.WithPartSize(partSize),
				sandbox.WithProgress(func(done, total int64) { once.Do(func() { change(done, total) }) }))
		}

		err := write(func(int64, int64) {
			if err := os.Truncate(local, 100<<10); err != nil {
				t.Error(err)
			}
		})
		if err == nil || !strings.Contains(err.Error(), "shrank") {
			t.Fatalf("part size %d: a file that shrank: err = %v", partSize, err)
		}
		if _, err := sb.Stat(ctx, "/up/changing.bin"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("part size %d: a file that shrank was written: %v", partSize, err)
		}
		noUploadsLeft(t, sb)

		err = write(func(int64, int64) {
			f, err := os.OpenFile(local, os.O_APPEND|os.O_WRONLY, 0)
			if err == nil {
				_, err = f.Write([]byte("more bytes"))
				f.Close()
			}
			if err != nil {
				t.Error(err)
			}
		})
		if err != nil {
			t.Fatalf("part size %d: a file that grew: %v", partSize, err)
		}
		if got, err := sb.ReadFile(ctx, "/up/changing.bin"); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("part size %d: a file that grew came back with %d bytes, %v", partSize, len(got), err)
		}
		if err := sb.Remove(ctx, "/up/changing.bin"); err != nil {
			t.Fatal(err)
		}
	}
}

// A request sent again after the sandbox read its body does not count its bytes twice.
func TestWriteFileProgressCountsAReplayOnce(t *testing.T) {
	srv, sb := fakeSandbox(t)
	ctx := context.Background()
	data := pseudoRandom(300 << 10)
	for _, tc := range []struct {
		route    string
		partSize int
	}{
		{"PUT /filesystem/{path}", 1 << 20},
		{"PUT /filesystem-multipart/{uploadId}/part", 64 << 10},
	} {
		before := srv.Attempts(tc.route)
		srv.Inject(tc.route, 2, blaxeltest.Status(http.StatusServiceUnavailable).Committed())
		p := &progress{t: t}
		if err := sb.WriteFile(ctx, "/up/replayed.bin", bytes.NewReader(data), 0, sandbox.WithPartSize(tc.partSize),
			sandbox.WithProgress(p.report)); err != nil {
			t.Fatal(err)
		}
		if p.done != int64(len(data)) || p.total != int64(len(data)) {
			t.Errorf("%s: last report %d of %d, want %d of %d", tc.route, p.done, p.total, len(data), len(data))
		}
		parts := (len(data) + tc.partSize - 1) / tc.partSize
		if n := srv.Attempts(tc.route) - before; n != parts+2 {
			t.Errorf("%s: %d requests, want %d (two sent again)", tc.route, n, parts+2)
		}
	}
}

// Each part's MD5 is checked against the one the sandbox answers, whatever the reader.
func TestWriteFileRefusesAPartStoredWithAnotherMD5(t *testing.T) {
	sbx, sb, _ := sandboxSetup(t)
	var aborted atomic.Int32
	sbx.HandleFunc("POST /filesystem-multipart/initiate/{path...}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"uploadId": "u1", "path": "/big.bin"})
	})
	sbx.HandleFunc("PUT /filesystem-multipart/{id}/part", func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		writeJSON(w, http.StatusOK, map[string]any{"partNumber": 1, "etag": strings.Repeat("0", 32), "size": n})
	})
	sbx.HandleFunc("DELETE /filesystem-multipart/{id}/abort", func(w http.ResponseWriter, r *http.Request) {
		aborted.Add(1)
		writeJSON(w, http.StatusOK, map[string]string{"message": "aborted", "path": "/big.bin"})
	})
	data := pseudoRandom(200 << 10)
	for kind, r := range map[string]io.Reader{"bytes.Reader": bytes.NewReader(data), "plain reader": io.MultiReader(bytes.NewReader(data))} {
		err := sb.WriteFile(context.Background(), "/big.bin", r, 0, sandbox.WithPartSize(64<<10))
		if err == nil || !strings.Contains(err.Error(), "the sandbox stored MD5 "+strings.Repeat("0", 32)) {
			t.Errorf("%s: err = %v, want the MD5 refused", kind, err)
		}
	}
	if n := aborted.Load(); n != 2 {
		t.Errorf("%d aborts, want 2", n)
	}
}

// Content that would take more than 10,000 parts is refused before an upload is opened.
func TestWriteFileOfTooManyPartsOpensNoUpload(t *testing.T) {
	srv, sb := fakeSandbox(t)
	err := sb.WriteFile(context.Background(), "/up/many.bin", bytes.NewReader(make([]byte, 10001<<10)), 0, sandbox.WithPartSize(1<<10))
	if err == nil || !strings.Contains(err.Error(), "larger WithPartSize") {
		t.Fatalf("err = %v", err)
	}
	if n := srv.Attempts("POST /filesystem-multipart/initiate/{path}"); n != 0 {
		t.Errorf("%d uploads opened", n)
	}
}

// A regular file is sent from its offset and left at its end; a pipe, which cannot be read at
// an offset, is read as a stream.
func TestWriteFileOfAFileAndOfAPipe(t *testing.T) {
	_, sb := fakeSandbox(t)
	ctx := context.Background()
	data := pseudoRandom(200 << 10)
	local := filepath.Join(t.TempDir(), "local.bin")
	if err := os.WriteFile(local, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(local)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Seek(10, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if err := sb.WriteFile(ctx, "/up/file.bin", f, 0, sandbox.WithPartSize(64<<10)); err != nil {
		t.Fatal(err)
	}
	if at, err := f.Seek(0, io.SeekCurrent); err != nil || at != int64(len(data)) {
		t.Errorf("the file is left at %d, %v; want its end, %d", at, err, len(data))
	}
	if got, err := sb.ReadFile(ctx, "/up/file.bin"); err != nil || !bytes.Equal(got, data[10:]) {
		t.Fatalf("file: read back %d bytes, %v", len(got), err)
	}

	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	go func() {
		_, _ = pw.Write(data)
		pw.Close()
	}()
	if err := sb.WriteFile(ctx, "/up/piped.bin", pr, 0, sandbox.WithPartSize(64<<10)); err != nil {
		t.Fatal(err)
	}
	if got, err := sb.ReadFile(ctx, "/up/piped.bin"); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("pipe: read back %d bytes, %v", len(got), err)
	}
}

// A write cancelled halfway leaves no upload behind and the reader where it was.
func TestWriteFileFromAReaderAtCancelledHalfway(t *testing.T) {
	_, sb := fakeSandbox(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	data := pseudoRandom(1 << 20)
	r := bytes.NewReader(data)
	err := sb.WriteFile(ctx, "/up/half.bin", r, 0, sandbox.WithPartSize(64<<10), sandbox.WithProgress(func(done, total int64) {
		if done >= total/2 {
			cancel()
		}
	}))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if r.Len() != len(data) {
		t.Errorf("the reader has %d bytes left, want %d", r.Len(), len(data))
	}
	noUploadsLeft(t, sb)
}

// Every size around the part boundary, from a strings.Reader and an io.SectionReader.
func TestWriteFileFromReadersAtAroundThePartSize(t *testing.T) {
	_, sb := fakeSandbox(t)
	ctx := context.Background()
	const part = 16 << 10
	for _, size := range []int{0, 1, part - 1, part, part + 1, 2 * part, 3*part + 5} {
		data := pseudoRandom(size + 3)
		for kind, r := range map[string]io.Reader{
			"strings.Reader": strings.NewReader(string(data[3:])),
			"SectionReader":  io.NewSectionReader(bytes.NewReader(data), 3, int64(size)),
		} {
			if err := sb.WriteFile(ctx, "/up/sized.bin", r, 0, sandbox.WithPartSize(part)); err != nil {
				t.Fatalf("%s of %d bytes: %v", kind, size, err)
			}
			if got, err := sb.ReadFile(ctx, "/up/sized.bin"); err != nil || !bytes.Equal(got, data[3:]) {
				t.Fatalf("%s of %d bytes: read back %d bytes, %v", kind, size, len(got), err)
			}
		}
	}
}

// A kernel's pseudo-files call themselves regular, but their end by Seek is not their
// content: /proc's end at 0 whatever they hold, /sys's a page however little they hold. They
// are read as streams, whole. Where a file is absent the case is skipped.
func TestWriteFileOfKernelPseudoFiles(t *testing.T) {
	_, sb := fakeSandbox(t)
	ctx := context.Background()
	for _, p := range []string{"/proc/sys/kernel/hostname", "/sys/devices/system/cpu/online"} {
		t.Run(filepath.Base(p), func(t *testing.T) {
			want, err := os.ReadFile(p)
			if err != nil || len(want) == 0 {
				t.Skipf("%s: %d bytes, %v", p, len(want), err)
			}
			f, err := os.Open(p)
			if err != nil {
				t.Skip(err)
			}
			defer f.Close()
			if err := sb.WriteFile(ctx, "/up/pseudo", f, 0); err != nil {
				t.Fatal(err)
			}
			if got, err := sb.ReadFile(ctx, "/up/pseudo"); err != nil || !bytes.Equal(got, want) {
				t.Fatalf("read back %q, %v; want %q", got, err, want)
			}
		})
	}
}

// statReader is a reader at offsets with a Stat method, as a file is, whose Stat tells info
// and whose Read calls are counted.
type statReader struct {
	*bytes.Reader
	info  fs.FileInfo
	reads int
}

func (r *statReader) Stat() (fs.FileInfo, error) { return r.info, nil }

func (r *statReader) Read(b []byte) (int, error) {
	r.reads++
	return r.Reader.Read(b)
}

// A reader with a Stat method is read at offsets only when it holds more than one part and
// its size by Stat is its end by Seek: else it is read as a stream, through its Read.
func TestWriteFileReadsAFileAtOffsetsOnlyWhenItsSizesAgree(t *testing.T) {
	_, sb := fakeSandbox(t)
	ctx := context.Background()
	const part = 16 << 10
	data := pseudoRandom(3 * part)
	stat := func(size int) fs.FileInfo {
		local := filepath.Join(t.TempDir(), "sized")
		if err := os.WriteFile(local, data[:size], 0o600); err != nil {
			t.Fatal(err)
		}
		info, err := os.Stat(local)
		if err != nil {
			t.Fatal(err)
		}
		return info
	}
	for _, tc := range []struct {
		name       string
		size, stat int
		streamed   bool
	}{
		{"larger than a part, sizes agree", 3 * part, 3 * part, false},
		{"larger than a part, Stat says less", 3 * part, 4 << 10, true},
		{"larger than a part, Stat says 0", 3 * part, 0, true},
		{"one part", part, part, true},
		{"empty", 0, 0, true},
	} {
		r := &statReader{Reader: bytes.NewReader(data[:tc.size]), info: stat(tc.stat)}
		if err := sb.WriteFile(ctx, "/up/stat.bin", r, 0, sandbox.WithPartSize(part)); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got, err := sb.ReadFile(ctx, "/up/stat.bin"); err != nil || !bytes.Equal(got, data[:tc.size]) {
			t.Fatalf("%s: read back %d bytes, %v", tc.name, len(got), err)
		}
		if streamed := r.reads > 0; streamed != tc.streamed {
			t.Errorf("%s: read as a stream %v (%d reads), want %v", tc.name, streamed, r.reads, tc.streamed)
		}
	}
}
