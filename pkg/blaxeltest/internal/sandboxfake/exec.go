package sandboxfake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// processRequest is the body of POST /process.
type processRequest struct {
	Command           string            `json:"command"`
	Name              string            `json:"name"`
	WorkingDir        string            `json:"workingDir"`
	Env               map[string]string `json:"env"`
	WaitForCompletion bool              `json:"waitForCompletion"`
	Timeout           *int              `json:"timeout"`
	WaitForPorts      []int             `json:"waitForPorts"`
	RestartOnFailure  bool              `json:"restartOnFailure"`
	MaxRestarts       int               `json:"maxRestarts"`
	KeepAlive         bool              `json:"keepAlive"`
}

// processView is a process as the Sandbox API describes it.
type processView struct {
	PID              string  `json:"pid"`
	Name             string  `json:"name"`
	Command          string  `json:"command"`
	Status           string  `json:"status"`
	StartedAt        string  `json:"startedAt"`
	CompletedAt      *string `json:"completedAt"`
	ExitCode         int     `json:"exitCode"`
	WorkingDir       string  `json:"workingDir"`
	Logs             *string `json:"logs"` // null in the answer to a start that did not wait
	Stdout           *string `json:"stdout"`
	Stderr           *string `json:"stderr"`
	RestartOnFailure bool    `json:"restartOnFailure"`
	MaxRestarts      int     `json:"maxRestarts"`
	RestartCount     int     `json:"restartCount"`
	KeepAlive        bool    `json:"keepAlive"`
}

// Sizes of the output the API inlines: in a process's description, and in its logs.
const (
	inlinedLogBytes  = 64 << 10
	logsAnswerBytes  = 4 << 20
	processTimeShape = "Mon, 02 Jan 2006 15:04:05 GMT" // the server's format, in UTC
)

// view describes a process. In a listing (QuirkCompletedAtNull) a running process's
// completedAt is null; elsewhere it is "".
func (t *processTable) view(p *proc, listing bool) processView {
	stdout, stderr := p.out.tails(inlinedLogBytes)
	logs := stdout + stderr
	t.mu.Lock()
	defer t.mu.Unlock()
	v := processView{
		PID: p.pid, Name: p.name, Command: p.command, Status: p.status, ExitCode: p.exitCode,
		StartedAt: p.startedAt.UTC().Format(processTimeShape), WorkingDir: p.workingDir,
		Logs: &logs, Stdout: &stdout, Stderr: &stderr,
		RestartOnFailure: p.restartOnFailure, MaxRestarts: p.maxRestarts, RestartCount: p.restartCount,
		KeepAlive: p.keepAlive,
	}
	completed := ""
	if !p.completedAt.IsZero() {
		completed = p.completedAt.UTC().Format(processTimeShape)
	}
	if completed != "" || !listing || !t.host.cfg.Quirks.has(QuirkCompletedAtNull) {
		v.CompletedAt = &completed
	}
	return v
}

// startProcess starts a process; with waitForCompletion or waitForPorts it answers once the
// process is done or listens, or 422 when timeout (seconds) passes first, the process going
// on. With Accept: text/event-stream it streams the process's output instead (execStream).
func startProcess(x *sbxCall) {
	var req processRequest
	if err := x.readJSON(&req); err != nil {
		x.fail(http.StatusBadRequest, err.Error())
		return
	}
	if req.Command == "" {
		x.fail(http.StatusBadRequest, "invalid request body: Key: 'ProcessRequest.Command' Error:Field validation for 'Command' failed on the 'required' tag")
		return
	}
	timeout := 0
	if req.Timeout != nil {
		timeout = *req.Timeout
	}
	if req.KeepAlive && (req.Timeout == nil || timeout < 0) {
		timeout = 600 // the kill deadline of a keepAlive process, by default
	}
	spec := startSpec{
		command: req.Command, name: req.Name, workingDir: req.WorkingDir, env: req.Env,
		keepAlive: req.KeepAlive, timeout: timeout, restartOnFailure: req.RestartOnFailure, maxRestarts: req.MaxRestarts,
	}
	if req.Name != "" {
		if old := x.sb.procs.find(req.Name); old != nil && x.sb.procs.running(old) {
			x.fail(http.StatusBadRequest, errNameRunning(req.Name).Error())
			return
		}
	}
	if wantsEventStream(x.r) {
		execStream(x, spec)
		return
	}
	p, _, err := x.sb.procs.start(spec, false)
	if err == nil {
		tookEffect(x.r.Context())
	}
	var taken errNameRunning
	switch {
	case errors.As(err, &taken):
		x.fail(http.StatusBadRequest, err.Error())
		return
	case err != nil:
		x.fail(http.StatusUnprocessableEntity, err.Error())
		return
	}
	if req.WaitForCompletion || len(req.WaitForPorts) > 0 {
		switch x.wait(p, req, timeout) {
		case waitGone:
			return
		case waitTimedOut:
			x.fail(http.StatusUnprocessableEntity, fmt.Sprintf("process timed out after %d seconds", timeout))
			return
		}
	}
	v := x.sb.procs.view(p, false)
	if !req.WaitForCompletion {
		// The real server reads the output from the process's log files only for a start
		// that waited for the end; other answers to a start leave it out.
		v.Logs, v.Stdout, v.Stderr = nil, nil, nil
	}
	x.json(http.StatusOK, v)
}

type waitResult int

const (
	waitDone     waitResult = iota
	waitTimedOut            // the process goes on
	waitGone                // the client or the edge gave up
)

// wait waits for the ports a start asked for, then for the end of the process if asked,
// bounded by timeout seconds of the sandbox (0 for none).
func (x *sbxCall) wait(p *proc, req processRequest, timeout int) waitResult {
	return x.sb.await(x.ctx, p, req.WaitForPorts, req.WaitForCompletion, timeout)
}

// await waits for ports to open on p, then for its end if completion, bounded by timeout
// seconds of the sandbox (0 for none) and by ctx.
func (sb *sandbox) await(ctx context.Context, p *proc, ports []int, completion bool, timeout int) waitResult {
	var deadline <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(time.Duration(timeout) * sb.host.cfg.Second)
		defer t.Stop()
		deadline = t.C
	}
	for len(ports) > 0 {
		open, changed := sb.procs.portsOpen(p, ports)
		if open {
			break
		}
		select {
		case <-changed:
		case <-p.done: // it will never listen
			return waitDone
		case <-deadline:
			return waitTimedOut
		case <-ctx.Done():
			return waitGone
		}
	}
	if !completion {
		return waitDone
	}
	select {
	case <-p.done:
		return waitDone
	case <-deadline:
		return waitTimedOut
	case <-ctx.Done():
		return waitGone
	}
}

// execEvent is one line of an exec stream.
type execEvent struct {
	Type string `json:"type"`
	Data string `json:"data,omitempty"`
}

// execStream starts a process and streams its output as NDJSON events, as the real server
// does: stdout and stderr events carrying raw chunks (not lines), a keepalive event every 5 s,
// a stdout event "[keepalive]\n" every 30 s with QuirkKeepaliveText, and at the end a result
// event whose data is the process's description as a JSON string. A failure to start comes
// as an error event inside the 200. The process goes on if the client leaves.
func execStream(x *sbxCall, spec startSpec) {
	stream := x.startStream("application/x-ndjson", http.Header{"Connection": {"keep-alive"}, "X-Accel-Buffering": {"no"}})
	send := func(typ, data string) error {
		line, _ := jsonLine(execEvent{Type: typ, Data: data})
		return stream.line(line)
	}
	p, sub, err := x.sb.procs.start(spec, true)
	if err == nil {
		tookEffect(x.r.Context())
	}
	if err != nil {
		_ = send("error", err.Error())
		return
	}
	defer p.out.detach(sub)
	keepalive := time.NewTicker(5 * x.host.cfg.Second)
	defer keepalive.Stop()
	textKeepalive, stop := x.textKeepalive()
	defer stop()
	runDone := x.sb.procs.runDone(p)
	for {
		select {
		case ev := <-sub.events:
			if send(streamOf(ev), string(ev.data)) != nil {
				return
			}
		case <-keepalive.C:
			if send("keepalive", "") != nil {
				return
			}
		case <-textKeepalive:
			if x.sb.procs.running(p) && send("stdout", "[keepalive]\n") != nil {
				return
			}
		case <-runDone:
			for ev, more := drainOne(sub); more; ev, more = drainOne(sub) {
				if send(streamOf(ev), string(ev.data)) != nil {
					return
				}
			}
			result, _ := json.Marshal(x.sb.procs.view(p, false))
			_ = send("result", string(result))
			return
		case <-x.ctx.Done():
			return // the process goes on
		}
	}
}

// drainOne takes an event already queued, without waiting.
func drainOne(sub *logSub) (logEvent, bool) {
	select {
	case ev := <-sub.events:
		return ev, true
	default:
		return logEvent{}, false
	}
}

// streamOf is the event type of output: a notice of the server comes as stdout.
func streamOf(ev logEvent) string {
	if ev.stream == "" {
		return "stdout"
	}
	return ev.stream
}

// textKeepalive ticks every 30 s of the sandbox with QuirkKeepaliveText, never without; stop
// ends it.
func (x *sbxCall) textKeepalive() (<-chan time.Time, func()) {
	if !x.host.cfg.Quirks.has(QuirkKeepaliveText) {
		return nil, func() {}
	}
	t := time.NewTicker(30 * x.host.cfg.Second)
	return t.C, t.Stop
}

func (t *processTable) running(p *proc) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return p.status == statusRunning
}

// listProcesses answers every process of the sandbox, in the order they started.
func listProcesses(x *sbxCall) {
	out := []processView{}
	for _, p := range x.sb.procs.all() {
		out = append(out, x.sb.procs.view(p, true))
	}
	x.json(http.StatusOK, out)
}

// getProcess answers one process, by PID or name.
func getProcess(x *sbxCall) {
	p := x.sb.procs.find(x.params["identifier"])
	if p == nil {
		x.fail(http.StatusNotFound, "process not found")
		return
	}
	x.json(http.StatusOK, x.sb.procs.view(p, false))
}

// stopProcess stops a running process gracefully.
func stopProcess(x *sbxCall) {
	if err := x.sb.procs.stop(x.params["identifier"]); err != nil {
		x.fail(http.StatusNotFound, err.Error())
		return
	}
	x.json(http.StatusOK, map[string]string{"message": "Process stopped successfully"})
}

// killProcess kills a process.
func killProcess(x *sbxCall) {
	if err := x.sb.procs.kill(x.params["identifier"]); err != nil {
		x.fail(http.StatusNotFound, err.Error())
		return
	}
	x.json(http.StatusOK, map[string]string{"message": "Process killed successfully"})
}
