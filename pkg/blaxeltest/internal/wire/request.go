package wire

import (
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"
)

// Request is one request as the server received and answered it.
type Request struct {
	Time        time.Time
	Method      string
	Path        string      // the path and query as received, preview tokens redacted
	OperationID string      // "" when the path matches no operation
	Route       string      // "METHOD /template", "" when the path matches no operation
	Header      http.Header // credentials redacted
	Status      int         // the status answered, 0 when the client went away first
	Fault       string      // the kind of the injected fault, "" when none
}

// redacted replaces the value of credential headers and query parameters.
const redacted = "REDACTED"

func sensitiveHeaders() []string {
	return []string{"Authorization", "X-Blaxel-Authorization", "X-Blaxel-Preview-Token", "Cookie", "Proxy-Authorization"}
}

// NewRequest records what arrived, credentials redacted.
func NewRequest(r *http.Request, now time.Time) *Request {
	h := r.Header.Clone()
	for _, name := range sensitiveHeaders() {
		if h.Get(name) != "" {
			h.Set(name, redacted)
		}
	}
	path := r.URL.EscapedPath()
	if r.URL.RawQuery != "" {
		q := r.URL.RawQuery
		if values, err := url.ParseQuery(q); err == nil && values.Has("bl_preview_token") {
			values.Set("bl_preview_token", redacted)
			q = values.Encode()
		}
		path += "?" + q
	}
	return &Request{Time: now, Method: r.Method, Path: path, Header: h}
}

// maxLoggedRequests is how many requests the log keeps, the latest: a server that runs for
// long (cmd/blaxel-fake) then holds a bounded log. Attempts are counted whatever the log keeps.
const maxLoggedRequests = 10_000

// Log keeps the latest requests and counts the attempts per route. Safe for concurrent
// use.
type Log struct {
	mu       sync.Mutex
	limit    int            // how many requests all returns at most
	requests []Request      // the latest, between limit and 2*limit of them once full
	attempts map[string]int // by operationId, by "METHOD /template", and "*" for all
	logger   *slog.Logger   // tells of each request, when not nil
}

// NewLog makes a log that also tells logger of each request, when logger is not nil.
func NewLog(logger *slog.Logger) *Log {
	return &Log{limit: maxLoggedRequests, attempts: map[string]int{}, logger: logger}
}

// Done keeps rec in the log, once its request is answered, and tells the logger of it (the
// duration in real time, whatever the server's clock says).
func (l *Log) Done(rec *Request, started time.Time) {
	l.Add(*rec)
	if l.logger != nil {
		l.logger.Info("request", "method", rec.Method, "path", rec.Path, "operation", rec.OperationID,
			"status", rec.Status, "fault", rec.Fault, "duration", time.Since(started))
	}
}

// Count counts one attempt at the operation id, whose route is "METHOD /template"; id is ""
// for a path that matches no operation.
func (l *Log) Count(id, route string, r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.attempts["*"]++
	if id == "" {
		l.attempts[r.Method+" "+r.URL.Path]++
		return
	}
	l.attempts[id]++
	l.attempts[route]++
}

func (l *Log) Add(r Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.requests) >= 2*l.limit {
		// Forget the oldest at once rather than one per request, so that adding stays cheap.
		l.requests = slices.Clone(l.requests[len(l.requests)-l.limit+1:])
	}
	l.requests = append(l.requests, r)
}

func (l *Log) All() []Request {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := slices.Clone(l.requests[max(0, len(l.requests)-l.limit):])
	for i := range out {
		out[i].Header = out[i].Header.Clone()
	}
	return out
}

func (l *Log) AttemptsOf(route string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n, ok := l.attempts[route]; ok {
		return n
	}
	return l.attempts[NormalizeRoute(route)]
}
