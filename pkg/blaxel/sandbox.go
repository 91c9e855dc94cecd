package blaxel

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/blaxel-go/blaxel/gen/sandboxapi"
)

// Sandbox is a handle on the API a sandbox serves itself: its processes, files, uploads and
// watches (see openapi-sandbox.yaml). It is cheap, safe for concurrent use, and sends every
// request through the pipeline of the Client that made it: the same credential (as
// X-Blaxel-Authorization), workspace, logging, redaction and retry rules, to the sandbox's
// address and no other host.
type Sandbox struct {
	name string
	base *url.URL // the resolved address, without a final slash
	c    *Client  // the pipeline and the redactor
	doer sandboxDoer
	api  *sandboxapi.ClientWithResponses
}

// Sandbox returns a handle on the sandbox name. Its address is resolved once, here:
//
//   - BL_SANDBOXES_<NAME>_URL or BL_SANDBOX_<NAME>_URL (the name upper-cased, "-" as "_"), read
//     through the client's environment (NewFromEnv's; a client from New has none);
//   - else the sandbox's metadata.url, read with GetSandbox;
//   - else {run URL}/{workspace}/sandboxes/{name}.
//
// The address must be https, or plain http to this machine or when the run URL is plain
// http too (a local setup), since the requests carry the client's credential.
func (c *Client) Sandbox(ctx context.Context, name string) (*Sandbox, error) {
	if err := checkName("sandbox", name); err != nil {
		return nil, err
	}
	u, err := c.resolveWorkload(ctx, kindSandboxes, name)
	if err != nil {
		return nil, err
	}
	return c.sandboxAt(name, u.String(), "X-Blaxel-Authorization")
}

// SandboxFromPreview returns a handle on the sandbox API served at a preview's address (a
// private preview of the sandbox's port 443, such as a session gives), authenticated with
// the preview's token alone (X-Blaxel-Preview-Token): no workspace credential is involved,
// so opts must not name one. The other options (WithHTTPClient, WithLogger, retries...)
// apply as for New.
func SandboxFromPreview(previewURL, token string, opts ...Option) (*Sandbox, error) {
	if strings.TrimSpace(token) == "" {
		return nil, errors.New("blaxel: SandboxFromPreview: the token is empty")
	}
	s, err := applyOptions(opts)
	if err != nil {
		return nil, err
	}
	if len(s.credentialOptions) > 0 {
		return nil, fmt.Errorf("blaxel: SandboxFromPreview: %s: a preview is reached with its token alone", strings.Join(s.credentialOptions, ", "))
	}
	raw, err := parseServerURL(previewURL)
	if err != nil {
		return nil, fmt.Errorf("blaxel: SandboxFromPreview: %w", err)
	}
	if err := checkScheme(raw, s.insecureHTTP); err != nil {
		return nil, fmt.Errorf("blaxel: SandboxFromPreview: %w", err)
	}
	r := resolved{
		credential: credentialSpec{kind: credPreviewToken, apiKey: token, from: "SandboxFromPreview"},
		workspace:  s.explicit.workspace,
		baseURL:    DefaultBaseURL,
		runURL:     DefaultRunURL,
	}
	c, err := build(s, r, "")
	if err != nil {
		return nil, err
	}
	return c.sandboxAt("", raw, "X-Blaxel-Preview-Token")
}

// sandboxAt builds the handle for a resolved address; header carries the credential there.
func (c *Client) sandboxAt(name, raw, header string) (*Sandbox, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("blaxel: the sandbox's address: %w", err)
	}
	if err := c.checkWorkloadScheme(u); err != nil {
		return nil, err
	}
	if u.User != nil {
		return nil, errors.New("blaxel: the sandbox's address must not hold credentials")
	}
	u.RawQuery, u.Fragment = "", ""
	u.Path, u.RawPath = strings.TrimSuffix(u.Path, "/"), strings.TrimSuffix(u.RawPath, "/")
	sb := &Sandbox{name: name, base: u, c: c}
	sb.doer = sandboxDoer{http: c.http, origin: u, header: header, redact: c.redact}
	// The generated client wants the server with a final slash: its paths are relative.
	api, err := sandboxapi.NewClientWithResponses(sb.server(), sandboxapi.WithHTTPClient(sb.doer))
	if err != nil {
		return nil, fmt.Errorf("blaxel: %w", err)
	}
	sb.api = api
	return sb, nil
}

// Name is the sandbox's name ("" for a handle from SandboxFromPreview).
func (s *Sandbox) Name() string { return s.name }

// server is the address as the generated request builders take it, with a final slash.
func (s *Sandbox) server() string { return s.base.String() + "/" }

// URL is the address the handle sends its requests to.
func (s *Sandbox) URL() string { return s.base.String() }

// API is the generated client of openapi-sandbox.yaml on this handle's pipeline and address:
// every operation of the sandbox's API, the ones without a method of their own included
// (ports and port monitors, drive mounts, the tunnel, health, upgrade, environment reload,
// codegen). A non-2xx answer is an *APIError, as for the handle's own methods.
func (s *Sandbox) API() *sandboxapi.ClientWithResponses { return s.api }

// sandboxDoer sends a sandbox request through the client's pipeline, with the credential in
// the sandbox's header and for the sandbox's host only. Any non-2xx answer but 304 becomes an
// *APIError (with the client's secrets removed), so that err == nil means success; a 2xx
// body, JSON or stream, is left for the caller to read.
type sandboxDoer struct {
	http   *http.Client
	origin *url.URL // the sandbox's address: the one origin trusted with the credential
	header string   // the header that carries it
	redact *redactor
}

func (d sandboxDoer) Do(req *http.Request) (*http.Response, error) {
	req = req.WithContext(trustOrigin(withCredentialHeader(req.Context(), d.header), d.origin))
	resp, err := d.http.Do(req)
	if err != nil {
		return nil, d.redact.urlError(err)
	}
	if resp.StatusCode >= 300 && resp.StatusCode != http.StatusNotModified {
		defer resp.Body.Close()
		e := newAPIError(req, resp, d.redact)
		if e.Message == "" && e.Code != "" && resp.Header.Get("X-Blaxel-Error-Code") == "" {
			// The sandbox's {"error": "..."} is a sentence, not the name of an error.
			e.Message, e.Code = e.Code, ""
		}
		return nil, e
	}
	return resp, nil
}

// StreamError is a failure the sandbox reported inside a successful answer: a stream whose
// status line and headers were already sent (200) when the failure happened, such as an
// exec whose command could not be started or a log stream for an unknown process.
type StreamError struct {
	Method  string
	URL     string // credentials removed
	Message string // the sandbox's own words
}

func (e *StreamError) Error() string {
	return fmt.Sprintf("blaxel: %s %s: the stream reported an error: %s", e.Method, e.URL, e.Message)
}

func (s *Sandbox) streamError(req *http.Request, message string) *StreamError {
	return &StreamError{Method: req.Method, URL: s.c.redact.url(req.URL), Message: s.c.redact.text(message)}
}

// json200 returns the decoded JSON of a successful generated call, or a *DecodeError when the
// answer, though successful, did not carry the JSON the document declares. r removes the
// client's secrets from the quoted body.
func json200[T any](r *redactor, v *T, resp *http.Response, body []byte) (*T, error) {
	if v != nil {
		return v, nil
	}
	quoted := r.bounded(body, maxErrorBody, false)
	return nil, newDecodeError(resp.Request, resp, quoted, nil, r)
}

// retryPolicy is the pipeline's retry budget and jitter, for the handle's own retries: the
// reconnections of a stream, an exec sent again once the sandbox said it never started.
func (c *Client) retryPolicy() (RetryPolicy, func(int64) int64) {
	if p, ok := c.http.Transport.(*pipeline); ok {
		return p.policy, p.jitter
	}
	return DefaultRetryPolicy(), rand.Int64N
}

// MCP opens a session with the sandbox's own MCP server ({address}/mcp, whose tools run
// processes and read and write files), over the streamable HTTP transport and the handle's
// pipeline: the credential goes in the sandbox's header, to its address only. ctx bounds
// connecting; close the session when done. See Client.MCP for the options.
func (s *Sandbox) MCP(ctx context.Context, opts ...MCPOption) (*mcp.ClientSession, error) {
	set, err := mcpOptions(opts)
	if err != nil {
		return nil, err
	}
	set.credentialHeader = s.doer.header
	session, err := s.c.mcpSession(ctx, s.base, set)
	if err != nil {
		return nil, fmt.Errorf("blaxel: MCP session with the sandbox at %s: %w", s.c.redact.url(s.base), err)
	}
	return session, nil
}

// credentialHeaderTransport puts the credential of each request in header, for the
// pipeline below it.
type credentialHeaderTransport struct {
	next   http.RoundTripper
	header string
}

func (t credentialHeaderTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return t.next.RoundTrip(req.WithContext(withCredentialHeader(req.Context(), t.header)))
}
