package blaxel

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Option configures a Client. Options are applied in order; an option that
// gets an unusable value returns an error from New instead of being ignored.
type Option func(*settings) error

// settings is what the options build, before New turns it into a Client.
type settings struct {
	apiKey     string
	workspace  string
	baseURL    string
	runURL     string
	apiVersion string
	httpClient *http.Client
}

// WithAPIKey authenticates every request with an API key of a user or a service account.
func WithAPIKey(key string) Option {
	return func(s *settings) error {
		if strings.TrimSpace(key) == "" {
			return errors.New("blaxel: WithAPIKey: the key is empty")
		}
		s.apiKey = key
		return nil
	}
}

// WithWorkspace names the workspace every request acts in (the X-Blaxel-Workspace header).
func WithWorkspace(name string) Option {
	return func(s *settings) error {
		if strings.TrimSpace(name) == "" {
			return errors.New("blaxel: WithWorkspace: the name is empty")
		}
		s.workspace = name
		return nil
	}
}

// WithBaseURL sets the control plane's address, e.g. https://api.blaxel.dev/v0 or a local server.
func WithBaseURL(raw string) Option {
	return func(s *settings) error {
		u, err := url.Parse(raw)
		if err != nil {
			return fmt.Errorf("blaxel: WithBaseURL: %w", err)
		}
		if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
			return fmt.Errorf("blaxel: WithBaseURL: %q is not an http or https address", raw)
		}
		s.baseURL = strings.TrimSuffix(u.String(), "/")
		return nil
	}
}

// WithAPIVersion overrides the Blaxel-Version header (APIVersion by default).
func WithAPIVersion(version string) Option {
	return func(s *settings) error {
		if strings.TrimSpace(version) == "" {
			return errors.New("blaxel: WithAPIVersion: the version is empty")
		}
		s.apiVersion = version
		return nil
	}
}

// WithHTTPClient makes the client send its requests through hc's transport, timeout and jar.
// hc itself is not modified.
func WithHTTPClient(hc *http.Client) Option {
	return func(s *settings) error {
		if hc == nil {
			return errors.New("blaxel: WithHTTPClient: the client is nil")
		}
		s.httpClient = hc
		return nil
	}
}
