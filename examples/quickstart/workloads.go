package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/blaxelmcp"
)

// workloadSteps is how many lines the workloads step prints.
func (t *tour) workloadSteps() int {
	if !t.workloads {
		return 0
	}
	return 3
}

// deployAndCall deploys a function and an agent, lists the function's tools and calls echo
// over MCP, then calls the agent and streams its answer. It needs a server that runs what it
// deploys, as the fake does; Blaxel itself deploys code built with bl deploy, so against it
// the step is skipped.
func (t *tour) deployAndCall(ctx context.Context, name string) error {
	if !t.workloads {
		fmt.Fprintln(t.out, "Skipped deploying a function and an agent: Blaxel runs code built with bl deploy (-workloads does it against a fake).")
		return nil
	}
	function, agent := name+"-tools", name+"-agent"
	streamable := gen.FunctionRuntimeTransportHTTPStream
	if _, err := t.client.CreateFunction(ctx, gen.Function{
		Metadata: gen.Metadata{Name: function},
		Spec:     gen.FunctionSpec{Runtime: &gen.FunctionRuntime{Transport: &streamable}},
	}); err != nil {
		return fmt.Errorf("create function %s: %w", function, err)
	}
	t.later("function", func(ctx context.Context) error {
		_, err := t.client.DeleteFunction(ctx, function)
		return err
	})
	if _, err := t.client.WaitForFunction(ctx, function, t.poll...); err != nil {
		return fmt.Errorf("deploy function %s: %w", function, err)
	}
	session, err := blaxelmcp.Connect(ctx, t.client, function)
	if err != nil {
		return err
	}
	defer session.Close()
	var tools []string
	for tool, err := range session.Tools(ctx, nil) {
		if err != nil {
			return fmt.Errorf("list the tools of %s: %w", function, err)
		}
		tools = append(tools, tool.Name)
	}
	t.say("Deployed function %s and listed its tools over MCP: %s", function, strings.Join(tools, ", "))

	res, err := session.CallTool(ctx, &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"message": "hello from Go"}})
	if err != nil {
		return fmt.Errorf("call echo: %w", err)
	}
	if res.IsError || len(res.Content) == 0 {
		return errors.New("call echo: the tool answered no text")
	}
	text, _ := res.Content[0].(*mcp.TextContent)
	if text == nil {
		return fmt.Errorf("call echo: the tool answered %T, not text", res.Content[0])
	}
	t.say("Called its echo tool: it answered %q", text.Text)

	if _, err := t.client.CreateAgent(ctx, gen.Agent{Metadata: gen.Metadata{Name: agent}}); err != nil {
		return fmt.Errorf("create agent %s: %w", agent, err)
	}
	t.later("agent", func(ctx context.Context) error {
		_, err := t.client.DeleteAgent(ctx, agent)
		return err
	})
	if _, err := t.client.WaitForAgent(ctx, agent, t.poll...); err != nil {
		return fmt.Errorf("deploy agent %s: %w", agent, err)
	}
	body, err := t.client.RunAgent(ctx, agent, strings.NewReader(`{"inputs":"hello agent"}`), blaxel.WithThreadID("quickstart"))
	if err != nil {
		return fmt.Errorf("call agent %s: %w", agent, err)
	}
	answer, err := io.ReadAll(io.LimitReader(body, 1<<10))
	body.Close()
	if err != nil {
		return fmt.Errorf("call agent %s: %w", agent, err)
	}
	events := 0
	for _, err := range t.client.RunAgentEvents(ctx, agent, strings.NewReader(`{"inputs":"hello agent"}`)) {
		if err != nil {
			return fmt.Errorf("stream agent %s: %w", agent, err)
		}
		events++
	}
	t.say("Deployed agent %s: it answered %s, and streamed %s", agent, strings.TrimSpace(string(answer)), count(events, "event"))
	return nil
}
