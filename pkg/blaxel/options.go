package blaxel

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/textproto"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// Option configures a Client. Options are applied in order; an option that gets an unusable
// value makes New or NewFromEnv return an error instead of being ignored.
type Option func(*settings) error

// EnvOption configures NewFromEnv. Every Option is one; WithEnv, WithConfigFile and
// WithConfigWriteBack are EnvOptions only, so that giving one to New, which reads neither the
// environment nor a file, does not compile.
type EnvOption interface {
	applyEnv(*settings) error
}

func (o Option) applyEnv(s *settings) error {
	if o == nil {
		return nil
	}
	return o(s)
}

// envOnly is an option of NewFromEnv alone.
type envOnly func(*settings) error

func (o envOnly) applyEnv(s *settings) error { return o(s) }

// settings is what the options build. The layered values (credential, workspace, addresses)
// are only what the caller said explicitly; New and NewFromEnv resolve them against the
// environment and the config file (see resolve).
type settings struct {
	explicit layer // what the options say, the highest layer

	credentialOptions []string // names of the credential options given, to refuse two

	apiVersion   string
	httpClient   *http.Client
	headers      http.Header
	retry        RetryPolicy
	logger       *slog.Logger
	insecureHTTP bool

	// Limits and safeguards (limits.go, retry.go, clock.go).
	maxResponseBytes int64
	checkRetry       CheckRetry
	retryBudget      int // tokens; 0 for DefaultRetryBudget, -1 for no budget
	now              func() time.Time

	// Only for NewFromEnv.
	getenv     func(string) string
	configFile string
	writeBack  bool
}

func (s *settings) setCredential(option string, c credentialSpec) {
	s.credentialOptions = append(s.credentialOptions, option)
	c.from = option
	s.explicit.credential = c
}

// WithAPIKey authenticates every request with an API key of a user or a service account,
// sent as "Authorization: Bearer <key>".
func WithAPIKey(key string) Option {
	return func(s *settings) error {
		if strings.TrimSpace(key) == "" {
			return errors.New("blaxel: WithAPIKey: the key is empty")
		}
		s.setCredential("WithAPIKey", credentialSpec{kind: credAPIKey, apiKey: key})
		return nil
	}
}

// WithClientCredentials authenticates as a service account: the client id and secret are
// exchanged for short-lived access tokens at the control plane's /oauth/token, and only those
// tokens are sent with requests.
func WithClientCredentials(clientID, clientSecret string) Option {
	return func(s *settings) error {
		if strings.TrimSpace(clientID) == "" || clientSecret == "" {
			return errors.New("blaxel: WithClientCredentials: the client id or secret is empty")
		}
		if strings.Contains(clientID, ":") {
			return errors.New("blaxel: WithClientCredentials: the client id contains ':'")
		}
		s.setCredential("WithClientCredentials", credentialSpec{kind: credClientCredentials, clientID: clientID, clientSecret: clientSecret})
		return nil
	}
}

// WithTokenSource authenticates with bearer tokens from ts, which is trusted to renew them:
// the client caches each token until it expires but does not ask ts again after a 401.
func WithTokenSource(ts oauth2.TokenSource) Option {
	return func(s *settings) error {
		if ts == nil {
			return errors.New("blaxel: WithTokenSource: the token source is nil")
		}
		s.setCredential("WithTokenSource", credentialSpec{kind: credTokenSource, tokenSource: ts})
		return nil
	}
}

// WithWorkspace names the workspace every request acts in (the X-Blaxel-Workspace header).
// A request that already carries that header keeps its own.
func WithWorkspace(name string) Option {
	return func(s *settings) error {
		if strings.TrimSpace(name) == "" {
			return errors.New("blaxel: WithWorkspace: the name is empty")
		}
		s.explicit.workspace = name
		return nil
	}
}

// WithEnvironment selects Blaxel's "prod" (the default) or "dev" platform: the control plane
// and the workload addresses both follow, unless WithBaseURL or WithRunURL say otherwise.
func WithEnvironment(env string) Option {
	return func(s *settings) error {
		if _, _, ok := environmentURLs(env); !ok {
			return fmt.Errorf("blaxel: WithEnvironment: %q is neither \"prod\" nor \"dev\"", env)
		}
		s.explicit.env = env
		return nil
	}
}

// WithBaseURL sets the control plane's address, e.g. https://api.blaxel.dev/v0 or a local
// server. Plain http is accepted only for loopback hosts unless WithInsecureHTTP is given.
func WithBaseURL(raw string) Option {
	return func(s *settings) error {
		u, err := parseServerURL(raw)
		if err != nil {
			return fmt.Errorf("blaxel: WithBaseURL: %w", err)
		}
		s.explicit.apiURL = u
		return nil
	}
}

// WithRunURL sets where deployed workloads answer, e.g. https://run.blaxel.dev.
func WithRunURL(raw string) Option {
	return func(s *settings) error {
		u, err := parseServerURL(raw)
		if err != nil {
			return fmt.Errorf("blaxel: WithRunURL: %w", err)
		}
		s.explicit.runURL = u
		return nil
	}
}

// WithAPIVersion overrides the Blaxel-Version header (APIVersion by default): a date
// YYYY-MM-DD, or YYYY-MM-DD.preview. The generated types follow APIVersion's shapes, so an
// older version can make answers (such as listings, bare arrays before 2026-04-28) fail to decode.
func WithAPIVersion(version string) Option {
	return func(s *settings) error {
		date, _ := strings.CutSuffix(version, ".preview")
		if _, err := time.Parse(time.DateOnly, date); err != nil {
			return fmt.Errorf("blaxel: WithAPIVersion: %q is not YYYY-MM-DD or YYYY-MM-DD.preview", version)
		}
		s.apiVersion = version
		return nil
	}
}

// WithHTTPClient makes the client send its requests, token requests included, through hc's
// transport, and keeps hc's timeout, cookie jar and redirect policy. hc itself is not modified.
func WithHTTPClient(hc *http.Client) Option {
	return func(s *settings) error {
		if hc == nil {
			return errors.New("blaxel: WithHTTPClient: the client is nil")
		}
		s.httpClient = hc
		return nil
	}
}

// WithHeader adds a header to every request. It cannot set the credential (use WithAPIKey and
// friends), the workspace or the API version (use their options). A User-Agent given here is
// put in front of the client's own.
func WithHeader(key, value string) Option {
	return func(s *settings) error {
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
		if s.headers == nil {
			s.headers = http.Header{}
		}
		s.headers.Add(name, value)
		return nil
	}
}

// WithMaxRetries sets how many times a failed request may be sent again (3 by default);
// 0 disables retries. See RetryPolicy for which failures are retried.
func WithMaxRetries(n int) Option {
	return func(s *settings) error {
		if n < 0 {
			return fmt.Errorf("blaxel: WithMaxRetries: %d is negative", n)
		}
		s.retry.MaxRetries = n
		return nil
	}
}

// WithRetryPolicy replaces the whole retry policy (DefaultRetryPolicy by default).
func WithRetryPolicy(p RetryPolicy) Option {
	return func(s *settings) error {
		if err := p.validate(); err != nil {
			return fmt.Errorf("blaxel: WithRetryPolicy: %w", err)
		}
		s.retry = p
		return nil
	}
}

// WithLogger logs every attempt at the debug level (method, address, status, attempt,
// duration, headers) and retries, with every credential redacted. Nothing is logged by default.
func WithLogger(l *slog.Logger) Option {
	return func(s *settings) error {
		if l == nil {
			return errors.New("blaxel: WithLogger: the logger is nil")
		}
		s.logger = l
		return nil
	}
}

// WithInsecureHTTP allows plain http:// addresses for hosts other than loopback. Credentials
// then cross the network unencrypted: use it only on a network you trust.
func WithInsecureHTTP() Option {
	return func(s *settings) error {
		s.insecureHTTP = true
		return nil
	}
}

// WithEnv makes NewFromEnv read environment variables (and HOME, to find the config file)
// through getenv instead of the process environment. Tests use it.
func WithEnv(getenv func(string) string) EnvOption {
	return envOnly(func(s *settings) error {
		if getenv == nil {
			return errors.New("blaxel: WithEnv: the function is nil")
		}
		s.getenv = getenv
		return nil
	})
}

// WithConfigFile makes NewFromEnv read path instead of ~/.blaxel/config.yaml. A missing file
// is not an error; a file that cannot be parsed is, once a setting has to come from it.
func WithConfigFile(path string) EnvOption {
	return envOnly(func(s *settings) error {
		if path == "" {
			return errors.New("blaxel: WithConfigFile: the path is empty")
		}
		s.configFile = path
		return nil
	})
}

// WithConfigWriteBack makes NewFromEnv write tokens it refreshes back to the config file, as
// Blaxel's own tools do, so the next program starts with a fresh token. It acts only when the
// credential in use is the file's access and refresh tokens. The file is replaced atomically,
// with mode 0600; a file that no longer parses is left alone and the failure is logged.
func WithConfigWriteBack() EnvOption {
	return envOnly(func(s *settings) error {
		s.writeBack = true
		return nil
	})
}
