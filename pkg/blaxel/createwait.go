package blaxel

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/internal/pipeline"
)

// CreateSandboxAndWait creates a sandbox and waits until it is DEPLOYED (see [Wait] for the
// options). It sends the creation once, never twice. When the edge answers 502 or 504, or
// the answer is lost after the request went out, creation may still be going on: it then
// polls GetSandbox for the name, taking 404 as "not visible yet", until the context ends.
// A 409 is always returned: the pipeline resends a creation only when the first attempt did
// nothing (a 401, or a request never written), so the name was taken by another sandbox.
//
// A sandbox sent without metadata.name is named by the server (it may hand out one kept warm
// in a pool), and the wait follows the name the creation answers. Only that answer tells the
// name: when it is lost (502, 504, or no answer after the request went out) there is nothing
// to poll, and the error matches both [ErrNameUnknown] and the failure; a label given in
// metadata.labels then finds the sandbox with the q search of ListSandboxes.
func (c *Client) CreateSandboxAndWait(ctx context.Context, sandbox gen.Sandbox, opts ...WaitOption) (*gen.Sandbox, error) {
	if sandbox.Metadata.Name == "" {
		return c.createUnnamedSandboxAndWait(ctx, sandbox, opts...)
	}
	create := func(ctx context.Context) error {
		_, err := c.CreateSandbox(ctx, sandbox, nil)
		return err
	}
	return createAndWait(ctx, "sandbox", sandbox.Metadata.Name, create, c.WaitForSandbox, opts)
}

// CreateAgentAndWait creates an agent and waits until it is DEPLOYED, as
// [Client.CreateSandboxAndWait] does for a sandbox.
func (c *Client) CreateAgentAndWait(ctx context.Context, agent gen.Agent, opts ...WaitOption) (*gen.Agent, error) {
	create := func(ctx context.Context) error {
		_, err := c.CreateAgent(ctx, agent)
		return err
	}
	return createAndWait(ctx, "agent", agent.Metadata.Name, create, c.WaitForAgent, opts)
}

// CreateFunctionAndWait creates a function and waits until it is DEPLOYED, as
// [Client.CreateSandboxAndWait] does for a sandbox.
func (c *Client) CreateFunctionAndWait(ctx context.Context, function gen.Function, opts ...WaitOption) (*gen.Function, error) {
	create := func(ctx context.Context) error {
		_, err := c.CreateFunction(ctx, function)
		return err
	}
	return createAndWait(ctx, "function", function.Metadata.Name, create, c.WaitForFunction, opts)
}

// CreateModelAndWait creates a model and waits until it is DEPLOYED, as
// [Client.CreateSandboxAndWait] does for a sandbox.
func (c *Client) CreateModelAndWait(ctx context.Context, model gen.Model, opts ...WaitOption) (*gen.Model, error) {
	create := func(ctx context.Context) error {
		_, err := c.CreateModel(ctx, model)
		return err
	}
	return createAndWait(ctx, "model", model.Metadata.Name, create, c.WaitForModel, opts)
}

// createAndWait is what every Create...AndWait does: refuse a name it could not wait for,
// send the creation once, counting how often the request is written through whatever retries
// the pipeline makes, then wait, through 404s when the creation may be under way unseen.
func createAndWait[T any](ctx context.Context, kind, name string, create func(context.Context) error,
	waitFor func(context.Context, string, ...WaitOption) (*T, error), opts []WaitOption) (*T, error) {
	if err := pipeline.CheckName(kind, name); err != nil {
		return nil, err
	}
	_, sends, err := sendCounted(ctx, func(ctx context.Context) (struct{}, error) { return struct{}{}, create(ctx) })
	if err != nil && !creationMayHaveHappened(ctx, err, sends) {
		return nil, err
	}
	if err != nil {
		opts = append([]WaitOption{pendingWhileNotFound()}, opts...)
	}
	return waitFor(ctx, name, opts...)
}

// sendCounted calls send, counting how often its request is written through whatever retries
// the pipeline makes.
func sendCounted[T any](ctx context.Context, send func(context.Context) (T, error)) (T, int, error) {
	var sends atomic.Int32
	traced := httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(httptrace.WroteRequestInfo) { sends.Add(1) },
	})
	v, err := send(traced)
	return v, int(sends.Load()), err
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
