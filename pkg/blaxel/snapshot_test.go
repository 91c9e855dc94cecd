package blaxel_test

import (
	"context"
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

var snapshotID = regexp.MustCompile(`^[0-9a-f]{16}$`)

// TestSnapshotsAgainstTheFake: snapshots of the workspace and of a sandbox are taken, listed,
// read, restored, forked into sandboxes and deleted.
func TestSnapshotsAgainstTheFake(t *testing.T) {
	c, _ := fakeClient(t, blaxeltest.NewServer(t, blaxeltest.WithDeployDelay(5*time.Millisecond)))
	ctx := t.Context()
	labels := gen.MetadataLabels{"team": "research"}
	box := gen.Sandbox{Metadata: gen.Metadata{Name: "box", Labels: &labels},
		Spec: gen.SandboxSpec{Runtime: &gen.SandboxRuntime{Image: new("blaxel/base-image:latest")}}}
	if _, err := c.CreateSandboxAndWait(ctx, box, fast...); err != nil {
		t.Fatal(err)
	}

	// The workspace's snapshots: named by the server when the request does not.
	taken, err := c.CreateSnapshot(ctx, gen.SandboxSnapshotRequest{Source: &gen.SandboxSnapshotSource{Name: "box"}})
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^sandboxsnapshot-[0-9a-f]{8}$`).MatchString(taken.Name) || !snapshotID.MatchString(taken.ID) ||
		taken.Workspace != "ws" || taken.Status != gen.SandboxSnapshotStatusPending {
		t.Errorf("new snapshot %+v", taken)
	}
	named, err := c.CreateSnapshot(ctx, gen.SandboxSnapshotRequest{Name: new("before-upgrade"), Source: &gen.SandboxSnapshotSource{Name: "box"}})
	if err != nil || named.Name != "before-upgrade" || named.ID == taken.ID {
		t.Fatalf("named snapshot %+v, %v", named, err)
	}
	ready, err := blaxel.Wait(ctx, func(ctx context.Context) (*gen.SandboxSnapshot, error) { return c.GetSnapshot(ctx, named.Name) },
		func(s *gen.SandboxSnapshot) (string, string) { return string(s.Status), "" },
		append([]blaxel.WaitOption{blaxel.WithTargetStatuses("ready"), blaxel.WithFailureStatuses("failed")}, fast...)...)
	if err != nil || ready.Status != gen.SandboxSnapshotStatusReady {
		t.Fatalf("snapshot %+v, %v", ready, err)
	}
	page, err := c.ListSnapshots(ctx, nil)
	if err != nil || len(page.Data) != 2 {
		t.Fatalf("ListSnapshots: %+v, %v", page, err)
	}

	// A fork of a snapshot is a new sandbox running as the snapshot's source did.
	forked, err := c.ForkSnapshot(ctx, named.Name, gen.SandboxForkRequest{TargetName: "replay", TargetType: "sandbox"})
	if err != nil || *forked.Name != "replay" || *forked.SnapshotID != named.ID || *forked.Type != gen.SandboxForkResponseTypeSandbox {
		t.Fatalf("ForkSnapshot: %+v, %v", forked, err)
	}
	replay, err := c.WaitForSandbox(ctx, "replay", fast...)
	if err != nil || *replay.Spec.Runtime.Image != "blaxel/base-image:latest" || (*replay.Metadata.Labels)["team"] != "research" {
		t.Fatalf("the fork: %+v, %v", replay, err)
	}
	if _, err := c.ForkSnapshot(ctx, named.Name, gen.SandboxForkRequest{TargetName: "replay", TargetType: "sandbox"}); !errors.Is(err, blaxel.ErrConflict) {
		t.Errorf("a fork onto a taken name: %v", err)
	}
	if _, err := c.ForkSnapshot(ctx, "missing", gen.SandboxForkRequest{TargetName: "other", TargetType: "sandbox"}); !errors.Is(err, blaxel.ErrNotFound) {
		t.Errorf("a fork of a missing snapshot: %v", err)
	}

	// A fork of a sandbox's current state.
	copied, err := c.ForkSandbox(ctx, "box", gen.SandboxForkRequest{TargetName: "copy", TargetType: "sandbox"})
	if err != nil || *copied.Name != "copy" || copied.SnapshotID == nil || *copied.SnapshotID == "" {
		t.Fatalf("ForkSandbox: %+v, %v", copied, err)
	}
	if _, err := c.GetSandbox(ctx, "copy", nil); err != nil {
		t.Fatal(err)
	}

	// A sandbox's own snapshots, and a restore to one of them.
	own, err := c.CreateSandboxSnapshot(ctx, "box", gen.SandboxSnapshotRequest{})
	if err != nil || !snapshotID.MatchString(own.ID) || own.Name == "" {
		t.Fatalf("CreateSandboxSnapshot: %+v, %v", own, err)
	}
	list, err := c.ListSandboxSnapshots(ctx, "box")
	if err != nil || len(list) != 1 || list[0].ID != own.ID {
		t.Fatalf("ListSandboxSnapshots: %+v, %v", list, err)
	}
	restored, err := c.RestoreSandboxSnapshot(ctx, "box", own.ID)
	if err != nil || restored.Name != "box" || restored.SnapshotID != own.ID {
		t.Fatalf("RestoreSandboxSnapshot: %+v, %v", restored, err)
	}
	if _, err := c.RestoreSandboxSnapshot(ctx, "box", "missing"); !errors.Is(err, blaxel.ErrNotFound) {
		t.Errorf("a restore to a missing snapshot: %v", err)
	}

	if err := c.DeleteSnapshot(ctx, taken.Name); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetSnapshot(ctx, taken.Name); !errors.Is(err, blaxel.ErrNotFound) {
		t.Errorf("a deleted snapshot: %v", err)
	}
}
