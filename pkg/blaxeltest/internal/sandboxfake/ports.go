package sandboxfake

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/fault"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/wire"
)

// The edge forwards {sandbox}/port/{number}/{path} to {path} on that port inside the
// sandbox. Nothing listens on the host: a port answers through the http.Handler a test
// registers for its number (HandlePort), the same for every sandbox, or a built-in one.

// HandlePort makes h answer what the edge forwards to port number of every sandbox: h sees
// the request as the program on the port would, its path the part after /port/{number}
// ("/" at least), its headers as sent (the gate has checked the credential). SandboxOf tells
// which sandbox it is. A nil h brings back the port's default: the code interpreter on 8888
// (see interpreter.go), and on any other port the edge's 502 page, as when nothing listens.
func (h *Host) HandlePort(number int, handler http.Handler) {
	if number < 1 || number > 65535 {
		h.report("HandlePort: %d is not a port number (1 to 65535)", number)
		return
	}
	h.ports.set(number, handler)
}

// portSet holds the handlers of the ports. Safe for concurrent use.
type portSet struct {
	mu       sync.RWMutex
	byNumber map[int]http.Handler
}

func newPortSet() *portSet { return &portSet{byNumber: map[int]http.Handler{}} }

func (s *portSet) set(number int, h http.Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h == nil {
		delete(s.byNumber, number)
		return
	}
	s.byNumber[number] = h
}

func (s *portSet) get(number int) http.Handler {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.byNumber[number]
}

// portPath splits an escaped path after a sandbox's address of the form /port/{number}[/rest];
// rest keeps its escaping and is "/" at least.
func portPath(escaped string) (number int, rest string, ok bool) {
	after, found := strings.CutPrefix(escaped, "/port/")
	if !found {
		return 0, "", false
	}
	digits, rest, _ := strings.Cut(after, "/")
	n, err := strconv.Atoi(digits)
	if err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != digits {
		return 0, "", false
	}
	return n, "/" + rest, true
}

// sandboxKey marks the context of a request forwarded to a port with its sandbox.
type sandboxKey struct{}

// PortSandbox is the sandbox a request forwarded to a port is for.
type PortSandbox struct {
	Workspace, Name string
	box             *sandbox
}

// SandboxOf returns the sandbox of a request a port handler got, ok false for any other
// request.
func SandboxOf(r *http.Request) (workspace, name string, ok bool) {
	ps, ok := r.Context().Value(sandboxKey{}).(*PortSandbox)
	if !ok {
		return "", "", false
	}
	return ps.Workspace, ps.Name, true
}

// servePort answers a request the edge forwards to a port, behind the same gate as the
// Sandbox API: the request is logged and counted under the route "ANY /port/{port}"
// (and the name SandboxPort), without faults.
func (h *Host) servePort(w http.ResponseWriter, r *http.Request, workspace, name string, number int, rest string) {
	started := time.Now()
	rec := wire.NewRequest(r, h.cfg.Now())
	rec.Route = "ANY /port/{port}"
	defer h.cfg.Log.Done(rec, started)
	h.cfg.Log.Count("SandboxPort", rec.Route, r)
	sb, gate := h.gate(r, workspace, name)
	if sb == nil {
		rec.Status = wire.Write(w, gate)
		return
	}
	handler := h.ports.get(number)
	if handler == nil && number == interpreterPort {
		handler = interpreterHandler{host: h}
	}
	if handler == nil {
		rec.Status = wire.Write(w, wire.Reply{Status: http.StatusBadGateway,
			Header: http.Header{"Content-Type": {"text/html"}}, Body: []byte(fault.EdgePage(http.StatusBadGateway))})
		return
	}
	ctx, cut := context.WithCancelCause(r.Context())
	defer cut(nil)
	serving := sb.run()
	defer context.AfterFunc(serving, func() { cut(context.Cause(serving)) })()
	ctx = context.WithValue(ctx, sandboxKey{}, &PortSandbox{Workspace: workspace, Name: name, box: sb})
	fwd := r.Clone(ctx)
	fwd.URL.Path, fwd.URL.RawPath = rest, ""
	if decoded, err := url.PathUnescape(rest); err == nil && decoded != rest {
		fwd.URL.Path, fwd.URL.RawPath = decoded, rest
	}
	fwd.RequestURI = fwd.URL.RequestURI()
	sw := &wire.StatusWriter{ResponseWriter: w}
	handler.ServeHTTP(sw, fwd)
	rec.Status = sw.Status
	if rec.Status == 0 {
		rec.Status = http.StatusOK
	}
}
