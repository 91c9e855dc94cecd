package blaxel_test

import (
	"context"
	"fmt"
	"log"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// WithTracerProvider sends the client's spans to a provider of the program's: here one that
// keeps them in memory. Each call is a span named by its operation, around one HTTP client
// span per attempt; each attempt carries the trace on in its traceparent header.
func ExampleWithTracerProvider() {
	srv := exampleServer()
	defer srv.Close()
	exporter := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
	defer tp.Shutdown(context.Background())

	client, err := blaxel.New(blaxel.WithAPIKey("bl_example_key"), blaxel.WithBaseURL(srv.URL+"/v0"), blaxel.WithTracerProvider(tp))
	if err != nil {
		log.Fatal(err)
	}
	ctx, span := tp.Tracer("my-app").Start(context.Background(), "handle-request")
	_, err = client.GetSandbox(ctx, "my-sandbox", nil)
	span.End()
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range exporter.GetSpans() { // in the order they ended
		fmt.Println(s.Name, s.SpanKind)
	}
	// Output:
	// GET client
	// GetSandbox internal
	// handle-request internal
}
