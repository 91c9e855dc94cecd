package blaxel

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/blaxel-go/blaxel/gen"
)

// DefaultBaseURL is the production control plane.
const DefaultBaseURL = "https://api.blaxel.ai/v0"

// DefaultRunURL is where deployed workloads answer in production.
const DefaultRunURL = "https://run.blaxel.ai"

// Client calls the Blaxel control plane. Every generated operation is a method of the embedded
// ClientWithResponses, e.g. GetSandboxWithResponse. A Client is safe for concurrent use.
type Client struct {
	*gen.ClientWithResponses

	baseURL   string       // the control plane, e.g. https://api.blaxel.ai/v0
	runURL    string       // where deployed workloads answer, e.g. https://run.blaxel.ai
	workspace string       // the X-Blaxel-Workspace of every request
	http      *http.Client // the one pipeline every request goes through
}

// New builds a Client from options. It fails when an option is invalid or no credential is given.
func New(opts ...Option) (*Client, error) {
	s := settings{baseURL: DefaultBaseURL, runURL: DefaultRunURL, apiVersion: APIVersion}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&s); err != nil {
			return nil, err
		}
	}
	if s.apiKey == "" {
		return nil, errors.New("blaxel: no credential: use WithAPIKey")
	}
	hc := pipeline(&s)
	api, err := gen.NewClientWithResponses(s.baseURL, gen.WithHTTPClient(apiDoer{http: hc}))
	if err != nil {
		return nil, fmt.Errorf("blaxel: %w", err)
	}
	return &Client{ClientWithResponses: api, baseURL: s.baseURL, runURL: s.runURL, workspace: s.workspace, http: hc}, nil
}

// BaseURL is the control-plane address the client sends requests to.
func (c *Client) BaseURL() string { return c.baseURL }

// pipeline builds the http.Client that every request goes through: the caller's client, with
// a transport that adds Blaxel's headers and the credential.
func pipeline(s *settings) *http.Client {
	base := s.httpClient
	if base == nil {
		base = &http.Client{}
	}
	next := base.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	hc := *base // a copy: the caller's client is left as it was
	hc.Transport = &headerTransport{
		next:        next,
		workspace:   s.workspace,
		apiVersion:  s.apiVersion,
		credentials: "Bearer " + s.apiKey,
	}
	return &hc
}
