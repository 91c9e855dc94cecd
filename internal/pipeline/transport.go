package pipeline

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/blaxel-go/blaxel/internal/redact"
)

// peekLen is how much of an error answer's body is read ahead, for the retry decision and the
// log; the body is then put back together so that the caller reads all of it.
const peekLen = 64 << 10

// transport is the RoundTripper of the one http.Client every request goes through. Outermost
// is the retry loop; inside it, each attempt clones the request, rewinds its body, sets
// Blaxel's headers and reads the credential afresh (so a token renewed meanwhile is used),
// then hands the attempt to the caller's transport. The credential and the workspace go to
// the control plane, the run URL and the workload address a request's context trusts (see
// trustOrigin), and nowhere else.
type transport struct {
	next       http.RoundTripper
	credential credential
	base       *url.URL    // the control plane: a write refused there with 401 did nothing
	run        *url.URL    // where deployed workloads answer: trusted with the credential too
	workspace  []string    // the X-Blaxel-Workspace value, nil for none
	apiVersion []string    // the Blaxel-Version value
	userAgent  []string    // the client's User-Agent
	headers    http.Header // extra headers from WithHeader
	insecure   bool
	retrier    *retrier   // the policy, the budget and the jitter of every retry of the client
	checkRetry CheckRetry // nil for DefaultCheckRetry
	now        func() time.Time
	log        requestLog
	trace      tracing
}

// Destination is what differs between the places a client sends requests to, fixed when the
// place is resolved: which origin besides the control plane and the run URL is trusted with
// the credential and the workspace, and in which header the credential goes.
type Destination struct {
	// Origin is the one more origin (scheme and host) trusted with the credential: the
	// address the client resolved for a sandbox or a workload. nil for none.
	Origin *url.URL
	// CredentialHeader carries the credential instead of Authorization: a sandbox's edge takes
	// it as X-Blaxel-Authorization, a preview's token as X-Blaxel-Preview-Token.
	CredentialHeader string
	// NoCredential keeps the client's credential off every request: a preview serves code
	// that the workspace does not control. The workspace header still goes.
	NoCredential bool
}

// Client is the pipeline's http.Client for requests to d: the same transport, credential,
// retries and budget, with d's rules.
func (p *Pipeline) Client(d Destination) *http.Client {
	hc := *p.HTTP
	if d.Origin != nil {
		d.Origin = &url.URL{Scheme: d.Origin.Scheme, Host: d.Origin.Host}
	}
	hc.Transport = &destinationTransport{t: p.transport, d: d}
	return &hc
}

// destinationTransport is the pipeline's transport bound to one destination.
type destinationTransport struct {
	t *transport
	d Destination
}

func (d *destinationTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return d.t.roundTrip(req, &d.d)
}

// RoundTrip sends a request to the control plane, or to any address with no credential.
func (p *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	return p.roundTrip(req, &Destination{})
}

func (p *transport) roundTrip(req *http.Request, d *Destination) (*http.Response, error) {
	ctx := req.Context()
	rewindable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	renewed, spent := false, 0
	for attempt, retries := 1, 0; ; attempt++ {
		actx, span := p.trace.startAttempt(ctx, req, attempt)
		r, gen, err := p.prepare(actx, req, attempt, d)
		var resp *http.Response
		start := time.Now()
		if err == nil {
			p.trace.inject(actx, r.Header)
			resp, err = p.next.RoundTrip(r)
		}
		if err != nil {
			resp = nil
		}
		resp = informationalAsFinal(resp)
		peek := peekErrorBody(ctx, resp)
		p.trace.endAttempt(span, resp, err)
		p.log.attempt(ctx, r, attempt, resp, err, time.Since(start), peek)

		sentToken := err == nil && (r.Header.Get("Authorization") != "" || r.Header.Get("X-Blaxel-Authorization") != "")
		if sentToken && resp.StatusCode == http.StatusUnauthorized && !renewed && rewindable && p.resendableAfter401(r, resp) &&
			p.credential.renew(gen) {
			renewed = true
			p.log.retry(ctx, r, attempt, 0, "401: the token was refused, asking for a new one")
			Discard(resp)
			continue
		}
		wait, reason, again := p.nextAttempt(ctx, Outcome{Request: r, Response: resp, Body: peek, Err: err}, retries, rewindable, &spent)
		if !again {
			if reason != "" {
				p.log.retry(ctx, r, attempt, 0, reason)
			}
			p.retrier.budget.settle(resp, err, spent)
			if err == nil {
				if err = p.unfollowableRedirect(r, resp); err != nil {
					resp = nil
				}
			}
			// An error of the transport may quote what the server sent (a header line, a
			// Content-Length): it leaves with the client's secrets removed.
			return resp, p.log.redact.Err(err)
		}
		retries++
		p.log.retry(ctx, r, attempt, wait, reason)
		Discard(resp)
		if err := Sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// resendableAfter401 reports whether a request refused with 401 may be sent again with a new
// token. An idempotent one always may. A write only when the refusal provably came before
// anything was done: from the control plane, or from the platform's gateway in front of a
// workload (its error codes say so). A 401 from a workload's own code may follow side effects.
func (p *transport) resendableAfter401(r *http.Request, resp *http.Response) bool {
	return idempotent(r.Method) || p.base != nil && SameOrigin(r.URL, p.base) || refusedBeforeActing(resp.Header)
}

// prepare builds one attempt, with the attempt's context ctx. The first attempt sends the
// caller's body; later ones get a fresh copy from GetBody. A request that cannot be prepared
// is never sent, and its body is closed, as a RoundTripper must.
func (p *transport) prepare(ctx context.Context, req *http.Request, attempt int, d *Destination) (*http.Request, uint64, error) {
	r := attemptOf(ctx, req, len(p.headers)+4)
	if attempt > 1 && req.Body != nil && req.Body != http.NoBody {
		body, err := req.GetBody()
		if err != nil {
			return r, 0, Permanent(fmt.Errorf("blaxel: rewinding the request body: %w", err))
		}
		r.Body = body
	}
	fail := func(err error) (*http.Request, uint64, error) {
		if r.Body != nil {
			r.Body.Close()
		}
		return r, 0, err
	}
	if err := CheckURLScheme(r.URL, p.insecure); err != nil {
		return fail(Permanent(fmt.Errorf("blaxel: %w", err)))
	}
	lowerPlainHTTPHost(r)
	for name, values := range p.headers {
		if _, set := r.Header[name]; !set {
			r.Header[name] = values
		}
	}
	switch ua := r.Header.Get("User-Agent"); {
	case ua == "":
		r.Header["User-Agent"] = p.userAgent
	case len(p.userAgent) == 1:
		r.Header.Set("User-Agent", ua+" "+p.userAgent[0])
	}
	if r.Header.Get("Blaxel-Version") == "" {
		r.Header["Blaxel-Version"] = p.apiVersion
	}
	preview := d.NoCredential
	trusted := !preview && p.trusted(r, d)
	if p.workspace != nil && (trusted || preview) && r.Header.Get("X-Blaxel-Workspace") == "" {
		r.Header["X-Blaxel-Workspace"] = p.workspace
	}
	// One credential header, ours: never X-Blaxel-Authorization beside Authorization.
	r.Header.Del("Authorization")
	r.Header.Del("X-Blaxel-Authorization")
	if crossOriginRedirect(r) {
		redact.DropCredentialHeaders(r.Header)
		ownValues(r.Header)
		return r, 0, nil
	}
	// A server may echo any credential the caller's request carries. The client's own are
	// learned where they are made: the configured ones, and each token when it is obtained.
	p.log.redact.LearnRequest(r)
	if trusted || carriesCredential(r.Header) {
		if err := refuseProxiedPlainHTTP(p.next, r); err != nil {
			return fail(Permanent(err))
		}
	}
	if !trusted {
		ownValues(r.Header)
		return r, 0, nil
	}
	name := cmp.Or(d.CredentialHeader, "Authorization")
	header, gen, err := p.credential.authorization(r.Context())
	if err != nil {
		return fail(&notSentError{err: err})
	}
	r.Header[name] = header
	ownValues(r.Header)
	return r, gen, nil
}

// trusted reports whether a request may carry the credential and the workspace: it goes to
// the control plane, to the run URL, or to the origin of its destination. Any other address,
// a redirect's target on another host included, gets neither.
func (p *transport) trusted(r *http.Request, d *Destination) bool {
	if p.base != nil && SameOrigin(r.URL, p.base) || p.run != nil && SameOrigin(r.URL, p.run) {
		return true
	}
	return d.Origin != nil && SameOrigin(r.URL, d.Origin)
}

// attemptOf copies req for one attempt, with the context ctx: the Request, its URL and its
// header map, so that a transport or a middleware that changes the attempt (r.URL.Host,
// r.Header.Set) changes neither the caller's request nor another attempt. prepare then fills
// the header, and ownValues gives its values storage of their own.
func attemptOf(ctx context.Context, req *http.Request, extra int) *http.Request {
	r := req.WithContext(ctx) // a copy, as new(http.Request) would be
	u := *req.URL             // its Userinfo is immutable, and may be shared
	r.URL = &u
	r.Header = make(http.Header, len(req.Header)+extra)
	maps.Copy(r.Header, req.Header)
	if req.Trailer != nil {
		r.Trailer = req.Trailer.Clone()
	}
	if req.TransferEncoding != nil {
		r.TransferEncoding = slices.Clone(req.TransferEncoding)
	}
	return r
}

// ownValues copies every value of h into one new array, each header's slice capped at its
// length: r.Header.Add then appends to a copy, never into the caller's values, the client's
// WithHeader values or the credential that every request shares.
func ownValues(h http.Header) {
	n := 0
	for _, values := range h {
		n += len(values)
	}
	all := make([]string, n)
	for name, values := range h {
		own := all[:len(values):len(values)]
		copy(own, values)
		h[name], all = own, all[len(values):]
	}
}

// crossOriginRedirect reports whether the request follows a redirect to another scheme, host
// or port than the request that started the chain: no credential goes there.
func crossOriginRedirect(r *http.Request) bool {
	if r.Response == nil {
		return false
	}
	first := r
	for first.Response != nil && first.Response.Request != nil {
		first = first.Response.Request
	}
	return !SameOrigin(r.URL, first.URL)
}

func SameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Host, b.Host)
}

// redirectPolicy wraps the caller's CheckRedirect (or net/http's limit of 10) so that headers
// carrying a credential, which net/http copies to the next request unless they are
// Authorization or cookies, are dropped when the redirect leaves the origin, and a body is
// never sent to another origin.
func redirectPolicy(caller func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if !SameOrigin(req.URL, via[0].URL) {
			if req.Body != nil && req.Body != http.NoBody {
				// A 307 or 308 would resend the body, which may hold a command or a file, to
				// a host it was not meant for: the redirect is returned as the answer.
				return http.ErrUseLastResponse
			}
			redact.DropCredentialHeaders(req.Header)
		}
		if caller != nil {
			return caller(req, via)
		}
		if len(via) >= 10 {
			return errors.New("blaxel: stopped after 10 redirects")
		}
		return nil
	}
}

// peekErrorBody reads the start of an error answer's body, for no longer than ctx lasts, and
// puts it back in front of the rest.
func peekErrorBody(ctx context.Context, resp *http.Response) []byte {
	if resp == nil || resp.StatusCode < 400 || resp.Body == nil {
		return nil
	}
	buf, _, _ := ReadAtMost(ctx, resp.Body, peekLen)
	resp.Body = &peekedBody{Reader: io.MultiReader(bytes.NewReader(buf), resp.Body), rest: resp.Body}
	return buf
}

// peekedBody is a body whose start was read ahead; rest is what the connection still holds.
type peekedBody struct {
	io.Reader
	rest io.ReadCloser
}

func (b *peekedBody) Close() error { return b.rest.Close() }

// Discard ends an answer whose body is not wanted, or no longer: what little it still holds
// is read (see Finish), so that its connection serves the next request, and it is closed.
func Discard(resp *http.Response) {
	if resp == nil || resp.Body == nil {
		return
	}
	body := resp.Body
	if p, ok := body.(*peekedBody); ok {
		body = p.rest
	}
	_ = Finish(body, body)
}

// sleep waits for d or until ctx ends.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// headerValue is a header's value made once, to be shared by every request: nil for none.
func headerValue(v string) []string {
	if v == "" {
		return nil
	}
	return []string{v}
}

// unfollowableRedirect is the error of a redirect whose Location cannot be read. net/http
// would quote the header in its own error, secrets and all: the answer is refused here, with
// them removed.
func (p *transport) unfollowableRedirect(r *http.Request, resp *http.Response) error {
	if resp.StatusCode < 300 || resp.StatusCode > 399 {
		return nil
	}
	loc := resp.Header.Get("Location")
	if loc == "" {
		return nil
	}
	if _, err := r.URL.Parse(loc); err == nil {
		return nil
	}
	Discard(resp)
	return fmt.Errorf("blaxel: the answer %d redirects to a Location that is not an address: %q", resp.StatusCode, p.log.redact.Text(loc))
}
