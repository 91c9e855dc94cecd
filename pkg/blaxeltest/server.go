package blaxeltest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/internal/apidoc"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// basePath is where the control plane lives on the server, as /v0 does on the real one.
const basePath = "/v0"

// maxBody caps the request bodies the server reads.
const maxBody = 10 << 20

// Server is a fake Blaxel control plane. It serves every operation of openapi.yaml, keeps the
// resources it is sent in memory, and checks every request and answer against the document.
// It is safe for concurrent use.
type Server struct {
	api      *api
	cfg      config
	handlers *handlers
	creds    *credentials
	faults   *faults
	log      *requestLog
	sbx      *sandboxHost                     // the data plane of the sandboxes
	run      *workloads                       // what the run plane serves (run.go)
	report   func(format string, args ...any) // tells of answers that break the document

	http    *http.Server
	url     string
	runURL  string
	closing chan struct{}
	close   sync.Once
	served  chan error
}

// NewServer starts a server for a test and closes it when the test ends. An answer of the
// server that does not match openapi.yaml fails the test.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := start(opts, func(format string, args ...any) {
		t.Helper()
		t.Errorf("blaxeltest: "+format, args...)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// Start starts a server for a program (see cmd/blaxel-fake). Answers that do not match
// openapi.yaml are logged. Stop it with Close or Shutdown.
func Start(opts ...Option) (*Server, error) {
	return start(opts, nil)
}

func start(opts []Option, report func(string, ...any)) (*Server, error) {
	cfg := defaultConfig()
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	a, err := sharedAPI()
	if err != nil {
		return nil, err
	}
	creds := newCredentials(&cfg)
	s := &Server{
		api: a, cfg: cfg, creds: creds,
		handlers: &handlers{st: newStore(), creds: creds, delay: cfg.deployDelay},
		faults:   &faults{}, log: newRequestLog(), run: newWorkloads(), report: report,
		closing: make(chan struct{}), served: make(chan error, 1),
	}
	if s.report == nil {
		logger := orDefault(cfg.logger)
		s.report = func(format string, args ...any) { logger.Error("blaxeltest: " + fmt.Sprintf(format, args...)) }
	}
	if s.sbx, err = newSandboxHost(cfg.sandbox, cfg.now, func(format string, args ...any) { s.report(format, args...) }); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		_ = s.sbx.close()
		return nil, fmt.Errorf("blaxeltest: listen on %s: %w", cfg.addr, err)
	}
	s.runURL = "http://" + ln.Addr().String()
	s.url = s.runURL + basePath
	s.handlers.runURL = s.runURL // known before the seeds, for their metadata.url
	for _, seed := range cfg.seeds {
		if err := s.Seed(seed); err != nil {
			ln.Close()
			_ = s.sbx.close()
			return nil, err
		}
	}
	s.http = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { s.served <- s.http.Serve(ln) }()
	return s, nil
}

func orDefault(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.Default()
	}
	return l
}

// URL is the control plane's base address, e.g. http://127.0.0.1:41234/v0: give it to a
// client as its base URL (blaxel.WithBaseURL, or BL_API_URL).
func (s *Server) URL() string { return s.url }

// Close stops the server, waiting up to 5 seconds for the requests in progress.
func (s *Server) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		_ = s.http.Close()
	}
}

// Shutdown stops the server gracefully: no new connections, and the requests in progress
// finish until ctx ends (a request held by a Hang fault is dropped at once).
func (s *Server) Shutdown(ctx context.Context) error {
	s.close.Do(func() {
		close(s.closing)
		s.sbx.shutdown()
		s.run.cancel() // ends the workloads' open streams, which Shutdown would wait for
	})
	err := s.http.Shutdown(ctx)
	if cerr := s.sbx.close(); err == nil {
		err = cerr
	}
	s.run.close(ctx)
	if serveErr := <-s.served; serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) && err == nil {
		err = serveErr
	}
	s.served <- http.ErrServerClosed // later calls find the server closed too
	return err
}

// Inject arms a fault for the next times requests to route: an operationId ("CreateSandbox"),
// "METHOD /template" ("POST /sandboxes/{sandboxName}/previews") or "*" for any. With times
// <= 0 the fault applies to every matching request until ClearFaults. Faults armed first
// apply first.
func (s *Server) Inject(route string, times int, f Fault) {
	sandboxRoute := s.sbx.api.route(route) != nil
	if route != "*" && s.api.byID[route] == nil && s.api.ops[normalizeRoute(route)] == nil && !sandboxRoute {
		s.report("Inject: %q names no operation of openapi.yaml or of the Sandbox API", route)
		return
	}
	if f.kind == faultStream && route != "*" && !sandboxRoute {
		s.report("Inject: StreamError is for operations of the Sandbox API, not %q", route)
		return
	}
	if (f.kind == faultStatus || f.kind == faultEdgeHTML) && (f.status < 100 || f.status > 599) {
		s.report("Inject: %d is not an HTTP status (100 to 599)", f.status)
		return
	}
	if f.kind == faultGateway {
		if _, ok := gatewayCodes()[f.code]; !ok {
			s.report("Inject: %q is not a gateway error code", f.code)
			return
		}
	}
	s.faults.add(route, times, f)
}

// ClearFaults disarms every fault.
func (s *Server) ClearFaults() { s.faults.clear() }

// Requests returns the requests received so far, in order of arrival: every one of them, or
// the latest 10,000 once more have arrived. Attempts counts them all.
func (s *Server) Requests() []Request { return s.log.all() }

// Attempts returns how many requests reached a route (same forms as Inject), faulted or not.
func (s *Server) Attempts(route string) int { return s.log.attemptsOf(route) }

// TokenRequests returns how many requests reached the token endpoint, /oauth/token.
func (s *Server) TokenRequests() int { return s.creds.tokenRequestCount() }

// ServeHTTP answers one request: route by the document, inject a fault if one is armed, check
// credentials, version and workspace, validate the request, answer from the store, validate
// the answer.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !underControlPlane(r.URL) {
		if ws, name, rest, ok := sandboxAddress(r.URL.EscapedPath()); ok {
			s.serveSandbox(w, r, ws, name, rest)
			return
		}
		s.serveRun(w, r)
		return
	}
	started := time.Now() // the real time, for the duration, whatever the server's clock says
	rec := newRequest(r, s.cfg.now())
	defer s.logRequest(rec, started)
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		rec.Status = s.write(w, errorReply(http.StatusRequestEntityTooLarge, "request_too_large", err.Error()))
		return
	}
	routed, route, params, rep := s.route(r)
	if route == nil {
		s.log.count(nil, r)
		rec.Status = s.write(w, rep)
		return
	}
	op := s.api.ops[route.Method+" "+route.Path]
	rec.OperationID, rec.Route = op.id, op.route
	s.log.count(op, r)
	fault, faulted := s.faults.take(op)
	if faulted {
		rec.Fault = string(fault.kind)
	}
	if faulted && fault.kind == faultHang {
		select {
		case <-time.After(fault.delay):
		case <-r.Context().Done():
			panic(http.ErrAbortHandler) // the client gave up: nothing to answer
		case <-s.closing:
			panic(http.ErrAbortHandler) // the server stops: drop the connection, as a crash would
		}
	}
	if faulted && fault.kind != faultHang {
		base := s.sampleSuccess(op)
		if fault.committed {
			base = s.process(routed, op, route, params, body)
		}
		rep = fitError(op, fault.apply(base, s.cfg.now()))
	} else {
		rep = s.process(routed, op, route, params, body)
	}
	if faulted && (fault.kind == faultDisconnect || fault.kind == faultDropAfter) {
		if len(rep.body) > 0 {
			rec.Status = rep.status
		}
		s.disconnect(w, rep, fault)
		return
	}
	rec.Status = s.write(w, rep)
}

// underControlPlane reports whether an address is the control plane's, below /v0; the rest is
// the run plane's.
func underControlPlane(u *url.URL) bool {
	rest, ok := strings.CutPrefix(u.EscapedPath(), basePath)
	return ok && (rest == "" || rest[0] == '/')
}

// slashedSegment stands, while routing, for a path segment that holds an escaped slash (%2F):
// no path of the document has it as a literal, so the segment can only match a parameter.
const slashedSegment = "escaped-slash"

// route finds the operation of a request. The request it returns has the base path removed,
// as the router and the validator expect. It routes on the escaped path, segment by segment,
// so that a parameter may hold any character, an escaped slash included.
func (s *Server) route(r *http.Request) (*http.Request, *routers.Route, map[string]string, reply) {
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), basePath)
	if !ok || (rest != "" && rest[0] != '/') {
		return nil, nil, nil, errorReply(http.StatusNotFound, "not_found", "the control plane is under "+basePath)
	}
	decoded := strings.Split(rest, "/")
	routing := make([]string, len(decoded))
	for i, seg := range decoded {
		d, err := url.PathUnescape(seg)
		if err != nil {
			return nil, nil, nil, errorReply(http.StatusBadRequest, "bad_request", "the path segment "+seg+" is not validly escaped")
		}
		decoded[i], routing[i] = d, d
		if strings.Contains(d, "/") {
			routing[i] = slashedSegment
		}
	}
	routed := r.Clone(r.Context())
	routed.URL.Path, routed.URL.RawPath = strings.Join(routing, "/"), ""
	route, params, err := s.api.router.FindRoute(routed)
	if err == nil {
		// Take each parameter from the decoded segment its template puts it in.
		for i, seg := range strings.Split(route.Path, "/") {
			if isParam(seg) && i < len(decoded) {
				params[strings.Trim(seg, "{}")] = decoded[i]
			}
		}
	}
	if err != nil {
		var re *routers.RouteError
		if errors.As(err, &re) && re.Reason == routers.ErrMethodNotAllowed.Error() {
			return nil, nil, nil, errorReply(http.StatusMethodNotAllowed, "method_not_allowed", r.Method+" is not allowed on "+rest)
		}
		return nil, nil, nil, errorReply(http.StatusNotFound, "not_found", "openapi.yaml has no operation "+r.Method+" "+rest)
	}
	return routed, route, params, reply{}
}

// process checks a routed request and answers it from the store.
func (s *Server) process(r *http.Request, op *operation, route *routers.Route, params map[string]string, body []byte) reply {
	now := s.cfg.now()
	workspace := r.Header.Get("X-Blaxel-Workspace")
	if workspace == "" {
		workspace = r.URL.Query().Get("workspace")
	}
	if op.kind == kindToken {
		s.creds.countTokenRequest()
	}
	if op.kind == kindList {
		clampLimit(op, r)
	}
	in := s.validationInput(r, route, params, body)
	rep := s.check(r, op, workspace, body, in, now)
	if rep.status == 0 {
		rep = s.dispatch(r, op, params, body, workspace, now)
	}
	rep = fitError(op, rep)
	if rep.validate {
		s.validateAnswer(in, op, rep)
	}
	return rep
}

// check refuses a request that has no valid credential (401, or 403 for a credential bound to
// another workspace), an unknown version (400), no workspace (403), or that the document
// rejects (400). It returns the zero reply when the request may go on.
func (s *Server) check(r *http.Request, op *operation, workspace string, body []byte, in *openapi3filter.RequestValidationInput, now time.Time) reply {
	if op.needsAuth {
		if f := s.creds.authenticate(r, workspace, now); f != nil {
			return errorReply(f.status, f.code, f.message)
		}
	}
	if op.hasVersion {
		if _, err := resolveVersion(r.Header.Get("Blaxel-Version"), s.api.version); err != nil {
			return errorReply(http.StatusBadRequest, "invalid_api_version", err.Error())
		}
	}
	if op.needsWorkspace && workspace == "" {
		return errorReply(http.StatusForbidden, "forbidden", "no workspace: name it with the X-Blaxel-Workspace header")
	}
	if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
		return errorReply(http.StatusBadRequest, "bad_request", validationMessage(err))
	}
	return reply{}
}

// dispatch answers a request that passed the checks.
func (s *Server) dispatch(r *http.Request, op *operation, params map[string]string, body []byte, workspace string, now time.Time) reply {
	var decoded any
	if len(bytes.TrimSpace(body)) > 0 {
		var err error
		if decoded, err = decodeJSON(body); err != nil {
			return errorReply(http.StatusBadRequest, "bad_request", "the body is not JSON: "+err.Error())
		}
	}
	if op.kind == kindToken {
		var tr tokenRequest
		_ = json.Unmarshal(body, &tr) // validated against TokenRequest already
		return s.creds.issue(r, tr, now)
	}
	version, _ := resolveVersion(r.Header.Get("Blaxel-Version"), s.api.version)
	return s.handlers.answer(&call{
		op: op, params: params, query: r.URL.Query(), body: decoded,
		workspace: workspace, space: spaceOf(op, workspace), version: version, now: now,
	})
}

// decodeJSON decodes one JSON value, numbers kept as json.Number, and refuses anything but
// white space after it, as json.Unmarshal would.
func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if err := dec.Decode(new(any)); !errors.Is(err, io.EOF) {
		return nil, errors.New("something follows the JSON value")
	}
	return v, nil
}

// validationInput prepares the request for openapi3filter, its body rewound. The document
// requires Blaxel-Version, since its shapes exist only with it, but the server answers a
// request without it as earliestVersion: the validator is shown that version.
func (s *Server) validationInput(r *http.Request, route *routers.Route, params map[string]string, body []byte) *openapi3filter.RequestValidationInput {
	r.Body = io.NopCloser(bytes.NewReader(body))
	if op := s.api.ops[route.Method+" "+route.Path]; op != nil && op.hasVersion && r.Header.Get("Blaxel-Version") == "" {
		r = r.Clone(r.Context())
		r.Header.Set("Blaxel-Version", earliestVersion)
	}
	return &openapi3filter.RequestValidationInput{
		Request: r, PathParams: params, Route: route,
		Options: &openapi3filter.Options{
			AuthenticationFunc:         openapi3filter.NoopAuthenticationFunc, // checked by the server itself
			ExcludeReadOnlyValidations: true,                                  // read-only properties sent back are ignored, not refused
			SkipSettingDefaults:        true,
		},
	}
}

// validateAnswer reports an answer that openapi.yaml does not allow.
func (s *Server) validateAnswer(in *openapi3filter.RequestValidationInput, op *operation, rep reply) {
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 rep.status,
		Header:                 rep.header,
		Body:                   io.NopCloser(bytes.NewReader(rep.body)),
		Options:                &openapi3filter.Options{},
	}
	if err := openapi3filter.ValidateResponse(in.Request.Context(), out); err != nil {
		s.report("%s (%s %s): the answer %d does not match openapi.yaml: %v", op.id, in.Request.Method, in.Request.URL.Path, rep.status, err)
	}
}

// sampleSuccess is the success answer of an operation made from its schema alone, for faults
// that damage an answer the server did not compute.
func (s *Server) sampleSuccess(op *operation) reply {
	if op.schema == nil {
		return emptyReply(op.status)
	}
	return jsonReply(op.status, apidoc.Sample(op.schema))
}

// write sends an answer and returns its status.
func (s *Server) write(w http.ResponseWriter, rep reply) int {
	for k, v := range rep.header {
		w.Header()[k] = v
	}
	w.WriteHeader(rep.status)
	_, _ = w.Write(rep.body)
	return rep.status
}

// disconnect sends the status and half the body (or the bytes a DropAfter allows), then drops
// the connection; an answer without a body is dropped before its status.
func (s *Server) disconnect(w http.ResponseWriter, rep reply, f Fault) {
	if len(rep.body) == 0 {
		panic(http.ErrAbortHandler)
	}
	for k, v := range rep.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", fmt.Sprint(len(rep.body)))
	w.WriteHeader(rep.status)
	cut := len(rep.body) / 2
	if f.kind == faultDropAfter {
		cut = int(min(f.dropAfter, int64(len(rep.body))))
	}
	_, _ = w.Write(rep.body[:cut])
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	panic(http.ErrAbortHandler) // net/http closes the connection without logging
}
