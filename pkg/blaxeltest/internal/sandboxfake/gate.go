package sandboxfake

import (
	"net/http"
	"strings"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/fault"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/wire"
)

// gate is the platform in front of a sandbox: the sandbox must exist (else the gateway's 404
// WORKLOAD_NOT_FOUND) and be usable: DEPLOYING or DEPLOYED, as a new sandbox of the platform
// answers at once, or DEPLOYED only with SlowStart (else the edge's 503, as while it wakes).
// The request must carry a credential the control plane accepts, or a preview token of that
// sandbox (else the gateway's 401, or 403 for a credential of another workspace).
func (h *Host) gate(r *http.Request, workspace, name string) (*sandbox, wire.Reply) {
	now := h.cfg.Now()
	seq, status, ok := h.cfg.Platform.Sandbox(workspace, name)
	if !ok {
		h.forget(workspace, name) // deleted on the control plane: its processes end
		return nil, fault.GatewayReply(fault.Gateway("WORKLOAD_NOT_FOUND"), now)
	}
	if code := h.credential(r, workspace, name); code != "" {
		return nil, fault.GatewayReply(fault.Gateway(code), now)
	}
	if !h.usable(status) {
		return nil, wire.Reply{Status: http.StatusServiceUnavailable,
			Header: http.Header{"Content-Type": {"text/html"}}, Body: []byte(fault.EdgePage(http.StatusServiceUnavailable))}
	}
	return h.box(workspace, name, seq), wire.Reply{}
}

// credential checks the credential of a request to a sandbox: a key or token the control
// plane accepts, or a preview token of the sandbox. It returns the gateway's error code, ""
// when the request may go on.
func (h *Host) credential(r *http.Request, workspace, name string) string {
	preview := previewToken(r)
	if preview != "" && h.cfg.Platform.PreviewTokenValid(workspace, name, preview) {
		return ""
	}
	if wire.Bearer(r) == "" && preview != "" {
		return "AUTHENTICATION_FAILED"
	}
	return h.cfg.Platform.Access(r, workspace)
}

// previewToken returns the preview token of a request: the X-Blaxel-Preview-Token header, or
// the bl_preview_token query parameter.
func previewToken(r *http.Request) string {
	if t := strings.TrimSpace(r.Header.Get("X-Blaxel-Preview-Token")); t != "" {
		return t
	}
	return r.URL.Query().Get("bl_preview_token")
}

// usable reports whether a sandbox of that status on the control plane answers requests.
func (h *Host) usable(status string) bool {
	switch status {
	case "", "DEPLOYED":
		return true
	case "DEPLOYING":
		return !h.cfg.SlowStart
	}
	return false
}
