package sandbox

import (
	"context"

	"github.com/blaxel-go/blaxel/gen/sandboxapi"
)

// ArchiveStatus reports whether the sandbox is frozen for an archive, and how its last export
// and the restore it started from are going (GetArchiveStatus). Archiving a whole sandbox
// (its filesystem stored, its compute freed) is the control plane's business:
// blaxel.Client.ArchiveSandboxAndWait and UnarchiveSandboxAndWait; the export itself, and
// lifting its freeze, are ExportArchive and ResumeArchive through [Sandbox.API]. An archived
// sandbox has no compute to answer: its address then answers 503 until it is unarchived.
func (s *Sandbox) ArchiveStatus(ctx context.Context) (*sandboxapi.QuiesceStatus, error) {
	resp, err := s.api.GetArchiveStatusWithResponse(ctx)
	if err != nil {
		return nil, err
	}
	return json200(s.p.Redact, resp.JSON200, resp.HTTPResponse, resp.Body)
}
