package blaxel_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

func TestArchiveAndUnarchiveAgainstTheFake(t *testing.T) {
	c, _ := fakeClient(t, blaxeltest.NewServer(t, blaxeltest.WithDeployDelay(20*time.Millisecond)))
	ctx := t.Context()
	if _, err := c.CreateSandboxAndWait(ctx, newSandbox("box"), fast...); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UnarchiveSandbox(ctx, "box"); !errors.Is(err, blaxel.ErrConflict) {
		t.Errorf("unarchiving a running sandbox: %v", err)
	}

	started, err := c.ArchiveSandbox(ctx, "box")
	if err != nil || *started.Status != gen.StatusARCHIVING || started.Archive == nil || started.Archive.StartedAt == nil {
		t.Fatalf("ArchiveSandbox: %+v, %v", started, err)
	}
	if _, err := c.ArchiveSandbox(ctx, "box"); !errors.Is(err, blaxel.ErrConflict) {
		t.Errorf("archiving an archiving sandbox: %v", err)
	}
	archived, err := c.WaitForSandbox(ctx, "box", append([]blaxel.WaitOption{blaxel.WithTargetStatuses("ARCHIVED")}, fast...)...)
	if err != nil || archived.Archive.CreatedAt == nil {
		t.Fatalf("archived: %+v, %v", archived, err)
	}

	back, err := c.UnarchiveSandboxAndWait(ctx, "box", fast...)
	if err != nil || *back.Status != gen.StatusDEPLOYED {
		t.Fatalf("unarchived: %+v, %v", back, err)
	}
	if r := back.Archive.Restore; r == nil || r.State == nil || *r.State != gen.SandboxArchiveRestoreStateSucceeded {
		t.Errorf("the restore reads %+v", r)
	}
	again, err := c.ArchiveSandboxAndWait(ctx, "box", fast...)
	if err != nil || *again.Status != gen.StatusARCHIVED {
		t.Fatalf("archived again: %+v, %v", again, err)
	}
	if _, err := c.ArchiveSandboxAndWait(ctx, "missing", fast...); !errors.Is(err, blaxel.ErrNotFound) {
		t.Errorf("archiving a missing sandbox: %v", err)
	}
}

// TestArchiveSandboxAndWaitAfterALostAnswer: the edge gives up on the archive while it goes
// on; the wait follows the sandbox instead of sending the archive again.
func TestArchiveSandboxAndWaitAfterALostAnswer(t *testing.T) {
	s, c := newScripted(t, func(r *http.Request, n int) (int, string) {
		switch {
		case r.Method == http.MethodPost:
			return http.StatusGatewayTimeout, edgeTimeout
		case n == 1:
			return http.StatusOK, deployment("box", "ARCHIVING")
		}
		return http.StatusOK, deployment("box", "ARCHIVED")
	})
	sb, err := c.ArchiveSandboxAndWait(context.Background(), "box", fast...)
	if err != nil || *sb.Status != gen.StatusARCHIVED {
		t.Fatalf("sandbox %+v, error %v", sb, err)
	}
	if s.count("POST /sandboxes/box/archive") != 1 || s.count("GET /sandboxes/box") != 2 {
		t.Fatalf("requests %v", s.counts)
	}
}
