package blaxeltest

import (
	"net/http"
	"strings"
	"time"
)

// replaces reports whether a fault replaces the sandbox's answer (rather than delaying or
// damaging it).
func replaces(k faultKind) bool {
	switch k {
	case faultStatus, faultEdgeHTML, faultGateway, faultStream:
		return true
	}
	return false
}

// hang waits for d, or until the client or the server gives up (false).
func (s *Server) hang(r *http.Request, d time.Duration) bool {
	select {
	case <-time.After(d):
		return true
	case <-r.Context().Done():
		return false
	case <-s.closing:
		return false
	}
}

// faultReply is the answer a replacing fault gives on the data plane.
func (h *sandboxHost) faultReply(f Fault, rt *sbxRoute, r *http.Request) reply {
	var rep reply
	switch f.kind {
	case faultStatus:
		rep = sandboxError(f.status, "injected by blaxeltest")
	case faultStream:
		rep = streamErrorReply(rt, r, f.message)
	default:
		rep = f.apply(reply{}, h.now())
	}
	if rep.header == nil {
		rep.header = http.Header{}
	}
	if f.retryAfter != "" {
		rep.header.Set("Retry-After", f.retryAfter)
	}
	return rep
}

// streamErrorReply is a 200 whose stream carries an error, in the form of the operation.
func streamErrorReply(rt *sbxRoute, r *http.Request, msg string) reply {
	if rt != nil && rt.op.route == "POST /process" && wantsEventStream(r) {
		line, _ := jsonLine(map[string]string{"type": "error", "data": msg})
		return reply{status: http.StatusOK, header: http.Header{"Content-Type": {"application/x-ndjson"}}, body: line}
	}
	body, _ := jsonLine(map[string]string{"error": msg})
	ct := "text/plain; charset=utf-8"
	if rt != nil && !strings.HasSuffix(rt.op.path, "/stream") && !strings.HasPrefix(rt.op.path, "/watch/") {
		ct = "application/json"
	}
	return reply{status: http.StatusOK, header: http.Header{"Content-Type": {ct}}, body: body}
}
