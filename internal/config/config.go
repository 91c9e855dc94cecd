package config

import (
	"github.com/blaxel-go/blaxel/internal/pipeline"

	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// Layer is what one source of configuration says: the options, the environment or the config
// file. Empty fields say nothing and leave the decision to the Layer below. A value the
// source gives but that cannot be used is kept as its error, which fails the build only when
// that value is the one to use: a source that is not used cannot fail it.
type Layer struct {
	name       string // for messages: "options", "environment", the file's path
	Credential pipeline.CredentialSpec
	Workspace  string
	Env        string // "prod" or "dev"
	APIURL     string
	RunURL     string

	credentialErr, envErr, apiURLErr, runURLErr error // the source's unusable values
	unreadable                                  error // the source could not be read at all
}

// EnvironmentURLs gives the control plane and the workload address of a Blaxel platform.
func EnvironmentURLs(env string) (api, run string, ok bool) {
	switch env {
	case "prod":
		return DefaultBaseURL, DefaultRunURL, true
	case "dev":
		return "https://api.blaxel.dev/v0", "https://run.blaxel.dev", true
	}
	return "", "", false
}

// resolve merges layers, the highest first. The credential is taken whole from the highest
// Layer that has one, never mixed across layers; each address comes from the highest Layer
// that gives it explicitly or through its environment name. A Layer that is consulted for a
// value it holds unusable, or that could not be read, makes the error.
func resolve(insecureHTTP bool, layers ...Layer) (pipeline.Resolved, error) {
	var r pipeline.Resolved
	var err error
	credential := func(l Layer) (pipeline.CredentialSpec, error) { return l.Credential, l.credentialErr }
	if r.Credential, err = pick(layers, credential, func(c pipeline.CredentialSpec) bool { return c.Kind != pipeline.CredNone }); err != nil {
		return pipeline.Resolved{}, err
	}
	workspace := func(l Layer) (string, error) { return l.Workspace, nil }
	if r.Workspace, err = pick(layers, workspace, nonEmpty); err != nil {
		return pipeline.Resolved{}, err
	}
	base := func(l Layer) (string, error) {
		if l.APIURL != "" || l.apiURLErr != nil {
			return l.APIURL, l.apiURLErr
		}
		api, _, err := l.envAddresses()
		return api, err
	}
	if r.BaseURL, err = pick(layers, base, nonEmpty); err != nil {
		return pipeline.Resolved{}, err
	}
	run := func(l Layer) (string, error) {
		if l.RunURL != "" || l.runURLErr != nil {
			return l.RunURL, l.runURLErr
		}
		_, run, err := l.envAddresses()
		return run, err
	}
	if r.RunURL, err = pick(layers, run, nonEmpty); err != nil {
		return pipeline.Resolved{}, err
	}
	if r.BaseURL == "" {
		r.BaseURL = DefaultBaseURL
	}
	if r.RunURL == "" {
		r.RunURL = platformRunURL(r.BaseURL)
	}
	for _, raw := range []string{r.BaseURL, r.RunURL} {
		if raw == "" {
			continue
		}
		if err := CheckScheme(raw, insecureHTTP); err != nil {
			return pipeline.Resolved{}, fmt.Errorf("blaxel: %w", err)
		}
	}
	if r.Credential.Kind == pipeline.CredNone {
		return pipeline.Resolved{}, errors.New("blaxel: no credential: use WithAPIKey, WithClientCredentials or WithTokenSource, " +
			"or set BL_API_KEY or BL_CLIENT_CREDENTIALS, or log in with Blaxel's CLI")
	}
	return r, nil
}

// platformRunURL is the run URL that goes with a control plane when none is given: the one of
// Blaxel's platform whose control plane it is, else none. A client pointed at another server
// (a fake, a proxy) must say where its workloads answer rather than reach Blaxel's.
func platformRunURL(baseURL string) string {
	for _, env := range []string{"prod", "dev"} {
		if api, run, _ := EnvironmentURLs(env); strings.EqualFold(baseURL, api) {
			return run
		}
	}
	return ""
}

// pick returns the value of the highest Layer that gives one (set reports whether it does),
// or the error of the first Layer on the way that holds it unusable or cannot be read.
func pick[T any](layers []Layer, get func(Layer) (T, error), set func(T) bool) (T, error) {
	var zero T
	for _, l := range layers {
		if l.unreadable != nil {
			return zero, l.unreadable
		}
		v, err := get(l)
		if err != nil {
			return zero, err
		}
		if set(v) {
			return v, nil
		}
	}
	return zero, nil
}

func nonEmpty(s string) bool { return s != "" }

// envAddresses are the control plane and the workload address of the platform the Layer
// names, if it names one.
func (l Layer) envAddresses() (api, run string, err error) {
	if l.envErr != nil {
		return "", "", l.envErr
	}
	api, run, _ = EnvironmentURLs(l.Env)
	return api, run, nil
}

// environmentLayer reads Blaxel's environment variables. BL_API_KEY beats BL_CLIENT_CREDENTIALS
// when both are set.
func environmentLayer(getenv func(string) string) Layer {
	l := Layer{name: "environment", Workspace: strings.TrimSpace(getenv("BL_WORKSPACE"))}
	if env := strings.TrimSpace(getenv("BL_ENV")); env != "" {
		if _, _, ok := EnvironmentURLs(env); ok {
			l.Env = env
		} else {
			l.envErr = fmt.Errorf("blaxel: BL_ENV: %q is neither \"prod\" nor \"dev\"", env)
		}
	}
	l.APIURL, l.apiURLErr = serverURLVariable(getenv, "BL_API_URL")
	l.RunURL, l.runURLErr = serverURLVariable(getenv, "BL_RUN_URL")
	if key := strings.TrimSpace(getenv("BL_API_KEY")); key != "" {
		l.Credential = pipeline.CredentialSpec{Kind: pipeline.CredAPIKey, APIKey: key, From: "BL_API_KEY"}
	} else if raw := strings.TrimSpace(getenv("BL_CLIENT_CREDENTIALS")); raw != "" {
		id, secret, err := parseClientCredentials(raw)
		l.Credential = pipeline.CredentialSpec{Kind: pipeline.CredClientCredentials, ClientID: id, ClientSecret: secret, From: "BL_CLIENT_CREDENTIALS"}
		if err != nil {
			l.credentialErr = fmt.Errorf("blaxel: BL_CLIENT_CREDENTIALS: %w", err)
		}
	}
	return l
}

// serverURLVariable reads an address from the environment: "" when the variable is unset.
func serverURLVariable(getenv func(string) string, name string) (string, error) {
	raw := strings.TrimSpace(getenv(name))
	if raw == "" {
		return "", nil
	}
	u, err := ParseServerURL(raw)
	if err != nil {
		return "", fmt.Errorf("blaxel: %s: %w", name, err)
	}
	return u, nil
}

// parseClientCredentials accepts base64("id:secret"), as Blaxel's tools write it, or the plain
// "id:secret" form. A colon is not in base64's alphabet, so the two cannot be confused.
func parseClientCredentials(raw string) (id, secret string, err error) {
	plain := raw
	if !strings.Contains(raw, ":") {
		b, derr := base64.StdEncoding.DecodeString(raw)
		if derr != nil {
			b, derr = base64.RawStdEncoding.DecodeString(raw)
		}
		if derr != nil || !utf8.Valid(b) {
			return "", "", errors.New("neither base64 of id:secret nor id:secret")
		}
		plain = string(b)
	}
	id, secret, ok := strings.Cut(plain, ":")
	if !ok || id == "" || secret == "" {
		return "", "", errors.New("expected a client id and a secret separated by ':'")
	}
	return id, secret, nil
}

// defaultConfigPath is where Blaxel's CLI keeps its configuration, under the home directory
// that getenv reports.
func defaultConfigPath(getenv func(string) string) string {
	home := getenv("HOME")
	if home == "" {
		home = getenv("USERPROFILE")
	}
	if home == "" {
		return ""
	}
	return filepath.Join(home, ".blaxel", "config.yaml")
}

// ParseServerURL checks that raw is an absolute http or https address and drops a final slash.
// Its errors never quote the address's user information, which may hold a password; an
// address that does not parse is not quoted at all.
func ParseServerURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", errors.New("the value is not an address")
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return "", fmt.Errorf("scheme %q, host %q: not an absolute http or https address", u.Scheme, u.Host)
	}
	if u.User != nil {
		return "", errors.New("the address must not hold credentials")
	}
	u.Host = strings.ToLower(u.Host) // as the proxy settings and pipeline.IsLoopback read it
	return strings.TrimSuffix(u.String(), "/"), nil
}

// CheckScheme refuses plain http to a host other than loopback, unless insecure is allowed.
func CheckScheme(raw string, insecure bool) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	return pipeline.CheckURLScheme(u, insecure)
}
