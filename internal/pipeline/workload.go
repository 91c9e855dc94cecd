package pipeline

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/blaxel-go/blaxel/internal/redact"
)

// The kinds of deployed workloads, as their run addresses spell them:
// {run URL}/{workspace}/{kind}/{name}.
const (
	KindAgents    = "agents"
	KindFunctions = "functions"
	KindModels    = "models"
	KindSandboxes = "sandboxes"
)

// singular names one workload of a kind, for environment variables and messages.
func Singular(kind string) string {
	switch kind {
	case KindSandboxes:
		return "sandbox"
	default:
		return strings.TrimSuffix(kind, "s")
	}
}

// WorkloadBase is resolveWorkload for a caller that has read the resource already:
// advertised is its metadata.url ("" for none). The environment still comes first; nothing is
// sent.
func (c *Pipeline) WorkloadBase(kind, name, advertised string) (*url.URL, error) {
	if err := CheckName(Singular(kind), name); err != nil {
		return nil, err
	}
	if forced := c.ForcedAddress(kind, name); forced != "" {
		advertised = forced
	}
	return c.WorkloadAddress(kind, name, "", strings.TrimSpace(advertised))
}

// ForcedAddress is the address the environment forces for a workload, "" for none. Only a
// client built by NewFromEnv reads the environment (through WithEnv's getenv when given).
func (c *Pipeline) ForcedAddress(kind, name string) string {
	if c.Getenv == nil {
		return ""
	}
	key := strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
	for _, prefix := range []string{strings.ToUpper(kind), strings.ToUpper(Singular(kind))} {
		if v := strings.TrimSpace(c.Getenv("BL_" + prefix + "_" + key + "_URL")); v != "" {
			return v
		}
	}
	return ""
}

// WorkloadHTTPClient is the client's pipeline for the workload at base: its requests carry
// the credential and the workspace to base's origin (and to the control plane and the run
// URL), and to no other host, a redirect's target included.
func (c *Pipeline) WorkloadHTTPClient(base *url.URL) *http.Client {
	return c.Client(Destination{Origin: base})
}

// ErrNoRunURL is the cause of the error of a call that needs the run URL when the client has
// none: its control plane is not Blaxel's, and WithRunURL was not given.
var ErrNoRunURL = errors.New("blaxel: no run URL")

// WorkloadAddress builds the URL of a call: the workload's own address when known, else
// {run URL}/{workspace}/{kind}/{name}; then path below it. Every piece is checked and escaped,
// so a name cannot step out of its place.
func (c *Pipeline) WorkloadAddress(kind, name, path, own string) (*url.URL, error) {
	var base string
	if own != "" {
		u, err := url.Parse(own)
		if err != nil {
			return nil, fmt.Errorf("blaxel: the workload's address: %w", err)
		}
		if err := c.CheckWorkloadScheme(u); err != nil {
			return nil, err
		}
		u.RawQuery, u.Fragment = "", ""
		base = strings.TrimSuffix(u.String(), "/")
	} else {
		if err := CheckName(Singular(kind), name); err != nil {
			return nil, err
		}
		if err := CheckName("workspace", c.Workspace); err != nil {
			return nil, fmt.Errorf("%w (set one with WithWorkspace)", err)
		}
		if c.RunURL == "" {
			return nil, fmt.Errorf("%w: %s %q has no address of its own, and the control plane %s is not Blaxel's, so there is no default run URL: "+
				"give the client WithRunURL (or BL_RUN_URL)", ErrNoRunURL, Singular(kind), name, c.BaseURL)
		}
		base = strings.TrimSuffix(c.RunURL, "/") + "/" + url.PathEscape(c.Workspace) + "/" + kind + "/" + url.PathEscape(name)
	}
	if path = strings.Trim(path, "/"); path != "" {
		for segment := range strings.SplitSeq(path, "/") {
			if err := CheckName("path segment", segment); err != nil {
				return nil, fmt.Errorf("%w in %q", err, path)
			}
			base += "/" + url.PathEscape(segment)
		}
	}
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("blaxel: %w", err)
	}
	return u, nil
}

// CheckWorkloadScheme accepts https addresses, and plain http ones only on this machine or
// when the client's run URL is plain http too (a local setup): the call carries the client's
// credentials.
func (c *Pipeline) CheckWorkloadScheme(u *url.URL) error {
	switch {
	case u.Host == "":
		return fmt.Errorf("blaxel: the workload's address %q is not absolute", redact.URL(u))
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && (strings.HasPrefix(c.RunURL, "http://") || IsLoopback(u.Hostname())):
		return nil
	}
	return fmt.Errorf("blaxel: the workload's address %q is not https: credentials are not sent there", redact.URL(u))
}

// CheckCredentialHost refuses to send the workspace credential to an address that is on
// neither the run URL's host nor the control plane's.
func (c *Pipeline) CheckCredentialHost(u *url.URL) error {
	if run, err := url.Parse(c.RunURL); err == nil && strings.EqualFold(u.Host, run.Host) {
		return nil
	}
	if c.Base != nil && strings.EqualFold(u.Host, c.Base.Host) {
		return nil
	}
	return fmt.Errorf("blaxel: the workload's address %q is on neither the run URL's host nor the control plane's: credentials are not sent there", redact.URL(u))
}
