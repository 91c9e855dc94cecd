package blaxel

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/blaxel-go/blaxel/gen"
)

// The kinds of deployed workloads, as their run addresses spell them:
// {run URL}/{workspace}/{kind}/{name}.
const (
	kindAgents    = "agents"
	kindFunctions = "functions"
	kindModels    = "models"
	kindSandboxes = "sandboxes"
)

// singular names one workload of a kind, for environment variables and messages.
func singular(kind string) string {
	switch kind {
	case kindSandboxes:
		return "sandbox"
	default:
		return strings.TrimSuffix(kind, "s")
	}
}

// resolveWorkload finds where a workload answers, in the order Blaxel's own tools use:
//
//  1. the address the environment forces, BL_<KINDS>_<NAME>_URL or BL_<KIND>_<NAME>_URL
//     (e.g. BL_FUNCTIONS_MY_TOOLS_URL; the name upper-cased, "-" as "_"), for a client
//     built by NewFromEnv;
//  2. the resource's metadata.url, read with one GET on the control plane;
//  3. {run URL}/{workspace}/{kind}/{name}.
//
// kind is kindAgents, kindFunctions, kindModels or kindSandboxes. The address comes back
// without a trailing slash, query or fragment; paths go below it. Requests to it carry the
// credential only when sent with a context from trustOrigin (or through workloadHTTPClient).
func (c *Client) resolveWorkload(ctx context.Context, kind, name string) (*url.URL, error) {
	if err := checkName(singular(kind), name); err != nil {
		return nil, err
	}
	if forced := c.forcedAddress(kind, name); forced != "" {
		return c.workloadBase(kind, name, forced)
	}
	meta, err := c.workloadMetadata(ctx, kind, name)
	if err != nil {
		return nil, err
	}
	advertised := ""
	if meta.URL != nil {
		advertised = *meta.URL
	}
	return c.workloadBase(kind, name, advertised)
}

// workloadBase is resolveWorkload for a caller that has read the resource already:
// advertised is its metadata.url ("" for none). The environment still comes first; nothing is
// sent.
func (c *Client) workloadBase(kind, name, advertised string) (*url.URL, error) {
	if err := checkName(singular(kind), name); err != nil {
		return nil, err
	}
	if forced := c.forcedAddress(kind, name); forced != "" {
		advertised = forced
	}
	return c.workloadAddress(kind, name, "", strings.TrimSpace(advertised))
}

// forcedAddress is the address the environment forces for a workload, "" for none. Only a
// client built by NewFromEnv reads the environment (through WithEnv's getenv when given).
func (c *Client) forcedAddress(kind, name string) string {
	if c.getenv == nil {
		return ""
	}
	key := strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
	for _, prefix := range []string{strings.ToUpper(kind), strings.ToUpper(singular(kind))} {
		if v := strings.TrimSpace(c.getenv("BL_" + prefix + "_" + key + "_URL")); v != "" {
			return v
		}
	}
	return ""
}

// workloadMetadata reads a workload's metadata with one GET.
func (c *Client) workloadMetadata(ctx context.Context, kind, name string) (*gen.Metadata, error) {
	switch kind {
	case kindAgents:
		a, err := c.GetAgent(ctx, name, nil)
		if err != nil {
			return nil, err
		}
		return &a.Metadata, nil
	case kindFunctions:
		f, err := c.GetFunction(ctx, name, nil)
		if err != nil {
			return nil, err
		}
		return &f.Metadata, nil
	case kindModels:
		m, err := c.GetModel(ctx, name)
		if err != nil {
			return nil, err
		}
		return &m.Metadata, nil
	case kindSandboxes:
		s, err := c.GetSandbox(ctx, name, nil)
		if err != nil {
			return nil, err
		}
		return &s.Metadata, nil
	}
	return nil, fmt.Errorf("blaxel: %q is not a kind of workload", kind)
}

// workloadHTTPClient is the client's pipeline for the workload at base: its requests carry
// the credential and the workspace to base's origin (and to the control plane and the run
// URL), and to no other host, a redirect's target included.
func (c *Client) workloadHTTPClient(base *url.URL) *http.Client {
	hc := *c.http
	hc.Transport = trustingTransport{next: c.http.Transport, origin: base}
	return &hc
}

// trustingTransport marks each request as one that may carry the credential to origin.
type trustingTransport struct {
	next   http.RoundTripper
	origin *url.URL
}

func (t trustingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return t.next.RoundTrip(req.WithContext(trustOrigin(req.Context(), t.origin)))
}
