package sandbox_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// TestSnapshotFilesAgainstTheFake: a snapshot keeps the sandbox's files as they were; a
// restore puts them back, and a fork starts a sandbox with them.
func TestSnapshotFilesAgainstTheFake(t *testing.T) {
	srv := blaxeltest.NewServer(t, blaxeltest.WithDeployDelay(time.Millisecond))
	c, err := blaxel.New(blaxel.WithBaseURL(srv.URL()), blaxel.WithRunURL(srv.RunURL()), blaxel.WithAPIKey("fake-key"),
		blaxel.WithWorkspace("ws"), fastRetries())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	fast := blaxel.WithPollInterval(time.Millisecond)
	if _, err := c.CreateSandboxAndWait(ctx, gen.Sandbox{Metadata: gen.Metadata{Name: "box"}}, fast); err != nil {
		t.Fatal(err)
	}
	box, err := sandbox.Open(ctx, c, "box")
	if err != nil {
		t.Fatal(err)
	}
	write := func(sb *sandbox.Sandbox, path, content string) {
		t.Helper()
		if err := sb.WriteFile(ctx, path, strings.NewReader(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	read := func(sb *sandbox.Sandbox, path string) string {
		t.Helper()
		data, err := sb.ReadFile(ctx, path)
		if err != nil {
			return "error: " + err.Error()
		}
		return string(data)
	}

	write(box, "/app/state.txt", "before")
	own, err := c.CreateSandboxSnapshot(ctx, "box", gen.SandboxSnapshotRequest{})
	if err != nil {
		t.Fatal(err)
	}
	write(box, "/app/state.txt", "after")
	write(box, "/app/new.txt", "new")
	if _, err := c.RestoreSandboxSnapshot(ctx, "box", own.ID); err != nil {
		t.Fatal(err)
	}
	if got := read(box, "/app/state.txt"); got != "before" {
		t.Errorf("after the restore the file reads %q", got)
	}
	if got := read(box, "/app/new.txt"); !strings.HasPrefix(got, "error:") {
		t.Errorf("a file written after the snapshot survived the restore: %q", got)
	}

	ws, err := c.CreateSnapshot(ctx, gen.SandboxSnapshotRequest{Name: new("kept"), Source: &gen.SandboxSnapshotSource{Name: "box"}})
	if err != nil {
		t.Fatal(err)
	}
	write(box, "/app/state.txt", "changed again")
	if _, err := c.ForkSnapshot(ctx, ws.Name, gen.SandboxForkRequest{TargetName: "replay", TargetType: "sandbox"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ForkSandbox(ctx, "box", gen.SandboxForkRequest{TargetName: "copy", TargetType: "sandbox"}); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"replay": "before", "copy": "changed again"} {
		if _, err := c.WaitForSandbox(ctx, name, fast); err != nil {
			t.Fatal(err)
		}
		fork, err := sandbox.Open(ctx, c, name)
		if err != nil {
			t.Fatal(err)
		}
		if got := read(fork, "/app/state.txt"); got != want {
			t.Errorf("the fork %s reads %q, want %q", name, got, want)
		}
	}
}
