package pipeline

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/blaxel-go/blaxel/internal/redact"
)

// logBodyLen is how much of an error answer's body a log record quotes.
const logBodyLen = 2048

// requestLog writes the client's debug records. Every address, header and body passes through
// the redactor first. A zero requestLog logs nothing.
type requestLog struct {
	logger *slog.Logger
	redact *redact.Redactor
}

func (l requestLog) enabled(ctx context.Context, level slog.Level) bool {
	return l.logger != nil && l.logger.Enabled(ctx, level)
}

// attempt records one attempt: what was sent, what came back, how long it took.
func (l requestLog) attempt(ctx context.Context, req *http.Request, n int, resp *http.Response, err error, took time.Duration, body []byte) {
	if !l.enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := make([]slog.Attr, 0, 10)
	if op := loggedOperation(ctx); op != "" {
		attrs = append(attrs, slog.String("operation", op))
	}
	attrs = append(attrs,
		slog.String("method", req.Method),
		slog.String("url", l.redact.URL(req.URL)),
		slog.Int("attempt", n),
		slog.Duration("duration", took),
		l.headers("request_headers", req.Header))
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode), l.headers("response_headers", resp.Header))
		if len(body) > 0 {
			// Redacted, then cut: a credential across the cut is removed whole.
			window := body[:min(len(body), l.redact.Window(logBodyLen))]
			attrs = append(attrs, slog.String("body", l.redact.BoundedString(window, logBodyLen, len(window) < len(body) || len(body) == peekLen)))
		}
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", l.redact.Text(err.Error())))
	}
	l.logger.LogAttrs(ctx, slog.LevelDebug, "blaxel: request", attrs...)
}

// retry records the decision to send a request again.
func (l requestLog) retry(ctx context.Context, req *http.Request, n int, wait time.Duration, reason string) {
	if !l.enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := make([]slog.Attr, 0, 6)
	if op := loggedOperation(ctx); op != "" {
		attrs = append(attrs, slog.String("operation", op))
	}
	l.logger.LogAttrs(ctx, slog.LevelDebug, "blaxel: retrying", append(attrs,
		slog.String("method", req.Method),
		slog.String("url", l.redact.URL(req.URL)),
		slog.Int("attempt", n),
		slog.Duration("wait", wait),
		slog.String("reason", l.redact.Text(reason)))...)
}

// token records a request to the token endpoint, without its body.
func (l requestLog) token(ctx context.Context, req *http.Request, resp *http.Response, err error, took time.Duration) {
	if !l.enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", req.Method),
		slog.String("url", l.redact.URL(req.URL)),
		slog.Duration("duration", took),
		l.headers("request_headers", req.Header),
	}
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", l.redact.Text(err.Error())))
	}
	l.logger.LogAttrs(ctx, slog.LevelDebug, "blaxel: token request", attrs...)
}

// configured records where the client's settings came from, never a credential's value.
func (l requestLog) configured(credentialFrom string, r Resolved) {
	ctx := context.Background()
	if l.enabled(ctx, slog.LevelDebug) {
		l.logger.LogAttrs(ctx, slog.LevelDebug, "blaxel: client configured",
			slog.String("credential", credentialFrom),
			slog.String("workspace", r.Workspace),
			slog.String("base_url", r.BaseURL),
			slog.String("run_url", r.RunURL))
	}
}

// warn records a failure that does not fail the request, such as a write-back.
func (l requestLog) warn(ctx context.Context, msg string, err error) {
	if l.enabled(ctx, slog.LevelWarn) {
		l.logger.LogAttrs(ctx, slog.LevelWarn, msg, slog.String("error", l.redact.Text(err.Error())))
	}
}

// operationKey keeps, while debug records are written, the name StartOperation was given.
type operationKey struct{}

// loggedOperation names the operation a request is for in the log (the "operation"
// attribute): the operationId of a generated call, else the name its caller started the
// operation with ("RunAgent", "sandbox.Run"), else "" and the attribute is left out.
func loggedOperation(ctx context.Context) string {
	if s := CallOf(ctx); s != nil && s.Operation != "" {
		return s.Operation
	}
	name, _ := ctx.Value(operationKey{}).(string)
	return name
}

// headers renders headers as a group, credentials redacted, in a stable order.
func (l requestLog) headers(key string, h http.Header) slog.Attr {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	slices.Sort(names)
	attrs := make([]any, 0, len(names))
	for _, name := range names {
		attrs = append(attrs, slog.String(name, l.redact.Header(name, h[name])))
	}
	return slog.Group(key, attrs...)
}
