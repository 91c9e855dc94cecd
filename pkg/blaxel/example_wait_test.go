package blaxel_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// deployingServer answers GET /sandboxes/{name} with BUILDING twice, then with final.
func deployingServer(final string) *httptest.Server {
	var polls atomic.Int32
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodPost {
			fmt.Fprint(w, `{"metadata":{"name":"my-sandbox"},"spec":{},"status":"UPLOADING"}`)
			return
		}
		status := "BUILDING"
		if polls.Add(1) > 2 {
			status = final
		}
		fmt.Fprintf(w, `{"metadata":{"name":"my-sandbox"},"spec":{},"status":%q,
			"events":[{"message":"the image does not exist","status":"FAILED","time":"2026-05-01T10:00:00Z"}]}`, status)
	}))
}

func ExampleClient_CreateSandboxAndWait() {
	srv := deployingServer("DEPLOYED")
	defer srv.Close()
	client, err := blaxel.New(blaxel.WithAPIKey("my-key"), blaxel.WithWorkspace("my-workspace"), blaxel.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}

	// Bound the whole wait with the context; the poll interval is short for the example only.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	sandbox, err := client.CreateSandboxAndWait(ctx, gen.Sandbox{Metadata: gen.Metadata{Name: "my-sandbox"}},
		blaxel.WithPollInterval(10*time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sandbox.Metadata.Name, *sandbox.Status)
	// Output: my-sandbox DEPLOYED
}

// A deployment that fails ends the wait at once with a *StatusError carrying the
// resource's latest event.
func ExampleClient_WaitForSandbox_failed() {
	srv := deployingServer("FAILED")
	defer srv.Close()
	client, err := blaxel.New(blaxel.WithAPIKey("my-key"), blaxel.WithWorkspace("my-workspace"), blaxel.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}

	_, err = client.WaitForSandbox(context.Background(), "my-sandbox", blaxel.WithPollInterval(10*time.Millisecond))
	var failed *blaxel.StatusError
	if errors.As(err, &failed) {
		fmt.Println(failed.Status, "-", failed.Message)
	}
	// Output: FAILED - the image does not exist
}

// Wait works for anything that has a status: here a value read from elsewhere.
func ExampleWait() {
	var calls atomic.Int32
	get := func(ctx context.Context) (string, error) {
		if calls.Add(1) < 3 {
			return "pending", nil
		}
		return "ready", nil
	}
	state := func(s string) (status, detail string) { return s, "" }
	got, err := blaxel.Wait(context.Background(), get, state,
		blaxel.WithTargetStatuses("ready"), blaxel.WithFailureStatuses("broken"),
		blaxel.WithPollInterval(time.Millisecond))
	fmt.Println(got, err, calls.Load())
	// Output: ready <nil> 3
}
