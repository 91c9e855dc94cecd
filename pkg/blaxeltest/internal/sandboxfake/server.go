package sandboxfake

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/fault"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/wire"
)

// sandboxSegment is the path segment that introduces a sandbox in a run address:
// /{workspace}/sandboxes/{name}/...
const sandboxSegment = "sandboxes"

// maxSandboxJSON caps the request bodies a sandbox reads whole (all but uploads).
const maxSandboxJSON = 64 << 20

// Address splits an escaped path of the form /{workspace}/sandboxes/{name}[/rest] into
// its parts, rest staying escaped (the Sandbox API's path rules depend on it).
func Address(escaped string) (workspace, name, rest string, ok bool) {
	parts := strings.SplitN(strings.TrimPrefix(escaped, "/"), "/", 4)
	if len(parts) < 3 || parts[1] != sandboxSegment || parts[0] == "" || parts[2] == "" {
		return "", "", "", false
	}
	ws, err1 := url.PathUnescape(parts[0])
	sb, err2 := url.PathUnescape(parts[2])
	if err1 != nil || err2 != nil {
		return "", "", "", false
	}
	if len(parts) == 4 {
		rest = "/" + parts[3]
	}
	return ws, sb, rest, true
}

// Serve answers a request to the Sandbox API of the sandbox name of workspace, at
// {server}/{workspace}/sandboxes/{name}{rest}; rest is the escaped path after that address
// ("/process", "/filesystem/src%2Fa.go"). As the platform does, it checks that the sandbox
// exists and is deployed and that the request carries a credential (an API key or token, or a
// preview token of the sandbox) before the sandbox sees it; faults armed for the operation
// apply first.
func (h *Host) Serve(w http.ResponseWriter, r *http.Request, workspace, name, rest string) {
	started := time.Now()
	rec := wire.NewRequest(r, h.cfg.Now())
	defer h.cfg.Log.Done(rec, started)
	decoded, err := url.PathUnescape(rest)
	if err != nil {
		decoded = rest
	}
	rt, params := h.api.match(r.Method, decoded, h.cfg.Quirks)
	var op *operation
	if rt != nil {
		op = rt.op
		rec.OperationID, rec.Route = op.id, op.route
	}
	var f fault.Spec
	faulted := false
	if op != nil {
		h.cfg.Log.Count(op.id, op.route, r)
		f, faulted = h.cfg.Faults.Take(op.id, op.route)
	} else {
		h.cfg.Log.Count("", "", r)
	}
	if faulted {
		rec.Fault = string(f.Kind)
		if f.Kind == fault.KindHang && !fault.Wait(r.Context(), f.Delay, h.cfg.Closing) {
			panic(http.ErrAbortHandler)
		}
	}
	replaced := faulted && replaces(f.Kind)
	if replaced && !f.Committed {
		rec.Status = wire.Write(w, h.faultReply(f, rt, r))
		return
	}
	sb, gate := h.gate(r, workspace, name)
	if sb == nil {
		rec.Status = wire.Write(w, gate)
		return
	}
	if rt == nil && r.Method == http.MethodHead {
		if get, _ := h.api.match(http.MethodGet, decoded, h.cfg.Quirks); get != nil {
			// HEAD answers 200 whatever the resource, as on the real server: it tells nothing.
			rec.Status = wire.Write(w, wire.Reply{Status: http.StatusOK, Header: sandboxHeaders()})
			return
		}
	}
	if rt == nil && decoded == mcpPath {
		rec.Status = sb.serveMCP(w, r)
		return
	}
	if rt == nil {
		rec.Status = wire.Write(w, wire.Reply{Status: http.StatusNotFound,
			Header: http.Header{"Content-Type": {"text/plain"}}, Body: []byte("404 page not found")})
		return
	}
	if !rt.streamed {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxSandboxJSON))
		if err != nil {
			rec.Status = wire.Write(w, sandboxError(http.StatusRequestEntityTooLarge, "invalid request body: "+err.Error()))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if replaced { // the fault answers, and the sandbox does what it was asked all the same
			// The server's context: the request goes on once the client has its answer. The
			// answer waits until it took effect (a process is started, or the handler is done),
			// as the real edge answers long after the sandbox began.
			effect, took, signal := withEffect(h.ctx)
			detached := r.Clone(effect)
			detached.Body = io.NopCloser(bytes.NewReader(body))
			go func() {
				defer signal()
				h.serveUnseen(rt, sb, detached, params, rest)
			}()
			select {
			case <-took:
			case <-h.ctx.Done():
			}
			rec.Status = wire.Write(w, h.faultReply(f, rt, r))
			return
		}
	} else if replaced {
		h.serveUnseen(rt, sb, r, params, rest) // an upload is read before the fault answers
		rec.Status = wire.Write(w, h.faultReply(f, rt, r))
		return
	}
	rec.Status = h.serve(rt, sb, w, r, params, rest, &f)
}

// serve runs a handler behind the edge and returns the status the client got. A fault that
// damages answers (Disconnect, TruncatedJSON, DropAfter) is applied on the way out.
func (h *Host) serve(rt *sbxRoute, sb *sandbox, w http.ResponseWriter, r *http.Request, params map[string]string, rest string, f *fault.Spec) int {
	ctx, cut := context.WithCancelCause(r.Context())
	defer cut(nil)
	serving := sb.run()
	defer context.AfterFunc(serving, func() { cut(context.Cause(serving)) })()
	ew := newEdgeWriter(w, h.cfg.EdgeTimeout, cut)
	if f != nil {
		switch f.Kind {
		case fault.KindDisconnect:
			ew.drop = dropHalf
		case fault.KindTruncated:
			ew.truncate = true // a stream has no half: it is dropped after its first bytes instead
		case fault.KindDropAfter:
			ew.drop = dropRule(f.DropAfter)
		}
	}
	for k, v := range sandboxHeaders() {
		ew.header[k] = v
	}
	x := &sbxCall{host: h, sb: sb, route: rt, w: ew, r: r.WithContext(ctx), ctx: ctx, params: params, raw: rest}
	ew.onHeaders = h.headerValidator(x)
	if rt.streamed && r.Body != nil && r.Body != http.NoBody {
		x.r.Body = &armOnEOF{ReadCloser: r.Body, arm: ew.arm}
	} else {
		ew.arm()
	}
	if rep, ok := h.checkRequest(x); !ok {
		x.reply(rep)
	} else {
		rt.handle(x)
	}
	switch cause := context.Cause(ctx); {
	case errors.Is(cause, errUpgraded), errors.Is(cause, errSandboxGone), errors.Is(cause, errHostShutdown):
		ew.mu.Lock()
		ew.dead, ew.abort = true, true // the sandbox server went away under the request
		ew.mu.Unlock()
	}
	status, abort := ew.finish(h.responseValidator(x))
	if abort {
		panic(http.ErrAbortHandler) // net/http drops the connection without logging
	}
	return status
}

// effectKey marks the context of a request that a fault answers once it took effect.
type effectKey struct{}

// effectSignal is closed once, when the request has taken effect.
type effectSignal struct {
	done chan struct{}
	once sync.Once
}

func (e *effectSignal) signal() { e.once.Do(func() { close(e.done) }) }

// withEffect gives a context for a request that says, through tookEffect, when it has taken
// effect: took is closed then, or when signal is called (once the handler is done).
func withEffect(ctx context.Context) (_ context.Context, took <-chan struct{}, signal func()) {
	e := &effectSignal{done: make(chan struct{})}
	return context.WithValue(ctx, effectKey{}, e), e.done, e.signal
}

// tookEffect tells whoever waits on the request's context (see withEffect) that what it
// asked for has happened, before the handler goes on (a process started, now running).
func tookEffect(ctx context.Context) {
	if e, ok := ctx.Value(effectKey{}).(*effectSignal); ok {
		e.signal()
	}
}

// serveUnseen runs a handler whose answer nobody gets: a fault answers instead.
func (h *Host) serveUnseen(rt *sbxRoute, sb *sandbox, r *http.Request, params map[string]string, rest string) {
	defer func() {
		if v := recover(); v != nil && v != http.ErrAbortHandler { // an abort concerns no connection here
			h.report("sandbox %s: the handler of %s panicked: %v", sb.name, rt.op.route, v)
		}
	}()
	h.serve(rt, sb, &wire.DiscardWriter{}, r, params, rest, nil)
}

// armOnEOF starts the edge's clock once the handler has read the request body whole.
type armOnEOF struct {
	io.ReadCloser
	arm func()
}

func (a *armOnEOF) Read(p []byte) (int, error) {
	n, err := a.ReadCloser.Read(p)
	if err != nil {
		a.arm()
	}
	return n, err
}

// sandboxHeaders are the headers the sandbox server adds to every answer.
func sandboxHeaders() http.Header {
	return http.Header{
		"Cache-Control":                {"no-cache, no-store, must-revalidate"},
		"Pragma":                       {"no-cache"},
		"Expires":                      {"0"},
		"X-Content-Type-Options":       {"nosniff"},
		"Access-Control-Allow-Origin":  {"*"},
		"Access-Control-Allow-Methods": {"GET, POST, PUT, DELETE, HEAD, OPTIONS"},
		"Access-Control-Allow-Headers": {"Content-Type, Authorization"},
	}
}

// sandboxError is the sandbox server's error answer, {"error": message}.
func sandboxError(status int, message string) wire.Reply {
	body, _ := jsonLine(map[string]string{"error": message})
	return wire.Reply{Status: status, Header: http.Header{"Content-Type": {"application/json; charset=utf-8"}}, Body: bytes.TrimSuffix(body, []byte("\n"))}
}

// ProcessStarts returns how many times a process named name was started (by POST /process,
// restarts after a failure not counted) in the sandbox of that workspace, since the sandbox
// was made.
func (h *Host) ProcessStarts(workspace, sandbox, name string) int {
	sb := h.find(workspace, sandbox)
	if sb == nil {
		return 0
	}
	sb.procs.mu.Lock()
	defer sb.procs.mu.Unlock()
	return sb.procs.starts[name]
}

// CommandStarts returns how many processes were started with exactly this command line in
// the sandbox of that workspace, whatever their names, since the sandbox was made.
func (h *Host) CommandStarts(workspace, sandbox, command string) int {
	sb := h.find(workspace, sandbox)
	if sb == nil {
		return 0
	}
	sb.procs.mu.Lock()
	defer sb.procs.mu.Unlock()
	return sb.procs.commands[command]
}
