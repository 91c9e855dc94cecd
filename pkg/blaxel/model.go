package blaxel

import (
	"context"
	"net/http"

	"github.com/blaxel-go/blaxel/internal/pipeline"
)

// ModelEndpoint is where a model answers OpenAI's API, and the HTTP client to call it with:
// give both to any OpenAI-compatible SDK (its base URL and HTTP client options), which then
// calls the model unchanged.
type ModelEndpoint struct {
	// BaseURL is the model's address followed by /v1, e.g.
	// https://run.blaxel.ai/my-workspace/models/my-model/v1: below it, chat/completions,
	// embeddings, models and the rest of OpenAI's paths.
	BaseURL string

	// HTTPClient sends its requests through the client's pipeline (retries, logging,
	// redaction), adding the client's credential and workspace when they go to BaseURL's
	// host, the run URL's or the control plane's, and to no other host. Whatever key an SDK
	// puts in Authorization is replaced with the client's credential there, and dropped
	// elsewhere: an SDK that insists on a key may be given any placeholder.
	HTTPClient *http.Client
}

// Model resolves the OpenAI-compatible endpoint of a model: BL_MODELS_<NAME>_URL or
// BL_MODEL_<NAME>_URL for a client built by NewFromEnv, else the model's metadata.url (one
// GetModel), else {run URL}/{workspace}/models/{name}; then /v1.
//
//	m, err := client.Model(ctx, "my-model")
//	if err != nil { ... }
//	req, _ := http.NewRequestWithContext(ctx, "POST", m.BaseURL+"/chat/completions", body)
//	resp, err := m.HTTPClient.Do(req)
func (c *Client) Model(ctx context.Context, name string) (*ModelEndpoint, error) {
	base, err := c.resolveWorkload(ctx, pipeline.KindModels, name)
	if err != nil {
		return nil, err
	}
	return &ModelEndpoint{BaseURL: base.JoinPath("v1").String(), HTTPClient: c.p.WorkloadHTTPClient(base)}, nil
}
