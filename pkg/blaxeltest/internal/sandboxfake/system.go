package sandboxfake

import (
	"net/http"
	"path"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// sandboxSystem is what a sandbox keeps besides files and processes: drive mounts, port
// monitors, the tunnel, and the history of its upgrades. Safe for concurrent use.
type sandboxSystem struct {
	mu          sync.Mutex
	mounts      []driveMount
	monitors    map[int]string // callback by pid; recorded, never called: the fake has no network
	tunnel      bool
	upgrades    int
	lastUpgrade upgradeStatus
}

type driveMount struct {
	DriveName string `json:"driveName"`
	MountPath string `json:"mountPath"`
	DrivePath string `json:"drivePath"`
	ReadOnly  bool   `json:"readOnly"`
	UIDMap    string `json:"uidMap,omitempty"`
	GIDMap    string `json:"gidMap,omitempty"`
}

type upgradeStatus struct {
	Status      string `json:"status"` // idle, running, completed, failed
	Step        string `json:"step"`
	Version     string `json:"version"`
	LastAttempt string `json:"lastAttempt,omitempty"`
}

func newSandboxSystem() *sandboxSystem {
	return &sandboxSystem{monitors: map[int]string{}, lastUpgrade: upgradeStatus{Status: "idle", Step: "none"}}
}

// pidParam reads the integer pid of a network route; false when it answered 400.
func (x *sbxCall) pidParam() (int, bool) {
	pid, err := strconv.Atoi(x.params["pid"])
	if err != nil {
		x.fail(http.StatusBadRequest, "invalid PID")
		return 0, false
	}
	return pid, true
}

type portView struct {
	PID         int    `json:"pid"`
	Protocol    string `json:"protocol"`
	LocalAddr   string `json:"localAddr"`
	LocalPort   int    `json:"localPort"`
	RemoteAddr  string `json:"remoteAddr"`
	RemotePort  int    `json:"remotePort"`
	State       string `json:"state"`
	ProcessName string `json:"processName"`
}

// getPorts lists the ports a process listens on (see Process.Listen).
func getPorts(x *sbxCall) {
	pid, ok := x.pidParam()
	if !ok {
		return
	}
	ports := []portView{}
	if p := x.sb.procs.find(strconv.Itoa(pid)); p != nil {
		x.sb.procs.mu.Lock()
		for _, port := range p.ports {
			ports = append(ports, portView{PID: pid, Protocol: "tcp", LocalAddr: "0.0.0.0", LocalPort: port,
				RemoteAddr: "0.0.0.0", State: "LISTEN", ProcessName: p.view.Args[0]})
		}
		x.sb.procs.mu.Unlock()
	}
	x.json(http.StatusOK, map[string]any{"pid": pid, "ports": ports})
}

// startMonitor records a callback for the ports a process opens.
func startMonitor(x *sbxCall) {
	pid, ok := x.pidParam()
	if !ok {
		return
	}
	var req struct {
		Callback string `json:"callback"`
	}
	if err := x.readJSON(&req); err != nil {
		x.fail(http.StatusBadRequest, err.Error())
		return
	}
	x.sb.sys.mu.Lock()
	x.sb.sys.monitors[pid] = req.Callback
	x.sb.sys.mu.Unlock()
	x.success("", "Port monitoring started")
}

func stopMonitor(x *sbxCall) {
	pid, ok := x.pidParam()
	if !ok {
		return
	}
	x.sb.sys.mu.Lock()
	delete(x.sb.sys.monitors, pid)
	x.sb.sys.mu.Unlock()
	x.success("", "Port monitoring stopped")
}

// putTunnelConfig accepts a base64 WireGuard configuration (write-only: it is not kept).
func putTunnelConfig(x *sbxCall) {
	var req struct {
		Config string `json:"config"`
	}
	if err := x.readJSON(&req); err != nil || req.Config == "" {
		x.fail(http.StatusBadRequest, "invalid request body: the config is required")
		return
	}
	x.sb.sys.mu.Lock()
	x.sb.sys.tunnel = true
	x.sb.sys.mu.Unlock()
	x.success("", "Tunnel configuration updated successfully")
}

// deleteTunnel takes the tunnel down; 400 when none is up.
func deleteTunnel(x *sbxCall) {
	x.sb.sys.mu.Lock()
	up := x.sb.sys.tunnel
	x.sb.sys.tunnel = false
	x.sb.sys.mu.Unlock()
	if !up {
		x.fail(http.StatusBadRequest, "no tunnel is running")
		return
	}
	x.success("", "Tunnel disconnected")
}

func listMounts(x *sbxCall) {
	x.sb.sys.mu.Lock()
	defer x.sb.sys.mu.Unlock()
	x.json(http.StatusOK, map[string]any{"mounts": nonNil(slices.Clone(x.sb.sys.mounts))})
}

// mountDrive records a mount and makes its directory; 409 when the path is taken.
func mountDrive(x *sbxCall) {
	var req driveMount
	if err := x.readJSON(&req); err != nil {
		x.fail(http.StatusBadRequest, "Invalid request body: "+err.Error())
		return
	}
	if req.DrivePath == "" {
		req.DrivePath = "/"
	}
	switch {
	case req.DriveName == "" || strings.ContainsAny(req.DriveName, "/\\") || strings.Contains(req.DriveName, ".."):
		x.fail(http.StatusBadRequest, "invalid drive name")
		return
	case !strings.HasPrefix(req.MountPath, "/") || strings.Contains(req.MountPath, ".."):
		x.fail(http.StatusBadRequest, "invalid mount path: it must be absolute, without ..")
		return
	case !strings.HasPrefix(req.DrivePath, "/"):
		x.fail(http.StatusBadRequest, "Invalid drive path: Drive path must start with /")
		return
	}
	req.MountPath = path.Clean(req.MountPath)
	sys := x.sb.sys
	sys.mu.Lock()
	taken := slices.ContainsFunc(sys.mounts, func(m driveMount) bool { return m.MountPath == req.MountPath })
	if !taken {
		sys.mounts = append(sys.mounts, req)
	}
	sys.mu.Unlock()
	if taken {
		x.fail(http.StatusConflict, "Failed to mount drive: "+req.MountPath+" is already a mount point")
		return
	}
	_ = x.sb.fs.mkdirAll(req.MountPath, 0o755)
	x.json(http.StatusOK, map[string]any{"success": true, "message": "Drive mounted successfully",
		"driveName": req.DriveName, "mountPath": req.MountPath, "drivePath": req.DrivePath, "readOnly": req.ReadOnly})
}

// unmountDrive forgets a mount; the path keeps its slashes (the route takes the rest).
func unmountDrive(x *sbxCall) {
	mp := x.params["mountPath"]
	if mp == "" || mp == "/" {
		x.fail(http.StatusBadRequest, "Mount path is required (must start with /)")
		return
	}
	if strings.Contains(mp, "..") {
		x.fail(http.StatusBadRequest, "invalid mount path: it must be absolute, without ..")
		return
	}
	mp = path.Clean("/" + strings.TrimLeft(mp, "/"))
	sys := x.sb.sys
	sys.mu.Lock()
	i := slices.IndexFunc(sys.mounts, func(m driveMount) bool { return m.MountPath == mp })
	if i >= 0 {
		sys.mounts = slices.Delete(sys.mounts, i, i+1)
	}
	sys.mu.Unlock()
	if i < 0 {
		x.fail(http.StatusInternalServerError, "Failed to unmount drive: "+mp+" is not a mount point")
		return
	}
	x.json(http.StatusOK, map[string]any{"success": true, "message": "Drive unmounted successfully", "mountPath": mp})
}

// fastApply fails as a sandbox without a code-edit provider key does.
func fastApply(x *sbxCall) {
	x.fail(http.StatusBadRequest, "no code edit provider is configured: set RELACE_API_KEY or MORPH_API_KEY in the sandbox")
}

// rerank fails as a sandbox without a reranking provider key does.
func rerank(x *sbxCall) {
	x.fail(http.StatusServiceUnavailable, "reranking needs RELACE_API_KEY in the sandbox")
}

// health describes the sandbox server: up since the sandbox was first called.
func health(x *sbxCall) {
	uptime := x.host.now().Sub(x.sb.startedAt)
	sys := x.sb.sys
	sys.mu.Lock()
	upgrades, last := sys.upgrades, sys.lastUpgrade
	sys.mu.Unlock()
	x.json(http.StatusOK, map[string]any{
		"status": "ok", "version": "blaxeltest", "gitCommit": "blaxeltest", "buildTime": x.sb.startedAt.UTC().Format(time.RFC3339),
		"goVersion": runtime.Version(), "os": "linux", "arch": "amd64",
		"uptime": uptime.Round(time.Second).String(), "uptimeSeconds": uptime.Seconds(),
		"upgradeCount": upgrades, "startedAt": x.sb.startedAt.UTC().Format(time.RFC3339), "lastUpgrade": last,
	})
}

// upgrade answers at once, then half a second (of the sandbox, 50 ms at least, so that the
// answer leaves first) later restarts the sandbox server: every open stream drops, processes
// and files stay.
func upgrade(x *sbxCall) {
	var req struct {
		Version string `json:"version"`
		BaseURL string `json:"baseUrl"`
	}
	_ = x.readJSON(&req) // the body is optional
	if req.Version == "" {
		req.Version = "latest"
	}
	if req.BaseURL == "" {
		req.BaseURL = "https://github.com/blaxel-ai/sandbox/releases"
	}
	x.json(http.StatusOK, map[string]string{
		"message": "Upgrade initiated. Process state saved. The server will upgrade shortly.",
		"version": req.Version, "baseUrl": req.BaseURL,
	})
	sb, h := x.sb, x.host
	time.AfterFunc(max(x.host.cfg.Second/2, 50*time.Millisecond), func() {
		sb.restartServer()
		sb.sys.mu.Lock()
		defer sb.sys.mu.Unlock()
		sb.sys.upgrades++
		sb.sys.lastUpgrade = upgradeStatus{Status: "completed", Step: "completed", Version: req.Version,
			LastAttempt: h.now().UTC().Format(time.RFC3339)}
	})
}

// reloadEnvironment fails as it does on a sandbox without a metadata document.
func reloadEnvironment(x *sbxCall) {
	x.fail(http.StatusNotFound, "no metadata document to reload the environment from")
}
