package blaxel

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"

	"github.com/blaxel-go/blaxel/gen"
)

// CreateSandboxAndWait creates a sandbox and waits until it is DEPLOYED (see [Wait] for the
// options). It sends the creation once, never twice. When the edge answers 502 or 504, or
// the answer is lost after the request went out, creation may still be going on: it then
// polls GetSandbox for the name, taking 404 as "not visible yet", until the context ends.
// A 409 is always returned: the pipeline resends a creation only when the first attempt did
// nothing (a 401, or a request never written), so the name was taken by another sandbox.
func (c *Client) CreateSandboxAndWait(ctx context.Context, sandbox gen.Sandbox, opts ...WaitOption) (*gen.Sandbox, error) {
	name := sandbox.Metadata.Name
	if err := checkName("sandbox", name); err != nil {
		return nil, err
	}
	// Count how often the request is written, through whatever retries the pipeline makes.
	var sends atomic.Int32
	traced := httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(httptrace.WroteRequestInfo) { sends.Add(1) },
	})
	_, err := c.CreateSandboxWithResponse(traced, nil, sandbox)
	if err != nil && !creationMayHaveHappened(ctx, err, int(sends.Load())) {
		return nil, err
	}
	if err != nil {
		opts = append([]WaitOption{pendingWhileNotFound()}, opts...)
	}
	return c.WaitForSandbox(ctx, name, opts...)
}

// creationMayHaveHappened tells whether a failed creation may still have taken place, so that
// polling for the sandbox, not failing, is the right reaction.
func creationMayHaveHappened(ctx context.Context, err error, sends int) bool {
	if ctx.Err() != nil {
		return false
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		// No answer at all: the creation may be under way if the request went out.
		return sends > 0
	}
	switch apiErr.StatusCode {
	case http.StatusBadGateway, http.StatusGatewayTimeout:
		return true
	}
	return false
}
