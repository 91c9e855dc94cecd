package reliability

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// TestHugeSuccessBodyRefused: a server answers a GET with 100 MB of JSON, with a
// Content-Length and without one. The client refuses it with ErrResponseTooLarge before
// decoding it, reading at most its limit (8 MiB here, WithMaxResponseBytes), and what it
// allocates meanwhile stays far below the body's size.
func TestHugeSuccessBodyRefused(t *testing.T) {
	noLeaks(t)
	const size, limit = 100 << 20, 8 << 20
	for _, withLength := range []bool{true, false} {
		name := map[bool]string{true: "with Content-Length", false: "streamed"}[withLength]
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			if withLength {
				w.Header().Set("Content-Length", fmt.Sprint(size))
			}
			streamJSONName(w, size)
		})
		client, w := newClient(t, srv.base(), withAPIKey(), blaxel.WithMaxResponseBytes(limit))
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		sb, err := client.GetSandbox(context.Background(), "sb", nil)
		runtime.ReadMemStats(&m1)
		audit.err(err)
		allocated := m1.TotalAlloc - m0.TotalAlloc
		t.Logf("%s: %.1f MB allocated for a %d MB answer", name, mb(allocated), size>>20)
		var decErr *blaxel.DecodeError
		if !errors.Is(err, blaxel.ErrResponseTooLarge) || !errors.As(err, &decErr) || decErr.Operation != "GetSandbox" {
			t.Errorf("%s: want a *DecodeError for ErrResponseTooLarge, got %v (%v)", name, err, sb != nil)
		}
		// Reading up to the limit grows a buffer by doubling: a few times the limit, never the body.
		if allocated > 6*limit {
			t.Errorf("%s: %.1f MB allocated, more than 6 × the %d MB limit", name, mb(allocated), limit>>20)
		}
		if w.unclosed() != 0 {
			t.Errorf("%s: %d bodies left open", name, w.unclosed())
		}
		audit.add("huge-success-mb", size>>20)
		audit.add("huge-success-kb", int(allocated>>10))
	}
}

// streamJSONName writes a sandbox whose name makes the answer size bytes long.
func streamJSONName(w io.Writer, size int) {
	head, tail := `{"metadata":{"name":"`, `"},"spec":{}}`
	_, _ = io.WriteString(w, head)
	chunk := []byte(strings.Repeat("n", 64<<10))
	for left := size - len(head) - len(tail); left > 0; left -= len(chunk) {
		if _, err := w.Write(chunk[:min(len(chunk), left)]); err != nil {
			return
		}
	}
	_, _ = io.WriteString(w, tail)
}

// TestHangingTokenRequestIsNotShared: the token endpoint hangs. A first caller gives up at its
// deadline, which cancels the token request, since nobody waits for it any more (the server
// sees it cancelled). A second caller, arriving once the endpoint has recovered, starts a
// fresh token request and succeeds, rather than joining the abandoned one and failing at its
// own deadline.
func TestHangingTokenRequestIsNotShared(t *testing.T) {
	noLeaks(t)
	var mu sync.Mutex
	hanging := true
	cancelled := make(chan struct{})
	tokenRequests := 0
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/oauth/token") {
			_, _ = io.Copy(io.Discard, r.Body)
			ok(w)
			return
		}
		mu.Lock()
		tokenRequests++
		hang := hanging
		mu.Unlock()
		if hang {
			_, _ = io.Copy(io.Discard, r.Body) // so that the server notices the client leave
			select {
			case <-r.Context().Done():
				close(cancelled)
			case <-time.After(hangGuard):
			}
			return
		}
		tokenHandler(w, r)
	})
	client, _ := newClient(t, srv.base(), withClientCredentials())
	first, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := client.GetSandbox(first, "sb", nil)
	audit.err(err)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("the first caller: want its deadline, got %v", err)
	}
	// The endpoint recovers while the abandoned request still hangs there.
	mu.Lock()
	hanging = false
	mu.Unlock()
	// Well within the 30 s that an abandoned request used to live: a caller joining it would fail.
	second, cancel2 := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel2()
	if _, err := client.GetSandbox(second, "sb", nil); err != nil {
		audit.err(err)
		t.Fatalf("the second caller, after the endpoint recovered: %v", err)
	}
	select {
	case <-cancelled:
	case <-time.After(hangGuard):
		t.Fatal("the abandoned token request was never cancelled")
	}
	mu.Lock()
	defer mu.Unlock()
	if tokenRequests != 2 {
		t.Errorf("%d token requests, want 2: the abandoned one, then a fresh one", tokenRequests)
	}
	audit.add("token-abandoned", 1)
}

// TestConfigFileThatIsNoFile: a config file that is a FIFO (reading it would wait for a
// writer), a link to /dev/zero (it never ends) or a sparse 1 GB file is refused before it is
// read, with an error that names it; a FIFO is never opened.
func TestConfigFileThatIsNoFile(t *testing.T) {
	noLeaks(t)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFO here: %v", err)
	}
	zero := filepath.Join(dir, "zero.yaml")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	sparse := filepath.Join(dir, "sparse.yaml")
	f, err := os.Create(sparse)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1 << 30); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, path := range []string{fifo, zero, sparse} {
		done := make(chan error, 1)
		go func() {
			_, err := blaxel.NewFromEnv(blaxel.WithEnv(func(string) string { return "" }), blaxel.WithConfigFile(path))
			done <- err
		}()
		select {
		case err := <-done:
			audit.err(err)
			if err == nil || !strings.Contains(err.Error(), path) {
				t.Errorf("%s: want an error that names it, got %v", filepath.Base(path), err)
			}
			audit.add("config-kinds-refused", 1)
		case <-time.After(hangGuard):
			// Let the reader go: open the FIFO's other end.
			if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
				w.Close()
			}
			t.Errorf("%s: NewFromEnv was still reading after %v", filepath.Base(path), hangGuard)
			<-done
		}
	}
}
