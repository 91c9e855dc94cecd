// Package runplane is the fake's run plane: deployed agents, functions and models answered at
// the server's root, as the platform's gateway does at {run URL}/{workspace}/{kind}/{name},
// beside the control plane under /v0. A workspace named "v0" therefore cannot reach its
// workloads here.
package runplane

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/fault"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/wire"
)

// maxBody caps the request bodies the run plane reads.
const maxBody = 10 << 20

// Platform is what the run plane asks of the control plane.
type Platform interface {
	// Access returns the gateway's error code for a credential refused in workspace, "" if
	// the call may go on.
	Access(r *http.Request, workspace string) string
	// Deployed returns WORKLOAD_NOT_FOUND or WORKLOAD_UNAVAILABLE, "" for a deployed workload.
	Deployed(kind, name, workspace string) string
	// AsyncCallbackURL returns where the end of a background call of the workload is
	// reported, "" for nowhere.
	AsyncCallbackURL(kind, workspace, name string) string
	// FunctionTransport returns the MCP transport a function serves: "http-stream" or
	// "websocket".
	FunctionTransport(workspace, name string) string
}

// Config is what the run plane is made with.
type Config struct {
	Platform Platform
	Kinds    []string // the kinds of workloads the gateway routes to
	Log      *wire.Log
	Now      func() time.Time
	// CallbackSecret signs the reports of background calls (X-Blaxel-Signature).
	CallbackSecret string
}

// Plane holds what the run plane serves besides the control plane's store: the handlers
// tests register and the MCP servers of functions. Safe for concurrent use.
type Plane struct {
	cfg       Config
	mu        sync.Mutex
	agents    map[string]http.Handler
	functions map[string]*functionServer

	background sync.WaitGroup // agent calls made with ?async=true, still running
	stop       context.Context
	stopAll    context.CancelFunc
}

// New makes a run plane.
func New(cfg Config) *Plane {
	stop, cancel := context.WithCancel(context.Background())
	return &Plane{cfg: cfg, agents: map[string]http.Handler{}, functions: map[string]*functionServer{}, stop: stop, stopAll: cancel}
}

// Cancel ends the streams the workloads hold open and the context of background calls.
func (wl *Plane) Cancel() { wl.stopAll() }

// Close ends what still runs once no request is served: the sessions of the MCP servers, and
// the background agent calls, waited for until ctx ends.
func (wl *Plane) Close(ctx context.Context) {
	wl.mu.Lock()
	servers := make([]*functionServer, 0, len(wl.functions))
	for _, f := range wl.functions {
		servers = append(servers, f)
	}
	wl.mu.Unlock()
	for _, f := range servers {
		f.closeSessions()
	}
	done := make(chan struct{})
	go func() {
		wl.background.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// ServeHTTP answers a request outside the control plane: it finds the workload the path names,
// checks the credential and the workspace as the gateway does, and hands the request to the
// workload. Errors have the gateway's shape: ROUTE_NOT_FOUND, AUTHENTICATION_REQUIRED,
// AUTHENTICATION_FAILED, FORBIDDEN, WORKLOAD_NOT_FOUND, and WORKLOAD_UNAVAILABLE for a
// workload that is not DEPLOYED.
func (s *Plane) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	started := time.Now()
	now := s.cfg.Now()
	rec := wire.NewRequest(r, now)
	sw := &wire.StatusWriter{ResponseWriter: w}
	defer func() {
		rec.Status = sw.Status
		s.cfg.Log.Done(rec, started)
	}()
	s.cfg.Log.Count("", "", r)

	// A stream held open (an MCP session, an agent's events) ends when the server stops.
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	stop := context.AfterFunc(s.stop, cancel)
	defer stop()
	r = r.WithContext(ctx)
	r.Body = http.MaxBytesReader(sw, r.Body, maxBody)

	workspace, kind, name, rest, ok := s.runPath(r.URL)
	if !ok {
		s.gateway(sw, "ROUTE_NOT_FOUND", now)
		return
	}
	if code := s.access(r, workspace); code != "" {
		s.gateway(sw, code, now)
		return
	}
	if code := s.cfg.Platform.Deployed(kind, name, workspace); code != "" {
		s.gateway(sw, code, now)
		return
	}
	switch kind {
	case "agents":
		if rest != "" {
			s.gateway(sw, "ROUTE_NOT_FOUND", now)
			return
		}
		s.serveAgent(sw, r, workspace, name)
	case "functions":
		if rest != "mcp" {
			s.gateway(sw, "ROUTE_NOT_FOUND", now)
			return
		}
		if s.cfg.Platform.FunctionTransport(workspace, name) == "websocket" {
			s.function(name).serveWebSocket(sw, r)
			return
		}
		s.function(name).handler.ServeHTTP(sw, r)
	case "models":
		s.serveModel(sw, r, name, rest)
	default: // sandboxes answer at their own address, routed before the run plane
		s.gateway(sw, "ROUTE_NOT_FOUND", now)
	}
}

// runPath reads /{workspace}/{kind}/{name}[/{rest}] from an address, each segment unescaped.
func (s *Plane) runPath(u *url.URL) (workspace, kind, name, rest string, ok bool) {
	parts := strings.SplitN(strings.TrimPrefix(u.EscapedPath(), "/"), "/", 4)
	if len(parts) < 3 {
		return "", "", "", "", false
	}
	decoded := make([]string, 3)
	for i, p := range parts[:3] {
		d, err := url.PathUnescape(p)
		if err != nil || d == "" {
			return "", "", "", "", false
		}
		decoded[i] = d
	}
	if len(parts) == 4 {
		var err error
		if rest, err = url.PathUnescape(strings.TrimSuffix(parts[3], "/")); err != nil {
			return "", "", "", "", false
		}
	}
	for _, k := range s.cfg.Kinds {
		if decoded[1] == k {
			return decoded[0], decoded[1], decoded[2], rest, true
		}
	}
	return "", "", "", "", false
}

// access checks a workload call as the gateway does: a valid credential, allowed in the
// workspace of the path, which X-Blaxel-Workspace (or ?workspace=) must name too. It returns
// the gateway's error code, "" when the call may go on.
func (s *Plane) access(r *http.Request, workspace string) string {
	if code := s.cfg.Platform.Access(r, workspace); code != "" {
		return code
	}
	named := r.Header.Get("X-Blaxel-Workspace")
	if named == "" {
		named = r.URL.Query().Get("workspace")
	}
	if named != workspace {
		return "FORBIDDEN"
	}
	return ""
}

// gateway answers one of the gateway's errors.
func (s *Plane) gateway(w http.ResponseWriter, code string, now time.Time) {
	wire.Write(w, fault.GatewayReply(fault.Gateway(code), now))
}
