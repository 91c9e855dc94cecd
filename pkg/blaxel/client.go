package blaxel

import (
	"fmt"

	"golang.org/x/oauth2"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/internal/config"
	"github.com/blaxel-go/blaxel/internal/pipeline"
)

// DefaultBaseURL is the production control plane.
const DefaultBaseURL = config.DefaultBaseURL

// DefaultRunURL is where deployed workloads answer in production.
const DefaultRunURL = config.DefaultRunURL

// Client calls the Blaxel control plane. Every operation of openapi.yaml is a method named
// after its operationId, which returns the declared success answer: GetSandbox(ctx, name,
// nil) returns a *gen.Sandbox, and err == nil means that answer came. [Client.API] gives the
// generated client underneath. A Client is safe for concurrent use, and shares nothing with
// other Clients: each has its own token cache and settings.
type Client struct {
	raw checkedClient      // the generated client, checked: what every operation method calls
	p   *pipeline.Pipeline // the one request path, and what the client was configured with
}

// New builds a Client from its options alone: it reads neither the environment nor any file.
// Exactly one credential option is required (WithAPIKey, WithClientCredentials or
// WithTokenSource); two are an error.
func New(opts ...Option) (*Client, error) {
	s, err := applyOptions(opts)
	if err != nil {
		return nil, err
	}
	r, err := config.Resolve(s)
	if err != nil {
		return nil, err
	}
	return build(s, r, nil, nil)
}

// NewFromEnv builds a Client the way Blaxel's own tools configure themselves. Options beat
// environment variables, which beat ~/.blaxel/config.yaml:
//
//   - credential: the options' one credential; else BL_API_KEY; else BL_CLIENT_CREDENTIALS
//     (base64 of "id:secret", or "id:secret"); else, in the file's entry for the workspace,
//     apiKey, then access_token (renewed with refresh_token), then client_credentials.
//     The credential comes whole from one place, and one credential is used.
//   - workspace: WithWorkspace, BL_WORKSPACE, the file's context.workspace.
//   - addresses: WithBaseURL/WithRunURL or WithEnvironment; BL_API_URL/BL_RUN_URL or BL_ENV
//     ("prod" or "dev"); the workspace entry's env; production. A control plane that is not
//     Blaxel's comes with no run URL unless one is given (see WithRunURL).
//
// Only the values used are checked: an unusable BL_CLIENT_CREDENTIALS is no error when an
// option gives the credential. A missing config file is fine; one that does not parse is an
// error that names it, once a setting has to come from it.
//
// It takes every Option, and also WithEnv, WithConfigFile and WithConfigWriteBack, which are
// EnvOptions only. A []Option is passed element by element (Go does not convert the slice).
func NewFromEnv(opts ...EnvOption) (*Client, error) {
	s, err := applyOptions(opts)
	if err != nil {
		return nil, err
	}
	r, getenv, writeBack, err := config.ResolveEnv(s)
	if err != nil {
		return nil, err
	}
	return build(s, r, getenv, writeBack)
}

// applyOptions runs the options in order: Options for New, EnvOptions for NewFromEnv.
func applyOptions[O EnvOption](opts []O) (*config.Settings, error) {
	s := &config.Settings{Pipeline: pipeline.Settings{APIVersion: APIVersion, Retry: DefaultRetryPolicy()}}
	for _, opt := range opts {
		if any(opt) == nil {
			continue
		}
		if err := opt.applyEnv(s); err != nil {
			return nil, err
		}
	}
	if err := s.CheckOneCredential(); err != nil {
		return nil, err
	}
	return s, nil
}

// build assembles the client on its pipeline. getenv is the environment that may force
// workload addresses (nil for none); writeBack, when not nil, writes renewed tokens back.
func build(s *config.Settings, r pipeline.Resolved, getenv func(string) string, writeBack func(*oauth2.Token, int64) error) (*Client, error) {
	p, err := pipeline.New(s.Pipeline, r, getenv, writeBack)
	if err != nil {
		return nil, err
	}
	raw, err := gen.NewClient(r.BaseURL, gen.WithHTTPClient(p.APIDoer(answerShape)))
	if err != nil {
		return nil, fmt.Errorf("blaxel: %w", err)
	}
	return &Client{raw: checkedClient{raw}, p: p}, nil
}

// Pipeline is for the module's own packages (sandbox, blaxelmcp), which send their requests
// through the client's pipeline: its type is internal, so other code can neither name nor
// use it.
func (c *Client) Pipeline() *pipeline.Pipeline { return c.p }

// API returns the generated client underneath the methods of Client: the raw layer, which
// follows openapi.yaml exactly (one <Operation>WithResponse method per operation, answers
// with every status's field), for what the methods do not offer, such as a body of your own
// through <Operation>WithBodyWithResponse. Its requests go through the same pipeline and
// checks as the methods' (credential, headers, retries, path parameters), so its errors are
// the same too: a non-2xx answer is an *APIError, and its answers' JSON4xx and JSON5xx fields
// are never set. Each call returns a new value; changing it changes nothing in the Client.
func (c *Client) API() *gen.ClientWithResponses {
	return &gen.ClientWithResponses{ClientInterface: c.raw}
}

// BaseURL is the control-plane address the client sends requests to.
func (c *Client) BaseURL() string { return c.p.BaseURL }
