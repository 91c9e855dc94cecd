package controlplane

import (
	"slices"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// FailLabel is the label that makes a new resource's deployment fail: create it with
// metadata.labels[FailLabel] = "true" and it goes DEPLOYING, then FAILED.
const FailLabel = "blaxeltest/fail"

// lifecycle names the statuses a new item goes through: in progress, then done or failed.
type lifecycle struct {
	pending, done, failed string
}

// knownLifecycles are the status sets the server recognises in a status enum: deployments
// (agents, functions, models, sandboxes, jobs...), job executions and snapshots.
func knownLifecycles() []lifecycle {
	return []lifecycle{
		{pending: "DEPLOYING", done: "DEPLOYED", failed: "FAILED"},
		{pending: "running", done: "succeeded", failed: "failed"},
		{pending: "pending", done: "ready", failed: "failed"}, // snapshots
	}
}

// lifecycleOf returns the lifecycle whose statuses the enum holds, nil when none fits.
func lifecycleOf(status *openapi3.SchemaRef) *lifecycle {
	if status == nil || status.Value == nil {
		return nil
	}
	enum := status.Value.Enum
	for _, l := range knownLifecycles() {
		if slices.Contains(enum, any(l.pending)) && slices.Contains(enum, any(l.done)) && slices.Contains(enum, any(l.failed)) {
			return &l
		}
	}
	return nil
}

// deployment is the pending change of status of a new item.
type deployment struct {
	at   time.Time // when the item leaves its in-progress status
	fail bool      // whether it ends failed
	done bool

	// For a transition (transition.go): the status it ends in, the event's message, and what
	// else changes then.
	to, message string
	finish      func(doc map[string]any, item *collection, at time.Time)
}

// startDeployment puts a new item in its in-progress status.
func startDeployment(c *collection, e *entry, now time.Time, delay time.Duration) {
	if c.lifecycle == nil {
		return
	}
	labels, _ := getPath(e.doc, []string{"metadata", "labels"})
	m, _ := labels.(map[string]any)
	e.deploy = &deployment{at: now.Add(delay), fail: m[FailLabel] == "true"}
	e.doc["status"] = c.lifecycle.pending
	addEvent(c, e, now, c.lifecycle.pending, "deployment started")
}

// settle moves an item whose delay is over to its final status. The server calls it before
// every read, so no goroutine is needed to keep time.
func settle(c *collection, e *entry, now time.Time) {
	d := e.deploy
	if d == nil || d.done || now.Before(d.at) || c.lifecycle == nil && d.to == "" {
		return
	}
	d.done = true
	if d.to != "" {
		e.doc["status"] = d.to
		if d.finish != nil {
			d.finish(e.doc, c, d.at)
		}
		addEvent(c, e, d.at, d.to, d.message)
		return
	}
	status, msg := c.lifecycle.done, "deployment succeeded"
	if d.fail {
		status, msg = c.lifecycle.failed, "deployment failed: the resource carries the label "+FailLabel
	}
	e.doc["status"] = status
	addEvent(c, e, d.at, status, msg)
}

func addEvent(c *collection, e *entry, at time.Time, status, msg string) {
	if !c.hasEvents {
		return
	}
	events, _ := e.doc["events"].([]any)
	e.doc["events"] = append(events, map[string]any{
		"type":    "deployment",
		"status":  status,
		"message": msg,
		"time":    at.UTC().Format(time.RFC3339Nano),
	})
}
