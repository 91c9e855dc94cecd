package sandbox_test

import (
	"context"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/blaxel-go/blaxel/internal/conntest"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// A download closed from another goroutine, to stop a Read that waits for more, is closed at
// once: Close does not read the body beside that Read (a data race, and a wait for the bound
// of what Close reads), and the Read ends before the server does.
func TestDownloadClosedDuringARead(t *testing.T) {
	const sent = "the first bytes"
	watch := conntest.NewReadWatch(t)
	sbx, sb, _ := sandboxSetup(t, blaxel.WithHTTPClient(&http.Client{Transport: watch}))
	release := make(chan struct{})
	defer close(release)
	sbx.HandleFunc("GET /filesystem/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="slow.bin"`)
		_, _ = io.WriteString(w, sent)
		_ = http.NewResponseController(w).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	for _, open := range []struct {
		name string
		fn   func() (io.ReadCloser, error)
	}{
		{"Open", func() (io.ReadCloser, error) { return sb.Open(context.Background(), "/slow.bin") }},
		{"OpenRange", func() (io.ReadCloser, error) { return sb.OpenRange(context.Background(), "/slow.bin", 0, 1<<20) }},
	} {
		t.Run(open.name, func(t *testing.T) {
			f, err := open.fn()
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			var got []byte
			var readErr error
			wg.Go(func() { got, readErr = io.ReadAll(f) })
			watch.WaitBlocked(t, len(sent))
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			wg.Wait() // the server is released only after
			if readErr == nil || string(got) != sent {
				t.Errorf("the Read stopped by Close: read %q, error %v", got, readErr)
			}
			if n := watch.Most(); n != 1 {
				t.Errorf("%d reads of the body ran at once: Close read it beside the caller's Read", n)
			}
		})
	}
}
