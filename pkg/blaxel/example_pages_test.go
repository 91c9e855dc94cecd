package blaxel_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// Every paginated listing has an iterator named after its operation with the All suffix. It
// reads a page only when the loop needs it; breaking out of the loop stops the reading.
func ExampleClient_ListSandboxesAll() {
	// A stand-in for the control plane with five sandboxes, two per page.
	srv := httptest.NewServer(&listingServer{total: 5})
	defer srv.Close()

	client, err := blaxel.New(blaxel.WithAPIKey("my-key"), blaxel.WithWorkspace("my-workspace"), blaxel.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	limit := 2
	for sandbox, err := range client.ListSandboxesAll(context.Background(), &gen.ListSandboxesParams{Limit: &limit}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(sandbox.Metadata.Name)
	}
	// Output:
	// sb-0
	// sb-1
	// sb-2
	// sb-3
	// sb-4
}

// The iterators of listings under a resource take the path's parameters first.
func ExampleClient_ListJobExecutionsAll() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"data":[{"spec":{},"status":"succeeded"},{"spec":{},"status":"running"}],"meta":{"hasMore":false}}`)
	}))
	defer srv.Close()

	client, err := blaxel.New(blaxel.WithAPIKey("my-key"), blaxel.WithWorkspace("my-workspace"), blaxel.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	for execution, err := range client.ListJobExecutionsAll(context.Background(), "nightly-report", nil) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(*execution.Status)
	}
	// Output:
	// succeeded
	// running
}
