package sandboxfake

import (
	"bytes"
	"sync"
)

// The files of snapshots. The control plane tells the host when a snapshot of a sandbox is
// taken, restored, or forked into a new sandbox; the host keeps a copy of the sandbox's files
// under the snapshot's id, puts them back into the sandbox, or gives them to the new sandbox
// the first time it is called. Processes are not part of a snapshot. A sandbox never called
// has no files yet: its snapshot holds the directories every sandbox starts with.

// snapshotFiles holds the files of snapshots, and of forks not called yet. Safe for concurrent
// use.
type snapshotFiles struct {
	mu     sync.Mutex
	byID   map[string]*sandboxFS // by workspace and snapshot id
	starts map[string]*sandboxFS // by workspace and sandbox name: what a fork starts with
}

func newSnapshotFiles() *snapshotFiles {
	return &snapshotFiles{byID: map[string]*sandboxFS{}, starts: map[string]*sandboxFS{}}
}

// SaveSnapshot keeps a copy of the files of a sandbox as the snapshot id.
func (h *Host) SaveSnapshot(workspace, sandbox, id string) {
	saved := h.newFS()
	if sb := h.find(workspace, sandbox); sb != nil {
		saved = h.copyFS(sb.fs)
	}
	h.snaps.mu.Lock()
	defer h.snaps.mu.Unlock()
	if old := h.snaps.byID[boxKey(workspace, id)]; old != nil {
		old.close()
	}
	h.snaps.byID[boxKey(workspace, id)] = saved
}

// RestoreSnapshot puts the files of the snapshot id back into a sandbox, in place of its own.
func (h *Host) RestoreSnapshot(workspace, sandbox, id string) {
	h.snaps.mu.Lock()
	saved := h.snaps.byID[boxKey(workspace, id)]
	h.snaps.mu.Unlock()
	sb := h.find(workspace, sandbox)
	if saved == nil || sb == nil {
		if saved != nil {
			h.startWith(workspace, sandbox, h.copyFS(saved))
		}
		return
	}
	entries, _ := sb.fs.list("/")
	for _, e := range entries {
		_ = sb.fs.remove(e.path, true)
	}
	copyInto(sb.fs, saved)
}

// ForkSnapshot makes the sandbox name, not called yet, start with the files of the snapshot id.
func (h *Host) ForkSnapshot(workspace, id, sandbox string) {
	h.snaps.mu.Lock()
	saved := h.snaps.byID[boxKey(workspace, id)]
	h.snaps.mu.Unlock()
	if saved != nil {
		h.startWith(workspace, sandbox, h.copyFS(saved))
	}
}

func (h *Host) startWith(workspace, sandbox string, files *sandboxFS) {
	h.snaps.mu.Lock()
	defer h.snaps.mu.Unlock()
	if old := h.snaps.starts[boxKey(workspace, sandbox)]; old != nil {
		old.close()
	}
	h.snaps.starts[boxKey(workspace, sandbox)] = files
}

// takeStart returns, once, the files a new sandbox starts with; nil for the usual ones.
func (h *Host) takeStart(workspace, sandbox string) *sandboxFS {
	h.snaps.mu.Lock()
	defer h.snaps.mu.Unlock()
	files := h.snaps.starts[boxKey(workspace, sandbox)]
	delete(h.snaps.starts, boxKey(workspace, sandbox))
	return files
}

// newFS is the filesystem a sandbox starts with.
func (h *Host) newFS() *sandboxFS {
	return newSandboxFS(h.blobs, h.now, "/tmp", homeDir, h.cfg.WorkDir)
}

// copyFS copies a filesystem, contents, modes and times.
func (h *Host) copyFS(from *sandboxFS) *sandboxFS {
	to := newSandboxFS(h.blobs, h.now)
	copyInto(to, from)
	return to
}

// copyInto writes every directory and file of from into to. A file that cannot be read is
// left out: it was removed meanwhile.
func copyInto(to, from *sandboxFS) {
	_ = from.walk("/", func(info fileInfo, err error) error {
		switch {
		case err != nil:
			return nil
		case info.path == "/":
			return nil
		case info.dir:
			_ = to.mkdirAll(info.path, info.perm)
			return nil
		}
		data, err := from.readFile(info.path)
		if err != nil {
			return nil
		}
		_ = to.writeFile(info.path, bytes.NewReader(data), info.perm)
		return nil
	})
}
