package blaxel

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/sync/singleflight"
)

// credKind is which of the supported credentials a client uses. A client uses exactly one.
type credKind int

const (
	credNone              credKind = iota
	credAPIKey                     // a static API key
	credClientCredentials          // a service account's id and secret, exchanged for tokens
	credTokens                     // an access token (and maybe a refresh token) from the config file
	credTokenSource                // the caller's oauth2.TokenSource
	credPreviewToken               // a sandbox preview's token, sent as it is (SandboxFromPreview)
)

// credentialSpec is a credential as configured, before a Client turns it into a credential.
type credentialSpec struct {
	kind credKind
	from string // where it came from, for the debug log: an option, a variable, the file

	apiKey                    string // also the token of credPreviewToken
	clientID, clientSecret    string
	accessToken, refreshToken string
	tokenSource               oauth2.TokenSource

	file, fileWorkspace string // for credTokens: the config file and its workspace entry
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

// earlyExpiry is how long before its expiry a cached token is replaced, so that a request is
// never sent with a token that expires on the way.
const earlyExpiry = time.Minute

// tokenCredential caches tokens with oauth2.ReuseTokenSourceWithExpiry. In front of it, a
// singleflight group makes every concurrent caller share one token request, errors included,
// and lets each caller stop waiting when its context ends. After a 401, renew swaps in a
// fresh cache (a new generation), once however many callers saw the 401.
//
// While the last token handed out is valid, every request takes its header from valid,
// without a lock, a goroutine or an allocation: the cache and the group are only for getting
// a token.
type tokenCredential struct {
	fetch     oauth2.TokenSource // asks the token endpoint; nil when tokens cannot be renewed
	renewable bool
	redact    *redactor // learns every token, so that a server's echo of one is removed

	mu         sync.Mutex
	generation uint64
	cache      oauth2.TokenSource

	flight singleflight.Group
	valid  atomic.Pointer[authHeader] // the last token handed out; nil before one, and after renew
}

// authHeader is a token ready to send. token is a copy of the cache's, to tell when it
// expires (as the cache would) without sharing the cache's value.
type authHeader struct {
	header     []string
	token      oauth2.Token
	generation uint64
}

func newTokenCredential(initial *oauth2.Token, fetch oauth2.TokenSource, renewable bool, redact *redactor) *tokenCredential {
	return &tokenCredential{
		fetch:     fetch,
		renewable: renewable,
		redact:    redact,
		cache:     oauth2.ReuseTokenSourceWithExpiry(initial, fetch, earlyExpiry),
	}
}

// newCallerTokenCredential wraps the caller's source. Its tokens are cached until they expire,
// but a 401 is not answered by asking the source again: it decides when to renew.
func newCallerTokenCredential(ts oauth2.TokenSource, redact *redactor) *tokenCredential {
	return &tokenCredential{cache: oauth2.ReuseTokenSource(nil, ts), redact: redact}
}

func (c *tokenCredential) current() ([]string, uint64, bool) {
	if h := c.valid.Load(); h != nil && h.token.Valid() {
		return h.header, h.generation, true
	}
	return nil, 0, false
}

func (c *tokenCredential) authorization(ctx context.Context) ([]string, uint64, error) {
	if header, gen, ok := c.current(); ok {
		return header, gen, nil
	}
	c.mu.Lock()
	cache, gen := c.cache, c.generation
	c.mu.Unlock()
	ch := c.flight.DoChan(strconv.FormatUint(gen, 10), func() (any, error) {
		tok, err := cache.Token()
		if err != nil {
			return nil, err
		}
		c.redact.learn(tok.AccessToken)
		h := &authHeader{header: []string{tok.Type() + " " + tok.AccessToken}, token: *tok, generation: gen}
		c.mu.Lock()
		if gen == c.generation {
			c.valid.Store(h)
		}
		c.mu.Unlock()
		return h, nil
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, gen, res.Err
		}
		return res.Val.(*authHeader).header, gen, nil
	case <-ctx.Done():
		return nil, gen, ctx.Err()
	}
}

func (c *tokenCredential) renew(gen uint64) bool {
	if !c.renewable {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen == c.generation {
		c.generation++
		c.cache = oauth2.ReuseTokenSourceWithExpiry(nil, c.fetch, earlyExpiry)
		c.valid.Store(nil)
	}
	return true
}
