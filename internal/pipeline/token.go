package pipeline

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/internal/redact"
)

// tokenTimeout bounds a token request when the caller's http.Client sets no timeout.
const tokenTimeout = 30 * time.Second

// tokenEndpoint is the control plane's POST /oauth/token. Blaxel takes a JSON body there,
// where x/oauth2's own client-credentials flow would post a form, hence this small client.
// Its requests go through the caller's transport directly, never through the authenticated
// pipeline, and never follow a redirect. client's timeout is the caller's http.Client.Timeout
// (tokenTimeout when the caller sets none); the context of a request is the one of the callers
// waiting for it (see tokenCredential), with their values, such as a trace span.
type tokenEndpoint struct {
	url       string
	client    *http.Client
	userAgent string
	log       requestLog
	trace     tracing
	redact    *redact.Redactor
	now       func() time.Time // nil for time.Now
}

// tokenAnswer is the endpoint's answer. expires_in is read leniently: the document says a
// number of seconds, which may have a fraction, and some servers send it as a string.
type tokenAnswer struct {
	gen.TokenResponse
	ExpiresIn lifetime `json:"expires_in"`
}

// maxTokenAnswer bounds how much of a token answer is read.
const maxTokenAnswer = 1 << 20

// exchange posts one grant. basic, when not empty, is the base64 of "id:secret".
func (e *tokenEndpoint) exchange(ctx context.Context, grant gen.TokenRequest, basic string) (_ *oauth2.Token, _ int64, err error) {
	ctx, op := e.trace.startOperation(ctx, "IssueToken")
	defer func() { op.End(err) }()
	ctx = WithOperation(ctx, "IssueToken")
	body, err := json.Marshal(grant)
	if err != nil {
		return nil, 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url, bytes.NewReader(body))
	if err != nil {
		return nil, 0, Permanent(fmt.Errorf("blaxel: token request: %w", err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", e.userAgent)
	if basic != "" {
		req.Header.Set("Authorization", "Basic "+basic)
	}
	if err := refuseProxiedPlainHTTP(e.client.Transport, req); err != nil {
		return nil, 0, Permanent(err)
	}
	start := time.Now()
	actx, span := e.trace.startAttempt(ctx, req, 1)
	e.trace.inject(actx, req.Header)
	resp, err := e.client.Do(req.WithContext(actx))
	e.trace.endAttempt(span, resp, err)
	e.log.token(ctx, req, resp, err, time.Since(start))
	if err != nil {
		return nil, 0, fmt.Errorf("blaxel: token request: %w", e.redact.URLError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return nil, 0, fmt.Errorf("blaxel: token request refused: %w", NewAPIError(req, resp, e.redact))
	}
	raw, more, err := ReadAtMost(ctx, resp.Body, maxTokenAnswer)
	if err != nil {
		return nil, 0, fmt.Errorf("blaxel: token request: %w", e.redact.URLError(&url.Error{Op: req.Method, URL: e.url, Err: err}))
	}
	var ans tokenAnswer
	if err := json.Unmarshal(raw, &ans); err != nil || ans.AccessToken == "" || more {
		switch {
		case more:
			err = fmt.Errorf("the answer is larger than %d bytes", maxTokenAnswer)
		case err == nil:
			err = errors.New("no access_token")
		}
		// The body is not quoted: an answer of the token endpoint may hold a token.
		return nil, 0, Permanent(NewDecodeError(req, resp, nil, err, e.redact))
	}
	e.redact.Learn(ans.AccessToken)
	tok := &oauth2.Token{AccessToken: ans.AccessToken}
	if ans.RefreshToken != nil {
		e.redact.Learn(*ans.RefreshToken)
		tok.RefreshToken = *ans.RefreshToken
	}
	if ans.TokenType != nil {
		tok.TokenType = *ans.TokenType
	}
	expiresIn := ans.ExpiresIn.seconds()
	if expiresIn > 0 {
		tok.Expiry = e.clock()().Add(time.Duration(expiresIn) * time.Second)
	}
	return tok, expiresIn, nil
}

func (e *tokenEndpoint) clock() func() time.Time {
	if e.now == nil {
		return time.Now
	}
	return e.now
}

// maxLifetime bounds the lifetime a token answer may claim; a longer one is treated as
// unknown (the token is used until the server refuses it) rather than overflowing a Duration.
const maxLifetime = 10 * 365 * 24 * 3600

// lifetime is expires_in, which some servers send as a string.
type lifetime string

func (l *lifetime) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*l = lifetime(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return errors.New("expires_in is neither a number nor a string")
	}
	*l = lifetime(n)
	return nil
}

// seconds is the lifetime in seconds, or 0 when it is missing, unreadable or out of range.
func (l lifetime) seconds() int64 {
	f, err := strconv.ParseFloat(strings.TrimSpace(string(l)), 64)
	if err != nil || f <= 0 || f > maxLifetime {
		return 0
	}
	return int64(f)
}

// tokenSource gets a new token; ctx ends when no caller waits for it any more.
type tokenSource interface {
	token(ctx context.Context) (*oauth2.Token, error)
}

// clientCredentialsSource obtains a token for a service account.
type clientCredentialsSource struct {
	endpoint *tokenEndpoint
	basic    string
}

func (s *clientCredentialsSource) token(ctx context.Context) (*oauth2.Token, error) {
	tok, _, err := s.endpoint.exchange(ctx, gen.TokenRequest{GrantType: gen.TokenRequestGrantTypeClientCredentials}, s.basic)
	return tok, err
}

// refreshSource renews an access token with a refresh token. The server may rotate the refresh
// token; the newest one is kept. onRefresh, when set, sees every new token (to write it back).
type refreshSource struct {
	endpoint  *tokenEndpoint
	from      string
	onRefresh func(tok *oauth2.Token, expiresIn int64)

	mu           sync.Mutex
	refreshToken string
}

// refreshClientID is the client that Blaxel's login issues refresh tokens to.
const refreshClientID = "blaxel"

func (s *refreshSource) token(ctx context.Context) (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refreshToken == "" {
		return nil, Permanent(fmt.Errorf("blaxel: the access token from %s has expired and there is no refresh token: log in again", s.from))
	}
	clientID, refresh := refreshClientID, s.refreshToken
	tok, expiresIn, err := s.endpoint.exchange(ctx, gen.TokenRequest{
		GrantType:    gen.TokenRequestGrantTypeRefreshToken,
		RefreshToken: &refresh,
		ClientID:     &clientID,
	}, "")
	if err != nil {
		return nil, err
	}
	if tok.RefreshToken != "" {
		s.refreshToken = tok.RefreshToken
	} else {
		tok.RefreshToken = s.refreshToken
	}
	if s.onRefresh != nil {
		s.onRefresh(tok, expiresIn)
	}
	return tok, nil
}

// callerSource is the caller's oauth2.TokenSource, which takes no context: a request it makes
// runs to its end even when nobody waits for it any more.
type callerSource struct{ ts oauth2.TokenSource }

func (s callerSource) token(context.Context) (*oauth2.Token, error) { return s.ts.Token() }

// newCredential turns the configured credential into the one requests use.
func newCredential(spec CredentialSpec, endpoint *tokenEndpoint, onRefresh func(*oauth2.Token, int64), retries *retrier) credential {
	now := endpoint.clock()
	switch spec.Kind {
	case CredClientCredentials:
		basic := base64.StdEncoding.EncodeToString([]byte(spec.ClientID + ":" + spec.ClientSecret))
		endpoint.redact.Learn(basic)
		return newTokenCredential(nil, &clientCredentialsSource{endpoint: endpoint, basic: basic}, true, earlyExpiry, endpoint.redact, now, retries)
	case CredTokens:
		initial := &oauth2.Token{AccessToken: spec.AccessToken, TokenType: "Bearer", RefreshToken: spec.RefreshToken,
			Expiry: jwtExpiry(spec.AccessToken)}
		src := &refreshSource{endpoint: endpoint, from: spec.From, refreshToken: spec.RefreshToken, onRefresh: onRefresh}
		return newTokenCredential(initial, src, spec.RefreshToken != "", earlyExpiry, endpoint.redact, now, retries)
	case CredTokenSource:
		return newTokenCredential(nil, callerSource{spec.TokenSource}, false, callerEarlyExpiry, endpoint.redact, now, retries)
	case CredPreviewToken:
		return apiKeyCredential{header: []string{spec.APIKey}}
	default:
		return newAPIKeyCredential(spec.APIKey)
	}
}

// maxUnixTime is the last second of year 9999: a later exp is not a date, and is ignored.
const maxUnixTime = 253402300799

// jwtExpiry reads the exp claim of a JWT, without verifying it: it only tells when to renew.
// A token that is not a JWT gets the zero time: it is used until the server refuses it.
func jwtExpiry(token string) time.Time {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return time.Time{}
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return time.Time{}
	}
	var claims struct {
		Exp json.Number `json:"exp"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return time.Time{}
	}
	exp, err := claims.Exp.Float64()
	if err != nil || exp <= 0 || exp > maxUnixTime {
		return time.Time{}
	}
	return time.Unix(int64(exp), 0)
}
