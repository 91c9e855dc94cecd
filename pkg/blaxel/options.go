package blaxel

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/textproto"
	"strings"
	"time"

	"github.com/blaxel-go/blaxel/internal/config"
	"github.com/blaxel-go/blaxel/internal/pipeline"
	"golang.org/x/oauth2"
)

// Option configures a Client. Options are applied in order; an option that gets an unusable
// value makes New or NewFromEnv return an error instead of being ignored.
type Option func(*config.Settings) error

// EnvOption configures NewFromEnv. Every Option is one; WithEnv, WithConfigFile and
// WithConfigWriteBack are EnvOptions only, so that giving one to New, which reads neither the
// environment nor a file, does not compile.
type EnvOption interface {
	applyEnv(*config.Settings) error
}

func (o Option) applyEnv(s *config.Settings) error {
	if o == nil {
		return nil
	}
	return o(s)
}

// envOnly is an option of NewFromEnv alone.
type envOnly func(*config.Settings) error

func (o envOnly) applyEnv(s *config.Settings) error { return o(s) }

// WithAPIKey authenticates every request with an API key of a user or a service account,
// sent as "Authorization: Bearer <key>".
func WithAPIKey(key string) Option {
	return func(s *config.Settings) error {
		if strings.TrimSpace(key) == "" {
			return errors.New("blaxel: WithAPIKey: the key is empty")
		}
		s.SetCredential("WithAPIKey", pipeline.CredentialSpec{Kind: pipeline.CredAPIKey, APIKey: key})
		return nil
	}
}

// WithClientCredentials authenticates as a service account: the client id and secret are
// exchanged for short-lived access tokens at the control plane's /oauth/token, and only those
// tokens are sent with requests.
func WithClientCredentials(clientID, clientSecret string) Option {
	return func(s *config.Settings) error {
		if strings.TrimSpace(clientID) == "" || clientSecret == "" {
			return errors.New("blaxel: WithClientCredentials: the client id or secret is empty")
		}
		if strings.Contains(clientID, ":") {
			return errors.New("blaxel: WithClientCredentials: the client id contains ':'")
		}
		s.SetCredential("WithClientCredentials", pipeline.CredentialSpec{Kind: pipeline.CredClientCredentials, ClientID: clientID, ClientSecret: clientSecret})
		return nil
	}
}

// WithTokenSource authenticates with bearer tokens from ts, which is trusted to renew them:
// the client caches each token until it expires but does not ask ts again after a 401.
func WithTokenSource(ts oauth2.TokenSource) Option {
	return func(s *config.Settings) error {
		if ts == nil {
			return errors.New("blaxel: WithTokenSource: the token source is nil")
		}
		s.SetCredential("WithTokenSource", pipeline.CredentialSpec{Kind: pipeline.CredTokenSource, TokenSource: ts})
		return nil
	}
}

// WithWorkspace names the workspace every request acts in (the X-Blaxel-Workspace header).
// A request that already carries that header keeps its own.
func WithWorkspace(name string) Option {
	return func(s *config.Settings) error {
		if strings.TrimSpace(name) == "" {
			return errors.New("blaxel: WithWorkspace: the name is empty")
		}
		s.Explicit.Workspace = name
		return nil
	}
}

// WithEnvironment selects Blaxel's "prod" (the default) or "dev" platform: the control plane
// and the workload addresses both follow, unless WithBaseURL or WithRunURL say otherwise.
func WithEnvironment(env string) Option {
	return func(s *config.Settings) error {
		if _, _, ok := config.EnvironmentURLs(env); !ok {
			return fmt.Errorf("blaxel: WithEnvironment: %q is neither \"prod\" nor \"dev\"", env)
		}
		s.Explicit.Env = env
		return nil
	}
}

// WithBaseURL sets the control plane's address, e.g. https://api.blaxel.dev/v0 or a local
// server. Plain http is accepted only for loopback hosts unless WithInsecureHTTP is given.
func WithBaseURL(raw string) Option {
	return func(s *config.Settings) error {
		u, err := config.ParseServerURL(raw)
		if err != nil {
			return fmt.Errorf("blaxel: WithBaseURL: %w", err)
		}
		s.Explicit.APIURL = u
		return nil
	}
}

// WithRunURL sets where deployed workloads answer, e.g. https://run.blaxel.dev. Without it, a
// client of one of Blaxel's control planes uses that platform's run URL, and a client whose
// WithBaseURL names another server has none: its calls that need one fail with ErrNoRunURL.
func WithRunURL(raw string) Option {
	return func(s *config.Settings) error {
		u, err := config.ParseServerURL(raw)
		if err != nil {
			return fmt.Errorf("blaxel: WithRunURL: %w", err)
		}
		s.Explicit.RunURL = u
		return nil
	}
}

// WithAPIVersion overrides the Blaxel-Version header (APIVersion by default): a date
// YYYY-MM-DD, or YYYY-MM-DD.preview. The generated types follow APIVersion's shapes, so an
// older version can make answers (such as listings, bare arrays before 2026-04-28) fail to decode.
func WithAPIVersion(version string) Option {
	return func(s *config.Settings) error {
		date, _ := strings.CutSuffix(version, ".preview")
		if _, err := time.Parse(time.DateOnly, date); err != nil {
			return fmt.Errorf("blaxel: WithAPIVersion: %q is not YYYY-MM-DD or YYYY-MM-DD.preview", version)
		}
		s.Pipeline.APIVersion = version
		return nil
	}
}

// WithHTTPClient makes the client send its requests, token requests included, through hc's
// transport, and keeps hc's timeout, cookie jar and redirect policy. hc itself is not modified.
// Without it, the client uses http.DefaultTransport, shared with the rest of the program,
// which keeps 2 idle connections per host: a program that runs more calls than that at once
// on one host (the control plane, or the run host of its agents, functions and models) dials
// again after each; give hc a transport whose MaxIdleConnsPerHost suits its concurrency.
func WithHTTPClient(hc *http.Client) Option {
	return func(s *config.Settings) error {
		if hc == nil {
			return errors.New("blaxel: WithHTTPClient: the client is nil")
		}
		s.Pipeline.HTTPClient = hc
		return nil
	}
}

// WithHeader adds a header to every request. It cannot set the credential (use WithAPIKey and
// friends), the workspace or the API version (use their options). A User-Agent given here is
// put in front of the client's own.
func WithHeader(key, value string) Option {
	return func(s *config.Settings) error {
		name := textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(key))
		switch name {
		case "":
			return errors.New("blaxel: WithHeader: the name is empty")
		case "Authorization", "X-Blaxel-Authorization":
			return fmt.Errorf("blaxel: WithHeader: %s is the credential: use WithAPIKey, WithClientCredentials or WithTokenSource", name)
		case "X-Blaxel-Workspace":
			return errors.New("blaxel: WithHeader: use WithWorkspace for X-Blaxel-Workspace")
		case "Blaxel-Version":
			return errors.New("blaxel: WithHeader: use WithAPIVersion for Blaxel-Version")
		}
		if strings.ContainsAny(value, "\r\n") {
			return fmt.Errorf("blaxel: WithHeader: the value of %s contains a line break", name)
		}
		if s.Pipeline.Headers == nil {
			s.Pipeline.Headers = http.Header{}
		}
		s.Pipeline.Headers.Add(name, value)
		return nil
	}
}

// WithMaxRetries sets how many times a failed request may be sent again (3 by default);
// 0 disables retries. See RetryPolicy for which failures are retried.
func WithMaxRetries(n int) Option {
	return func(s *config.Settings) error {
		if n < 0 {
			return fmt.Errorf("blaxel: WithMaxRetries: %d is negative", n)
		}
		s.Pipeline.Retry.MaxRetries = n
		return nil
	}
}

// WithRetryPolicy replaces the whole retry policy (DefaultRetryPolicy by default).
func WithRetryPolicy(p RetryPolicy) Option {
	return func(s *config.Settings) error {
		if err := p.Validate(); err != nil {
			return fmt.Errorf("blaxel: WithRetryPolicy: %w", err)
		}
		s.Pipeline.Retry = p
		return nil
	}
}

// WithLogger logs every attempt at the debug level (method, address, status, attempt,
// duration, headers) and retries, with every credential redacted. Nothing is logged by default.
func WithLogger(l *slog.Logger) Option {
	return func(s *config.Settings) error {
		if l == nil {
			return errors.New("blaxel: WithLogger: the logger is nil")
		}
		s.Pipeline.Logger = l
		return nil
	}
}

// WithInsecureHTTP allows plain http:// addresses for hosts other than loopback. Credentials
// then cross the network unencrypted: use it only on a network you trust.
func WithInsecureHTTP() Option {
	return func(s *config.Settings) error {
		s.Pipeline.InsecureHTTP = true
		return nil
	}
}

// WithEnv makes NewFromEnv read environment variables (and HOME, to find the config file)
// through getenv instead of the process environment. Tests use it.
func WithEnv(getenv func(string) string) EnvOption {
	return envOnly(func(s *config.Settings) error {
		if getenv == nil {
			return errors.New("blaxel: WithEnv: the function is nil")
		}
		s.Getenv = getenv
		return nil
	})
}

// WithConfigFile makes NewFromEnv read path instead of ~/.blaxel/config.yaml. A missing file
// is not an error; a file that cannot be parsed is, once a setting has to come from it.
func WithConfigFile(path string) EnvOption {
	return envOnly(func(s *config.Settings) error {
		if path == "" {
			return errors.New("blaxel: WithConfigFile: the path is empty")
		}
		s.ConfigFile = path
		return nil
	})
}

// WithConfigWriteBack makes NewFromEnv write tokens it refreshes back to the config file, as
// Blaxel's own tools do, so the next program starts with a fresh token. It acts only when the
// credential in use is the file's access and refresh tokens. The file is replaced atomically,
// with mode 0600; a file that no longer parses is left alone and the failure is logged.
func WithConfigWriteBack() EnvOption {
	return envOnly(func(s *config.Settings) error {
		s.WriteBack = true
		return nil
	})
}
