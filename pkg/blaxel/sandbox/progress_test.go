package sandbox_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
)

// progress records the calls of a ProgressFunc and checks that done only grows.
type progress struct {
	t     *testing.T
	calls int
	done  int64
	total int64
}

func (p *progress) report(done, total int64) {
	if done <= p.done {
		p.t.Errorf("done went from %d to %d", p.done, done)
	}
	p.calls++
	p.done, p.total = done, total
}

// An upload in parts and a download report their bytes and totals as they go.
func TestProgressOfAnUploadAndADownload(t *testing.T) {
	_, sb := fakeSandbox(t)
	ctx := context.Background()
	content := strings.Repeat("0123456789", 1000) // ten parts of 1 KiB and a little

	up := &progress{t: t}
	if err := sb.WriteFile(ctx, "/tmp/big.txt", strings.NewReader(content), 0, sandbox.WithPartSize(1<<10), sandbox.WithProgress(up.report)); err != nil {
		t.Fatal(err)
	}
	if up.calls < 2 || up.done != int64(len(content)) || up.total != int64(len(content)) {
		t.Errorf("upload: %d calls, last %d of %d", up.calls, up.done, up.total)
	}

	unknown := &progress{t: t}
	r := io.MultiReader(strings.NewReader(content[:10]), strings.NewReader(content[10:]))
	if err := sb.WriteFile(ctx, "/tmp/big2.txt", r, 0, sandbox.WithProgress(unknown.report)); err != nil {
		t.Fatal(err)
	}
	if unknown.done != int64(len(content)) || unknown.total != -1 {
		t.Errorf("upload of unknown size: last %d of %d", unknown.done, unknown.total)
	}

	down := &progress{t: t}
	rc, err := sb.Open(ctx, "/tmp/big.txt")
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if _, err := io.Copy(&got, sandbox.ReadProgress(rc, down.report)); err != nil {
		t.Fatal(err)
	}
	rc.Close()
	if got.String() != content || down.done != int64(len(content)) || down.total != int64(len(content)) {
		t.Errorf("download: %d bytes, last %d of %d", got.Len(), down.done, down.total)
	}

	part := &progress{t: t}
	rc, err = sb.OpenRange(ctx, "/tmp/big.txt", 100, 50)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if b, err := io.ReadAll(sandbox.ReadProgress(rc, part.report)); err != nil || string(b) != content[100:150] {
		t.Fatalf("range: %q, %v", b, err)
	}
	if part.done != 50 || part.total != 50 {
		t.Errorf("range: last %d of %d", part.done, part.total)
	}
}
