// Package controlplane is the fake's control plane: every operation of openapi.yaml, served
// under /v0 from a store of documents, with what it knows of the API (collections, lifecycles,
// pagination, defaults) read from the document. It also answers what the other planes ask of
// it: whether a credential is valid, whether a workload exists and is deployed.
package controlplane

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/blaxel-go/blaxel/internal/apidoc"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/fault"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/wire"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// maxBody caps the request bodies the control plane reads.
const maxBody = 10 << 20

// Config is what the control plane is made with.
type Config struct {
	APIKeys                []string      // the accepted bearer keys; empty accepts any non-empty key
	ClientID, ClientSecret string        // the accepted client credentials; empty accepts any pair
	TokenTTL               time.Duration // how long issued access tokens live
	DeployDelay            time.Duration // how long a new workload stays in its in-progress status
	RunURL                 string        // where the run plane answers, for the metadata.url of workloads
	Now                    func() time.Time
	Faults                 *fault.Table
	Log                    *wire.Log
	Report                 func(format string, args ...any) // tells of answers that break the document
	Closing                <-chan struct{}                  // closed when the server stops
	Jobs                   JobRunner                        // runs the executions of jobs that have a handler; nil for none
}

// Plane serves the control plane. It is safe for concurrent use.
type Plane struct {
	api      *api
	cfg      Config
	handlers *handlers
	creds    *credentials
}

// New makes the control plane from the embedded openapi.yaml.
func New(cfg Config) (*Plane, error) {
	a, err := sharedAPI()
	if err != nil {
		return nil, err
	}
	creds := newCredentials(cfg)
	h := &handlers{st: newStore(), creds: creds, delay: cfg.DeployDelay, runURL: cfg.RunURL, jobs: cfg.Jobs, now: cfg.Now}
	h.st.seeded = h.restamp
	return &Plane{api: a, cfg: cfg, creds: creds, handlers: h}, nil
}

// HasRoute reports whether route names an operation of openapi.yaml: its operationId or
// "METHOD /template".
func (s *Plane) HasRoute(route string) bool {
	return s.api.byID[route] != nil || s.api.ops[wire.NormalizeRoute(route)] != nil
}

// TokenRequests returns how many requests reached the token endpoint.
func (s *Plane) TokenRequests() int { return s.creds.tokenRequestCount() }

// Serves reports whether an address is the control plane's, below /v0.
func Serves(u *url.URL) bool {
	rest, ok := strings.CutPrefix(u.EscapedPath(), wire.BasePath)
	return ok && (rest == "" || rest[0] == '/')
}

// ServeHTTP answers one request: route by the document, inject a fault if one is armed, check
// credentials, version and workspace, validate the request, answer from the store, validate
// the answer.
func (s *Plane) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	started := time.Now() // the real time, for the duration, whatever the server's clock says
	rec := wire.NewRequest(r, s.cfg.Now())
	defer s.cfg.Log.Done(rec, started)
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		rec.Status = wire.Write(w, wire.Error(http.StatusRequestEntityTooLarge, "request_too_large", err.Error()))
		return
	}
	routed, route, params, rep := s.route(r)
	if route == nil {
		s.cfg.Log.Count("", "", r)
		rec.Status = wire.Write(w, rep)
		return
	}
	op := s.api.ops[route.Method+" "+route.Path]
	rec.OperationID, rec.Route = op.id, op.route
	s.cfg.Log.Count(op.id, op.route, r)
	f, faulted := s.cfg.Faults.Take(op.id, op.route)
	if faulted {
		rec.Fault = string(f.Kind)
	}
	if faulted && f.Kind == fault.KindHang && !fault.Wait(r.Context(), f.Delay, s.cfg.Closing) {
		// The client gave up, or the server stops: drop the connection, as a crash would.
		panic(http.ErrAbortHandler)
	}
	if faulted && f.Kind != fault.KindHang {
		base := s.sampleSuccess(op)
		if f.Committed {
			base = s.process(routed, op, route, params, body)
		}
		rep = fitError(op, f.Apply(base, s.cfg.Now()))
	} else {
		rep = s.process(routed, op, route, params, body)
	}
	if faulted && (f.Kind == fault.KindDisconnect || f.Kind == fault.KindDropAfter) {
		if len(rep.Body) > 0 {
			rec.Status = rep.Status
		}
		disconnect(w, rep, f)
		return
	}
	rec.Status = wire.Write(w, rep)
}

// slashedSegment stands, while routing, for a path segment that holds an escaped slash (%2F):
// no path of the document has it as a literal, so the segment can only match a parameter.
const slashedSegment = "escaped-slash"

// route finds the operation of a request. The request it returns has the base path removed,
// as the router and the validator expect. It routes on the escaped path, segment by segment,
// so that a parameter may hold any character, an escaped slash included.
func (s *Plane) route(r *http.Request) (*http.Request, *routers.Route, map[string]string, wire.Reply) {
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), wire.BasePath)
	if !ok || (rest != "" && rest[0] != '/') {
		return nil, nil, nil, wire.Error(http.StatusNotFound, "not_found", "the control plane is under "+wire.BasePath)
	}
	decoded := strings.Split(rest, "/")
	routing := make([]string, len(decoded))
	for i, seg := range decoded {
		d, err := url.PathUnescape(seg)
		if err != nil {
			return nil, nil, nil, wire.Error(http.StatusBadRequest, "bad_request", "the path segment "+seg+" is not validly escaped")
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
			if wire.IsParam(seg) && i < len(decoded) {
				params[strings.Trim(seg, "{}")] = decoded[i]
			}
		}
	}
	if err != nil {
		var re *routers.RouteError
		if errors.As(err, &re) && re.Reason == routers.ErrMethodNotAllowed.Error() {
			return nil, nil, nil, wire.Error(http.StatusMethodNotAllowed, "method_not_allowed", r.Method+" is not allowed on "+rest)
		}
		return nil, nil, nil, wire.Error(http.StatusNotFound, "not_found", "openapi.yaml has no operation "+r.Method+" "+rest)
	}
	return routed, route, params, wire.Reply{}
}

// process checks a routed request and answers it from the store.
func (s *Plane) process(r *http.Request, op *operation, route *routers.Route, params map[string]string, body []byte) wire.Reply {
	now := s.cfg.Now()
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
	if rep.Status == 0 {
		rep = s.dispatch(r, op, params, body, workspace, now)
	}
	rep = fitError(op, rep)
	if rep.Validate {
		s.validateAnswer(in, op, rep)
	}
	return rep
}

// check refuses a request that has no valid credential (401, or 403 for a credential bound to
// another workspace), an unknown version (400), no workspace (403), or that the document
// rejects (400). It returns the zero reply when the request may go on.
func (s *Plane) check(r *http.Request, op *operation, workspace string, body []byte, in *openapi3filter.RequestValidationInput, now time.Time) wire.Reply {
	if op.needsAuth {
		if f := s.creds.authenticate(r, workspace, now); f != nil {
			return wire.Error(f.status, f.code, f.message)
		}
	}
	if op.hasVersion {
		if _, err := resolveVersion(r.Header.Get("Blaxel-Version"), s.api.version); err != nil {
			return wire.Error(http.StatusBadRequest, "invalid_api_version", err.Error())
		}
	}
	if op.needsWorkspace && workspace == "" {
		return wire.Error(http.StatusForbidden, "forbidden", "no workspace: name it with the X-Blaxel-Workspace header (blaxel.WithWorkspace, or BL_WORKSPACE, in the Go client)")
	}
	if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
		return wire.Error(http.StatusBadRequest, "bad_request", wire.ValidationMessage(err))
	}
	return wire.Reply{}
}

// dispatch answers a request that passed the checks.
func (s *Plane) dispatch(r *http.Request, op *operation, params map[string]string, body []byte, workspace string, now time.Time) wire.Reply {
	var decoded any
	if len(bytes.TrimSpace(body)) > 0 {
		var err error
		if decoded, err = wire.DecodeJSON(body); err != nil {
			return wire.Error(http.StatusBadRequest, "bad_request", "the body is not JSON: "+err.Error())
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

// validationInput prepares the request for openapi3filter, its body rewound. The document
// requires Blaxel-Version, since its shapes exist only with it, but the server answers a
// request without it as earliestVersion: the validator is shown that version.
func (s *Plane) validationInput(r *http.Request, route *routers.Route, params map[string]string, body []byte) *openapi3filter.RequestValidationInput {
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
func (s *Plane) validateAnswer(in *openapi3filter.RequestValidationInput, op *operation, rep wire.Reply) {
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 rep.Status,
		Header:                 rep.Header,
		Body:                   io.NopCloser(bytes.NewReader(rep.Body)),
		Options:                &openapi3filter.Options{},
	}
	if err := openapi3filter.ValidateResponse(in.Request.Context(), out); err != nil {
		s.cfg.Report("%s (%s %s): the answer %d does not match openapi.yaml: %v", op.id, in.Request.Method, in.Request.URL.Path, rep.Status, err)
	}
}

// sampleSuccess is the success answer of an operation made from its schema alone, for faults
// that damage an answer the server did not compute.
func (s *Plane) sampleSuccess(op *operation) wire.Reply {
	if op.schema == nil {
		return wire.Empty(op.status)
	}
	return wire.JSON(op.status, apidoc.Sample(op.schema))
}

// disconnect sends the status and half the body (or the bytes a DropAfter allows), then drops
// the connection; an answer without a body is dropped before its status.
func disconnect(w http.ResponseWriter, rep wire.Reply, f fault.Spec) {
	if len(rep.Body) == 0 {
		panic(http.ErrAbortHandler)
	}
	for k, v := range rep.Header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", fmt.Sprint(len(rep.Body)))
	w.WriteHeader(rep.Status)
	cut := len(rep.Body) / 2
	if f.Kind == fault.KindDropAfter {
		cut = int(min(f.DropAfter, int64(len(rep.Body))))
	}
	_, _ = w.Write(rep.Body[:cut])
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	panic(http.ErrAbortHandler) // net/http closes the connection without logging
}

// fitError casts an error answer in the schema the operation declares for its status: the
// control plane's {"error", "code", "message"} for most, {"code", "message", "status_code"} for
// a sandbox creation. Answers that are not errors, or statuses the operation does not declare,
// are left as they are.
func fitError(op *operation, r wire.Reply) wire.Reply {
	if r.Problem == nil || op == nil {
		return r
	}
	resp := op.op.Responses.Status(r.Status)
	if resp == nil || resp.Value == nil {
		return r
	}
	mt := resp.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
		return r
	}
	out := map[string]any{}
	for name, p := range properties(mt.Schema.Value) {
		if p.Value == nil {
			continue
		}
		isString, isInt := p.Value.Type.Is("string"), p.Value.Type.Is("integer")
		switch {
		case name == "error" && isString, name == "code" && isString:
			out[name] = r.Problem.Name
		case name == "message" && isString:
			out[name] = r.Problem.Message
		case (name == "code" || name == "status" || name == "status_code") && isInt:
			out[name] = r.Status
		}
	}
	fitted := wire.JSON(r.Status, deepMerge(apidoc.Sample(mt.Schema), out))
	fitted.Header = r.Header
	fitted.Validate, fitted.Problem = r.Validate, r.Problem
	return fitted
}

// escapeSegment escapes one path segment.
func escapeSegment(s string) string { return url.PathEscape(s) }
