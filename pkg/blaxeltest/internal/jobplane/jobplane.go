// Package jobplane runs the executions of jobs in the fake: for a job a test gave a Go
// handler, each task of an execution created through the control plane calls the handler,
// with the environment the platform gives a task, and the execution data served at an
// address of the server.
package jobplane

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/controlplane"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/wire"
)

// The variables the platform sets for a task, which Blaxel's SDKs read.
const (
	EnvExecutionDataURL = "BL_EXECUTION_DATA_URL" // where the execution's data is: {"tasks": [...]}
	EnvTaskIndex        = "TASK_INDEX"            // the task's index in it, the default of BL_TASK_KEY
)

// dataPath is where the execution data is served, below the server's root; no workspace can
// be named so.
const dataPath = "/_blaxeltest/execution-data/"

// Func runs one task.
type Func func(ctx context.Context, task Task) error

// Task is one task of an execution as its handler gets it.
type Task struct {
	Job, Execution string
	Index          int
	Input          json.RawMessage   // the task's input, as the execution was created with it
	Env            map[string]string // the task's environment variables
}

// LookupEnv reads the task's environment, as os.LookupEnv reads a process's.
func (t Task) LookupEnv(name string) (string, bool) {
	v, ok := t.Env[name]
	return v, ok
}

// Plane keeps the job handlers and runs executions. Safe for concurrent use.
type Plane struct {
	root string // the server's address, for the execution data URL

	mu       sync.Mutex
	handlers map[string]Func
	data     map[string][]byte // the data of the executions running, by token

	running sync.WaitGroup
	stop    context.Context
	stopAll context.CancelFunc
}

var _ controlplane.JobRunner = (*Plane)(nil)

// New makes a job plane for a server at root (e.g. http://127.0.0.1:41234).
func New(root string) *Plane {
	stop, cancel := context.WithCancel(context.Background())
	return &Plane{root: root, handlers: map[string]Func{}, data: map[string][]byte{}, stop: stop, stopAll: cancel}
}

// Handle makes fn run the tasks of the executions of the job named name; nil removes it.
func (p *Plane) Handle(name string, fn Func) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if fn == nil {
		delete(p.handlers, name)
		return
	}
	p.handlers[name] = fn
}

// Runs reports whether a handler runs the job's executions.
func (p *Plane) Runs(job string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.handlers[job] != nil
}

// Start runs an execution's tasks in the background, one after the other in index order.
func (p *Plane) Start(run *controlplane.JobRun) {
	p.mu.Lock()
	fn := p.handlers[run.Job]
	token := wire.RandomHex(16)
	data, err := json.Marshal(map[string]any{"tasks": run.Tasks})
	if err == nil {
		p.data[token] = data
	}
	p.mu.Unlock()
	p.running.Go(func() {
		defer func() {
			p.mu.Lock()
			delete(p.data, token)
			p.mu.Unlock()
			run.Finished()
		}()
		for i, input := range run.Tasks {
			raw, _ := json.Marshal(input)
			env := maps.Clone(run.Env)
			env[EnvExecutionDataURL] = p.root + dataPath + token
			env[EnvTaskIndex] = strconv.Itoa(i)
			run.TaskStarted(i)
			if err != nil { // the inputs came from JSON: this does not happen
				run.TaskEnded(i, fmt.Errorf("the execution data: %w", err))
				continue
			}
			task := Task{Job: run.Job, Execution: run.ID, Index: i, Input: raw, Env: env}
			run.TaskEnded(i, call(p.stop, fn, task))
		}
	})
}

// call runs a handler, a panic turned into the task's failure.
func call(ctx context.Context, fn Func, task Task) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("the task panicked: %v", v)
		}
	}()
	if fn == nil {
		return fmt.Errorf("no handler for job %s", task.Job)
	}
	return fn(ctx, task)
}

// Serves reports whether an address is the job plane's.
func Serves(u *url.URL) bool { return strings.HasPrefix(u.EscapedPath(), dataPath) }

// ServeHTTP answers GET of an execution's data, as the platform serves it to its tasks: no
// credential, the address itself is the secret. It is there while the execution runs.
func (p *Plane) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		wire.Write(w, wire.Error(http.StatusMethodNotAllowed, "method_not_allowed", "the execution data is read with GET"))
		return
	}
	p.mu.Lock()
	data, ok := p.data[strings.TrimPrefix(r.URL.EscapedPath(), dataPath)]
	p.mu.Unlock()
	if !ok {
		wire.Write(w, wire.Error(http.StatusNotFound, "not_found", "no execution running has this data address"))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(data)
}

// Close ends the context of the tasks running and waits for them until ctx ends.
func (p *Plane) Close(ctx context.Context) {
	p.stopAll()
	done := make(chan struct{})
	go func() {
		p.running.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
}
