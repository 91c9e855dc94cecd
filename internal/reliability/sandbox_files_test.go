package reliability

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// uploadsLeft counts the multipart uploads a sandbox holds, in its guest memory.
func uploadsLeft(t *testing.T, sb *sandbox.Sandbox) int {
	t.Helper()
	resp, err := sb.API().ListMultipartUploadsWithResponse(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(resp.JSON200.Uploads)
}

// isAbort tells the request that aborts a multipart upload.
func isAbort(r *http.Request) bool {
	return r.Method == http.MethodDelete && strings.HasSuffix(r.URL.Path, "/abort")
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(3, 5))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// stallingReader gives half of data, then blocks until released: an upload caught halfway.
type stallingReader struct {
	data    []byte
	halfway chan struct{}
	release chan struct{}
	sent    int
}

func (r *stallingReader) Read(p []byte) (int, error) {
	if r.sent >= len(r.data)/2 {
		select {
		case <-r.halfway:
		default:
			close(r.halfway)
		}
		<-r.release
		return 0, errors.New("the source went away")
	}
	n := copy(p, r.data[r.sent:len(r.data)/2])
	r.sent += n
	return n, nil
}

// TestSandboxUploadKilledHalfwayLeavesNoUploadBehind ends uploads in the middle in every way
// a client sees: its context cancelled, its source failing, the sandbox failing parts or
// dropping the connection. None leaves a multipart upload (parts in the guest's memory) behind.
func TestSandboxUploadKilledHalfwayLeavesNoUploadBehind(t *testing.T) {
	noLeaks(t)
	const part = 64 << 10
	data := randomBytes(20 * part)
	for _, tc := range []struct {
		name  string
		fault blaxeltest.Fault // on UploadPart, every time
		kill  string           // "cancel" or "source"
	}{
		{name: "context cancelled halfway", kill: "cancel"},
		{name: "the source failing halfway", kill: "source"},
		{name: "every part refused with 500", fault: blaxeltest.Status(500)},
		{name: "every part dropped halfway", fault: blaxeltest.DropAfter(10)},
		{name: "every part cut by the edge", fault: blaxeltest.EdgeError(502)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, sb, w := fakeSandboxOnWire(t)
			if tc.fault != (blaxeltest.Fault{}) {
				srv.Inject("PUT /filesystem-multipart/{uploadId}/part", 0, tc.fault)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var src io.Reader = bytes.NewReader(data)
			if tc.kill != "" {
				stall := &stallingReader{data: data, halfway: make(chan struct{}), release: make(chan struct{})}
				src = stall
				go func() {
					<-stall.halfway
					if tc.kill == "cancel" {
						cancel()
					}
					close(stall.release)
				}()
			}
			aborted := w.closeOf(isAbort)
			err := sb.WriteFile(ctx, "/data/big.bin", src, 0o644, sandbox.WithPartSize(part))
			audit.err(err)
			if err == nil {
				t.Fatal("the upload succeeded")
			}
			// Once its context has ended, WriteFile returns before the abort is answered, which
			// goes on in the background (see its doc): what is left, and the answer bodies left
			// open, are counted once the abort's answer is in and closed.
			select {
			case <-aborted:
			case <-time.After(time.Minute): // guards a hang only
				t.Fatal("the upload was never aborted")
			}
			srv.ClearFaults()
			audit.add("sandbox-uploads-killed", 1)
			if n := uploadsLeft(t, sb); n != 0 {
				audit.add("sandbox-uploads-left", n)
				t.Errorf("%d multipart uploads left in the sandbox after %v", n, err)
			}
		})
	}
}

// TestSandboxHostilePathsLandOnTheFileMeant writes each hostile name, then finds the file in
// its parent's listing under exactly the name meant, and nowhere else.
func TestSandboxHostilePathsLandOnTheFileMeant(t *testing.T) {
	noLeaks(t)
	_, sb := fakeSandbox(t)
	ctx := context.Background()
	long := strings.Repeat("x", 255)
	for _, tc := range []struct{ given, meant string }{
		{"/h/../../etc/passwd-copy", "/etc/passwd-copy"},
		{"/h/a/../b.txt", "/h/b.txt"},
		{"/h/x%2Fy", "/h/x%2Fy"},
		{"/h/%2e%2e", "/h/%2e%2e"},
		{"/h/with space.txt", "/h/with space.txt"},
		{"/h/q?a=b&c#frag", "/h/q?a=b&c#frag"},
		{"/h/ünîcødé/ファイル.txt", "/h/ünîcødé/ファイル.txt"},
		{"/h/tree.txt", "/h/tree.txt"},
		{"tree.txt", "/tree.txt"},
		{"/tree/x.txt", "/tree/x.txt"},
		{"relative/dir/f.txt", "/relative/dir/f.txt"},
		{"/h/semi;colon,comma=eq", "/h/semi;colon,comma=eq"},
		{"/h/" + long, "/h/" + long},
		{"/h/" + strings.Repeat("d/", 2000) + "deep.txt", "/h/" + strings.Repeat("d/", 2000) + "deep.txt"},
	} {
		content := "meant for " + tc.meant
		err := sb.WriteFile(ctx, tc.given, strings.NewReader(content), 0o644)
		audit.add("sandbox-hostile-paths", 1)
		if err != nil {
			t.Errorf("WriteFile(%.60q): %v", tc.given, err)
			continue
		}
		entries, err := sb.ReadDir(ctx, path.Dir(tc.meant))
		if err != nil {
			t.Errorf("ReadDir(%.60q): %v", path.Dir(tc.meant), err)
			continue
		}
		found := false
		for _, e := range entries {
			found = found || e.Name() == path.Base(tc.meant)
		}
		got, err := sb.ReadFile(ctx, tc.meant)
		if !found || err != nil || string(got) != content {
			audit.add("sandbox-hostile-misplaced", 1)
			t.Errorf("%.60q did not land on %.60q: listed %v, read %q, %v", tc.given, tc.meant, found, got, err)
		}
	}
}

// TestSandboxStreamsThatCarryAnErrorAreErrors answers each stream with a 200 whose body
// holds the sandbox's error: the caller gets an error, never an empty success.
func TestSandboxStreamsThatCarryAnErrorAreErrors(t *testing.T) {
	noLeaks(t)
	srv, sb := fakeSandbox(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := sb.MkdirAll(ctx, "/w", 0); err != nil {
		t.Fatal(err)
	}
	proc, err := sb.Exec(ctx, sandbox.Command{Command: "echo some output"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		route string
		call  func() error
	}{
		{"POST /process", func() error { _, err := sb.Run(ctx, "echo hi"); return err }},
		{"POST /process", func() error { _, err := sb.Exec(ctx, sandbox.Command{Command: "echo hi"}); return err }},
		{"GET /process/{identifier}/logs/stream", func() error {
			for _, err := range sb.Logs(ctx, proc.Name) {
				if err != nil {
					return err
				}
			}
			return nil
		}},
		{"GET /watch/filesystem/{path}", func() error {
			for _, err := range sb.Watch(ctx, "/w") {
				return err
			}
			return nil
		}},
	} {
		srv.Inject(tc.route, 1, blaxeltest.StreamError("disk quota exceeded"))
		err := tc.call()
		audit.err(err)
		audit.add("sandbox-stream-errors", 1)
		if msg := streamError("disk quota exceeded")(err); msg != "" {
			t.Errorf("%s: %s", tc.route, msg)
			continue
		}
		audit.add("sandbox-stream-errors-ok", 1)
	}
}
