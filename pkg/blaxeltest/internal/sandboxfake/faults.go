package sandboxfake

import (
	"net/http"
	"strings"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/fault"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/wire"
)

// replaces reports whether a fault replaces the sandbox's answer (rather than delaying or
// damaging it).
func replaces(k fault.Kind) bool {
	switch k {
	case fault.KindStatus, fault.KindEdgeHTML, fault.KindGateway, fault.KindStream:
		return true
	}
	return false
}

// faultReply is the answer a replacing fault gives on the data plane.
func (h *Host) faultReply(f fault.Spec, rt *sbxRoute, r *http.Request) wire.Reply {
	var rep wire.Reply
	switch f.Kind {
	case fault.KindStatus:
		rep = sandboxError(f.Status, "injected by blaxeltest")
	case fault.KindStream:
		rep = streamErrorReply(rt, r, f.Message)
	default:
		rep = f.Apply(wire.Reply{}, h.cfg.Now())
	}
	if rep.Header == nil {
		rep.Header = http.Header{}
	}
	if f.RetryAfter != "" {
		rep.Header.Set("Retry-After", f.RetryAfter)
	}
	return rep
}

// streamErrorReply is a 200 whose stream carries an error, in the form of the operation.
func streamErrorReply(rt *sbxRoute, r *http.Request, msg string) wire.Reply {
	if rt != nil && rt.op.route == "POST /process" && wantsEventStream(r) {
		line, _ := jsonLine(map[string]string{"type": "error", "data": msg})
		return wire.Reply{Status: http.StatusOK, Header: http.Header{"Content-Type": {"application/x-ndjson"}}, Body: line}
	}
	body, _ := jsonLine(map[string]string{"error": msg})
	ct := "text/plain; charset=utf-8"
	if rt != nil && !strings.HasSuffix(rt.op.path, "/stream") && !strings.HasPrefix(rt.op.path, "/watch/") {
		ct = "application/json"
	}
	return wire.Reply{Status: http.StatusOK, Header: http.Header{"Content-Type": {ct}}, Body: body}
}
