package sandbox_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/gen/sandboxapi"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// TestArchivedSandboxAgainstTheFake: an archived sandbox's address answers 503; once it is
// back, its files are as they were.
func TestArchivedSandboxAgainstTheFake(t *testing.T) {
	srv := blaxeltest.NewServer(t, blaxeltest.WithDeployDelay(time.Millisecond))
	c, err := blaxel.New(blaxel.WithBaseURL(srv.URL()), blaxel.WithRunURL(srv.RunURL()), blaxel.WithAPIKey("fake-key"),
		blaxel.WithWorkspace("ws"), blaxel.WithRetryPolicy(blaxel.RetryPolicy{}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	fast := blaxel.WithPollInterval(time.Millisecond)
	box, err := c.CreateSandboxAndWait(ctx, gen.Sandbox{}, fast)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := sandbox.Open(ctx, c, box.Metadata.Name)
	if err != nil {
		t.Fatal(err)
	}
	status, err := sb.ArchiveStatus(ctx)
	if err != nil || status.State != sandboxapi.ArchiveQuiesceStateActive {
		t.Fatalf("ArchiveStatus: %+v, %v", status, err)
	}
	if err := sb.WriteFile(ctx, "/keep.txt", strings.NewReader("kept"), 0o644); err != nil {
		t.Fatal(err)
	}

	if _, err := c.ArchiveSandboxAndWait(ctx, box.Metadata.Name, fast); err != nil {
		t.Fatal(err)
	}
	_, err = sb.ReadFile(ctx, "/keep.txt")
	var apiErr *blaxel.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("reading an archived sandbox: %v", err)
	}

	if _, err := c.UnarchiveSandboxAndWait(ctx, box.Metadata.Name, fast); err != nil {
		t.Fatal(err)
	}
	if data, err := sb.ReadFile(ctx, "/keep.txt"); err != nil || string(data) != "kept" {
		t.Fatalf("after unarchiving: %q, %v", data, err)
	}
}
