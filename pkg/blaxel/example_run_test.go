package blaxel_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// RunAgent sends a request to a deployed agent with the client's credentials and workspace
// and streams the answer back. Here the run URL and the agent's metadata.url point to a
// stand-in (WithMetadata's address must be on the run URL's host or the control plane's).
func ExampleClient_RunAgent() {
	agentSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "thread %s got %s", r.Header.Get("X-Blaxel-Thread-Id"), in)
	}))
	defer agentSrv.Close()

	client, err := blaxel.New(blaxel.WithAPIKey("my-key"), blaxel.WithWorkspace("my-workspace"), blaxel.WithRunURL(agentSrv.URL))
	if err != nil {
		log.Fatal(err)
	}
	// Usually read with GetAgentWithResponse; its metadata.url is the address to call.
	url := agentSrv.URL + "/my-workspace/agents/helper"
	agent := gen.Agent{Metadata: gen.Metadata{Name: "helper", URL: &url}}

	body, err := client.RunAgent(context.Background(), agent.Metadata.Name, strings.NewReader(`{"inputs":"hello"}`),
		blaxel.WithMetadata(agent.Metadata), blaxel.WithThreadID("t-1"))
	if err != nil {
		log.Fatal(err)
	}
	defer body.Close()
	answer, err := io.ReadAll(body)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(answer))
	// Output: thread t-1 got {"inputs":"hello"}
}
