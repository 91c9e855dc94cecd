package blaxeltest

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Fault is a failure the server answers instead of (or on top of) the normal answer, to test
// how a client copes. Build one with Status, Hang, Disconnect, EdgeTimeout, TruncatedJSON or
// GatewayError, and arm it with Server.Inject.
type Fault struct {
	kind       faultKind
	status     int
	retryAfter string
	delay      time.Duration
	code       string
	committed  bool
	message    string // what a StreamError says
	dropAfter  int64  // how many body bytes a DropAfter lets through
}

type faultKind string

const (
	faultStatus     faultKind = "status"
	faultHang       faultKind = "hang"
	faultDisconnect faultKind = "disconnect"
	faultEdgeHTML   faultKind = "edge-error"
	faultTruncated  faultKind = "truncated-json"
	faultGateway    faultKind = "gateway-error"
	faultStream     faultKind = "stream-error"
	faultDropAfter  faultKind = "drop-after"
)

// Status answers the given status with Blaxel's error body, e.g. Status(503) or Status(429).
// Inject reports a code outside 100 to 599, which HTTP cannot send, and arms nothing.
func Status(code int) Fault { return Fault{kind: faultStatus, status: code} }

// Hang waits for d before handling the request normally, or until the client gives up.
func Hang(d time.Duration) Fault { return Fault{kind: faultHang, delay: d} }

// Disconnect sends the status and half of the body, then closes the connection.
func Disconnect() Fault { return Fault{kind: faultDisconnect} }

// EdgeTimeout answers the HTML 504 page that the platform's edge sends when the control plane
// is slow, e.g. while a sandbox is still being created.
func EdgeTimeout() Fault { return Fault{kind: faultEdgeHTML, status: http.StatusGatewayTimeout} }

// EdgeError answers the HTML page that the platform's edge sends for status itself: 502 or
// 503 while a sandbox wakes from standby, 504 when it is slow (EdgeTimeout).
func EdgeError(status int) Fault { return Fault{kind: faultEdgeHTML, status: status} }

// DropAfter sends the status, the headers and the first n bytes of the body, then closes the
// connection: a drop in the middle of a download or of a stream. The request takes effect.
func DropAfter(n int64) Fault { return Fault{kind: faultDropAfter, dropAfter: max(n, 0)} }

// StreamError answers a sandbox's streaming operation with status 200 and an error inside the
// stream, as the sandbox server does when a failure comes after its headers: an exec stream
// carries {"type":"error","data":message}, a log or watch stream the JSON {"error": message}.
// Other operations get that JSON with status 200. Combine with Committed to have the request
// take effect all the same.
func StreamError(message string) Fault {
	return Fault{kind: faultStream, status: http.StatusOK, message: message}
}

// TruncatedJSON answers the success status with the first half of the JSON body.
func TruncatedJSON() Fault { return Fault{kind: faultTruncated} }

// GatewayError answers the platform gateway's error body, {"error": {"code": code, ...}}, with
// the status that code has (404 for WORKLOAD_UNAVAILABLE, which is worth retrying) and the
// X-Blaxel-Source and X-Blaxel-Error-Code headers.
func GatewayError(code string) Fault {
	return Fault{kind: faultGateway, code: code, status: gatewayCodes()[code].status}
}

// WithRetryAfter adds a Retry-After header (seconds, or an HTTP date) to the fault's answer.
func (f Fault) WithRetryAfter(v string) Fault {
	f.retryAfter = v
	return f
}

// Committed makes the request take effect before the fault replaces or damages its answer: a
// creation answered by EdgeTimeout().Committed() still creates the resource, as happens when
// the edge gives up on a slow creation.
func (f Fault) Committed() Fault {
	f.committed = true
	return f
}

// gatewayCode is what the gateway answers for one of its error codes.
type gatewayCode struct {
	status    int
	retryable bool
	message   string
}

func gatewayCodes() map[string]gatewayCode {
	return map[string]gatewayCode{
		"ROUTE_NOT_FOUND":          {http.StatusNotFound, false, "no route matches this address"},
		"WORKLOAD_NOT_FOUND":       {http.StatusNotFound, false, "no workload has this name"},
		"WORKSPACE_NOT_FOUND":      {http.StatusNotFound, false, "no workspace has this name"},
		"WORKLOAD_UNAVAILABLE":     {http.StatusNotFound, true, "the workload is starting or scaling: try again shortly"},
		"AUTHENTICATION_REQUIRED":  {http.StatusUnauthorized, false, "no credential was sent"},
		"AUTHENTICATION_FAILED":    {http.StatusUnauthorized, false, "the credential was refused"},
		"FORBIDDEN":                {http.StatusForbidden, false, "the credential may not do this"},
		"BAD_REQUEST":              {http.StatusBadRequest, false, "the request is malformed"},
		"USAGE_LIMIT_EXCEEDED":     {http.StatusTooManyRequests, true, "a usage limit was reached"},
		"POLICY_VIOLATION":         {http.StatusForbidden, false, "a policy forbids this request"},
		"REQUEST_ENTITY_TOO_LARGE": {http.StatusRequestEntityTooLarge, false, "the request body is too large"},
	}
}

// faultRule is an armed fault: the route it applies to and how many more times.
type faultRule struct {
	route   string
	left    int // 0 for every request until cleared
	forever bool
	fault   Fault
}

// faults holds the armed faults. Safe for concurrent use.
type faults struct {
	mu    sync.Mutex
	rules []*faultRule
}

func (fs *faults) add(route string, times int, f Fault) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.rules = append(fs.rules, &faultRule{route: route, left: times, forever: times <= 0, fault: f})
}

func (fs *faults) clear() {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.rules = nil
}

// take returns the first armed fault for an operation and counts it used.
func (fs *faults) take(op *operation) (Fault, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, r := range fs.rules {
		if !routeMatches(r.route, op) {
			continue
		}
		if !r.forever {
			r.left--
			if r.left == 0 {
				fs.rules = append(fs.rules[:i:i], fs.rules[i+1:]...)
			}
		}
		return r.fault, true
	}
	return Fault{}, false
}

// routeMatches reports whether a route names an operation: its operationId, "METHOD /template",
// or "*" for every operation.
func routeMatches(route string, op *operation) bool {
	return route == "*" || route == op.id || normalizeRoute(route) == op.route
}

func normalizeRoute(route string) string {
	method, path, ok := strings.Cut(strings.TrimSpace(route), " ")
	if !ok {
		return route
	}
	path = strings.TrimSpace(path)
	if rest, ok := strings.CutPrefix(path, basePath+"/"); ok {
		path = "/" + rest
	}
	return strings.ToUpper(method) + " " + path
}

// apply turns an answer into the fault's. base is the normal answer when the fault is
// committed, else a sample success answer.
func (f Fault) apply(base reply, now time.Time) reply {
	var r reply
	switch f.kind {
	case faultStatus:
		r = errorReply(f.status, statusText(f.status), "injected by blaxeltest")
	case faultEdgeHTML:
		r = reply{status: f.status, header: http.Header{"Content-Type": {"text/html"}}, body: []byte(edgePage(f.status))}
	case faultTruncated, faultDisconnect, faultDropAfter:
		r = base
		r.header = base.header.Clone()
	case faultGateway:
		r = gatewayReply(f, now)
	default:
		r = base
	}
	if r.header == nil {
		r.header = http.Header{}
	}
	if f.retryAfter != "" {
		r.header.Set("Retry-After", f.retryAfter)
	}
	if f.kind == faultTruncated {
		r.body = r.body[:len(r.body)/2]
	}
	r.validate = false
	return r
}

func gatewayReply(f Fault, now time.Time) reply {
	info, known := gatewayCodes()[f.code]
	status := f.status
	if !known {
		status, info.message = http.StatusBadGateway, "the gateway failed"
	}
	body, _ := json.Marshal(map[string]any{"error": map[string]any{
		"code":      f.code,
		"message":   info.message,
		"origin":    "gateway",
		"retryable": info.retryable,
		"action":    "check the workload and the request, then retry if retryable is true",
		"do_not":    "do not create the resource again: it may exist already",
		"docs_url":  "https://docs.blaxel.ai",
		"status":    status,
		"timestamp": now.UTC().Format(time.RFC3339),
	}})
	return reply{
		status: status,
		header: http.Header{
			"Content-Type":        {"application/json"},
			"X-Blaxel-Source":     {"gateway"},
			"X-Blaxel-Error-Code": {f.code},
		},
		body: body,
	}
}
