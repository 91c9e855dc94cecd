// Package pipeline is the one request path of every client in the module: the control plane,
// the token endpoint, sandboxes, deployed workloads, MCP sessions, models and previews. A
// Pipeline holds what a client was configured with (credential, workspace, addresses, retry
// policy and budget, limits, logger, redactor); its transport sends each request with the
// retry loop outside and, for each attempt, Blaxel's headers and a credential read afresh.
// Errors leave it as *APIError, *DecodeError or *StreamError, with every secret removed.
package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"time"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/oauth2"

	"github.com/blaxel-go/blaxel/internal/redact"
)

// Settings is what a client's options say about the request path.
type Settings struct {
	APIVersion   string
	HTTPClient   *http.Client // the caller's; nil for a plain one
	Headers      http.Header  // WithHeader's, added to every request
	Retry        RetryPolicy
	Logger       *slog.Logger
	InsecureHTTP bool

	MaxResponseBytes int64 // 0 for DefaultMaxResponseBytes
	CheckRetry       CheckRetry
	RetryBudget      int // tokens; 0 for DefaultRetryBudget, -1 for no budget
	Now              func() time.Time

	TracerProvider trace.TracerProvider          // nil for the global one
	Propagator     propagation.TextMapPropagator // nil for W3C TraceContext
}

// Resolved is where a client's configuration settled: its credential and addresses.
type Resolved struct {
	Credential CredentialSpec
	Workspace  string
	BaseURL    string // the control plane
	RunURL     string // where deployed workloads answer; "" for none (a control plane not Blaxel's)
}

// Pipeline is one client's request path. Its fields are set once by New and never change.
type Pipeline struct {
	HTTP      *http.Client     // every request goes through it
	Redact    *redact.Redactor // removes this client's credentials from errors and logs
	BaseURL   string
	Base      *url.URL // BaseURL parsed
	RunURL    string
	Workspace string
	MaxBody   int64               // the largest successful answer decoded
	Getenv    func(string) string // the environment that may force workload addresses; nil for none

	transport *transport
}

// New assembles a pipeline. onRefresh, when not nil, sees every token renewed with a refresh
// token (to write it back to the file it came from); its error is logged.
func New(s Settings, r Resolved, getenv func(string) string, onRefresh func(tok *oauth2.Token, expiresIn int64) error) (*Pipeline, error) {
	base, err := url.Parse(r.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("blaxel: %w", err)
	}
	var run *url.URL // nil when the client has no run URL
	if r.RunURL != "" {
		if run, err = url.Parse(r.RunURL); err != nil {
			return nil, fmt.Errorf("blaxel: %w", err)
		}
	}
	c := r.Credential
	red, err := NewClientRedactor(c)
	if err != nil {
		return nil, err
	}
	logger := s.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	log := requestLog{logger: logger, redact: red}
	tr := newTracing(s, red)
	log.configured(c.From, r)

	caller := s.HTTPClient
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
		url: r.BaseURL + "/oauth/token",
		client: &http.Client{Transport: next, Timeout: timeout, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}},
		userAgent: UserAgent,
		log:       log,
		trace:     tr,
		redact:    red,
		now:       s.Now,
	}
	var refreshed func(*oauth2.Token, int64)
	if onRefresh != nil {
		refreshed = func(tok *oauth2.Token, expiresIn int64) {
			if err := onRefresh(tok, expiresIn); err != nil {
				log.warn(context.Background(), "blaxel: the renewed token was not written back", err)
			}
		}
	}
	retries := &retrier{policy: s.Retry, budget: newRetryBudget(s.RetryBudget), jitter: rand.Int64N}
	t := &transport{
		next:       next,
		base:       base,
		run:        run,
		credential: newCredential(c, endpoint, refreshed, retries),
		workspace:  headerValue(r.Workspace),
		apiVersion: headerValue(s.APIVersion),
		userAgent:  headerValue(UserAgent),
		headers:    s.Headers,
		insecure:   s.InsecureHTTP,
		retrier:    retries,
		checkRetry: s.CheckRetry,
		now:        endpoint.clock(),
		log:        log,
		trace:      tr,
	}
	hc := *caller // a copy: the caller's client is left as it was
	hc.Transport = t
	hc.CheckRedirect = redirectPolicy(caller.CheckRedirect)
	maxBody := s.MaxResponseBytes
	if maxBody <= 0 {
		maxBody = DefaultMaxResponseBytes
	}
	return &Pipeline{HTTP: &hc, Redact: red, BaseURL: r.BaseURL, Base: base, RunURL: r.RunURL, Workspace: r.Workspace,
		MaxBody: maxBody, Getenv: getenv, transport: t}, nil
}
