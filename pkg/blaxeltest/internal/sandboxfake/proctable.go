package sandboxfake

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Process statuses, as the sandbox API names them.
const (
	statusRunning   = "running"
	statusCompleted = "completed"
	statusFailed    = "failed"
	statusStopped   = "stopped"
	statusKilled    = "killed"
)

// proc is a process as the table keeps it.
type proc struct {
	pid, name, command string
	workingDir         string // as the request gave it, "" for none (the record says so); view.WorkingDir is where it runs
	env                map[string]string
	fn                 CommandFunc
	restartOnFailure   bool
	maxRestarts        int
	startedAt          time.Time
	out                *procOutput
	view               *Process

	// Guarded by the table's mu.
	keepAlive    bool // cleared by a stop or a kill
	status       string
	exitCode     int
	completedAt  time.Time
	restartCount int
	run          *procRun
	over         bool          // no run follows: done is closed
	done         chan struct{} // closed when the process is over for good
	ports        []int
	portsChanged chan struct{} // closed and replaced when a port opens
}

// procRun is one run of a process: the first, or one after a restart on failure.
type procRun struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	done   chan struct{}
}

// processTable holds the processes of one sandbox. Safe for concurrent use.
type processTable struct {
	sb       *sandbox
	host     *Host
	mu       sync.Mutex
	list     []*proc
	byPID    map[string]*proc
	nextPID  int
	starts   map[string]int // by name
	commands map[string]int // by command line
}

func newProcessTable(sb *sandbox, host *Host) *processTable {
	return &processTable{sb: sb, host: host, byPID: map[string]*proc{}, nextPID: 100,
		starts: map[string]int{}, commands: map[string]int{}}
}

// startSpec is a request to start a process, checked.
type startSpec struct {
	command, name, workingDir string
	env                       map[string]string
	keepAlive                 bool
	timeout                   int // seconds; with keepAlive, the kill deadline (0 for none)
	restartOnFailure          bool
	maxRestarts               int
}

// errNameRunning is what starting a process under the name of a running one answers.
type errNameRunning string

func (e errNameRunning) Error() string {
	return fmt.Sprintf("process with name '%s' already exists and is running", string(e))
}

// Causes of the end of a run.
var (
	errStopped      = errors.New("blaxeltest: the process was stopped")
	errKilled       = errors.New("blaxeltest: the process was killed")
	errProcessOver  = errors.New("blaxeltest: the process is over")
	errSandboxGone  = errors.New("blaxeltest: the sandbox is gone")
	errHostShutdown = errors.New("blaxeltest: the server is closing")
)

// start starts a process. With follow, the returned reader follows its output from the first
// byte.
func (t *processTable) start(spec startSpec, follow bool) (*proc, *logSub, error) {
	dir, asked := t.sb.workDir, ""
	if spec.workingDir != "" {
		dir = t.sb.abs(formatPath(spec.workingDir))
		asked = dir
		if info, err := t.sb.fs.stat(dir); err != nil || !info.dir {
			return nil, nil, fmt.Errorf("failed to start process: chdir %s: no such file or directory", dir)
		}
	}
	args, fn := t.host.commands.forLine(spec.command)
	if len(args) == 0 {
		args = []string{""}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	name := spec.name
	if name == "" {
		name = "proc-" + randomName(8)
	} else if old := t.findLocked(name); old != nil && old.status == statusRunning {
		return nil, nil, errNameRunning(name)
	}
	t.nextPID++
	p := &proc{
		pid: strconv.Itoa(t.nextPID), name: name, command: spec.command, workingDir: asked, env: spec.env,
		fn: fn, keepAlive: spec.keepAlive, restartOnFailure: spec.restartOnFailure, maxRestarts: spec.maxRestarts,
		startedAt: t.host.now(), out: newProcOutput(t.host.cfg.LogLimit),
		status: statusRunning, done: make(chan struct{}), portsChanged: make(chan struct{}),
	}
	p.view = &Process{
		Workspace: t.sb.workspace, Sandbox: t.sb.name, Name: name, PID: p.pid, Command: spec.command,
		Args: args, Env: spec.env, WorkingDir: dir,
		Stdout: procWriter{p.out, "stdout"}, Stderr: procWriter{p.out, "stderr"},
		sb: t.sb, proc: p,
	}
	p.run = t.newRun()
	t.list = append(t.list, p)
	t.byPID[p.pid] = p
	t.starts[name]++
	t.commands[spec.command]++
	var sub *logSub
	if follow {
		sub, _, _ = p.out.attach()
	}
	go t.runLoop(p)
	if spec.keepAlive && spec.timeout > 0 {
		go t.killAfter(p, spec.timeout)
	}
	return p, sub, nil
}

func (t *processTable) newRun() *procRun {
	ctx, cancel := context.WithCancelCause(t.host.ctx)
	return &procRun{ctx: ctx, cancel: cancel, done: make(chan struct{})}
}

// runLoop runs a process's command, then again while it fails and may restart.
func (t *processTable) runLoop(p *proc) {
	for {
		t.mu.Lock()
		run := p.run
		t.mu.Unlock()
		code := t.call(run.ctx, p)
		run.cancel(errProcessOver)

		t.mu.Lock()
		if p.over { // killed meanwhile: the kill ended it
			t.mu.Unlock()
			return
		}
		p.completedAt = t.host.now()
		switch {
		case p.status == statusStopped || p.status == statusKilled:
			p.exitCode = -1 // ended by a signal
		case code == 0:
			p.status, p.exitCode = statusCompleted, 0
		default:
			p.status, p.exitCode = statusFailed, code
		}
		restart := p.status == statusFailed && p.restartOnFailure && (p.maxRestarts < 0 || p.restartCount < p.maxRestarts)
		limit := strconv.Itoa(p.maxRestarts)
		if p.maxRestarts < 0 {
			limit = "unlimited"
		}
		msg := fmt.Sprintf("\n[Process failed with exit code %d. Attempting restart %d/%s...]\n", p.exitCode, p.restartCount+1, limit)
		t.mu.Unlock()
		if restart {
			p.out.notice(msg)
		}

		t.mu.Lock()
		if p.over {
			t.mu.Unlock()
			return
		}
		close(run.done)
		if !restart {
			t.finishLocked(p)
			t.mu.Unlock()
			return
		}
		p.restartCount++
		t.mu.Unlock()
		select { // the real server waits a second before it restarts
		case <-time.After(t.host.cfg.Second):
		case <-p.done:
			return
		}
		t.mu.Lock()
		if p.over {
			t.mu.Unlock()
			return
		}
		p.status, p.completedAt, p.run = statusRunning, time.Time{}, t.newRun()
		t.mu.Unlock()
	}
}

// call runs the command's function once; a panic is reported and ends it with status 2.
func (t *processTable) call(ctx context.Context, p *proc) (code int) {
	defer func() {
		if v := recover(); v != nil {
			t.host.report("command %q of sandbox %s panicked: %v", p.command, t.sb.name, v)
			fmt.Fprintf(p.view.Stderr, "panic: %v\n", v)
			code = 2
		}
	}()
	return p.fn(ctx, p.view)
}

// finishLocked marks a process over. The caller holds t.mu.
func (t *processTable) finishLocked(p *proc) {
	p.over = true
	close(p.done)
	p.out.end()
}

// killAfter kills a keepAlive process once its deadline (seconds of the sandbox) passes.
func (t *processTable) killAfter(p *proc, seconds int) {
	select {
	case <-time.After(time.Duration(seconds) * t.host.cfg.Second):
		_ = t.kill(p.pid)
	case <-p.done:
	}
}

// find returns a process by PID or by name (the latest started of that name), nil when none.
func (t *processTable) find(id string) *proc {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.findLocked(id)
}

func (t *processTable) findLocked(id string) *proc {
	if p := t.byPID[id]; p != nil {
		return p
	}
	if t.host.cfg.Quirks.has(QuirkDigitsArePIDs) && isDigits(id) {
		return nil
	}
	for i := len(t.list) - 1; i >= 0; i-- {
		if t.list[i].name == id {
			return t.list[i]
		}
	}
	return nil
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// stop ends a running process gracefully: its context ends and it is marked stopped at once,
// whether or not its function returns.
func (t *processTable) stop(id string) error {
	p := t.find(id)
	if p == nil {
		return fmt.Errorf("process with Identifier %s not found", id)
	}
	t.mu.Lock()
	running := p.status == statusRunning
	t.mu.Unlock()
	if !running {
		return fmt.Errorf("process with Identifier %s is not running", id)
	}
	p.out.announce("\n[Process is being gracefully terminated]\n")
	t.mu.Lock()
	defer t.mu.Unlock()
	if !p.over {
		p.status, p.keepAlive = statusStopped, false
		p.run.cancel(errStopped)
	}
	return nil
}

// kill ends a process at once: its context ends, it is over, and what its function writes
// later is dropped.
func (t *processTable) kill(id string) error {
	p := t.find(id)
	if p == nil {
		return fmt.Errorf("process with Identifier %s not found", id)
	}
	t.mu.Lock()
	over := p.over
	t.mu.Unlock()
	if over {
		return fmt.Errorf("failed to kill process with Identifier %s: no such process", id)
	}
	p.out.announce("\n[Process is being forcefully killed]\n")
	t.mu.Lock()
	defer t.mu.Unlock()
	if p.over {
		return fmt.Errorf("failed to kill process with Identifier %s: no such process", id)
	}
	p.status, p.exitCode, p.completedAt, p.keepAlive = statusKilled, -1, t.host.now(), false
	p.run.cancel(errKilled)
	close(p.run.done)
	t.finishLocked(p)
	return nil
}

// listen records a port the process opened.
func (t *processTable) listen(p *proc, port int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if slices.Contains(p.ports, port) {
		return
	}
	p.ports = append(p.ports, port)
	close(p.portsChanged)
	p.portsChanged = make(chan struct{})
}

// portsOpen reports whether the process listens on every port, and returns a channel closed
// at the next change.
func (t *processTable) portsOpen(p *proc, ports []int) (bool, <-chan struct{}) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, port := range ports {
		if !slices.Contains(p.ports, port) {
			return false, p.portsChanged
		}
	}
	return true, p.portsChanged
}

// runDone returns the channel closed when the current run of the process ends.
func (t *processTable) runDone(p *proc) <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	return p.run.done
}

func (t *processTable) all() []*proc {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.list)
}

// close kills every process, when the sandbox goes away.
func (t *processTable) close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, p := range t.list {
		if !p.over {
			p.run.cancel(errSandboxGone)
			close(p.run.done)
			t.finishLocked(p)
		}
	}
}

// procWriter is a process's stdout or stderr.
type procWriter struct {
	out    *procOutput
	stream string
}

func (w procWriter) Write(b []byte) (int, error) {
	if !w.out.add(w.stream, b) {
		return 0, errProcessOver
	}
	return len(b), nil
}

// randomName returns n random characters of [a-z0-9], as the real server names processes.
func randomName(n int) string {
	const charset = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	for i := range b {
		b[i] = charset[int(b[i])%len(charset)]
	}
	return string(b)
}
