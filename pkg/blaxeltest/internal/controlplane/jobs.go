package controlplane

import (
	"fmt"
	"maps"
	"time"
)

// jobExecutionsPath is the collection of a job's executions, as openapi.yaml spells it.
const jobExecutionsPath = "/jobs/{jobId}/executions"

// JobRunner runs the executions of the jobs that tests gave a handler.
type JobRunner interface {
	// Runs reports whether a handler runs the executions of the job.
	Runs(job string) bool
	// Start runs an execution in the background, reporting on run as its tasks go.
	Start(run *JobRun)
}

// JobRun is an execution handed to a JobRunner: what its tasks need, and the reports that
// move the stored execution along (running, then succeeded or failed).
type JobRun struct {
	Workspace, Job, ID string
	Tasks              []any             // each task's input, as the creation sent it
	Env                map[string]string // the job's runtime variables, then the execution's overrides

	st  *store
	e   *entry
	now func() time.Time
}

// startJob hands a new execution to the runner when its job has a handler: the execution
// then stays running until its tasks have run, instead of settling after the deploy delay.
// The caller holds the store's lock; the runner works in the background.
func (h *handlers) startJob(c *call, e *entry) {
	coll := c.op.coll
	if h.jobs == nil || coll.path != jobExecutionsPath || c.seeding || !h.jobs.Runs(c.params["jobId"]) {
		return
	}
	body, _ := c.body.(map[string]any)
	tasks, _ := body["tasks"].([]any)
	if len(tasks) == 0 {
		tasks = []any{map[string]any{}} // an execution runs one task at least
	}
	env := map[string]string{}
	if job := c.sp.find(c.op.enclosing, c.params); job != nil {
		list, _ := getPath(job.doc, []string{"spec", "runtime", "envs"})
		vars, _ := list.([]any)
		for _, v := range vars {
			if m, ok := v.(map[string]any); ok {
				name, _ := m["name"].(string)
				value, _ := m["value"].(string)
				if name != "" {
					env[name] = value
				}
			}
		}
	}
	if overrides, ok := body["env"].(map[string]any); ok {
		for k, v := range overrides {
			if s, ok := v.(string); ok {
				env[k] = s
			}
		}
	}
	e.deploy = nil
	e.doc["status"] = "running"
	setPath(e.doc, []string{"spec", "parallelism"}, 1)
	setPath(e.doc, []string{"metadata", "startedAt"}, stamp(c.now))
	list := make([]any, len(tasks))
	for i := range tasks {
		list[i] = map[string]any{"metadata": map[string]any{"name": fmt.Sprintf("%s-%d", e.key, i)}, "status": "pending"}
	}
	e.doc["tasks"] = list
	run := &JobRun{Workspace: c.workspace, Job: c.params["jobId"], ID: e.key, Tasks: tasks, Env: maps.Clone(env), st: h.st, e: e, now: h.now}
	run.countLocked()
	h.jobs.Start(run)
}

// TaskStarted reports that task i runs.
func (r *JobRun) TaskStarted(i int) {
	r.update(i, func(task map[string]any) {
		task["status"] = "running"
		setPath(task, []string{"metadata", "startedAt"}, stamp(r.now()))
	})
}

// TaskEnded reports that task i ended, failed when err is not nil.
func (r *JobRun) TaskEnded(i int, err error) {
	r.update(i, func(task map[string]any) {
		task["status"] = "succeeded"
		if err != nil {
			task["status"] = "failed"
			task["conditions"] = []any{map[string]any{"type": "failed", "reason": "TaskFailed", "message": err.Error()}}
		}
		setPath(task, []string{"metadata", "completedAt"}, stamp(r.now()))
	})
}

// Finished reports that every task ended: the execution succeeded when they all did.
func (r *JobRun) Finished() {
	r.st.mu.Lock()
	defer r.st.mu.Unlock()
	failed := r.countLocked()["failure"] != 0
	r.e.doc["status"] = "succeeded"
	if failed {
		r.e.doc["status"] = "failed"
	}
	setPath(r.e.doc, []string{"metadata", "completedAt"}, stamp(r.now()))
}

func (r *JobRun) update(i int, change func(task map[string]any)) {
	r.st.mu.Lock()
	defer r.st.mu.Unlock()
	tasks, _ := r.e.doc["tasks"].([]any)
	if i < 0 || i >= len(tasks) {
		return
	}
	if task, ok := tasks[i].(map[string]any); ok {
		change(task)
	}
	r.countLocked()
}

// countLocked sets the execution's stats from its tasks. The caller holds the store's lock.
func (r *JobRun) countLocked() map[string]any {
	tasks, _ := r.e.doc["tasks"].([]any)
	stats := map[string]any{"total": len(tasks), "running": 0, "success": 0, "failure": 0, "cancelled": 0, "retried": 0}
	for _, t := range tasks {
		task, _ := t.(map[string]any)
		switch task["status"] {
		case "running":
			stats["running"] = stats["running"].(int) + 1
		case "succeeded":
			stats["success"] = stats["success"].(int) + 1
		case "failed":
			stats["failure"] = stats["failure"].(int) + 1
		}
	}
	r.e.doc["stats"] = stats
	return stats
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
