package pipeline

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/blaxel-go/blaxel/internal/redact"
)

// TracerName is the instrumentation scope of the client's spans.
const TracerName = "github.com/blaxel-go/blaxel"

// tracing makes the client's spans (the zero tracing makes none and sends no trace context): one per operation (started by whoever knows the
// operation: a generated method's doer, a workload call, a sandbox handle's method) and,
// inside it, one HTTP client span per attempt, as the semantic conventions ask of a client
// that sends a request again. Only the API is used: with no SDK installed every span is a
// non-recording one, and no attribute is computed.
type tracing struct {
	tracer     trace.Tracer
	propagator propagation.TextMapPropagator
	redact     *redact.Redactor
	// The options of the two kinds of span, made once: a variadic call would make its slice
	// for every span, recorded or not.
	internal, client []trace.SpanStartOption
}

func newTracing(s Settings, red *redact.Redactor) tracing {
	tp := s.TracerProvider
	if tp == nil {
		// The global provider delegates to one set later with otel.SetTracerProvider.
		tp = otel.GetTracerProvider()
	}
	prop := s.Propagator
	if prop == nil {
		// Not the global propagator, which does nothing unless the program sets one: the
		// trace continues into the agent or function called unless the caller says otherwise.
		prop = propagation.TraceContext{}
	}
	return tracing{
		tracer:     tp.Tracer(TracerName, trace.WithInstrumentationVersion(ModuleVersion)),
		propagator: prop,
		redact:     red,
		internal:   []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindInternal)},
		client:     []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindClient)},
	}
}

// Operation is the span of one operation of the client. The zero Operation does nothing.
type Operation struct {
	span   trace.Span
	redact *redact.Redactor
}

// StartOperation starts the span of an operation named name ("RunAgent", "sandbox.Run"; a
// generated call's is started by its doer, named by its operationId): the requests sent with
// the returned context are its attempts, and the client's debug log names the operation in
// their records. End it with End.
func (p *Pipeline) StartOperation(ctx context.Context, name string) (context.Context, Operation) {
	ctx, op := p.transport.trace.startOperation(ctx, name)
	if p.transport.log.enabled(ctx, slog.LevelDebug) {
		// The debug records of its requests name it too; without them, ctx is not grown.
		ctx = context.WithValue(ctx, operationKey{}, name)
	}
	return ctx, op
}

func (t tracing) startOperation(ctx context.Context, name string) (context.Context, Operation) {
	// Internal: the HTTP client spans are its attempts', and one request is never two client
	// spans deep.
	octx, span := t.start(ctx, name, t.internal)
	if !span.IsRecording() {
		// An operation nobody records leaves ctx as it was (its attempts then have the
		// caller's span as parent), so that the request need not be copied to carry it.
		octx = ctx
	}
	return octx, Operation{span: span, redact: t.redact}
}

// End ends the operation's span with err's outcome: an error status, its error.type and
// its message, secrets removed.
func (o Operation) End(err error) {
	if o.span == nil {
		return
	}
	if err != nil && o.span.IsRecording() {
		o.span.SetAttributes(errorType(err))
		o.span.SetStatus(codes.Error, o.redact.Text(err.Error()))
		var e *APIError
		if errors.As(err, &e) {
			o.span.SetAttributes(semconv.HTTPResponseStatusCode(e.StatusCode))
		}
	}
	o.span.End()
}

// startAttempt starts the HTTP client span of attempt number n of req.
func (t tracing) startAttempt(ctx context.Context, req *http.Request, n int) (context.Context, trace.Span) {
	method, name := methodAttr(req.Method), req.Method
	if method == semconv.HTTPRequestMethodOther {
		name = "HTTP"
	}
	ctx, span := t.start(ctx, name, t.client)
	if !span.IsRecording() {
		return ctx, span
	}
	host, port := serverOf(req.URL)
	attrs := make([]attribute.KeyValue, 0, 6)
	attrs = append(attrs, method, semconv.ServerAddress(host), semconv.URLFull(t.redact.URL(req.URL)))
	if method == semconv.HTTPRequestMethodOther {
		attrs = append(attrs, semconv.HTTPRequestMethodOriginal(req.Method))
	}
	if port > 0 {
		attrs = append(attrs, semconv.ServerPort(port))
	}
	if n > 1 {
		attrs = append(attrs, semconv.HTTPRequestResendCount(n-1))
	}
	span.SetAttributes(attrs...)
	return ctx, span
}

// start starts a span, or returns a span that does nothing when t is the zero tracing.
func (t tracing) start(ctx context.Context, name string, opts []trace.SpanStartOption) (context.Context, trace.Span) {
	if t.tracer == nil {
		return ctx, noop.Span{}
	}
	return t.tracer.Start(ctx, name, opts...)
}

// inject writes the attempt's trace context (traceparent) into the headers it sends.
func (t tracing) inject(ctx context.Context, h http.Header) {
	if t.propagator != nil && trace.SpanContextFromContext(ctx).IsValid() {
		t.propagator.Inject(ctx, propagation.HeaderCarrier(h))
	}
}

// endAttempt ends an attempt's span with its answer: the status code, and an error for a
// status of 400 or more or a failure to get an answer.
func (t tracing) endAttempt(span trace.Span, resp *http.Response, err error) {
	if span.IsRecording() {
		switch {
		case err != nil:
			span.SetAttributes(errorType(err))
			span.SetStatus(codes.Error, t.redact.Text(err.Error()))
		case resp != nil:
			span.SetAttributes(semconv.HTTPResponseStatusCode(resp.StatusCode))
			if resp.StatusCode >= 400 {
				span.SetAttributes(semconv.ErrorTypeKey.String(strconv.Itoa(resp.StatusCode)))
				span.SetStatus(codes.Error, "")
			}
		}
	}
	span.End()
}

// errorType is the error.type of err: the status of an error answer, "timeout" or the
// error's Go type otherwise.
func errorType(err error) attribute.KeyValue {
	var e *APIError
	if errors.As(err, &e) {
		return semconv.ErrorTypeKey.String(strconv.Itoa(e.StatusCode))
	}
	var timeout interface{ Timeout() bool }
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &timeout) && timeout.Timeout() {
		return semconv.ErrorTypeKey.String("timeout")
	}
	return semconv.ErrorType(err)
}

// methodAttr is the http.request.method of method: one of the known methods, else _OTHER.
func methodAttr(method string) attribute.KeyValue {
	switch method {
	case http.MethodGet:
		return semconv.HTTPRequestMethodGet
	case http.MethodPost:
		return semconv.HTTPRequestMethodPost
	case http.MethodPut:
		return semconv.HTTPRequestMethodPut
	case http.MethodDelete:
		return semconv.HTTPRequestMethodDelete
	case http.MethodPatch:
		return semconv.HTTPRequestMethodPatch
	case http.MethodHead:
		return semconv.HTTPRequestMethodHead
	case http.MethodOptions:
		return semconv.HTTPRequestMethodOptions
	case http.MethodConnect:
		return semconv.HTTPRequestMethodConnect
	case http.MethodTrace:
		return semconv.HTTPRequestMethodTrace
	}
	return semconv.HTTPRequestMethodOther
}

// serverOf is the host and port a request goes to, the scheme's port when none is written.
func serverOf(u *url.URL) (string, int) {
	host := u.Hostname()
	if p := u.Port(); p != "" {
		port, _ := strconv.Atoi(p)
		return host, port
	}
	switch u.Scheme {
	case "https":
		return host, 443
	case "http":
		return host, 80
	}
	return host, 0
}
