package blaxel

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// layer is what one source of configuration says: the options, the environment or the config
// file. Empty fields say nothing and leave the decision to the layer below. A value the
// source gives but that cannot be used is kept as its error, which fails the build only when
// that value is the one to use: a source that is not used cannot fail it.
type layer struct {
	name       string // for messages: "options", "environment", the file's path
	credential credentialSpec
	workspace  string
	env        string // "prod" or "dev"
	apiURL     string
	runURL     string

	credentialErr, envErr, apiURLErr, runURLErr error // the source's unusable values
	unreadable                                  error // the source could not be read at all
}

// resolved is the configuration a Client is built from.
type resolved struct {
	credential credentialSpec
	workspace  string
	baseURL    string
	runURL     string
}

// environmentURLs gives the control plane and the workload address of a Blaxel platform.
func environmentURLs(env string) (api, run string, ok bool) {
	switch env {
	case "prod":
		return DefaultBaseURL, DefaultRunURL, true
	case "dev":
		return "https://api.blaxel.dev/v0", "https://run.blaxel.dev", true
	}
	return "", "", false
}

// resolve merges layers, the highest first. The credential is taken whole from the highest
// layer that has one, never mixed across layers; each address comes from the highest layer
// that gives it explicitly or through its environment name. A layer that is consulted for a
// value it holds unusable, or that could not be read, makes the error.
func resolve(insecureHTTP bool, layers ...layer) (resolved, error) {
	var r resolved
	var err error
	credential := func(l layer) (credentialSpec, error) { return l.credential, l.credentialErr }
	if r.credential, err = pick(layers, credential, func(c credentialSpec) bool { return c.kind != credNone }); err != nil {
		return resolved{}, err
	}
	workspace := func(l layer) (string, error) { return l.workspace, nil }
	if r.workspace, err = pick(layers, workspace, nonEmpty); err != nil {
		return resolved{}, err
	}
	base := func(l layer) (string, error) {
		if l.apiURL != "" || l.apiURLErr != nil {
			return l.apiURL, l.apiURLErr
		}
		api, _, err := l.envAddresses()
		return api, err
	}
	if r.baseURL, err = pick(layers, base, nonEmpty); err != nil {
		return resolved{}, err
	}
	run := func(l layer) (string, error) {
		if l.runURL != "" || l.runURLErr != nil {
			return l.runURL, l.runURLErr
		}
		_, run, err := l.envAddresses()
		return run, err
	}
	if r.runURL, err = pick(layers, run, nonEmpty); err != nil {
		return resolved{}, err
	}
	if r.baseURL == "" {
		r.baseURL = DefaultBaseURL
	}
	if r.runURL == "" {
		r.runURL = DefaultRunURL
	}
	for _, raw := range []string{r.baseURL, r.runURL} {
		if err := checkScheme(raw, insecureHTTP); err != nil {
			return resolved{}, fmt.Errorf("blaxel: %w", err)
		}
	}
	if r.credential.kind == credNone {
		return resolved{}, errors.New("blaxel: no credential: use WithAPIKey, WithClientCredentials or WithTokenSource, " +
			"or set BL_API_KEY or BL_CLIENT_CREDENTIALS, or log in with Blaxel's CLI")
	}
	return r, nil
}

// pick returns the value of the highest layer that gives one (set reports whether it does),
// or the error of the first layer on the way that holds it unusable or cannot be read.
func pick[T any](layers []layer, get func(layer) (T, error), set func(T) bool) (T, error) {
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

// envAddresses are the control plane and the workload address of the platform the layer
// names, if it names one.
func (l layer) envAddresses() (api, run string, err error) {
	if l.envErr != nil {
		return "", "", l.envErr
	}
	api, run, _ = environmentURLs(l.env)
	return api, run, nil
}

// firstNonEmpty returns the first of a and b that is not empty.
func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// environmentLayer reads Blaxel's environment variables. BL_API_KEY beats BL_CLIENT_CREDENTIALS
// when both are set.
func environmentLayer(getenv func(string) string) layer {
	l := layer{name: "environment", workspace: strings.TrimSpace(getenv("BL_WORKSPACE"))}
	if env := strings.TrimSpace(getenv("BL_ENV")); env != "" {
		if _, _, ok := environmentURLs(env); ok {
			l.env = env
		} else {
			l.envErr = fmt.Errorf("blaxel: BL_ENV: %q is neither \"prod\" nor \"dev\"", env)
		}
	}
	l.apiURL, l.apiURLErr = serverURLVariable(getenv, "BL_API_URL")
	l.runURL, l.runURLErr = serverURLVariable(getenv, "BL_RUN_URL")
	if key := strings.TrimSpace(getenv("BL_API_KEY")); key != "" {
		l.credential = credentialSpec{kind: credAPIKey, apiKey: key, from: "BL_API_KEY"}
	} else if raw := strings.TrimSpace(getenv("BL_CLIENT_CREDENTIALS")); raw != "" {
		id, secret, err := parseClientCredentials(raw)
		l.credential = credentialSpec{kind: credClientCredentials, clientID: id, clientSecret: secret, from: "BL_CLIENT_CREDENTIALS"}
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
	u, err := parseServerURL(raw)
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

// parseServerURL checks that raw is an absolute http or https address and drops a final slash.
// Its errors never quote the address's user information, which may hold a password; an
// address that does not parse is not quoted at all.
func parseServerURL(raw string) (string, error) {
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
	u.Host = strings.ToLower(u.Host) // as the proxy settings and isLoopback read it
	return strings.TrimSuffix(u.String(), "/"), nil
}

// checkScheme refuses plain http to a host other than loopback, unless insecure is allowed.
func checkScheme(raw string, insecure bool) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	return checkURLScheme(u, insecure)
}

func checkURLScheme(u *url.URL, insecure bool) error {
	switch {
	case u.Scheme == "https":
		return nil
	case u.Scheme != "http":
		return fmt.Errorf("unsupported scheme %q", u.Scheme)
	case insecure || isLoopback(u.Hostname()):
		return nil
	}
	return fmt.Errorf("refusing plain http to %s: use https, or WithInsecureHTTP", u.Host)
}

// isLoopback accepts exactly the hosts that net/http's proxy settings never send through a
// proxy: localhost (in any case: the pipeline writes it in lower case, as those settings
// expect) and loopback addresses. Names below .localhost are not among them.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host) // a value, unlike net.ParseIP: this runs for every request
	return err == nil && ip.Zone() == "" && ip.IsLoopback()
}
