package sandbox_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// noUploadsLeft fails the test when the sandbox still holds a multipart upload once the
// abort that a cancelled WriteFile leaves in the background has had its time.
func noUploadsLeft(t *testing.T, sb *sandbox.Sandbox) {
	t.Helper()
	for wait := time.Millisecond; ; wait *= 2 {
		resp, err := sb.API().ListMultipartUploadsWithResponse(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		n := len(resp.JSON200.Uploads)
		if n == 0 {
			return
		}
		if wait > 20*time.Second { // beyond the abort's own bound: it failed
			t.Errorf("%d multipart uploads are left in the sandbox", n)
			return
		}
		time.Sleep(wait)
	}
}

// pseudoRandom is n reproducible bytes that no compression would shrink.
func pseudoRandom(n int) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestWriteFileInPartsAgainstTheFake(t *testing.T) {
	srv, sb := fakeSandbox(t, blaxeltest.WithSandboxFileDir(t.TempDir()))
	ctx := context.Background()
	for _, size := range []int{0, 1, 64 << 10, 64<<10 + 1, 3*(64<<10) + 517} {
		data := pseudoRandom(size)
		// A plain io.Reader: the content's size is not known in advance.
		if err := sb.WriteFile(ctx, "/up/file.bin", io.MultiReader(bytes.NewReader(data)), 0o600,
			sandbox.WithPartSize(64<<10), sandbox.WithUploadConcurrency(2)); err != nil {
			t.Fatalf("%d bytes: %v", size, err)
		}
		got, err := sb.ReadFile(ctx, "/up/file.bin")
		if err != nil || sha256.Sum256(got) != sha256.Sum256(data) {
			t.Fatalf("%d bytes: read back %d bytes, %v", size, len(got), err)
		}
		if fi, err := sb.Stat(ctx, "/up/file.bin"); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%d bytes: mode %v, %v", size, fi.Mode(), err)
		}
	}
	if n := srv.Attempts("POST /filesystem-multipart/initiate/{path}"); n != 2 {
		t.Errorf("%d multipart uploads, want 2 (for the two sizes above one part)", n)
	}
	if n := srv.Attempts("PUT /filesystem-multipart/{uploadId}/part"); n != 2+4 {
		t.Errorf("%d parts sent, want 6", n)
	}
	noUploadsLeft(t, sb)
}

// cancellingReader cancels its context once it has given n bytes.
type cancellingReader struct {
	r      io.Reader
	n      int
	cancel context.CancelFunc
}

func (c *cancellingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if c.n -= n; c.n <= 0 {
		c.cancel()
	}
	return n, err
}

func TestWriteFileCancelledHalfwayLeavesNoUploadBehind(t *testing.T) {
	_, sb := fakeSandbox(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	data := pseudoRandom(1 << 20)
	r := &cancellingReader{r: bytes.NewReader(data), n: len(data) / 2, cancel: cancel}
	err := sb.WriteFile(ctx, "/up/half.bin", r, 0o644, sandbox.WithPartSize(64<<10))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	noUploadsLeft(t, sb)
}

func TestWriteFileWhosePartFailsLeavesNoUploadBehind(t *testing.T) {
	srv, sb := fakeSandbox(t)
	srv.Inject("PUT /filesystem-multipart/{uploadId}/part", 0, blaxeltest.Status(500))
	err := sb.WriteFile(context.Background(), "/up/fail.bin", bytes.NewReader(pseudoRandom(300<<10)), 0o644, sandbox.WithPartSize(64<<10))
	var apiErr *blaxel.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 500 {
		t.Fatalf("err = %v, want the 500", err)
	}
	srv.ClearFaults()
	noUploadsLeft(t, sb)
}

func TestWriteFileOfAReaderThatFails(t *testing.T) {
	_, sb := fakeSandbox(t)
	boom := errors.New("disk on fire")
	r := io.MultiReader(bytes.NewReader(pseudoRandom(200<<10)), iotestErrReader{boom})
	if err := sb.WriteFile(context.Background(), "/up/x.bin", r, 0o644, sandbox.WithPartSize(64<<10)); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the reader's", err)
	}
	noUploadsLeft(t, sb)
}

type iotestErrReader struct{ err error }

func (r iotestErrReader) Read([]byte) (int, error) { return 0, r.err }

func TestWriteFileOnePartAtATime(t *testing.T) {
	_, sb := fakeSandbox(t)
	data := pseudoRandom(5*(16<<10) + 3)
	if err := sb.WriteFile(context.Background(), "/up/serial.bin", bytes.NewReader(data), 0o644,
		sandbox.WithPartSize(16<<10), sandbox.WithUploadConcurrency(1)); err != nil {
		t.Fatal(err)
	}
	if got, err := sb.ReadFile(context.Background(), "/up/serial.bin"); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes, %v", len(got), err)
	}
}

// Content of every size around the chunk and part boundaries comes back whole, from a reader
// that tells its length and from one that does not.
func TestWriteFileSizesAroundTheBoundaries(t *testing.T) {
	_, sb := fakeSandbox(t, blaxeltest.WithSandboxFileDir(t.TempDir()))
	ctx := context.Background()
	const part = 64 << 10
	for _, size := range []int{0, 1, 32<<10 - 1, 32 << 10, 32<<10 + 1, part - 1, part, part + 1, 3*part + 7} {
		data := pseudoRandom(size)
		for kind, r := range map[string]io.Reader{"bytes.Reader": bytes.NewReader(data), "plain reader": io.MultiReader(bytes.NewReader(data))} {
			if err := sb.WriteFile(ctx, "/up/edge.bin", r, 0, sandbox.WithPartSize(part)); err != nil {
				t.Fatalf("%s of %d bytes: %v", kind, size, err)
			}
			got, err := sb.ReadFile(ctx, "/up/edge.bin")
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("%s of %d bytes: read back %d bytes, %v", kind, size, len(got), err)
			}
		}
	}
	noUploadsLeft(t, sb)
}

// A small write takes memory of its size, not a part buffer's (2 MiB by default).
func TestSmallWriteFileAllocatesLittle(t *testing.T) {
	sbx, sb, _ := sandboxSetup(t)
	sbx.HandleFunc("PUT /filesystem/{path...}", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		writeJSON(w, http.StatusOK, map[string]any{"message": "ok", "path": "/" + r.PathValue("path")})
	})
	data := pseudoRandom(100 << 10)
	for kind, r := range map[string]func() io.Reader{
		"bytes.Reader": func() io.Reader { return bytes.NewReader(data) },
		"plain reader": func() io.Reader { return io.MultiReader(bytes.NewReader(data)) },
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		if err := sb.WriteFile(context.Background(), "/small.txt", r(), 0o644); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
			t.Errorf("%s: writing 100 KiB allocated %d KiB, want at most 1 MiB", kind, alloc>>10)
		}
	}
}
