package blaxel

import (
	"context"
	"slices"
	"time"

	"github.com/blaxel-go/blaxel/gen"
)

// deployment is the default pair of target and failure statuses of a sandbox, agent, function
// or model; a fresh slice each time, so nothing shared can be changed.
func deployment() (targets, failures []string) {
	return []string{string(gen.StatusDEPLOYED)}, []string{string(gen.StatusFAILED)}
}

// jobRun is the default pair for a job execution.
func jobRun() (targets, failures []string) {
	return []string{string(gen.JobExecutionStatusSucceeded)}, []string{
		string(gen.JobExecutionStatusFailed),
		string(gen.JobExecutionStatusCancelled),
		string(gen.JobExecutionStatusTimeout),
	}
}

// WaitForSandbox polls GetSandbox until the sandbox is DEPLOYED; see [Wait] for the options
// and errors. A FAILED sandbox ends the wait with a *StatusError carrying its last event's
// message.
func (c *Client) WaitForSandbox(ctx context.Context, name string, opts ...WaitOption) (*gen.Sandbox, error) {
	get := func(ctx context.Context) (*gen.Sandbox, error) { return c.GetSandbox(ctx, name, nil) }
	return wait(ctx, get, sandboxState, deployment, withName("sandbox", name, opts))
}

// WaitForAgent polls GetAgent until the agent is DEPLOYED; see [Client.WaitForSandbox].
func (c *Client) WaitForAgent(ctx context.Context, name string, opts ...WaitOption) (*gen.Agent, error) {
	get := func(ctx context.Context) (*gen.Agent, error) { return c.GetAgent(ctx, name, nil) }
	state := func(a *gen.Agent) (string, string) { return deploymentState(a.Status, a.Events) }
	return wait(ctx, get, state, deployment, withName("agent", name, opts))
}

// WaitForFunction polls GetFunction until the function is DEPLOYED; see [Client.WaitForSandbox].
func (c *Client) WaitForFunction(ctx context.Context, name string, opts ...WaitOption) (*gen.Function, error) {
	get := func(ctx context.Context) (*gen.Function, error) { return c.GetFunction(ctx, name, nil) }
	state := func(f *gen.Function) (string, string) { return deploymentState(f.Status, f.Events) }
	return wait(ctx, get, state, deployment, withName("function", name, opts))
}

// WaitForModel polls GetModel until the model is DEPLOYED; see [Client.WaitForSandbox].
func (c *Client) WaitForModel(ctx context.Context, name string, opts ...WaitOption) (*gen.Model, error) {
	get := func(ctx context.Context) (*gen.Model, error) { return c.GetModel(ctx, name) }
	state := func(m *gen.Model) (string, string) { return deploymentState(m.Status, m.Events) }
	return wait(ctx, get, state, deployment, withName("model", name, opts))
}

// WaitForJobExecution polls GetJobExecution until the execution has succeeded. It fails fast
// when the execution has failed, was cancelled or timed out, with a *StatusError carrying the
// message of a failed task when there is one.
func (c *Client) WaitForJobExecution(ctx context.Context, jobID, executionID string, opts ...WaitOption) (*gen.JobExecution, error) {
	get := func(ctx context.Context) (*gen.JobExecution, error) {
		return c.GetJobExecution(ctx, jobID, executionID)
	}
	return wait(ctx, get, jobExecutionState, jobRun, withName("job execution", jobID+"/"+executionID, opts))
}

// withName puts the resource's name in front of the caller's options, for error messages.
func withName(kind, name string, opts []WaitOption) []WaitOption {
	return append([]WaitOption{WithResource(kind, name)}, opts...)
}

func sandboxState(s *gen.Sandbox) (string, string) {
	status, detail := deploymentState(s.Status, s.Events)
	if detail == "" {
		// The sandbox's own list of infrastructure errors, when events say nothing.
		for _, e := range slices.Backward(s.Errors) {
			if e.Message != nil && *e.Message != "" {
				return status, *e.Message
			}
		}
	}
	return status, detail
}

// deploymentState reads a deployment's status and the message of its latest event.
func deploymentState(status *gen.Status, events *gen.CoreEvents) (string, string) {
	s := ""
	if status != nil {
		s = string(*status)
	}
	if events == nil {
		return s, ""
	}
	return s, lastEventMessage(*events)
}

// lastEventMessage returns the message of the most recent event that has one: by time when
// every such event has a readable time, else the last in the list (the API appends events).
func lastEventMessage(events []gen.CoreEvent) string {
	best, bestTime, byTime := "", time.Time{}, true
	for _, e := range events {
		if e.Message == nil || *e.Message == "" {
			continue
		}
		var at time.Time
		if e.Time != nil {
			at, _ = time.Parse(time.RFC3339Nano, *e.Time)
		}
		byTime = byTime && !at.IsZero()
		if !byTime || !at.Before(bestTime) {
			best, bestTime = *e.Message, at
		}
	}
	if !byTime {
		// Some time is missing or unreadable: trust the order of the list instead.
		for _, e := range slices.Backward(events) {
			if e.Message != nil && *e.Message != "" {
				return *e.Message
			}
		}
	}
	return best
}

func jobExecutionState(x *gen.JobExecution) (string, string) {
	status := ""
	if x.Status != nil {
		status = string(*x.Status)
	}
	for _, task := range x.Tasks {
		if task.Status == nil || *task.Status != gen.JobExecutionTaskStatusFailed {
			continue
		}
		for _, cond := range slices.Backward(task.Conditions) {
			if cond.Message != nil && *cond.Message != "" {
				return status, *cond.Message
			}
		}
	}
	return status, ""
}
