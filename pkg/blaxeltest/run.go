package blaxeltest

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// The run plane: the server answers deployed workloads at its root, as the platform's gateway
// does at {run URL}/{workspace}/{kind}/{name}, beside the control plane under /v0. A workspace
// named "v0" therefore cannot reach its workloads here.

// workloadKinds are the kinds the run plane serves, as their addresses spell them.
func workloadKinds() []string { return []string{"agents", "functions", "models", "sandboxes"} }

// RunURL is the address deployed workloads answer at, e.g. http://127.0.0.1:41234: give it to
// a client as its run URL (blaxel.WithRunURL, or BL_RUN_URL). An agent answers at
// {RunURL}/{workspace}/agents/{name}, a function's MCP server at .../functions/{name}/mcp, a
// model at .../models/{name}/v1/..., and the metadata.url of what is created in a workspace
// says so.
func (s *Server) RunURL() string { return s.runURL }

// workloads holds what the run plane serves besides the store: the handlers tests register
// and the MCP servers of functions. Safe for concurrent use.
type workloads struct {
	mu        sync.Mutex
	agents    map[string]http.Handler
	functions map[string]*functionServer

	background sync.WaitGroup // agent calls made with ?async=true, still running
	stop       context.Context
	stopAll    context.CancelFunc
}

func newWorkloads() *workloads {
	stop, cancel := context.WithCancel(context.Background())
	return &workloads{agents: map[string]http.Handler{}, functions: map[string]*functionServer{}, stop: stop, stopAll: cancel}
}

// cancel ends the streams the workloads hold open and the context of background calls.
func (wl *workloads) cancel() { wl.stopAll() }

// close ends what still runs once no request is served: the sessions of the MCP servers, and
// the background agent calls, waited for until ctx ends.
func (wl *workloads) close(ctx context.Context) {
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

// serveRun answers a request outside the control plane: it finds the workload the path names,
// checks the credential and the workspace as the gateway does, and hands the request to the
// workload. Errors have the gateway's shape: ROUTE_NOT_FOUND, AUTHENTICATION_REQUIRED,
// AUTHENTICATION_FAILED, FORBIDDEN, WORKLOAD_NOT_FOUND, and WORKLOAD_UNAVAILABLE for a
// workload that is not DEPLOYED.
func (s *Server) serveRun(w http.ResponseWriter, r *http.Request) {
	started := time.Now()
	now := s.cfg.now()
	rec := newRequest(r, now)
	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		rec.Status = sw.status
		s.logRequest(rec, started)
	}()
	s.log.count(nil, r)

	// A stream held open (an MCP session, an agent's events) ends when the server stops.
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	stop := context.AfterFunc(s.run.stop, cancel)
	defer stop()
	r = r.WithContext(ctx)
	r.Body = http.MaxBytesReader(sw, r.Body, maxBody)

	workspace, kind, name, rest, ok := runPath(r.URL)
	if !ok {
		s.gateway(sw, "ROUTE_NOT_FOUND", now)
		return
	}
	if code := s.runAccess(r, workspace, now); code != "" {
		s.gateway(sw, code, now)
		return
	}
	if code := s.deployed(kind, name, workspace, now); code != "" {
		s.gateway(sw, code, now)
		return
	}
	switch kind {
	case "agents":
		if rest != "" {
			s.gateway(sw, "ROUTE_NOT_FOUND", now)
			return
		}
		s.serveAgent(sw, r, name)
	case "functions":
		if rest != "mcp" {
			s.gateway(sw, "ROUTE_NOT_FOUND", now)
			return
		}
		s.run.function(name).handler.ServeHTTP(sw, r)
	case "models":
		s.serveModel(sw, r, name, rest)
	case "sandboxes":
		s.runSandbox(sw, r, workspace, name, rest)
	}
}

// runSandbox answers the API a sandbox serves, below its address.
func (s *Server) runSandbox(w http.ResponseWriter, r *http.Request, workspace, name, rest string) {
	s.gateway(w, "ROUTE_NOT_FOUND", s.cfg.now()) // no sandbox API is served yet
}

// runPath reads /{workspace}/{kind}/{name}[/{rest}] from an address, each segment unescaped.
func runPath(u *url.URL) (workspace, kind, name, rest string, ok bool) {
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
	for _, k := range workloadKinds() {
		if decoded[1] == k {
			return decoded[0], decoded[1], decoded[2], rest, true
		}
	}
	return "", "", "", "", false
}

// runAccess checks a workload call as the gateway does: a valid credential, allowed in the
// workspace of the path, which X-Blaxel-Workspace (or ?workspace=) must name too. It returns
// the gateway's error code, "" when the call may go on.
func (s *Server) runAccess(r *http.Request, workspace string, now time.Time) string {
	if bearer(r) == "" {
		return "AUTHENTICATION_REQUIRED"
	}
	if f := s.creds.authenticate(r, workspace, now); f != nil {
		if f.status == http.StatusForbidden {
			return "FORBIDDEN"
		}
		return "AUTHENTICATION_FAILED"
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

// deployed checks that the store holds the workload, in the workspace, DEPLOYED. It returns
// WORKLOAD_NOT_FOUND or WORKLOAD_UNAVAILABLE, "" when it can answer.
func (s *Server) deployed(kind, name, workspace string, now time.Time) string {
	coll := s.collectionAt("/" + kind)
	if coll == nil || len(coll.keyParams) != 1 {
		return "WORKLOAD_NOT_FOUND"
	}
	st := s.handlers.st
	st.mu.Lock()
	defer st.mu.Unlock()
	e := st.in(workspace).find(coll, map[string]string{coll.keyParams[0]: name})
	if e == nil {
		return "WORKLOAD_NOT_FOUND"
	}
	if owner := getString(e.doc, []string{"metadata", "workspace"}); owner != "" && owner != workspace {
		return "WORKLOAD_NOT_FOUND"
	}
	settle(coll, e, now)
	if coll.lifecycle != nil && e.doc["status"] != coll.lifecycle.done {
		return "WORKLOAD_UNAVAILABLE"
	}
	return ""
}

// collectionAt returns the collection created by POST path, nil when there is none.
func (s *Server) collectionAt(path string) *collection {
	for _, c := range s.api.collections {
		if c.path == path {
			return c
		}
	}
	return nil
}

// gateway answers one of the gateway's errors.
func (s *Server) gateway(w http.ResponseWriter, code string, now time.Time) {
	s.write(w, gatewayReply(GatewayError(code), now))
}

// stampRunURL sets the metadata.url of a workload created in a workspace: where the run plane
// answers it. The caller holds the store's lock.
func (h *handlers) stampRunURL(coll *collection, doc map[string]any, params map[string]string, workspace string) {
	if h.runURL == "" || workspace == "" || len(coll.keyParams) != 1 || field(coll.item, []string{"metadata", "url"}) == nil {
		return
	}
	for _, kind := range workloadKinds() {
		if coll.path == "/"+kind {
			setPath(doc, []string{"metadata", "url"},
				h.runURL+"/"+escapeSegment(workspace)+"/"+kind+"/"+escapeSegment(params[coll.keyParams[0]]))
		}
	}
}

// statusWriter remembers the status written, for the request log, and keeps the writer's
// flushing (event streams need it).
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
