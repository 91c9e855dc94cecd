package blaxel_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"strings"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// A model speaks OpenAI's API at its endpoint: any OpenAI-compatible SDK takes BaseURL and
// HTTPClient as they are. Here plain net/http posts a chat completion to a model of the fake,
// which answers with the last user message.
func ExampleClient_Model() {
	srv, err := blaxeltest.Start(blaxeltest.WithSeed(blaxeltest.Seed{
		Path: "/models", Workspace: "my-workspace",
		Body: map[string]any{"metadata": map[string]any{"name": "my-model"}, "spec": map[string]any{}},
	}))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	client, err := blaxel.New(blaxel.WithBaseURL(srv.URL()), blaxel.WithRunURL(srv.RunURL()),
		blaxel.WithAPIKey("my-key"), blaxel.WithWorkspace("my-workspace"))
	if err != nil {
		log.Fatal(err)
	}

	ctx := context.Background()
	model, err := client.Model(ctx, "my-model")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.TrimPrefix(model.BaseURL, srv.RunURL()))

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, model.BaseURL+"/chat/completions",
		strings.NewReader(`{"model":"my-model","messages":[{"role":"user","content":"Say hello"}]}`))
	if err != nil {
		log.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := model.HTTPClient.Do(req) // the credential and the workspace are added here
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var completion struct {
		Choices []struct {
			Message struct{ Content string }
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&completion); err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode, completion.Choices[0].Message.Content)
	// Output:
	// /my-workspace/models/my-model/v1
	// 200 Say hello
}
