package blaxel

import (
	"errors"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/blaxel-go/blaxel/internal/config"
)

// WithTracerProvider makes the client's OpenTelemetry spans with tp instead of the global
// provider (otel.GetTracerProvider, which records nothing until the program installs one).
// Each operation is a span named after it (the operationId of a generated method, "RunAgent",
// "sandbox.Run"), and each attempt of its request an HTTP client span inside it, with the
// semantic conventions' attributes (http.request.method, server.address, server.port,
// url.full with the client's secrets removed, http.response.status_code, error.type,
// http.request.resend_count on a retry). No credential is ever an attribute.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(s *config.Settings) error {
		if tp == nil {
			return errors.New("blaxel: WithTracerProvider: the provider is nil")
		}
		s.Pipeline.TracerProvider = tp
		return nil
	}
}

// WithTextMapPropagator sets how the trace context travels with each request. By default it
// is W3C Trace Context (propagation.TraceContext: the traceparent and tracestate headers),
// whatever the global propagator is, so that a caller's trace continues into the agent,
// function or sandbox it calls. Pass otel.GetTextMapPropagator() to follow the program's
// choice, or a propagation.NewCompositeTextMapPropagator() of nothing to send no trace context.
func WithTextMapPropagator(p propagation.TextMapPropagator) Option {
	return func(s *config.Settings) error {
		if p == nil {
			return errors.New("blaxel: WithTextMapPropagator: the propagator is nil")
		}
		s.Pipeline.Propagator = p
		return nil
	}
}
