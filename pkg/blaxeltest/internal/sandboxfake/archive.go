package sandboxfake

import "net/http"

// The archive operations, as far as the fake sandbox has them: its filesystem is never
// frozen, and it has no storage to export an archive to.

// archiveStatus reports a sandbox that is not frozen.
func archiveStatus(x *sbxCall) {
	x.json(http.StatusOK, map[string]any{"state": "active", "readOnlyRoot": false})
}

// exportArchive fails as an export whose upload cannot be made: the fake reaches no storage.
func exportArchive(x *sbxCall) {
	x.fail(http.StatusInternalServerError, "export failed: the fake sandbox has no storage to upload an archive to")
}

// resumeArchive lifts a freeze that the fake never sets, answering the state after it.
func resumeArchive(x *sbxCall) {
	archiveStatus(x)
}
