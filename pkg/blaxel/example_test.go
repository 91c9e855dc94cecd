package blaxel_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// exampleServer stands in for the control plane: it knows one sandbox, my-sandbox.
func exampleServer() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path != "/v0/sandboxes/my-sandbox" {
			w.WriteHeader(http.StatusNotFound)
			_ = json.NewEncoder(w).Encode(map[string]any{"error": "sandbox_not_found", "code": 404, "message": "no such sandbox"})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"metadata": map[string]any{"name": "my-sandbox"}, "spec": map[string]any{}, "status": "DEPLOYED"})
	}))
}

// New takes its configuration from options alone. Real programs leave out WithBaseURL, which
// points this example at a local stand-in for the control plane.
func ExampleNew() {
	srv := exampleServer()
	defer srv.Close()

	client, err := blaxel.New(
		blaxel.WithAPIKey("bl_example_key"),
		blaxel.WithWorkspace("my-workspace"),
		blaxel.WithBaseURL(srv.URL+"/v0"),
	)
	if err != nil {
		log.Fatal(err)
	}
	sandbox, err := client.GetSandbox(context.Background(), "my-sandbox", nil)
	if err != nil {
		log.Fatal(err) // any answer but the declared 200 with its JSON body is an error
	}
	fmt.Println(sandbox.Metadata.Name, *sandbox.Status) // sandbox is never nil when err is nil
	// Output: my-sandbox DEPLOYED
}

// NewFromEnv reads BL_API_KEY, BL_CLIENT_CREDENTIALS, BL_WORKSPACE, BL_ENV, BL_API_URL and
// BL_RUN_URL, then ~/.blaxel/config.yaml as Blaxel's CLI leaves it. Real programs call
// blaxel.NewFromEnv() with no option; WithEnv supplies the variables here.
func ExampleNewFromEnv() {
	srv := exampleServer()
	defer srv.Close()

	env := map[string]string{
		"BL_API_KEY":   "bl_example_key",
		"BL_WORKSPACE": "my-workspace",
		"BL_API_URL":   srv.URL + "/v0",
	}
	client, err := blaxel.NewFromEnv(blaxel.WithEnv(func(name string) string { return env[name] }))
	if err != nil {
		log.Fatal(err)
	}
	sandbox, err := client.GetSandbox(context.Background(), "my-sandbox", nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sandbox.Metadata.Name)
	// Output: my-sandbox
}

// Errors are tested with errors.Is against the sentinels, and read with errors.As.
func ExampleAPIError() {
	srv := exampleServer()
	defer srv.Close()
	client, err := blaxel.New(blaxel.WithAPIKey("bl_example_key"), blaxel.WithBaseURL(srv.URL+"/v0"))
	if err != nil {
		log.Fatal(err)
	}

	_, err = client.GetSandbox(context.Background(), "missing", nil)
	if errors.Is(err, blaxel.ErrNotFound) {
		fmt.Println("no such sandbox")
	}
	var apiErr *blaxel.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.Operation, apiErr.StatusCode, apiErr.Code)
	}
	// Output:
	// no such sandbox
	// GetSandbox 404 sandbox_not_found
}

// WithLogger logs each attempt at the debug level, credentials redacted.
func ExampleWithLogger() {
	srv := exampleServer()
	defer srv.Close()
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			// Keep the example's output stable: drop what changes from run to run.
			if len(groups) > 0 && (groups[0] == "response_headers" || a.Key != "Authorization") {
				return slog.Attr{}
			}
			switch a.Key {
			case "time", "duration", "url", "base_url", "run_url":
				return slog.Attr{}
			}
			return a
		},
	}))
	client, err := blaxel.New(blaxel.WithAPIKey("bl_example_key"), blaxel.WithBaseURL(srv.URL+"/v0"), blaxel.WithLogger(logger))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := client.GetSandbox(context.Background(), "my-sandbox", nil); err != nil {
		log.Fatal(err)
	}
	// Output:
	// level=DEBUG msg="blaxel: client configured" credential=WithAPIKey workspace=""
	// level=DEBUG msg="blaxel: request" operation=GetSandbox method=GET attempt=1 request_headers.Authorization="Bearer REDACTED" status=200
}

// WithResponseInto gives a call's status and headers, here next to its decoded answer.
func ExampleWithResponseInto() {
	srv := exampleServer()
	defer srv.Close()
	client, err := blaxel.New(blaxel.WithAPIKey("bl_example_key"), blaxel.WithBaseURL(srv.URL+"/v0"))
	if err != nil {
		log.Fatal(err)
	}
	var resp http.Response
	sandbox, err := client.GetSandbox(context.Background(), "my-sandbox", nil,
		blaxel.WithCallHeader("X-Request-Id", "example-1"), blaxel.WithResponseInto(&resp))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode, resp.Header.Get("Content-Type"), sandbox.Metadata.Name)
	// Output: 200 application/json my-sandbox
}

// API gives the generated client, whose methods follow openapi.yaml exactly, through the
// same pipeline: a refusal is an *APIError there too.
func ExampleClient_API() {
	srv := exampleServer()
	defer srv.Close()
	client, err := blaxel.New(blaxel.WithAPIKey("bl_example_key"), blaxel.WithBaseURL(srv.URL+"/v0"))
	if err != nil {
		log.Fatal(err)
	}
	resp, err := client.API().GetSandboxWithResponse(context.Background(), "my-sandbox", nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode(), resp.JSON200.Metadata.Name)
	_, err = client.API().GetSandboxWithResponse(context.Background(), "missing", nil)
	fmt.Println(errors.Is(err, blaxel.ErrNotFound))
	// Output:
	// 200 my-sandbox
	// true
}
