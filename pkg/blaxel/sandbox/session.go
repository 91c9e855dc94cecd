package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/internal/option"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// A session is a way into a sandbox for someone without the workspace's credential (a
// browser, another process): a private preview of the sandbox's port 443, its own API, and a
// token that opens it until it expires. Blaxel's SDKs make them the same way, so that
// sessions made by one are seen by the others: previews named "session-…", one token each.

// sessionPrefix marks the previews that are sessions.
const sessionPrefix = "session-"

// sessionPort is the port a session's preview exposes: the sandbox's own API.
const sessionPort = 443

// DefaultSessionTTL is how long a session lasts unless WithSessionExpiry says otherwise.
const DefaultSessionTTL = 24 * time.Hour

// Session is what another party needs to reach a sandbox: the address of the session's
// preview and its token (sent as X-Blaxel-Preview-Token, or as the bl_preview_token query
// parameter). Open it with OpenSession, or hand URL and Token over.
type Session struct {
	Name      string    // the preview's name
	URL       string    // the preview's address: the sandbox's API
	Token     string    // the preview token; a secret
	ExpiresAt time.Time // when the token stops opening the preview; zero when not said
}

// String names the session and its address, never its token: printing a Session with fmt
// (%v, %+v) does not reveal the secret.
func (s Session) String() string {
	return fmt.Sprintf("session %q at %s (token redacted)", s.Name, s.URL)
}

// GoString is String, for %#v.
func (s Session) GoString() string { return s.String() }

// LogValue keeps the token out of slog records.
func (s Session) LogValue() slog.Value {
	return slog.GroupValue(slog.String("name", s.Name), slog.String("url", s.URL), slog.Time("expiresAt", s.ExpiresAt))
}

// Expired reports whether the session's token has expired at now, or will within margin.
func (s Session) Expired(now time.Time, margin time.Duration) bool {
	return !s.ExpiresAt.IsZero() && s.ExpiresAt.Before(now.Add(margin))
}

// Sessions makes, lists and deletes the sessions of one sandbox, through the control plane
// of a client.
type Sessions struct {
	c       *blaxel.Client
	sandbox string
	now     func() time.Time
}

// NewSessions returns the sessions of the sandbox named sandboxName. Nothing is sent.
func NewSessions(c *blaxel.Client, sandboxName string) (*Sessions, error) {
	if c == nil {
		return nil, errors.New("blaxel: sandbox.NewSessions: the client is nil")
	}
	if strings.TrimSpace(sandboxName) == "" {
		return nil, errors.New("blaxel: sandbox.NewSessions: the sandbox name is empty")
	}
	return &Sessions{c: c, sandbox: sandboxName, now: time.Now}, nil
}

// SessionOption tunes Sessions.Create.
type SessionOption func(*sessionConfig) error

type sessionConfig struct {
	expiresAt                       time.Time
	requestHeaders, responseHeaders map[string]string
}

// WithSessionExpiry makes the session's preview and token expire at t instead of after
// DefaultSessionTTL.
func WithSessionExpiry(t time.Time) SessionOption {
	return func(c *sessionConfig) error {
		if t.IsZero() {
			return errors.New("blaxel: WithSessionExpiry: the time is zero")
		}
		c.expiresAt = t
		return nil
	}
}

// WithSessionHeaders sets headers the preview adds to every request it passes to the sandbox
// (request) and to every answer it returns (response, e.g. for CORS); either may be nil.
func WithSessionHeaders(request, response map[string]string) SessionOption {
	return func(c *sessionConfig) error {
		c.requestHeaders, c.responseHeaders = request, response
		return nil
	}
}

// Create makes a session: a private preview of port 443, then a token for it, both expiring
// at the same time. Each is sent once; when the token cannot be made, the preview is deleted
// again rather than left behind.
func (s *Sessions) Create(ctx context.Context, opts ...SessionOption) (*Session, error) {
	cfg := sessionConfig{expiresAt: s.now().Add(DefaultSessionTTL)}
	if err := option.Apply(&cfg, opts); err != nil {
		return nil, err
	}
	if !cfg.expiresAt.After(s.now()) {
		return nil, fmt.Errorf("blaxel: sandbox session: the expiry %s is in the past", cfg.expiresAt.Format(time.RFC3339))
	}
	name := sessionName(s.now())
	port, public := sessionPort, false
	expires := cfg.expiresAt.UTC().Truncate(time.Second)
	preview, err := s.c.CreateSandboxPreview(ctx, s.sandbox, gen.Preview{
		Metadata: gen.PreviewMetadata{Name: name},
		Spec: gen.PreviewSpec{Port: &port, Public: &public, Expires: &expires,
			RequestHeaders: cfg.requestHeaders, ResponseHeaders: cfg.responseHeaders},
	}, nil)
	if err != nil {
		return nil, err
	}
	at := expires.Format(time.RFC3339)
	token, err := s.c.CreateSandboxPreviewToken(ctx, s.sandbox, name, gen.PreviewToken{
		Metadata: gen.PreviewTokenMetadata{Name: "token-" + strconv.FormatInt(s.now().UnixMilli(), 10)},
		Spec:     gen.PreviewTokenSpec{ExpiresAt: &at},
	})
	if err != nil {
		cleanup, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if _, derr := s.c.DeleteSandboxPreview(cleanup, s.sandbox, name); derr != nil && !errors.Is(derr, blaxel.ErrNotFound) {
			return nil, fmt.Errorf("%w (and deleting its preview %s failed: %v)", err, name, derr)
		}
		return nil, err
	}
	return sessionOf(preview, token), nil
}

// List returns the sandbox's sessions, expired ones included: its previews named
// "session-…", each with its first token.
func (s *Sessions) List(ctx context.Context) ([]Session, error) {
	previews, err := s.c.ListSandboxPreviews(ctx, s.sandbox)
	if err != nil {
		return nil, err
	}
	var out []Session
	for i := range previews {
		p := &previews[i]
		if !strings.HasPrefix(p.Metadata.Name, sessionPrefix) {
			continue
		}
		tokens, err := s.c.ListSandboxPreviewTokens(ctx, s.sandbox, p.Metadata.Name)
		if errors.Is(err, blaxel.ErrNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, err
		}
		var token *gen.PreviewToken
		if len(tokens) > 0 {
			token = &tokens[0]
		}
		out = append(out, *sessionOf(p, token))
	}
	return out, nil
}

// Delete deletes the session named name: its preview, and with it its tokens.
func (s *Sessions) Delete(ctx context.Context, name string) error {
	if !strings.HasPrefix(name, sessionPrefix) {
		return fmt.Errorf("blaxel: sandbox session: %q is not the name of a session (%s…)", name, sessionPrefix)
	}
	_, err := s.c.DeleteSandboxPreview(ctx, s.sandbox, name)
	return err
}

// Reuse returns a session that stays valid for at least margin: the one that expires last
// among the sandbox's sessions, or, when none does, a new one made with opts (and the
// expiring sessions deleted). Blaxel's SDKs call this createIfExpired, with a margin of an
// hour.
func (s *Sessions) Reuse(ctx context.Context, margin time.Duration, opts ...SessionOption) (*Session, error) {
	sessions, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	valid := slices.DeleteFunc(slices.Clone(sessions), func(x Session) bool { return x.Token == "" || x.Expired(now, margin) })
	if len(valid) > 0 {
		best := slices.MaxFunc(valid, func(a, b Session) int { return a.ExpiresAt.Compare(b.ExpiresAt) })
		return &best, nil
	}
	for _, old := range sessions {
		if err := s.Delete(ctx, old.Name); err != nil && !errors.Is(err, blaxel.ErrNotFound) {
			return nil, err
		}
	}
	return s.Create(ctx, opts...)
}

// OpenSession returns a handle on the sandbox API a session exposes, authenticated by the
// session's token alone (see OpenPreview); opts are those of blaxel.New, without a
// credential.
func OpenSession(s Session, opts ...blaxel.Option) (*Sandbox, error) {
	if s.URL == "" {
		return nil, errors.New("blaxel: sandbox.OpenSession: the session has no address")
	}
	return OpenPreview(s.URL, s.Token, opts...)
}

// sessionName is a new session's name: the prefix, the time in milliseconds as Blaxel's
// SDKs write it, and a random suffix so that two made at once differ.
func sessionName(now time.Time) string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return sessionPrefix + strconv.FormatInt(now.UnixMilli(), 10) + "-" + hex.EncodeToString(b)
}

func sessionOf(p *gen.Preview, t *gen.PreviewToken) *Session {
	s := &Session{Name: p.Metadata.Name}
	if p.Spec.URL != nil {
		s.URL = *p.Spec.URL
	}
	if t != nil {
		if t.Spec.Token != nil {
			s.Token = *t.Spec.Token
		}
		if t.Spec.ExpiresAt != nil {
			s.ExpiresAt, _ = time.Parse(time.RFC3339, *t.Spec.ExpiresAt)
		}
	}
	return s
}
