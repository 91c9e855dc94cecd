package controlplane

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/wire"
)

// grant is a credential the server made: an access or refresh token, an API key, or a service
// account's client secret.
type grant struct {
	secret    string
	workspace string    // the workspace it is bound to, "" for any
	owner     string    // the path of the resource it belongs to, "" for none
	expires   time.Time // zero for never
	revoked   bool
	subject   string // the client id a refresh token was issued to
}

// credentials holds what the server accepts, configured and issued. Safe for concurrent use.
type credentials struct {
	apiKeys      []string // configured; empty means any non-empty key
	clientID     string   // configured; empty means any non-empty pair
	clientSecret string
	ttl          time.Duration
	signer       tokenSigner // signs the access tokens

	mu            sync.Mutex
	tokens        map[string]*grant // access tokens
	refreshTokens map[string]*grant
	keys          map[string]*grant // API keys created through the API
	clients       map[string]*grant // client id -> secret of service accounts created through the API
	tokenRequests int
}

func newCredentials(c Config) *credentials {
	return &credentials{
		apiKeys: c.APIKeys, clientID: c.ClientID, clientSecret: c.ClientSecret, ttl: c.TokenTTL, signer: newTokenSigner(),
		tokens: map[string]*grant{}, refreshTokens: map[string]*grant{},
		keys: map[string]*grant{}, clients: map[string]*grant{},
	}
}

// authFailure is why a request is refused: 401 without a usable credential, 403 when the
// credential belongs to another workspace.
type authFailure struct {
	status  int
	code    string
	message string
}

// authenticate checks a request's bearer credential and the workspace it names.
func (c *credentials) authenticate(r *http.Request, workspace string, now time.Time) *authFailure {
	token := wire.Bearer(r)
	if token == "" {
		return &authFailure{http.StatusUnauthorized, "unauthorized", "no credential: send Authorization: Bearer <API key or token>"}
	}
	c.mu.Lock()
	g := c.tokens[token]
	if g == nil {
		g = c.keys[token]
	}
	var copied grant
	if g != nil {
		copied = *g
	}
	c.mu.Unlock()
	switch {
	case g != nil && copied.revoked:
		return &authFailure{http.StatusUnauthorized, "unauthorized", "the credential was revoked"}
	case g != nil && !copied.expires.IsZero() && !now.Before(copied.expires):
		return &authFailure{http.StatusUnauthorized, "unauthorized", "the access token expired"}
	case g == nil && c.signer.signed(token):
		// An access token is forgotten once expired (see issue): it is refused all the same.
		return &authFailure{http.StatusUnauthorized, "unauthorized", "the access token expired"}
	case g == nil && len(c.apiKeys) > 0 && !slices.Contains(c.apiKeys, token):
		return &authFailure{http.StatusUnauthorized, "unauthorized", "the API key is not valid"}
	}
	if g != nil && copied.workspace != "" && workspace != "" && workspace != copied.workspace {
		return &authFailure{http.StatusForbidden, "forbidden", "the credential belongs to workspace " + copied.workspace + ", not " + workspace}
	}
	return nil
}

// addAPIKey registers an API key created through the API.
func (c *credentials) addAPIKey(key, workspace, owner string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.keys[key] = &grant{secret: key, workspace: workspace, owner: owner}
}

// addClient registers a service account's client credentials.
func (c *credentials) addClient(id, secret, workspace, owner string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clients[id] = &grant{secret: secret, workspace: workspace, owner: owner}
}

// revokeUnder revokes every credential of the resource at path and of those below it.
func (c *credentials) revokeUnder(path string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range []map[string]*grant{c.tokens, c.refreshTokens, c.keys, c.clients} {
		for _, g := range m {
			if g.owner != "" && (g.owner == path || strings.HasPrefix(g.owner, path+"/")) {
				g.revoked = true
			}
		}
	}
}

// tokenRequest is the body of a request to the token endpoint.
type tokenRequest struct {
	GrantType    string `json:"grant_type"`
	RefreshToken string `json:"refresh_token"`
	ClientID     string `json:"client_id"`
}

// issue answers the token endpoint: client credentials in a Basic header, or a refresh token.
func (c *credentials) issue(r *http.Request, body tokenRequest, now time.Time) wire.Reply {
	c.mu.Lock()
	defer c.mu.Unlock()
	var bound *grant
	switch body.GrantType {
	case "client_credentials":
		id, secret, ok := r.BasicAuth()
		if !ok || id == "" || secret == "" {
			return wire.Error(http.StatusBadRequest, "invalid_client", "client credentials go in an Authorization: Basic header")
		}
		if g := c.clients[id]; g != nil {
			if g.revoked || g.secret != secret {
				return wire.Error(http.StatusBadRequest, "invalid_client", "the client secret is wrong or was revoked")
			}
			bound = g
		} else if c.clientID != "" && (id != c.clientID || secret != c.clientSecret) {
			return wire.Error(http.StatusBadRequest, "invalid_client", "unknown client id or wrong secret")
		}
	case "refresh_token":
		g := c.refreshTokens[body.RefreshToken]
		if g == nil || g.revoked {
			return wire.Error(http.StatusBadRequest, "invalid_grant", "the refresh token is unknown or was used already")
		}
		g.revoked = true // a refresh token is good for one exchange: the answer carries the next
		bound = g
	default:
		return wire.Error(http.StatusBadRequest, "unsupported_grant_type", "grant_type must be client_credentials or refresh_token")
	}
	for secret, g := range c.tokens {
		if !g.expires.IsZero() && !now.Before(g.expires) {
			delete(c.tokens, secret) // so that a long-running server keeps only the live tokens
		}
	}
	subject, _, _ := r.BasicAuth() // the client id; a refresh token carries it over
	if body.GrantType == "refresh_token" {
		subject = c.refreshTokens[body.RefreshToken].subject
	}
	access := &grant{secret: c.signer.sign(subject, wire.RandomHex(16), now, now.Add(c.ttl)), expires: now.Add(c.ttl)}
	refresh := &grant{secret: "bltr_" + wire.RandomHex(16), subject: subject}
	if bound != nil {
		access.workspace, access.owner = bound.workspace, bound.owner
		refresh.workspace, refresh.owner = bound.workspace, bound.owner
	}
	c.tokens[access.secret] = access
	c.refreshTokens[refresh.secret] = refresh
	return wire.JSON(http.StatusOK, map[string]any{
		"access_token":  access.secret,
		"refresh_token": refresh.secret,
		"token_type":    "Bearer",
		"expires_in":    int(c.ttl / time.Second),
	})
}

// countTokenRequest counts one request to the token endpoint.
func (c *credentials) countTokenRequest() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tokenRequests++
}

func (c *credentials) tokenRequestCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tokenRequests
}
