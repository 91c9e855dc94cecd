package blaxeltest

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/sandboxfake"
)

// Option configures a Server. An option given an unusable value makes Start return an error
// (and NewServer fail the test).
type Option func(*config) error

// config is what the options build.
type config struct {
	addr         string
	apiKeys      []string
	clientID     string
	clientSecret string
	tokenTTL     time.Duration
	deployDelay  time.Duration
	now          func() time.Time
	logger       *slog.Logger
	seeds        []Seed
	sandbox      sandboxfake.Config
	background   backgroundConfig
}

func defaultConfig() config {
	return config{
		addr:     "127.0.0.1:0",
		tokenTTL: 2 * time.Hour,
		now:      time.Now,
		sandbox:  sandboxfake.DefaultConfig(),
	}
}

// WithAddress makes the server listen on addr (host:port). The default is a free port of
// 127.0.0.1.
func WithAddress(addr string) Option {
	return func(c *config) error {
		if strings.TrimSpace(addr) == "" {
			return errors.New("blaxeltest: WithAddress: the address is empty")
		}
		c.addr = addr
		return nil
	}
}

// WithAPIKey makes key an accepted bearer key. Once one key is given, other keys are refused
// with 401; without any, every non-empty key is accepted. API keys that the server creates for
// service accounts, and the tokens it issues, are accepted either way.
func WithAPIKey(key string) Option {
	return func(c *config) error {
		if strings.TrimSpace(key) == "" {
			return errors.New("blaxeltest: WithAPIKey: the key is empty")
		}
		c.apiKeys = append(c.apiKeys, key)
		return nil
	}
}

// WithClientCredentials makes id and secret the client credentials that /oauth/token accepts.
// Without them, any non-empty pair is accepted, as well as the credentials of the service
// accounts created on the server.
func WithClientCredentials(id, secret string) Option {
	return func(c *config) error {
		if id == "" || secret == "" {
			return errors.New("blaxeltest: WithClientCredentials: the id and the secret must not be empty")
		}
		c.clientID, c.clientSecret = id, secret
		return nil
	}
}

// WithTokenTTL sets how long the access tokens of /oauth/token live (2 hours by default, as
// on the real API).
func WithTokenTTL(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("blaxeltest: WithTokenTTL: %v is not a positive duration", d)
		}
		c.tokenTTL = d
		return nil
	}
}

// WithDeployDelay sets how long a new sandbox, agent, function, model, job or job execution
// stays in its in-progress status (DEPLOYING, or running for executions) before it is done.
// The default is 0: the creation answers DEPLOYING and the next read sees DEPLOYED.
func WithDeployDelay(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("blaxeltest: WithDeployDelay: %v is negative", d)
		}
		c.deployDelay = d
		return nil
	}
}

// WithClock replaces time.Now for everything the server times: deployments, token expiry,
// cursor expiry and timestamps. Tests use it to move time forward without sleeping.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("blaxeltest: WithClock: the clock is nil")
		}
		c.now = now
		return nil
	}
}

// WithLogger makes the server log one line per request, and the problems it finds in its own
// answers, to l.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("blaxeltest: WithLogger: the logger is nil")
		}
		c.logger = l
		return nil
	}
}

// WithSeed creates resources when the server starts, as if each seed had been POSTed to its
// path. Seeded resources are already DEPLOYED.
func WithSeed(seeds ...Seed) Option {
	return func(c *config) error {
		for _, s := range seeds {
			if !strings.HasPrefix(s.Path, "/") {
				return fmt.Errorf("blaxeltest: WithSeed: path %q does not start with /", s.Path)
			}
		}
		c.seeds = append(c.seeds, seeds...)
		return nil
	}
}
