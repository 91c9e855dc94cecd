package blaxel

import (
	"context"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/internal/pipeline"
)

// ArchiveSandboxAndWait archives a sandbox (ArchiveSandbox: its filesystem is stored and its
// compute freed) and waits until it is ARCHIVED; see [Wait] for the options. A FAILED sandbox
// ends the wait with a *StatusError. The request is sent once: when its answer is lost after
// it went out, or the edge answers 502 or 504, archiving may have begun, and the wait goes on
// from there. A sandbox that is not running answers 409, returned as it is.
func (c *Client) ArchiveSandboxAndWait(ctx context.Context, name string, opts ...WaitOption) (*gen.Sandbox, error) {
	archive := func(ctx context.Context) error {
		_, err := c.ArchiveSandbox(ctx, name)
		return err
	}
	return c.changeSandboxAndWait(ctx, name, archive, gen.StatusARCHIVED, opts)
}

// UnarchiveSandboxAndWait brings an archived sandbox back (UnarchiveSandbox) and waits until
// it is DEPLOYED, as [Client.ArchiveSandboxAndWait] waits for an archive. A sandbox that is not
// archived answers 409, returned as it is. The sandbox's archive.restore tells how far the
// restore has got while it is UNARCHIVING.
func (c *Client) UnarchiveSandboxAndWait(ctx context.Context, name string, opts ...WaitOption) (*gen.Sandbox, error) {
	unarchive := func(ctx context.Context) error {
		_, err := c.UnarchiveSandbox(ctx, name)
		return err
	}
	return c.changeSandboxAndWait(ctx, name, unarchive, gen.StatusDEPLOYED, opts)
}

// changeSandboxAndWait sends a change of a sandbox's status once, then waits for target.
func (c *Client) changeSandboxAndWait(ctx context.Context, name string, change func(context.Context) error,
	target gen.Status, opts []WaitOption) (*gen.Sandbox, error) {
	if err := pipeline.CheckName("sandbox", name); err != nil {
		return nil, err
	}
	_, sends, err := sendCounted(ctx, func(ctx context.Context) (struct{}, error) { return struct{}{}, change(ctx) })
	if err != nil && !creationMayHaveHappened(ctx, err, sends) {
		return nil, err
	}
	get := func(ctx context.Context) (*gen.Sandbox, error) { return c.GetSandbox(ctx, name, nil) }
	statuses := func() (targets, failures []string) {
		return []string{string(target)}, []string{string(gen.StatusFAILED)}
	}
	return wait(ctx, get, sandboxState, statuses, withName("sandbox", name, opts))
}
