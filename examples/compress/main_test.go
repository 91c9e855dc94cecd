package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// The test of the README's recipe, as the README shows it.

func TestCompress(t *testing.T) {
	srv := blaxeltest.NewServer(t) // import "github.com/blaxel-go/blaxel/pkg/blaxeltest"
	srv.HandleCommand("gzip", func(ctx context.Context, p *blaxeltest.Process) int {
		name := p.Args[len(p.Args)-1]
		data, err := p.ReadFile(name) // the sandbox's file, as the upload left it
		if err != nil {
			fmt.Fprintln(p.Stderr, err)
			return 1 // the exit code
		}
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(data)
		zw.Close()
		if err := p.WriteFile(name+".gz", buf.Bytes(), 0o644); err != nil {
			fmt.Fprintln(p.Stderr, err)
			return 1
		}
		fmt.Fprintf(p.Stderr, "%s: replaced with %s.gz\n", name, name) // streamed to the caller
		return 0
	})
	client := srv.Client(t)

	dir := t.TempDir()
	src, dst := filepath.Join(dir, "report.txt"), filepath.Join(dir, "report.txt.gz")
	if err := os.WriteFile(src, []byte("hello, sandbox\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var live bytes.Buffer
	if err := compress(t.Context(), client, "box", src, dst, &live); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(live.String(), "replaced with /tmp/data.gz") {
		t.Errorf("live output: %q", live.String())
	}
	f, err := os.Open(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(zr); err != nil || string(got) != "hello, sandbox\n" {
		t.Errorf("downloaded %q, %v", got, err)
	}
	if _, err := client.GetSandbox(t.Context(), "box", nil); !errors.Is(err, blaxel.ErrNotFound) {
		t.Errorf("the sandbox is still there: %v", err)
	}
}
