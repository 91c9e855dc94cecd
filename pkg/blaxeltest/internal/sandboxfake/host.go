package sandboxfake

import (
	"context"
	"sync"
	"time"
)

// Host serves the data plane of every sandbox of the control plane: it makes the
// sandbox's filesystem, processes and uploads the first time the sandbox is called, and
// forgets them when the control plane's sandbox is deleted or made again. Safe for concurrent
// use.
type Host struct {
	cfg      Config
	api      *sandboxAPI
	now      func() time.Time
	report   func(format string, args ...any)
	blobs    blobs
	commands *commandSet
	ports    *portSet        // what answers on the sandboxes' ports
	code     codeFunc        // what the code interpreter's runs output
	ctx      context.Context // ends when the server closes: processes and streams end with it
	stop     context.CancelCauseFunc
	release  sync.Once

	snaps *snapshotFiles // snapshots.go

	mu    sync.Mutex
	boxes map[string]*sandbox // by workspace and name
}

// NewHost makes the host of the sandboxes; Close releases it.
func NewHost(cfg Config) (*Host, error) {
	api, err := sharedSandboxAPI()
	if err != nil {
		return nil, err
	}
	var b blobs = newMemBlobs()
	if cfg.FileDir != "" {
		if b, err = newDirBlobs(cfg.FileDir); err != nil {
			return nil, err
		}
	}
	ctx, stop := context.WithCancelCause(context.Background())
	return &Host{
		cfg: cfg, api: api, now: cfg.Now, report: cfg.Report, blobs: b, commands: newCommandSet(), ports: newPortSet(),
		ctx: ctx, stop: stop, boxes: map[string]*sandbox{}, snaps: newSnapshotFiles(),
	}, nil
}

func boxKey(workspace, name string) string { return workspace + "\x00" + name }

// box returns the sandbox that serves the control plane's sandbox seq, made afresh when the
// one known under that name served an earlier sandbox.
func (h *Host) box(workspace, name string, seq int64) *sandbox {
	h.mu.Lock()
	defer h.mu.Unlock()
	k := boxKey(workspace, name)
	if sb := h.boxes[k]; sb != nil {
		if sb.seq == seq {
			return sb
		}
		go sb.close() // a sandbox of the same name was deleted and made again
	}
	sb := newSandbox(h, workspace, name, seq)
	if files := h.takeStart(workspace, name); files != nil { // a fork
		sb.fs.close()
		sb.fs = files
	}
	h.boxes[k] = sb
	return sb
}

// find returns the sandbox known under a workspace and a name, nil when it was never called.
func (h *Host) find(workspace, name string) *sandbox {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.boxes[boxKey(workspace, name)]
}

// forget drops the sandbox known under a workspace and a name, if any: the control plane no
// longer has it.
func (h *Host) forget(workspace, name string) {
	h.mu.Lock()
	sb := h.boxes[boxKey(workspace, name)]
	delete(h.boxes, boxKey(workspace, name))
	h.mu.Unlock()
	if sb != nil {
		sb.close()
	}
}

// Shutdown ends every process and stream: the server is closing.
func (h *Host) Shutdown() { h.stop(errHostShutdown) }

// Close forgets every sandbox and removes the file directory.
func (h *Host) Close() error {
	var err error
	h.release.Do(func() {
		h.Shutdown()
		h.mu.Lock()
		boxes := h.boxes
		h.boxes = map[string]*sandbox{}
		h.mu.Unlock()
		for _, sb := range boxes {
			sb.close()
		}
		err = h.blobs.close()
	})
	return err
}

// sandbox is the data plane of one sandbox.
type sandbox struct {
	host            *Host
	workspace, name string
	seq             int64 // the control plane's item it serves
	workDir         string
	startedAt       time.Time
	fs              *sandboxFS
	procs           *processTable
	uploads         *uploadTable
	sys             *sandboxSystem
	code            *codeState // the code interpreter's contexts
	terms           *terminals // the terminal's sessions

	mu      sync.Mutex
	serving context.Context // the sandbox server's run: ends at an upgrade, and every stream with it
	restart context.CancelCauseFunc
}

func newSandbox(h *Host, workspace, name string, seq int64) *sandbox {
	sb := &sandbox{host: h, workspace: workspace, name: name, seq: seq, workDir: h.cfg.WorkDir, startedAt: h.now()}
	sb.fs = newSandboxFS(h.blobs, h.now, "/tmp", homeDir, h.cfg.WorkDir)
	sb.procs = newProcessTable(sb, h)
	sb.uploads = newUploadTable()
	sb.sys = newSandboxSystem()
	sb.code = &codeState{}
	sb.terms = &terminals{}
	sb.serving, sb.restart = context.WithCancelCause(h.ctx)
	return sb
}

// run returns the context of the sandbox server's current run.
func (sb *sandbox) run() context.Context {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	return sb.serving
}

// restartServer ends the sandbox server's current run (every open stream drops) and starts
// the next; processes survive it, as they survive an upgrade of the real server.
func (sb *sandbox) restartServer() {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	sb.restart(errUpgraded)
	sb.serving, sb.restart = context.WithCancelCause(sb.host.ctx)
}

// close ends the sandbox's processes and streams and forgets its files.
func (sb *sandbox) close() {
	sb.mu.Lock()
	sb.restart(errSandboxGone)
	sb.mu.Unlock()
	sb.procs.close()
	sb.uploads.close(sb.host.blobs)
	sb.fs.close()
}

// HasRoute reports whether route names an operation of the Sandbox API: its operationId or
// "METHOD /template".
func (h *Host) HasRoute(route string) bool { return h.api.route(route) != nil }
