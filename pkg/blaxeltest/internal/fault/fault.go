// Package fault holds the failures a test arms on the fake (Spec), the table they are armed
// in, and the answers of the platform's gateway and edge that several of them give.
package fault

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/wire"
)

// Spec is an armed failure: what kind, and the values that kind uses.
type Spec struct {
	Kind       Kind
	Status     int
	RetryAfter string        // the Retry-After header of the answer, "" for none
	Delay      time.Duration // how long a Hang waits
	Code       string        // the gateway's error code of a KindGateway
	Committed  bool          // the request takes effect before the fault answers
	Message    string        // what a KindStream says
	DropAfter  int64         // how many body bytes a KindDropAfter lets through
}

// Kind is what a fault does; its value names it in the request log.
type Kind string

// The kinds of faults.
const (
	KindStatus     Kind = "status"         // Blaxel's error body with Status
	KindHang       Kind = "hang"           // wait Delay, then answer normally
	KindDisconnect Kind = "disconnect"     // half the body, then drop the connection
	KindEdgeHTML   Kind = "edge-error"     // the edge's HTML page for Status
	KindTruncated  Kind = "truncated-json" // half the JSON body
	KindGateway    Kind = "gateway-error"  // the gateway's error for Code
	KindStream     Kind = "stream-error"   // 200 with an error inside the stream
	KindDropAfter  Kind = "drop-after"     // DropAfter bytes of the body, then drop the connection
)

// Gateway is the fault that answers the gateway's error code, with the status the code has.
func Gateway(code string) Spec {
	return Spec{Kind: KindGateway, Code: code, Status: GatewayCodes()[code].status}
}

// KnownGatewayCode reports whether the gateway answers code.
func KnownGatewayCode(code string) bool {
	_, ok := GatewayCodes()[code]
	return ok
}

// Wait waits for d, or until ctx ends or closing is closed (false).
func Wait(ctx context.Context, d time.Duration, closing <-chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-closing:
		return false
	}
}

// gatewayCode is what the gateway answers for one of its error codes.
type gatewayCode struct {
	status    int
	retryable bool
	message   string
}

// GatewayCodes are the gateway's error codes and what it answers for each.
func GatewayCodes() map[string]gatewayCode {
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
	fault   Spec
}

// Table holds the armed faults, in the order they were armed. Safe for concurrent use.
type Table struct {
	mu    sync.Mutex
	rules []*faultRule
}

// Add arms f for the next times requests to route (every one when times <= 0).
func (fs *Table) Add(route string, times int, f Spec) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.rules = append(fs.rules, &faultRule{route: route, left: times, forever: times <= 0, fault: f})
}

// Clear disarms every fault.
func (fs *Table) Clear() {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.rules = nil
}

// Take returns the first fault armed for the operation id, whose route is "METHOD /template",
// and counts it used.
func (fs *Table) Take(id, route string) (Spec, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, r := range fs.rules {
		if !routeMatches(r.route, id, route) {
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
	return Spec{}, false
}

// routeMatches reports whether an armed route names an operation: its operationId, "METHOD /template",
// or "*" for every operation.
func routeMatches(armed, id, route string) bool {
	return armed == "*" || armed == id || wire.NormalizeRoute(armed) == route
}

// Apply turns an answer into the fault's. base is the normal answer when the fault is
// committed, else a sample success answer.
func (f Spec) Apply(base wire.Reply, now time.Time) wire.Reply {
	var r wire.Reply
	switch f.Kind {
	case KindStatus:
		r = wire.Error(f.Status, wire.StatusText(f.Status), "injected by blaxeltest")
	case KindEdgeHTML:
		r = wire.Reply{Status: f.Status, Header: http.Header{"Content-Type": {"text/html"}}, Body: []byte(EdgePage(f.Status))}
	case KindTruncated, KindDisconnect, KindDropAfter:
		r = base
		r.Header = base.Header.Clone()
	case KindGateway:
		r = GatewayReply(f, now)
	default:
		r = base
	}
	if r.Header == nil {
		r.Header = http.Header{}
	}
	if f.RetryAfter != "" {
		r.Header.Set("Retry-After", f.RetryAfter)
	}
	if f.Kind == KindTruncated {
		r.Body = r.Body[:len(r.Body)/2]
	}
	r.Validate = false
	return r
}

// GatewayReply is the gateway's answer for the code of f (502 for a code it does not know).
func GatewayReply(f Spec, now time.Time) wire.Reply {
	info, known := GatewayCodes()[f.Code]
	status := f.Status
	if !known {
		status, info.message = http.StatusBadGateway, "the gateway failed"
	}
	body, _ := json.Marshal(map[string]any{"error": map[string]any{
		"code":      f.Code,
		"message":   info.message,
		"origin":    "gateway",
		"retryable": info.retryable,
		"action":    "check the workload and the request, then retry if retryable is true",
		"do_not":    "do not create the resource again: it may exist already",
		"docs_url":  "https://docs.blaxel.ai",
		"status":    status,
		"timestamp": now.UTC().Format(time.RFC3339),
	}})
	return wire.Reply{
		Status: status,
		Header: http.Header{
			"Content-Type":        {"application/json"},
			"X-Blaxel-Source":     {"gateway"},
			"X-Blaxel-Error-Code": {f.Code},
		},
		Body: body,
	}
}

// EdgePage is the HTML page the edge answers with for a status of its own.
func EdgePage(status int) string {
	title := strconv.Itoa(status) + " " + http.StatusText(status)
	if status == http.StatusGatewayTimeout {
		title = "504 Gateway Time-out"
	}
	return "<html>\n<head><title>" + title + "</title></head>\n<body>\n<center><h1>" + title +
		"</h1></center>\n</body>\n</html>\n"
}
