package blaxeltest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"strings"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// A scripted command: the sandbox runs the function, never a program of the host, and
// streams what it prints like the real server streams a process's output.
func ExampleServer_HandleCommand() {
	srv, err := blaxeltest.Start(blaxeltest.WithSeed(blaxeltest.Seed{Path: "/sandboxes",
		Body: map[string]any{"metadata": map[string]any{"name": "box"}, "spec": map[string]any{}}}))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	srv.HandleCommand("greet", func(_ context.Context, p *blaxeltest.Process) int {
		fmt.Fprintf(p.Stdout, "hello, %s\n", strings.Join(p.Args[1:], " and "))
		return 0
	})

	sandbox := srv.RunURL() + "/demo/sandboxes/box"
	req, _ := http.NewRequest(http.MethodPost, sandbox+"/process",
		strings.NewReader(`{"command": "greet 'the reader' you", "waitForCompletion": true}`))
	req.Header.Set("X-Blaxel-Authorization", "Bearer any-key")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var process struct {
		Status   string `json:"status"`
		ExitCode int    `json:"exitCode"`
		Stdout   string `json:"stdout"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&process); err != nil {
		log.Fatal(err)
	}
	fmt.Print(process.Status, " ", process.ExitCode, ": ", process.Stdout)
	fmt.Println(srv.CommandStarts("demo", "box", "greet 'the reader' you"), "start")
	// Output:
	// completed 0: hello, the reader and you
	// 1 start
}
