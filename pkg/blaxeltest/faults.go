package blaxeltest

import (
	"net/http"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/fault"
)

// Fault is a failure the server answers instead of (or on top of) the normal answer, to test
// how a client copes. Arm one with Server.Inject. The constructors:
//
//   - Status: Blaxel's error body with a status (503, 429...)
//   - GatewayError: the platform gateway's error for one of its codes
//   - EdgeTimeout, EdgeError: the edge's HTML page (504, 502, 503...)
//   - Hang: a delay before the normal answer
//   - Disconnect, DropAfter: the answer cut short, then the connection dropped
//   - TruncatedJSON: half the JSON body
//   - StreamError: a sandbox stream that carries an error after its 200
//
// and two modifiers: WithRetryAfter adds a Retry-After header, Committed makes the request
// take effect before the fault answers.
type Fault struct{ spec fault.Spec }

// Status answers the given status with Blaxel's error body, e.g. Status(503) or Status(429).
// Inject reports a code outside 100 to 599, which HTTP cannot send, and arms nothing.
func Status(code int) Fault { return Fault{fault.Spec{Kind: fault.KindStatus, Status: code}} }

// Hang waits for d before handling the request normally, or until the client gives up.
func Hang(d time.Duration) Fault { return Fault{fault.Spec{Kind: fault.KindHang, Delay: d}} }

// Disconnect sends the status and half of the body, then closes the connection.
func Disconnect() Fault { return Fault{fault.Spec{Kind: fault.KindDisconnect}} }

// EdgeTimeout answers the HTML 504 page that the platform's edge sends when the control plane
// is slow, e.g. while a sandbox is still being created.
func EdgeTimeout() Fault { return EdgeError(http.StatusGatewayTimeout) }

// EdgeError answers the HTML page that the platform's edge sends for status itself: 502 or
// 503 while a sandbox wakes from standby, 504 when it is slow (EdgeTimeout).
func EdgeError(status int) Fault {
	return Fault{fault.Spec{Kind: fault.KindEdgeHTML, Status: status}}
}

// DropAfter sends the status, the headers and the first n bytes of the body, then closes the
// connection: a drop in the middle of a download or of a stream. The request takes effect.
func DropAfter(n int64) Fault {
	return Fault{fault.Spec{Kind: fault.KindDropAfter, DropAfter: max(n, 0)}}
}

// StreamError answers a sandbox's streaming operation with status 200 and an error inside the
// stream, as the sandbox server does when a failure comes after its headers: an exec stream
// carries {"type":"error","data":message}, a log or watch stream the JSON {"error": message}.
// Other operations get that JSON with status 200. Combine with Committed to have the request
// take effect all the same.
func StreamError(message string) Fault {
	return Fault{fault.Spec{Kind: fault.KindStream, Status: http.StatusOK, Message: message}}
}

// TruncatedJSON answers the success status with the first half of the JSON body.
func TruncatedJSON() Fault { return Fault{fault.Spec{Kind: fault.KindTruncated}} }

// GatewayError answers the platform gateway's error body, {"error": {"code": code, ...}}, with
// the status that code has (404 for WORKLOAD_UNAVAILABLE, which is worth retrying) and the
// X-Blaxel-Source and X-Blaxel-Error-Code headers.
func GatewayError(code string) Fault { return Fault{fault.Gateway(code)} }

// WithRetryAfter adds a Retry-After header (seconds, or an HTTP date) to the fault's answer.
func (f Fault) WithRetryAfter(v string) Fault {
	f.spec.RetryAfter = v
	return f
}

// Committed makes the request take effect before the fault replaces or damages its answer: a
// creation answered by EdgeTimeout().Committed() still creates the resource, as happens when
// the edge gives up on a slow creation.
func (f Fault) Committed() Fault {
	f.spec.Committed = true
	return f
}

// Inject arms a fault for the next times requests to route: an operationId ("CreateSandbox"),
// "METHOD /template" ("POST /sandboxes/{sandboxName}/previews") or "*" for any, of the control
// plane or of the Sandbox API. With times <= 0 the fault applies to every matching request
// until ClearFaults. Faults armed first apply first.
func (s *Server) Inject(route string, times int, f Fault) {
	spec := f.spec
	sandboxRoute := s.sbx.HasRoute(route)
	if route != "*" && !s.cp.HasRoute(route) && !sandboxRoute {
		s.report("Inject: %q names no operation of openapi.yaml or of the Sandbox API", route)
		return
	}
	if spec.Kind == fault.KindStream && route != "*" && !sandboxRoute {
		s.report("Inject: StreamError is for operations of the Sandbox API, not %q", route)
		return
	}
	if (spec.Kind == fault.KindStatus || spec.Kind == fault.KindEdgeHTML) && (spec.Status < 100 || spec.Status > 599) {
		s.report("Inject: %d is not an HTTP status (100 to 599)", spec.Status)
		return
	}
	if spec.Kind == fault.KindGateway && !fault.KnownGatewayCode(spec.Code) {
		s.report("Inject: %q is not a gateway error code", spec.Code)
		return
	}
	if spec.Kind == "" {
		s.report("Inject: the zero Fault does nothing: build one with Status, GatewayError...")
		return
	}
	s.faults.Add(route, times, spec)
}

// ClearFaults disarms every fault.
func (s *Server) ClearFaults() { s.faults.Clear() }
