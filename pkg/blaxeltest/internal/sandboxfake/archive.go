package sandboxfake

import "net/http"

// The archive operations and a process's stdin, as far as the fake sandbox has them: its
// filesystem is never frozen, it has no storage to export an archive to, and its scripted
// processes are started without a stdin, so a write or a close answers as the server does
// for such a process.

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

// processStdin answers a write to, or the close of, a process's stdin: a process that exists
// has none in the fake.
func processStdin(x *sbxCall) {
	if x.sb.procs.find(x.params["identifier"]) == nil {
		x.fail(http.StatusNotFound, "process not found")
		return
	}
	x.fail(http.StatusConflict, "process has no stdin")
}
