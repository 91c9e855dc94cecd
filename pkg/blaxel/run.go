package blaxel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/internal/option"
	"github.com/blaxel-go/blaxel/internal/pipeline"
	"github.com/blaxel-go/blaxel/internal/redact"
)

// RunOption tunes a call to a deployed workload. An option with an unusable value makes the
// call fail before anything is sent.
type RunOption func(*runSettings) error

type runSettings struct {
	method       string
	header       http.Header
	async        bool
	workloadURL  string
	previewToken string
	preview      bool // a sandbox preview: it fronts the sandbox's code, and gets no workspace credential
}

// WithThreadID keeps a conversation: calls with the same thread id share their context
// (the X-Blaxel-Thread-Id header).
func WithThreadID(id string) RunOption {
	return func(s *runSettings) error {
		if strings.TrimSpace(id) == "" {
			return errors.New("blaxel: WithThreadID: the id is empty")
		}
		s.header.Set("X-Blaxel-Thread-Id", id)
		return nil
	}
}

// WithAsync asks the workload to take the request and answer at once (?async=true), for work
// longer than a synchronous call may last (it is dropped after 100 s without data).
func WithAsync() RunOption {
	return func(s *runSettings) error {
		s.async = true
		return nil
	}
}

// WithPreviewToken passes the token of a private sandbox preview (the X-Blaxel-Preview-Token
// header; a header rather than the query, so it stays out of logs and error messages).
func WithPreviewToken(token string) RunOption {
	return func(s *runSettings) error {
		if strings.TrimSpace(token) == "" {
			return errors.New("blaxel: WithPreviewToken: the token is empty")
		}
		if len(token) < redact.MinSecretLen {
			return fmt.Errorf("blaxel: WithPreviewToken: the token is shorter than %d characters: that is no preview token", redact.MinSecretLen)
		}
		s.previewToken = token
		return nil
	}
}

// WithMethod sets the HTTP method: POST by default when there is a body, GET otherwise.
func WithMethod(method string) RunOption {
	return func(s *runSettings) error {
		if method == "" || strings.ContainsAny(method, " \t\r\n/") {
			return fmt.Errorf("blaxel: WithMethod: %q is not an HTTP method", method)
		}
		s.method = method
		return nil
	}
}

// WithRequestHeader sets a header of the call, e.g. Accept or Content-Type (application/json
// by default when there is a body). The credential headers are refused: the client sets them.
func WithRequestHeader(key, value string) RunOption {
	return func(s *runSettings) error {
		if key == "" || strings.ContainsAny(key, " :\r\n") || strings.ContainsAny(value, "\r\n") {
			return fmt.Errorf("blaxel: WithRequestHeader: %q is not a usable header", key)
		}
		if name := http.CanonicalHeaderKey(key); name == "Authorization" || name == "X-Blaxel-Authorization" {
			return fmt.Errorf("blaxel: WithRequestHeader: %s is the credential, which the client sets", name)
		}
		s.header.Set(key, value)
		return nil
	}
}

// WithMetadata calls the resource at the address it advertises (its metadata.url) instead of
// the one built from the run URL, workspace and name. Without a URL in m it changes nothing.
// The call carries the workspace credential, so the address must be on the host of the
// client's run URL or of its control plane: another host is refused with an error, and
// nothing is sent.
func WithMetadata(m gen.Metadata) RunOption {
	return func(s *runSettings) error {
		if m.URL != nil {
			s.workloadURL = strings.TrimSpace(*m.URL)
		}
		return nil
	}
}

// RunAgent calls the agent (POST {run URL}/{workspace}/agents/{name} unless options say
// otherwise) with the client's credentials and workspace, and returns the answer's body as it
// streams in. The caller must close it; Close reads what little may be left of the answer
// (a few KiB, for at most a moment) so that the connection serves the next call, unless a
// Read is under way: a Close from another goroutine stops that Read at once. An answer that
// is no success (a 2xx, or a 304 asked for with If-Modified-Since) is an *APIError. A JSON
// answer is bounded by the client's limit as it is read (WithMaxResponseBytes; past it,
// reading fails with ErrResponseTooLarge); any other body, a stream among them, comes whole.
func (c *Client) RunAgent(ctx context.Context, name string, body io.Reader, opts ...RunOption) (io.ReadCloser, error) {
	return c.run(ctx, "agents", name, "", body, opts)
}

// RunFunction sends a message to the MCP server of a function ({run URL}/{workspace}/functions/{name}/mcp);
// see [Client.RunAgent].
func (c *Client) RunFunction(ctx context.Context, name string, body io.Reader, opts ...RunOption) (io.ReadCloser, error) {
	return c.run(ctx, "functions", name, "mcp", body, opts)
}

// RunModel calls an endpoint of a model, e.g. path "v1/chat/completions" for
// {run URL}/{workspace}/models/{name}/v1/chat/completions; see [Client.RunAgent].
func (c *Client) RunModel(ctx context.Context, name, path string, body io.Reader, opts ...RunOption) (io.ReadCloser, error) {
	return c.run(ctx, "models", name, path, body, opts)
}

// RunPreview calls path below a sandbox preview's address (its spec.url). A preview serves the
// sandbox's own code, so the call never carries the workspace credential: a private preview
// needs WithPreviewToken, a public one nothing. See [Client.RunAgent] for the rest.
func (c *Client) RunPreview(ctx context.Context, preview *gen.Preview, path string, body io.Reader, opts ...RunOption) (io.ReadCloser, error) {
	if preview == nil || preview.Spec.URL == nil || *preview.Spec.URL == "" {
		return nil, errors.New("blaxel: RunPreview: the preview has no spec.url yet")
	}
	opts = append([]RunOption{func(s *runSettings) error {
		s.workloadURL, s.preview = *preview.Spec.URL, true
		return nil
	}}, opts...)
	return c.run(ctx, "", "", path, body, opts)
}

// run calls a workload: kind and name address it below the run URL unless the settings carry
// the workload's own address; path goes below either.
func (c *Client) run(ctx context.Context, kind, name, path string, body io.Reader, opts []RunOption) (io.ReadCloser, error) {
	resp, err := c.send(ctx, kind, name, path, body, opts)
	if err != nil {
		return nil, err
	}
	// A caller who reads what they want (a JSON value) and closes leaves the body's end
	// unread: Close reads what little is left, so that the connection serves the next call.
	return pipeline.Finishing(resp.Body), nil
}

// send is run, returning the whole successful answer. Its span is named after the call:
// RunAgent, RunFunction, RunModel or RunPreview.
func (c *Client) send(ctx context.Context, kind, name, path string, body io.Reader, opts []RunOption) (_ *http.Response, err error) {
	ctx, op := c.p.StartOperation(ctx, runOperation(kind))
	defer func() { op.End(err) }()
	s := runSettings{header: http.Header{}}
	if err := option.Apply(&s, opts); err != nil {
		return nil, err
	}
	target, err := c.p.WorkloadAddress(kind, name, path, s.workloadURL)
	if err != nil {
		return nil, err
	}
	dest := pipeline.Destination{NoCredential: s.preview}
	if !s.preview {
		if s.workloadURL != "" {
			if err := c.p.CheckCredentialHost(target); err != nil {
				return nil, err
			}
		}
		dest.Origin = target
	}
	if s.async {
		q := target.Query()
		q.Set("async", "true")
		target.RawQuery = q.Encode()
	}
	method := s.method
	if method == "" {
		method = http.MethodGet
		if body != nil {
			method = http.MethodPost
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, target.String(), body)
	if err != nil {
		return nil, fmt.Errorf("blaxel: %w", err)
	}
	if body != nil && s.header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for key, values := range s.header {
		req.Header[key] = values
	}
	if s.previewToken != "" {
		req.Header.Set("X-Blaxel-Preview-Token", s.previewToken)
	}
	// The one doer: its success rule, its bound on a JSON answer (read as it comes), its
	// errors. Any other answer, a stream among them, is the caller's to read as it comes.
	return c.p.Doer(dest).Do(req)
}

// runOperation names a call to a workload of kind ("" for a preview) in spans.
func runOperation(kind string) string {
	switch kind {
	case pipeline.KindAgents:
		return "RunAgent"
	case pipeline.KindFunctions:
		return "RunFunction"
	case pipeline.KindModels:
		return "RunModel"
	}
	return "RunPreview"
}
