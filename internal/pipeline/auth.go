package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/blaxel-go/blaxel/internal/redact"
	"golang.org/x/oauth2"
)

// CredKind is which of the supported credentials a client uses. A client uses exactly one.
type CredKind int

const (
	CredNone              CredKind = iota
	CredAPIKey                     // a static API key
	CredClientCredentials          // a service account's id and secret, exchanged for tokens
	CredTokens                     // an access token (and maybe a refresh token) from the config file
	CredTokenSource                // the caller's oauth2.TokenSource
	CredPreviewToken               // a sandbox preview's token, sent as it is (sandbox.OpenPreview)
)

// CredentialSpec is a credential as configured, before a Client turns it into a credential.
type CredentialSpec struct {
	Kind CredKind
	From string // where it came from, for the debug log: an option, a variable, the file

	APIKey                    string // also the token of CredPreviewToken
	ClientID, ClientSecret    string
	AccessToken, RefreshToken string
	TokenSource               oauth2.TokenSource

	File, FileWorkspace string // for CredTokens: the config file and its workspace entry
}

// credential gives the Authorization header for one attempt.
type credential interface {
	// authorization returns the header's values (one value, shared by every request that
	// sends the same token, so never to be modified) and the generation of the token in it.
	authorization(ctx context.Context) (header []string, generation uint64, err error)
	// current is authorization when it can answer at once, without asking for a token.
	current() (header []string, generation uint64, ok bool)
	// renew drops the token of that generation after the server refused it, so that the next
	// authorization gets a new one. It reports false when there is no way to get another.
	renew(generation uint64) bool
}

// apiKeyCredential is a key that never changes: its header is made once.
type apiKeyCredential struct{ header []string }

func newAPIKeyCredential(key string) apiKeyCredential {
	return apiKeyCredential{header: []string{"Bearer " + key}}
}

func (k apiKeyCredential) authorization(context.Context) ([]string, uint64, error) {
	return k.header, 0, nil
}

func (k apiKeyCredential) current() ([]string, uint64, bool) { return k.header, 0, true }

func (apiKeyCredential) renew(uint64) bool { return false }

// earlyExpiry is how long before its expiry a token the client obtains itself is replaced, so
// that a request is never sent with a token that expires on the way. A token that lives less
// than four times as long is replaced a quarter of its lifetime early (see renewAt).
const earlyExpiry = time.Minute

// callerEarlyExpiry is the same margin for the tokens of the caller's oauth2.TokenSource, the
// one x/oauth2 uses itself.
const callerEarlyExpiry = 10 * time.Second

// tokenCredential caches one token at a time and shares each token request among the callers
// that need a token at once: the first starts it, the next ones wait for the same answer,
// errors included. Each caller stops waiting when its own context ends; when the last one
// has gone, the request is cancelled and forgotten, so that a caller arriving later starts a
// fresh one rather than waiting for an abandoned one. The request runs with the context of
// the caller that started it, without its deadline (the token serves every waiter) but with
// its values, such as a trace span. After a 401, renew drops the token (a new generation),
// once however many callers saw the 401.
//
// While the last token obtained is fresh, every request takes its header from valid,
// without a lock, a goroutine or an allocation.
type tokenCredential struct {
	source    tokenSource
	renewable bool             // a 401 may be answered by asking source again
	early     time.Duration    // how long before its expiry a token is replaced, at most
	redact    *redact.Redactor // learns every token, so that a server's echo of one is removed
	now       func() time.Time
	retries   *retrier // retries a token request, once for all its waiters; nil for none

	mu         sync.Mutex
	generation uint64
	held       *authHeader  // the last token obtained in this generation; nil for none
	flight     *tokenFlight // the token request under way; nil for none

	valid atomic.Pointer[authHeader] // held, read without the lock; nil before a token and after renew
}

// authHeader is a token ready to send.
type authHeader struct {
	header     []string
	renewAt    time.Time // when to get another; zero for never (until the server refuses it)
	generation uint64
}

func (h *authHeader) fresh(now time.Time) bool { return h.renewAt.IsZero() || now.Before(h.renewAt) }

// tokenFlight is one token request and the callers waiting for it.
type tokenFlight struct {
	done       chan struct{} // closed when header and err are set
	header     *authHeader
	err        error
	waiters    int
	cancel     context.CancelFunc
	generation uint64
}

// newTokenCredential caches the tokens of source, starting with initial when it is not nil.
func newTokenCredential(initial *oauth2.Token, source tokenSource, renewable bool, early time.Duration, redact *redact.Redactor,
	now func() time.Time, retries *retrier) *tokenCredential {
	if now == nil {
		now = time.Now
	}
	c := &tokenCredential{source: source, renewable: renewable, early: early, redact: redact, now: now, retries: retries}
	if initial != nil {
		// How long it has lived already is unknown: it is replaced the full margin early.
		if h, err := c.headerFor(initial, time.Time{}, 0); err == nil {
			c.held = h
		}
	}
	return c
}

func (c *tokenCredential) current() ([]string, uint64, bool) {
	if h := c.valid.Load(); h != nil && h.fresh(c.now()) {
		return h.header, h.generation, true
	}
	return nil, 0, false
}

func (c *tokenCredential) authorization(ctx context.Context) ([]string, uint64, error) {
	if header, gen, ok := c.current(); ok {
		return header, gen, nil
	}
	c.mu.Lock()
	if h := c.held; h != nil && h.fresh(c.now()) {
		c.valid.Store(h)
		c.mu.Unlock()
		return h.header, h.generation, nil
	}
	f := c.flight
	if f == nil {
		fctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		f = &tokenFlight{done: make(chan struct{}), cancel: cancel, generation: c.generation}
		c.flight = f
		go c.fetch(fctx, f)
	}
	f.waiters++
	c.mu.Unlock()

	select {
	case <-f.done:
		if f.err != nil {
			return nil, f.generation, f.err
		}
		return f.header.header, f.generation, nil
	case <-ctx.Done():
		c.mu.Lock()
		if f.waiters--; f.waiters == 0 {
			f.cancel()
			if c.flight == f {
				c.flight = nil
			}
		}
		c.mu.Unlock()
		return nil, f.generation, ctx.Err()
	}
}

// fetch runs the token request of f and keeps its token if its generation is still current.
func (c *tokenCredential) fetch(ctx context.Context, f *tokenFlight) {
	defer f.cancel()
	obtained := c.now()
	tok, err := c.tokenRetried(ctx)
	var h *authHeader
	if err == nil {
		h, err = c.headerFor(tok, obtained, f.generation)
	}
	c.mu.Lock()
	if c.flight == f {
		c.flight = nil
	}
	if err == nil && f.generation == c.generation {
		c.held = h
		c.valid.Store(h)
	}
	c.mu.Unlock()
	f.header, f.err = h, err
	close(f.done)
}

// tokenRetried asks the source for a token, and asks again after a failure that may pass, as
// the client's policy allows. The retries are the flight's, paid once from the client's
// budget however many callers wait for it; a failure that remains is final for all of them,
// so that no waiter pays for retrying it again.
func (c *tokenCredential) tokenRetried(ctx context.Context) (*oauth2.Token, error) {
	tok, err := c.source.token(ctx)
	n := 0
	for err != nil && c.retries != nil && transient(err) {
		n++
		var apiErr *APIError
		if c.retries.pause(ctx, n, !errors.As(err, &apiErr)) != nil {
			break
		}
		tok, err = c.source.token(ctx)
	}
	if err != nil {
		return nil, Permanent(err)
	}
	if n > 0 {
		c.retries.budget.settleSpent(n * retryCost)
	}
	return tok, nil
}

// headerFor checks a token and makes its header. Blaxel takes bearer tokens only, and a token
// too short to be told apart from ordinary text could not be kept out of errors and logs.
// obtained is when the token was asked for; zero when unknown.
func (c *tokenCredential) headerFor(tok *oauth2.Token, obtained time.Time, gen uint64) (*authHeader, error) {
	if tok == nil || tok.AccessToken == "" {
		return nil, Permanent(errors.New("blaxel: the token source gave no access token"))
	}
	if t := tok.TokenType; t != "" && !strings.EqualFold(t, "bearer") {
		return nil, Permanent(fmt.Errorf("blaxel: the token is of type %q: Blaxel takes bearer tokens only", c.redact.Text(truncate(t, 32))))
	}
	if len(tok.AccessToken) < redact.MinSecretLen {
		return nil, Permanent(fmt.Errorf("blaxel: the access token is shorter than %d characters: that is no Blaxel token", redact.MinSecretLen))
	}
	c.redact.Learn(tok.AccessToken)
	return &authHeader{header: []string{"Bearer " + tok.AccessToken}, renewAt: renewAt(tok.Expiry, obtained, c.early), generation: gen}, nil
}

// renewAt is when a token that expires at expiry, obtained at obtained (zero when unknown),
// is replaced: early before its expiry, or a quarter of its lifetime before when that is
// shorter, so that a token living 30 s serves for 22.5 s rather than not at all.
func renewAt(expiry, obtained time.Time, early time.Duration) time.Time {
	if expiry.IsZero() {
		return time.Time{}
	}
	if !obtained.IsZero() {
		if lifetime := expiry.Sub(obtained); lifetime > 0 {
			early = min(early, lifetime/4)
		}
	}
	return expiry.Add(-early)
}

// truncate cuts s to at most n bytes, on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func (c *tokenCredential) renew(gen uint64) bool {
	if !c.renewable {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen == c.generation {
		c.generation++
		c.held = nil
		c.valid.Store(nil)
		c.flight = nil // its waiters still get its answer; the new generation asks again
	}
	return true
}
