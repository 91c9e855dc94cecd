package sandbox_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/internal/conntest"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// reuseSandbox is fakeSandbox with every answer of the fake ending apart from its data (see
// conntest), and the counter of the connections the handle's requests came over.
func reuseSandbox(t *testing.T) (*blaxeltest.Server, *sandbox.Sandbox, *conntest.Counter) {
	t.Helper()
	srv := blaxeltest.NewServer(t)
	conns := &conntest.Counter{}
	c, err := blaxel.New(blaxel.WithBaseURL(srv.URL()), blaxel.WithRunURL(srv.RunURL()), blaxel.WithAPIKey("fake-key"),
		blaxel.WithWorkspace("ws"), fastRetries(), blaxel.WithHTTPClient(conns.Serve(t, srv)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.CreateSandboxAndWait(ctx, gen.Sandbox{Metadata: gen.Metadata{Name: "box"}},
		blaxel.WithPollInterval(time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	sb, err := sandbox.Open(ctx, c, "box")
	if err != nil {
		t.Fatal(err)
	}
	return srv, sb, conns
}

// checkOneConnection runs call five times, one after the other, and fails the test unless
// they all came over one connection.
func checkOneConnection(t *testing.T, conns *conntest.Counter, call func() error) {
	t.Helper()
	conns.Reset()
	for range 5 {
		if err := call(); err != nil {
			t.Fatal(err)
		}
	}
	if n := conns.Count(); n != 1 {
		t.Errorf("5 calls, one after the other, came over %d connections; want 1", n)
	}
}

func TestSandboxCallsReuseTheirConnection(t *testing.T) {
	srv, sb, conns := reuseSandbox(t)
	ctx := context.Background()
	content := strings.Repeat("0123456789", 100)
	if err := sb.WriteFile(ctx, "/data/file.txt", strings.NewReader(content), 0o644); err != nil {
		t.Fatal(err)
	}
	srv.HandleCommand("reader", func(ctx context.Context, p *blaxeltest.Process) int {
		_, _ = io.Copy(p.Stdout, p.Stdin)
		return 0
	})
	for name, call := range map[string]func() error{
		"Run": func() error { _, err := sb.Run(ctx, "echo hi"); return err },
		"Exec": func() error {
			_, err := sb.Exec(ctx, sandbox.Command{Command: "echo hi"})
			return err
		},
		"Processes": func() error { _, err := sb.Processes(ctx); return err },
		"WriteFile": func() error {
			return sb.WriteFile(ctx, "/data/other.txt", strings.NewReader(content), 0o644)
		},
		"ReadFile": func() error {
			data, err := sb.ReadFile(ctx, "/data/file.txt")
			if err == nil && string(data) != content {
				err = fmt.Errorf("read %d bytes", len(data))
			}
			return err
		},
		"Open": func() error {
			f, err := sb.Open(ctx, "/data/file.txt")
			if err != nil {
				return err
			}
			defer f.Close()
			buf := make([]byte, len(content))
			_, err = io.ReadFull(f, buf)
			return err
		},
		"OpenRange": func() error {
			f, err := sb.OpenRange(ctx, "/data/file.txt", 10, 20)
			if err != nil {
				return err
			}
			defer f.Close()
			data, err := io.ReadAll(f)
			if err == nil && string(data) != content[10:30] {
				err = fmt.Errorf("read %q", data)
			}
			return err
		},
		"Stat":    func() error { _, err := sb.Stat(ctx, "/data/file.txt"); return err },
		"ReadDir": func() error { _, err := sb.ReadDir(ctx, "/data"); return err },
		"MkdirAll": func() error {
			return sb.MkdirAll(ctx, "/data/sub", 0o755)
		},
		"Find": func() error { _, err := sb.Find(ctx, "/data", nil); return err },
		"Logs": func() error {
			res, err := sb.Run(ctx, "echo logged")
			if err != nil {
				return err
			}
			var out bytes.Buffer
			for chunk, err := range sb.Logs(ctx, res.Process.Name) {
				if err != nil {
					return err
				}
				out.Write(chunk.Data)
			}
			if out.String() != "logged\n" {
				return fmt.Errorf("logs %q", out.String())
			}
			return nil
		},
		"Stdin": func() error {
			proc, err := sb.Exec(ctx, sandbox.Command{Command: "reader", Stdin: true})
			if err != nil {
				return err
			}
			w, err := sb.Stdin(ctx, proc.Name)
			if err != nil {
				return err
			}
			if _, err := io.WriteString(w, "hello\n"); err != nil {
				return err
			}
			return w.Close()
		},
		"Health": func() error { _, err := sb.Health(ctx); return err },
	} {
		t.Run(name, func(t *testing.T) {
			// The first call of each may open the one connection the next ones reuse.
			checkOneConnection(t, conns, call)
		})
	}
}

// A download read to the size the caller expects, and closed, leaves its connection to the
// next one, though its body's end came after its bytes; so does a range the sandbox answered
// with the whole (small) file.
func TestDownloadsClosedAtTheirSizeReuseTheirConnection(t *testing.T) {
	sbx, sb, _ := sandboxSetup(t)
	conns := &conntest.Counter{}
	content := strings.Repeat("0123456789", 100)
	sbx.Handle("GET /filesystem/", conns.LateEnd(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="file.txt"`)
		io.WriteString(w, content) // the whole file, whatever range was asked for
	})))
	ctx := context.Background()
	t.Run("Open", func(t *testing.T) {
		checkOneConnection(t, conns, func() error {
			f, err := sb.Open(ctx, "/data/file.txt")
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = io.ReadFull(f, make([]byte, len(content)))
			return err
		})
	})
	t.Run("OpenRange", func(t *testing.T) {
		checkOneConnection(t, conns, func() error {
			f, err := sb.OpenRange(ctx, "/data/file.txt", 0, 10)
			if err != nil {
				return err
			}
			defer f.Close()
			data, err := io.ReadAll(f)
			if err == nil && string(data) != content[:10] {
				err = fmt.Errorf("read %q", data)
			}
			return err
		})
	})
}
