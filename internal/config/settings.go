// Package config is how a client's settings are given and settled: what its options say,
// the environment (BL_* variables) and Blaxel's config file (~/.blaxel/config.yaml), merged
// in that order, and the tokens written back to the file when asked.
package config

import (
	"fmt"
	"os"
	"strings"

	"golang.org/x/oauth2"

	"github.com/blaxel-go/blaxel/internal/pipeline"
)

// DefaultBaseURL is the production control plane.
const DefaultBaseURL = "https://api.blaxel.ai/v0"

// DefaultRunURL is where deployed workloads answer in production.
const DefaultRunURL = "https://run.blaxel.ai"

// Settings is what a client's options build. The layered values (credential, workspace,
// addresses) are only what the caller said explicitly; Resolve and ResolveEnv settle them
// against the environment and the config file.
type Settings struct {
	Explicit          Layer    // what the options say, the highest layer
	CredentialOptions []string // names of the credential options given, to refuse two
	Pipeline          pipeline.Settings

	// Only for NewFromEnv.
	Getenv     func(string) string
	ConfigFile string
	WriteBack  bool
}

// SetCredential records the credential an option gives.
func (s *Settings) SetCredential(option string, c pipeline.CredentialSpec) {
	s.CredentialOptions = append(s.CredentialOptions, option)
	c.From = option
	s.Explicit.Credential = c
}

// CheckOneCredential refuses two credential options.
func (s *Settings) CheckOneCredential() error {
	if len(s.CredentialOptions) > 1 {
		return fmt.Errorf("blaxel: %s: give one credential, not %d", strings.Join(s.CredentialOptions, ", "), len(s.CredentialOptions))
	}
	return nil
}

// Resolve settles the settings of a client built from its options alone.
func Resolve(s *Settings) (pipeline.Resolved, error) {
	return resolve(s.Pipeline.InsecureHTTP, s.Explicit)
}

// ResolveEnv settles the settings of a client built from its options, the environment and the
// config file, and returns the environment the client keeps (workload addresses can be
// forced by BL_*_URL) and, when asked for, what writes renewed tokens back to the file.
func ResolveEnv(s *Settings) (r pipeline.Resolved, getenv func(string) string, writeBack func(*oauth2.Token, int64) error, err error) {
	getenv = s.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	env := environmentLayer(getenv)
	path := s.ConfigFile
	if path == "" {
		path = defaultConfigPath(getenv)
	}
	fileLayer := Layer{name: path}
	if path != "" {
		file, err := readConfigFile(path)
		switch {
		case err != nil:
			fileLayer.unreadable = err
		case file != nil:
			workspace := firstNonEmpty(s.Explicit.Workspace, env.Workspace, file.Context.Workspace)
			fileLayer = file.layer(path, workspace)
			fileLayer.Workspace = file.Context.Workspace
		}
	}
	r, err = resolve(s.Pipeline.InsecureHTTP, s.Explicit, env, fileLayer)
	if err != nil {
		return pipeline.Resolved{}, nil, nil, err
	}
	if s.WriteBack && r.Credential.Kind == pipeline.CredTokens {
		c := r.Credential
		writeBack = func(tok *oauth2.Token, expiresIn int64) error {
			return writeBackTokens(c.File, c.FileWorkspace, tok.AccessToken, tok.RefreshToken, expiresIn)
		}
	}
	return r, getenv, writeBack, nil
}

// firstNonEmpty returns the first value that is not empty.
func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
