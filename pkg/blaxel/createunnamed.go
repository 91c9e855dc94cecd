package blaxel

import (
	"context"
	"errors"
	"fmt"

	"github.com/blaxel-go/blaxel/gen"
)

// ErrNameUnknown matches the error of a creation without a name whose answer was lost: the
// server may have made a sandbox, but never said under which name.
var ErrNameUnknown = errors.New("blaxel: the sandbox's name is unknown: the server chose it, and the answer that told it was lost")

// createUnnamedSandboxAndWait is CreateSandboxAndWait for a sandbox sent without a name, which
// the server chooses (it may hand out one kept warm in a pool): it waits until the sandbox is
// DEPLOYED under the name the creation answers.
//
// The creation is sent once, never twice; an answer lost after it may have acted ends with
// ErrNameUnknown, since no name is known to poll.
func (c *Client) createUnnamedSandboxAndWait(ctx context.Context, sandbox gen.Sandbox, opts ...WaitOption) (*gen.Sandbox, error) {
	created, sends, err := sendCounted(ctx, func(ctx context.Context) (*gen.Sandbox, error) {
		return c.CreateSandbox(ctx, sandbox, nil)
	})
	if err != nil {
		if creationMayHaveHappened(ctx, err, sends) {
			return nil, fmt.Errorf("%w: %w", ErrNameUnknown, err)
		}
		return nil, err
	}
	if created == nil || created.Metadata.Name == "" {
		return created, fmt.Errorf("%w: the creation's answer names no sandbox", ErrNameUnknown)
	}
	return c.WaitForSandbox(ctx, created.Metadata.Name, opts...)
}
