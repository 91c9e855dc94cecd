package blaxeltest

import (
	"net/http"
	"strings"
	"time"
)

// sandboxGate is the platform in front of a sandbox: the sandbox must exist (else the
// gateway's 404 WORKLOAD_NOT_FOUND) and be deployed (else the edge's 503, as while it wakes),
// and the request must carry a credential the control plane accepts, or a preview token of
// that sandbox (else the gateway's 401, or 403 for a credential of another workspace).
func (s *Server) sandboxGate(r *http.Request, workspace, name string) (*sandbox, reply) {
	now := s.cfg.now()
	seq, status, ok := s.controlPlaneSandbox(workspace, name, now)
	if !ok {
		s.sbx.forget(workspace, name) // deleted on the control plane: its processes end
		return nil, gatewayReply(GatewayError("WORKLOAD_NOT_FOUND"), now)
	}
	if code := s.sandboxCredential(r, workspace, name, now); code != "" {
		return nil, gatewayReply(GatewayError(code), now)
	}
	if status != "" && status != "DEPLOYED" {
		return nil, reply{status: http.StatusServiceUnavailable,
			header: http.Header{"Content-Type": {"text/html"}}, body: []byte(edgePage(http.StatusServiceUnavailable))}
	}
	return s.sbx.box(workspace, name, seq), reply{}
}

// sandboxCredential checks the credential of a request to a sandbox: a key or token the
// control plane accepts, or a preview token of the sandbox. It returns the gateway's error
// code, "" when the request may go on.
func (s *Server) sandboxCredential(r *http.Request, workspace, name string, now time.Time) string {
	preview := previewToken(r)
	if preview != "" && s.previewTokenValid(workspace, name, preview, now) {
		return ""
	}
	if bearer(r) == "" {
		if preview != "" {
			return "AUTHENTICATION_FAILED"
		}
		return "AUTHENTICATION_REQUIRED"
	}
	if f := s.creds.authenticate(r, workspace, now); f != nil {
		if f.status == http.StatusForbidden {
			return "FORBIDDEN"
		}
		return "AUTHENTICATION_FAILED"
	}
	return ""
}

// previewToken returns the preview token of a request: the X-Blaxel-Preview-Token header, or
// the bl_preview_token query parameter.
func previewToken(r *http.Request) string {
	if t := strings.TrimSpace(r.Header.Get("X-Blaxel-Preview-Token")); t != "" {
		return t
	}
	return r.URL.Query().Get("bl_preview_token")
}

// sandboxCollection is the control plane's collection of sandboxes, nil if the document has
// none.
func (s *Server) sandboxCollection() *collection {
	for _, c := range s.api.collections {
		if c.path == "/"+sandboxSegment && len(c.keyParams) == 1 {
			return c
		}
	}
	return nil
}

// controlPlaneSandbox looks a sandbox up in its workspace on the control plane: its creation number
// and status.
func (s *Server) controlPlaneSandbox(workspace, name string, now time.Time) (int64, string, bool) {
	c := s.sandboxCollection()
	if c == nil {
		return 0, "", false
	}
	st := s.handlers.st
	st.mu.Lock()
	defer st.mu.Unlock()
	e := st.in(workspace).find(c, map[string]string{c.keyParams[0]: name})
	if e == nil {
		return 0, "", false
	}
	settle(c, e, now)
	return e.seq, getString(e.doc, []string{"status"}), true
}

// previewTokenValid reports whether token is the value of an unexpired preview token of a
// preview of the sandbox.
func (s *Server) previewTokenValid(workspace, sandboxName, token string, now time.Time) bool {
	c := s.sandboxCollection()
	if c == nil {
		return false
	}
	st := s.handlers.st
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, b := range st.in(workspace).buckets {
		if !strings.HasPrefix(b.coll.path, c.itemPath+"/") || len(b.parents) == 0 || b.parents[0] != sandboxName {
			continue
		}
		for _, e := range b.items {
			if getString(e.doc, []string{"spec", "token"}) != token {
				continue
			}
			expires, err := time.Parse(time.RFC3339, getString(e.doc, []string{"spec", "expiresAt"}))
			return err != nil || now.Before(expires)
		}
	}
	return false
}
