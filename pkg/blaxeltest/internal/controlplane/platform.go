package controlplane

import (
	"net/http"
	"strings"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/wire"
)

// What the run plane and the sandboxes ask of the control plane, as the platform's gateway
// asks Blaxel's: is the credential valid here, does the workload exist, is it deployed.

// WorkloadKinds are the kinds the run plane serves, as their addresses spell them:
// {run URL}/{workspace}/{kind}/{name}.
func WorkloadKinds() []string { return []string{"agents", "functions", "models", "sandboxes"} }

// sandboxKind is the kind of sandboxes, and the path of their collection.
const sandboxKind = "sandboxes"

// Access checks a call to a workload as the gateway does: a valid credential, allowed in the
// workspace. It returns the gateway's error code (AUTHENTICATION_REQUIRED,
// AUTHENTICATION_FAILED, FORBIDDEN), "" when the call may go on.
func (s *Plane) Access(r *http.Request, workspace string) string {
	if wire.Bearer(r) == "" {
		return "AUTHENTICATION_REQUIRED"
	}
	if f := s.creds.authenticate(r, workspace, s.cfg.Now()); f != nil {
		if f.status == http.StatusForbidden {
			return "FORBIDDEN"
		}
		return "AUTHENTICATION_FAILED"
	}
	return ""
}

// Deployed checks that the store holds the workload of that kind ("agents"...), in the
// workspace, DEPLOYED. It returns WORKLOAD_NOT_FOUND or WORKLOAD_UNAVAILABLE, "" when it can
// answer.
func (s *Plane) Deployed(kind, name, workspace string) string {
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
	settle(coll, e, s.cfg.Now())
	if coll.lifecycle != nil && e.doc["status"] != coll.lifecycle.done {
		return "WORKLOAD_UNAVAILABLE"
	}
	return ""
}

// Sandbox looks a sandbox up in its workspace: its creation number (a sandbox deleted and made
// again under the same name has another) and its status.
func (s *Plane) Sandbox(workspace, name string) (seq int64, status string, ok bool) {
	c := s.collectionAt("/" + sandboxKind)
	if c == nil || len(c.keyParams) != 1 {
		return 0, "", false
	}
	st := s.handlers.st
	st.mu.Lock()
	defer st.mu.Unlock()
	e := st.in(workspace).find(c, map[string]string{c.keyParams[0]: name})
	if e == nil {
		return 0, "", false
	}
	settle(c, e, s.cfg.Now())
	return e.seq, getString(e.doc, []string{"status"}), true
}

// PreviewTokenValid reports whether token is the value of an unexpired preview token of a
// preview of the sandbox.
func (s *Plane) PreviewTokenValid(workspace, sandbox, token string) bool {
	c := s.collectionAt("/" + sandboxKind)
	if c == nil || len(c.keyParams) != 1 {
		return false
	}
	now := s.cfg.Now()
	st := s.handlers.st
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, b := range st.in(workspace).buckets {
		if !strings.HasPrefix(b.coll.path, c.itemPath+"/") || len(b.parents) == 0 || b.parents[0] != sandbox {
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

// collectionAt returns the collection created by POST path, nil when there is none.
func (s *Plane) collectionAt(path string) *collection {
	for _, c := range s.api.collections {
		if c.path == path {
			return c
		}
	}
	return nil
}

// stamp sets what the platform gives an item about where it answers: the metadata.url of a
// workload (where the run plane answers it), and the metadata.resourceName and spec.url of a
// preview of a sandbox (the sandbox's address, where its preview tokens are accepted). An
// item of no workspace (a seed's template) gets none; each workspace's copy gets its own. The
// caller holds the store's lock.
func (h *handlers) stamp(coll *collection, doc map[string]any, params map[string]string, workspace string) {
	if h.runURL == "" || workspace == "" || workspace == seededSpace || workspace == accountSpace {
		return
	}
	address := func(kind, name string) string {
		return h.runURL + "/" + escapeSegment(workspace) + "/" + kind + "/" + escapeSegment(name)
	}
	if len(coll.keyParams) == 1 && field(coll.item, []string{"metadata", "url"}) != nil {
		for _, kind := range WorkloadKinds() {
			if coll.path == "/"+kind {
				setPath(doc, []string{"metadata", "url"}, address(kind, params[coll.keyParams[0]]))
			}
		}
	}
	if p := coll.parent; p != nil && p.path == "/"+sandboxKind && len(p.keyParams) == 1 &&
		field(coll.item, []string{"metadata", "resourceName"}) != nil && field(coll.item, []string{"spec", "url"}) != nil {
		sandbox := params[p.keyParams[0]]
		setPath(doc, []string{"metadata", "resourceName"}, sandbox)
		setPath(doc, []string{"spec", "url"}, address(sandboxKind, sandbox))
	}
}

// restamp stamps every item of a space made for workspace from the seeds' template.
func (h *handlers) restamp(sp *space, workspace string) {
	for _, b := range sp.buckets {
		for _, e := range b.items {
			params := map[string]string{}
			for i, name := range b.coll.parentParams {
				if i < len(b.parents) {
					params[name] = b.parents[i]
				}
			}
			for i, name := range b.coll.keyParams {
				if i < len(e.keys) {
					params[name] = e.keys[i]
				}
			}
			h.stamp(b.coll, e.doc, params, workspace)
		}
	}
}
