package blaxel

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strings"

	"golang.org/x/oauth2"

	"github.com/blaxel-go/blaxel/gen"
)

// DefaultBaseURL is the production control plane.
const DefaultBaseURL = "https://api.blaxel.ai/v0"

// DefaultRunURL is where deployed workloads answer in production.
const DefaultRunURL = "https://run.blaxel.ai"

// Client calls the Blaxel control plane. Every operation of openapi.yaml is a method named
// after its operationId, which returns the declared success answer: GetSandbox(ctx, name,
// nil) returns a *gen.Sandbox, and err == nil means that answer came. [Client.API] gives the
// generated client underneath. A Client is safe for concurrent use, and shares nothing with
// other Clients: each has its own token cache and settings.
type Client struct {
	raw checkedClient // the generated client, checked: what every operation method calls

	baseURL   string              // the control plane, e.g. https://api.blaxel.ai/v0
	runURL    string              // where deployed workloads answer, e.g. https://run.blaxel.ai
	workspace string              // the X-Blaxel-Workspace of every request
	http      *http.Client        // the one pipeline every request goes through
	base      *url.URL            // baseURL parsed
	redact    *redactor           // removes this client's credentials from errors and logs
	getenv    func(string) string // NewFromEnv's environment, for workload addresses; nil for New
}

// New builds a Client from its options alone: it reads neither the environment nor any file.
// Exactly one credential option is required (WithAPIKey, WithClientCredentials or
// WithTokenSource); two are an error.
func New(opts ...Option) (*Client, error) {
	s, err := applyOptions(opts)
	if err != nil {
		return nil, err
	}
	r, err := resolve(s.insecureHTTP, s.explicit)
	if err != nil {
		return nil, err
	}
	return build(s, r, "")
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
//     ("prod" or "dev"); the workspace entry's env; production.
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
	getenv := s.getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	s.getenv = getenv // kept by the client: workload addresses can be forced by BL_*_URL
	env := environmentLayer(getenv)
	path := s.configFile
	if path == "" {
		path = defaultConfigPath(getenv)
	}
	fileLayer := layer{name: path}
	if path != "" {
		file, err := readConfigFile(path)
		switch {
		case err != nil:
			fileLayer.unreadable = err
		case file != nil:
			workspace := firstNonEmpty(firstNonEmpty(s.explicit.workspace, env.workspace), file.Context.Workspace)
			fileLayer = file.layer(path, workspace)
			fileLayer.workspace = file.Context.Workspace
		}
	}
	r, err := resolve(s.insecureHTTP, s.explicit, env, fileLayer)
	if err != nil {
		return nil, err
	}
	writeBack := ""
	if s.writeBack && r.credential.kind == credTokens {
		writeBack = r.credential.file
	}
	return build(s, r, writeBack)
}

// applyOptions runs the options in order: Options for New, EnvOptions for NewFromEnv.
func applyOptions[O EnvOption](opts []O) (*settings, error) {
	s := &settings{apiVersion: APIVersion, retry: DefaultRetryPolicy()}
	for _, opt := range opts {
		if any(opt) == nil {
			continue
		}
		if err := opt.applyEnv(s); err != nil {
			return nil, err
		}
	}
	if len(s.credentialOptions) > 1 {
		return nil, fmt.Errorf("blaxel: %s: give one credential, not %d", strings.Join(s.credentialOptions, ", "), len(s.credentialOptions))
	}
	return s, nil
}

// build assembles the pipeline. writeBack, when not empty, is the config file that renewed
// tokens are written to.
func build(s *settings, r resolved, writeBack string) (*Client, error) {
	base, err := url.Parse(r.baseURL)
	if err != nil {
		return nil, fmt.Errorf("blaxel: %w", err)
	}
	c := r.credential
	red, err := newClientRedactor(c)
	if err != nil {
		return nil, err
	}
	logger := s.logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	log := requestLog{logger: logger, redact: red}
	log.configured(c.from, r)

	caller := s.httpClient
	if caller == nil {
		caller = &http.Client{}
	}
	next := caller.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	timeout := caller.Timeout
	if timeout == 0 {
		timeout = tokenTimeout
	}
	endpoint := &tokenEndpoint{
		url: r.baseURL + "/oauth/token",
		client: &http.Client{Transport: next, Timeout: timeout, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}},
		userAgent: userAgent,
		log:       log,
		redact:    red,
		now:       s.now,
	}
	var onRefresh func(*oauth2.Token, int64)
	if writeBack != "" {
		onRefresh = func(tok *oauth2.Token, expiresIn int64) {
			if err := writeBackTokens(writeBack, c.fileWorkspace, tok.AccessToken, tok.RefreshToken, expiresIn); err != nil {
				log.warn(context.Background(), "blaxel: the renewed token was not written back", err)
			}
		}
	}
	run, err := url.Parse(r.runURL)
	if err != nil {
		return nil, fmt.Errorf("blaxel: %w", err)
	}
	p := &pipeline{
		next:       next,
		base:       base,
		run:        run,
		credential: newCredential(c, endpoint, onRefresh),
		workspace:  headerValue(r.workspace),
		apiVersion: headerValue(s.apiVersion),
		userAgent:  headerValue(userAgent),
		headers:    s.headers,
		insecure:   s.insecureHTTP,
		policy:     s.retry,
		checkRetry: s.checkRetry,
		budget:     newRetryBudget(s.retryBudget),
		jitter:     rand.Int64N,
		now:        endpoint.clock(),
		log:        log,
	}
	hc := *caller // a copy: the caller's client is left as it was
	hc.Transport = p
	hc.CheckRedirect = redirectPolicy(caller.CheckRedirect)

	raw, err := gen.NewClient(r.baseURL, gen.WithHTTPClient(apiDoer{http: &hc, redact: red, maxBody: s.maxResponseBytes}))
	if err != nil {
		return nil, fmt.Errorf("blaxel: %w", err)
	}
	return &Client{raw: checkedClient{raw}, baseURL: r.baseURL, runURL: r.runURL, workspace: r.workspace, http: &hc,
		base: base, redact: red, getenv: s.getenv}, nil
}

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

// apiError turns a non-2xx answer to a request the client sent into an *APIError, with the
// operation named when a generated method sent it, and every credential this client knows
// removed.
func (c *Client) apiError(req *http.Request, resp *http.Response) *APIError {
	return newAPIError(req, resp, c.redact)
}

// BaseURL is the control-plane address the client sends requests to.
func (c *Client) BaseURL() string { return c.baseURL }
