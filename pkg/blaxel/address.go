package blaxel

import (
	"context"
	"fmt"
	"net/url"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/internal/pipeline"
)

// resolveWorkload finds where a workload answers, in the order Blaxel's own tools use:
//
//  1. the address the environment forces, BL_<KINDS>_<NAME>_URL or BL_<KIND>_<NAME>_URL
//     (e.g. BL_FUNCTIONS_MY_TOOLS_URL; the name upper-cased, "-" as "_"), for a client
//     built by NewFromEnv;
//  2. the resource's metadata.url, read with one GET on the control plane;
//  3. {run URL}/{workspace}/{kind}/{name}.
//
// kind is pipeline.KindAgents, pipeline.KindFunctions, pipeline.KindModels or pipeline.KindSandboxes. The address comes back
// without a trailing slash, query or fragment; paths go below it. Requests to it carry the
// credential only when sent with a context from trustOrigin (or through workloadHTTPClient).
func (c *Client) resolveWorkload(ctx context.Context, kind, name string) (*url.URL, error) {
	if err := pipeline.CheckName(pipeline.Singular(kind), name); err != nil {
		return nil, err
	}
	if forced := c.p.ForcedAddress(kind, name); forced != "" {
		return c.p.WorkloadBase(kind, name, forced)
	}
	meta, err := c.workloadMetadata(ctx, kind, name)
	if err != nil {
		return nil, err
	}
	advertised := ""
	if meta.URL != nil {
		advertised = *meta.URL
	}
	return c.p.WorkloadBase(kind, name, advertised)
}

// workloadMetadata reads a workload's metadata with one GET.
func (c *Client) workloadMetadata(ctx context.Context, kind, name string) (*gen.Metadata, error) {
	switch kind {
	case pipeline.KindAgents:
		a, err := c.GetAgent(ctx, name, nil)
		if err != nil {
			return nil, err
		}
		return &a.Metadata, nil
	case pipeline.KindFunctions:
		f, err := c.GetFunction(ctx, name, nil)
		if err != nil {
			return nil, err
		}
		return &f.Metadata, nil
	case pipeline.KindModels:
		m, err := c.GetModel(ctx, name)
		if err != nil {
			return nil, err
		}
		return &m.Metadata, nil
	case pipeline.KindSandboxes:
		s, err := c.GetSandbox(ctx, name, nil)
		if err != nil {
			return nil, err
		}
		return &s.Metadata, nil
	}
	return nil, fmt.Errorf("blaxel: %q is not a kind of workload", kind)
}
