package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/blaxel-go/blaxel/gen/sandboxapi"
	"github.com/blaxel-go/blaxel/internal/config"
	"github.com/blaxel-go/blaxel/internal/option"
	"github.com/blaxel-go/blaxel/internal/pipeline"
	"github.com/blaxel-go/blaxel/internal/redact"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// Sandbox is a handle on the API a sandbox serves itself: its processes, files, uploads and
// watches (see openapi-sandbox.yaml). It is cheap, safe for concurrent use, and sends every
// request through the pipeline of the Client that made it: the same credential (as
// X-Blaxel-Authorization), workspace, logging, redaction and retry rules, to the sandbox's
// address and no other host.
type Sandbox struct {
	name string
	base *url.URL           // the resolved address, without a final slash
	p    *pipeline.Pipeline // the client's pipeline and redactor
	dest pipeline.Destination
	doer sandboxDoer
	api  *sandboxapi.ClientWithResponses
}

// Open returns a handle on the sandbox name, whose requests go through c's pipeline. Its
// address is resolved once, here:
//
//   - BL_SANDBOXES_<NAME>_URL or BL_SANDBOX_<NAME>_URL (the name upper-cased, "-" as "_"), read
//     through the client's environment (NewFromEnv's; a client from New has none);
//   - else the sandbox's metadata.url, read with GetSandbox;
//   - else {run URL}/{workspace}/sandboxes/{name}.
//
// The address must be https, or plain http to this machine or when the run URL is plain
// http too (a local setup), since the requests carry the client's credential.
func Open(ctx context.Context, c *blaxel.Client, name string) (*Sandbox, error) {
	if c == nil {
		return nil, errors.New("blaxel: sandbox.Open: the client is nil")
	}
	if err := pipeline.CheckName("sandbox", name); err != nil {
		return nil, err
	}
	p := c.Pipeline()
	advertised := p.ForcedAddress(pipeline.KindSandboxes, name)
	if advertised == "" {
		sb, err := c.GetSandbox(ctx, name, nil)
		if err != nil {
			return nil, err
		}
		if sb.Metadata.URL != nil {
			advertised = *sb.Metadata.URL
		}
	}
	u, err := p.WorkloadBase(pipeline.KindSandboxes, name, advertised)
	if err != nil {
		return nil, err
	}
	return at(p, name, u.String(), "X-Blaxel-Authorization")
}

// OpenPreview returns a handle on the sandbox API served at a preview's address (a private
// preview of the sandbox's port 443, such as a session gives), authenticated with the
// preview's token alone (X-Blaxel-Preview-Token): no workspace credential is involved, so
// opts must not name one. The other options (WithHTTPClient, WithLogger, retries...) apply
// as for blaxel.New.
func OpenPreview(previewURL, token string, opts ...blaxel.Option) (*Sandbox, error) {
	if strings.TrimSpace(token) == "" {
		return nil, errors.New("blaxel: sandbox.OpenPreview: the token is empty")
	}
	s := &config.Settings{Pipeline: pipeline.Settings{APIVersion: blaxel.APIVersion, Retry: blaxel.DefaultRetryPolicy()}}
	if err := option.Apply(s, opts); err != nil {
		return nil, err
	}
	if len(s.CredentialOptions) > 0 {
		return nil, fmt.Errorf("blaxel: sandbox.OpenPreview: %s: a preview is reached with its token alone", strings.Join(s.CredentialOptions, ", "))
	}
	raw, err := config.ParseServerURL(previewURL)
	if err != nil {
		return nil, fmt.Errorf("blaxel: sandbox.OpenPreview: %w", err)
	}
	if err := config.CheckScheme(raw, s.Pipeline.InsecureHTTP); err != nil {
		return nil, fmt.Errorf("blaxel: sandbox.OpenPreview: %w", err)
	}
	r := pipeline.Resolved{
		Credential: pipeline.CredentialSpec{Kind: pipeline.CredPreviewToken, APIKey: token, From: "OpenPreview"},
		Workspace:  s.Explicit.Workspace,
		BaseURL:    blaxel.DefaultBaseURL,
		RunURL:     blaxel.DefaultRunURL,
	}
	p, err := pipeline.New(s.Pipeline, r, nil, nil)
	if err != nil {
		return nil, err
	}
	return at(p, "", raw, "X-Blaxel-Preview-Token")
}

// at builds the handle for a resolved address; header carries the credential there.
func at(p *pipeline.Pipeline, name, raw, header string) (*Sandbox, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("blaxel: the sandbox's address: %w", err)
	}
	if err := p.CheckWorkloadScheme(u); err != nil {
		return nil, err
	}
	if u.User != nil {
		return nil, errors.New("blaxel: the sandbox's address must not hold credentials")
	}
	u.RawQuery, u.Fragment = "", ""
	u.Path, u.RawPath = strings.TrimSuffix(u.Path, "/"), strings.TrimSuffix(u.RawPath, "/")
	sb := &Sandbox{name: name, base: u, p: p, dest: pipeline.Destination{Origin: u, CredentialHeader: header}}
	sb.doer = sandboxDoer{next: p.Doer(sb.dest)}
	// The generated client wants the server with a final slash: its paths are relative.
	api, err := sandboxapi.NewClientWithResponses(sb.server(), sandboxapi.WithHTTPClient(sb.doer))
	if err != nil {
		return nil, fmt.Errorf("blaxel: %w", err)
	}
	sb.api = api
	return sb, nil
}

// Pipeline is for the module's own packages (blaxelmcp): the pipeline the handle's requests
// go through, and the handle's destination on it. Its types are internal: no part of the
// API, which may change them at any release.
func (s *Sandbox) Pipeline() (*pipeline.Pipeline, pipeline.Destination) { return s.p, s.dest }

// Name is the sandbox's name ("" for a handle from OpenPreview).
func (s *Sandbox) Name() string { return s.name }

// subject names what an error is about, the sandbox first: `sandbox "my-box": process
// "job"` (the process alone for a handle from OpenPreview, which has no name).
func (s *Sandbox) subject(kind, name string) string {
	return fmt.Sprintf("%s %q", s.subjectKind(kind), name)
}

// ended is the error of a call or stream cut short because ctx ended: it matches ctx.Err()
// (context.DeadlineExceeded, context.Canceled) whatever the read that failed said (a closed
// connection, say), and names the sandbox; a cause given with the cancel is kept too.
func (s *Sandbox) ended(ctx context.Context) error {
	what := "blaxel: sandbox"
	if s.name != "" {
		what += fmt.Sprintf(" %q", s.name)
	}
	return fmt.Errorf("%s: %w", what, contextError(ctx))
}

// contextError is ctx.Err(), with the cause given to its cancel when there is another.
func contextError(ctx context.Context) error {
	err, cause := ctx.Err(), context.Cause(ctx)
	if cause != nil && cause != err {
		return fmt.Errorf("%w: %w", err, cause)
	}
	return err
}

// subjectKind is kind preceded by the sandbox, for blaxel.WithResource.
func (s *Sandbox) subjectKind(kind string) string {
	if s.name == "" {
		return kind
	}
	return fmt.Sprintf("sandbox %q: %s", s.name, kind)
}

// server is the address as the generated request builders take it, with a final slash.
func (s *Sandbox) server() string { return s.base.String() + "/" }

// URL is the address the handle sends its requests to.
func (s *Sandbox) URL() string { return s.base.String() }

// API is the generated client of openapi-sandbox.yaml on this handle's pipeline and address:
// every operation of the sandbox's API, the ones without a method of their own included
// (ports and port monitors, drive mounts, the tunnel, health, upgrade, environment reload,
// codegen). A non-2xx answer is an *blaxel.APIError, as for the handle's own methods.
func (s *Sandbox) API() *sandboxapi.ClientWithResponses { return s.api }

// sandboxDoer sends a sandbox request through the pipeline's doer for the sandbox's
// destination: the credential in the sandbox's header and for its address only, the one
// success rule (anything else is an *APIError with the client's secrets removed), the
// client's limit on JSON answers. A stream or a file is left for the caller to read.
type sandboxDoer struct{ next pipeline.Doer }

func (d sandboxDoer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.next.Do(req)
	var e *blaxel.APIError
	if errors.As(err, &e) && e.Message == "" && e.Code != "" && e.Header.Get("X-Blaxel-Error-Code") == "" {
		// The sandbox's {"error": "..."} is a sentence, not the name of an error.
		e.Message, e.Code = e.Code, ""
	}
	return resp, err
}

func (s *Sandbox) streamError(req *http.Request, message string) *blaxel.StreamError {
	return &blaxel.StreamError{Method: req.Method, URL: s.p.Redact.URL(req.URL), Message: s.p.Redact.Text(message)}
}

// json200 returns the decoded JSON of a successful generated call, or a *blaxel.DecodeError when the
// answer, though successful, did not carry the JSON the document declares. r removes the
// client's secrets from the quoted body.
func json200[T any](r *redact.Redactor, v *T, resp *http.Response, body []byte) (*T, error) {
	if v != nil {
		return v, nil
	}
	quoted := r.Bounded(body, pipeline.MaxErrorBody, false)
	return nil, pipeline.NewDecodeError(resp.Request, resp, quoted, nil, r)
}
