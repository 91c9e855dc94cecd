package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/blaxel-go/blaxel/gen/sandboxapi"
	"github.com/blaxel-go/blaxel/internal/pipeline"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// Command is a process to start in a sandbox with [Sandbox.Exec].
type Command struct {
	// Command is the command line, run by the sandbox's shell ($SHELL -c, sh by default):
	// quote what the shell must not interpret (see ShellQuote).
	Command string
	// Name finds the process later. Every start carries one, so that an ambiguous failure
	// (a reset, or the edge's 502, 503 or 504) is checked by looking the name up rather than
	// by sending the command again: without one, the client makes one up ("blx-" and 16
	// random letters and digits). It must be unique among running processes, and not made
	// only of digits (the sandbox would take it for a pid).
	Name       string
	WorkingDir string            // where the command runs; the sandbox's working directory when empty
	Env        map[string]string // added to the sandbox's environment, winning over it
	// WaitForPorts makes Exec return only once the process listens on each of these ports
	// (see [Sandbox.WaitForPorts]).
	WaitForPorts []int
	// KeepAlive keeps the sandbox from scaling to zero while the process runs. The sandbox
	// then kills the process after Timeout: 10 minutes when Timeout is 0, never when it is
	// negative. Timeout means nothing without KeepAlive.
	KeepAlive        bool
	Timeout          time.Duration
	RestartOnFailure bool // start the command again when it exits with a failure
	MaxRestarts      int  // how often RestartOnFailure may restart it; 0 for the sandbox's default
}

// processRequest checks the command and builds what StartProcess sends, with a name.
func (c Command) processRequest() (sandboxapi.ProcessRequest, error) {
	if strings.TrimSpace(c.Command) == "" {
		return sandboxapi.ProcessRequest{}, errors.New("blaxel: the command is empty")
	}
	if c.Name == "" {
		c.Name = newProcessName()
	} else if err := checkProcessName(c.Name); err != nil {
		return sandboxapi.ProcessRequest{}, err
	}
	if c.Timeout != 0 && !c.KeepAlive {
		return sandboxapi.ProcessRequest{}, errors.New("blaxel: Command.Timeout is the kill deadline of a KeepAlive process: set KeepAlive, or bound the wait with the context")
	}
	req := sandboxapi.ProcessRequest{Command: c.Command, Name: &c.Name, Env: c.Env}
	if c.WorkingDir != "" {
		dir, err := sandboxPath(c.WorkingDir)
		if err != nil {
			return sandboxapi.ProcessRequest{}, err
		}
		req.WorkingDir = &dir
	}
	if c.KeepAlive {
		req.KeepAlive = &c.KeepAlive
		switch {
		case c.Timeout < 0:
			never := 0
			req.Timeout = &never
		case c.Timeout > 0:
			secs := int(min(math.Ceil(c.Timeout.Seconds()), math.MaxInt32))
			req.Timeout = &secs
		}
	}
	if c.RestartOnFailure {
		req.RestartOnFailure = &c.RestartOnFailure
		if c.MaxRestarts != 0 {
			req.MaxRestarts = &c.MaxRestarts
		}
	}
	return req, nil
}

// checkProcessName refuses a name that cannot find its process again.
func checkProcessName(name string) error {
	if err := pipeline.CheckName("process", name); err != nil {
		return err
	}
	if strings.Trim(name, "0123456789") == "" {
		return fmt.Errorf("blaxel: the process name %q is made only of digits, which the sandbox takes for a pid", name)
	}
	return nil
}

// newProcessName makes a name that no other start will have.
func newProcessName() string {
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789"
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails
	for i := range b {
		b[i] = letters[int(b[i])%len(letters)]
	}
	return "blx-" + string(b[:])
}

// Exec starts a command and returns at once with the process (its name, pid and status),
// or, with Command.WaitForPorts, once it listens on them. The command is sent once: after an
// ambiguous failure the name is looked up, and the command is sent again only when the
// sandbox does not know it. One case remains that no client can rule out: a first request
// that the edge delivers after the lookup found nothing. A second request with the same
// name is then refused while the first runs, but starts again once the first has ended.
func (s *Sandbox) Exec(ctx context.Context, cmd Command) (_ *sandboxapi.ProcessResponse, err error) {
	ctx, op := s.p.StartOperation(ctx, "sandbox.Exec")
	defer func() { op.End(err) }()
	req, err := cmd.processRequest()
	if err != nil {
		return nil, err
	}
	_, proc, err := s.start(ctx, req, false)
	if err != nil {
		return nil, err
	}
	if len(cmd.WaitForPorts) > 0 {
		return s.WaitForPorts(ctx, proc.Name, cmd.WaitForPorts...)
	}
	return proc, nil
}

// start sends StartProcess, in the streaming mode when stream is set, and returns either the
// open stream (resp) or the process (proc): proc alone when the answer was JSON, or when an
// ambiguous failure turned out to have started the process anyway.
//
// It never sends the command twice. The pipeline resends a POST only when it provably did
// not leave; here, a reset after the request went out, or a 502, 503 or 504 from the edge,
// is followed by a pause and a lookup of the name: found, the process started and is
// returned; not found, the command is sent once more, within the client's retry budget.
func (s *Sandbox) start(ctx context.Context, req sandboxapi.ProcessRequest, stream bool) (*http.Response, *sandboxapi.ProcessResponse, error) {
	name := *req.Name
	var editors []sandboxapi.RequestEditorFn
	if stream {
		editors = append(editors, func(_ context.Context, r *http.Request) error {
			r.Header.Set("Accept", "text/event-stream") // what the sandbox looks for; it answers NDJSON
			return nil
		})
	}
	resent := false
	for attempt := 1; ; attempt++ {
		traced, wrote := traceWrites(ctx)
		resp, err := s.api.ClientInterface.StartProcess(traced, req, editors...)
		if err == nil {
			streamed := !pipeline.IsJSON(resp.Header.Get("Content-Type"))
			switch {
			case stream && streamed:
				return resp, nil, nil
			case streamed:
				proc, err := s.startedStream(ctx, resp, name)
				return nil, proc, err
			}
			// A JSON answer, also when a stream was asked for and the sandbox answered plainly.
			proc, err := s.decodeProcess(resp)
			var refused *blaxel.StreamError
			if err != nil && ctx.Err() == nil && !errors.As(err, &refused) {
				// The sandbox said 200, so the process started, whatever became of the answer.
				if found, lookupErr := s.Process(ctx, name); lookupErr == nil {
					return nil, found, nil
				}
			}
			return nil, proc, err
		}
		if resent && alreadyRunning(err) {
			// The first send started it after all, and it still runs.
			return s.found(ctx, name, err)
		}
		if !mayHaveActed(ctx, err, wrote()) {
			return nil, nil, err
		}
		// Sending again is a retry, decided and paid like every other; the lookup before it
		// happens whether or not one is left, after the same pause.
		retry := s.p.Retry(ctx, attempt, err)
		if retry != nil {
			if ctx.Err() != nil {
				return nil, nil, retry
			}
			if err := pipeline.Sleep(ctx, s.p.Backoff(attempt)); err != nil {
				return nil, nil, err
			}
		}
		proc, lookupErr := s.Process(ctx, name)
		switch {
		case lookupErr == nil:
			return nil, proc, nil
		case !errors.Is(lookupErr, blaxel.ErrNotFound):
			return nil, nil, fmt.Errorf("blaxel: process %q may or may not have started (%w), and looking it up failed: %w", name, err, lookupErr)
		case retry != nil:
			return nil, nil, err
		}
		resent = true // the sandbox does not know the name: the command did not start
	}
}

// startedStream reads the start of an event stream that answered a start which asked for
// none: an error event is the start's failure; anything else means the process runs, and
// the stream is left (the process goes on without it).
func (s *Sandbox) startedStream(ctx context.Context, resp *http.Response, name string) (*sandboxapi.ProcessResponse, error) {
	defer resp.Body.Close()
	lines := pipeline.NewLines(resp.Body)
	for {
		line, err := lines.ReadLine()
		if err != nil {
			break
		}
		var ev sandboxapi.ExecEvent
		if json.Unmarshal(line, &ev) != nil || ev.Type == sandboxapi.ExecEventTypeKeepalive {
			continue
		}
		if ev.Type == sandboxapi.ExecEventTypeError && ev.Data != nil {
			return nil, s.streamError(resp.Request, *ev.Data)
		}
		break
	}
	return s.Process(ctx, name)
}

// found returns the process that an earlier send started.
func (s *Sandbox) found(ctx context.Context, name string, cause error) (*http.Response, *sandboxapi.ProcessResponse, error) {
	proc, err := s.Process(ctx, name)
	if err != nil {
		return nil, nil, fmt.Errorf("blaxel: process %q: %w (and looking it up failed: %w)", name, cause, err)
	}
	return nil, proc, nil
}

// traceWrites tells, through written, whether a request made with the returned context was
// written out (by any of the pipeline's attempts).
func traceWrites(ctx context.Context) (traced context.Context, written func() bool) {
	var wrote atomic.Bool
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(httptrace.WroteRequestInfo) { wrote.Store(true) },
	}), wrote.Load
}

// mayHaveActed tells whether a failed POST to the sandbox may have been carried out: its
// answer was lost after it went out, or the edge answered 502, 503 or 504 in its place.
func mayHaveActed(ctx context.Context, err error, wrote bool) bool {
	if ctx.Err() != nil {
		return false
	}
	var apiErr *blaxel.APIError
	if !errors.As(err, &apiErr) {
		return wrote // no answer: it may have started if the request went out
	}
	switch apiErr.StatusCode {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// alreadyRunning recognises the sandbox's refusal to start a name that is running.
func alreadyRunning(err error) bool {
	var apiErr *blaxel.APIError
	return errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusBadRequest &&
		strings.Contains(apiErr.Message+string(apiErr.Body), "already exists and is running")
}

// decodeProcess reads a JSON ProcessResponse answer; a 200 that holds the sandbox's
// {"error": ...} instead is a *blaxel.StreamError.
func (s *Sandbox) decodeProcess(resp *http.Response) (*sandboxapi.ProcessResponse, error) {
	parsed, err := sandboxapi.ParseGetProcessResponse(resp)
	if err != nil {
		return nil, fmt.Errorf("blaxel: %s %s: %w", resp.Request.Method, s.p.Redact.URL(resp.Request.URL), s.p.Redact.Err(err))
	}
	if parsed.JSON200 != nil && parsed.JSON200.Name == "" {
		if msg, ok := errorBody(parsed.Body); ok {
			return nil, s.streamError(resp.Request, msg)
		}
		parsed.JSON200 = nil // not a process: a blaxel.DecodeError below
	}
	return json200(s.p.Redact, parsed.JSON200, parsed.HTTPResponse, parsed.Body)
}

// Process returns a process by name (or pid), with the last 64 KiB of its output.
func (s *Sandbox) Process(ctx context.Context, name string) (_ *sandboxapi.ProcessResponse, err error) {
	ctx, op := s.p.StartOperation(ctx, "sandbox.Process")
	defer func() { op.End(err) }()
	if err := pipeline.CheckName("process", name); err != nil {
		return nil, err
	}
	resp, err := s.api.GetProcessWithResponse(ctx, name)
	if err != nil {
		return nil, err
	}
	return json200(s.p.Redact, resp.JSON200, resp.HTTPResponse, resp.Body)
}

// Processes lists the processes the sandbox knows of, running or finished.
func (s *Sandbox) Processes(ctx context.Context) (_ []sandboxapi.ProcessResponse, err error) {
	ctx, op := s.p.StartOperation(ctx, "sandbox.Processes")
	defer func() { op.End(err) }()
	resp, err := s.api.ListProcessesWithResponse(ctx)
	if err != nil {
		return nil, err
	}
	list, err := json200(s.p.Redact, resp.JSON200, resp.HTTPResponse, resp.Body)
	if err != nil {
		return nil, err
	}
	return *list, nil
}

// Stop sends SIGTERM to the process's group. The sandbox marks it stopped at once, even if
// it traps the signal and goes on: Kill ends it for sure. Stopping a process that has
// already ended is not an error.
func (s *Sandbox) Stop(ctx context.Context, name string) (err error) {
	ctx, op := s.p.StartOperation(ctx, "sandbox.Stop")
	defer func() { op.End(err) }()
	if err := pipeline.CheckName("process", name); err != nil {
		return err
	}
	_, err = s.api.StopProcessWithResponse(ctx, name)
	return s.endedAnyway(ctx, name, err)
}

// Kill sends SIGKILL to the process's group. Killing a process that has already ended is not
// an error.
func (s *Sandbox) Kill(ctx context.Context, name string) (err error) {
	ctx, op := s.p.StartOperation(ctx, "sandbox.Kill")
	defer func() { op.End(err) }()
	if err := pipeline.CheckName("process", name); err != nil {
		return err
	}
	_, err = s.api.KillProcessWithResponse(ctx, name)
	return s.endedAnyway(ctx, name, err)
}

// endedAnyway forgives the 404 that stopping a finished process gets (also when the first
// attempt of a retried stop did the work): it stands only when the process is unknown.
func (s *Sandbox) endedAnyway(ctx context.Context, name string, err error) error {
	if !errors.Is(err, blaxel.ErrNotFound) {
		return err
	}
	if proc, lookupErr := s.Process(ctx, name); lookupErr == nil && proc.Status != sandboxapi.ProcessResponseStatusRunning {
		return nil
	}
	return err
}

// Process wait pacing: commands are often short, so the first polls come quickly.
const (
	processPollInterval    = 200 * time.Millisecond
	processMaxPollInterval = 2 * time.Second
)

// Wait polls the process until it is no longer running (completed, failed, stopped or
// killed) and returns it. A command that failed is not an error of the wait: read its
// ExitCode and Status. Bound the wait with ctx; see blaxel.WithPollInterval for the pacing.
func (s *Sandbox) Wait(ctx context.Context, name string, opts ...blaxel.WaitOption) (_ *sandboxapi.ProcessResponse, err error) {
	ctx, op := s.p.StartOperation(ctx, "sandbox.Wait")
	defer func() { op.End(err) }()
	if err := pipeline.CheckName("process", name); err != nil {
		return nil, err
	}
	// The ends of a process's wait: every status but running, none a failure.
	ended := blaxel.WithTargetStatuses(string(sandboxapi.ProcessResponseStatusCompleted), string(sandboxapi.ProcessResponseStatusFailed),
		string(sandboxapi.ProcessResponseStatusStopped), string(sandboxapi.ProcessResponseStatusKilled))
	opts = append([]blaxel.WaitOption{blaxel.WithPollInterval(processPollInterval), blaxel.WithMaxPollInterval(processMaxPollInterval),
		ended, blaxel.WithFailureStatuses(), blaxel.WithResource("process", name)}, opts...)
	return blaxel.Wait(ctx, func(ctx context.Context) (*sandboxapi.ProcessResponse, error) { return s.Process(ctx, name) },
		func(p *sandboxapi.ProcessResponse) (string, string) { return string(p.Status), "" }, opts...)
}

// WaitForPorts waits until the process listens on each of the ports, on an address other
// than loopback (what the sandbox's own wait counts, and what its previews reach), and
// returns the process. It polls the process's ports rather than asking the sandbox to wait,
// since the edge cuts a request that waits for more than about a minute. It fails when the
// process ends first, and when ctx ends.
func (s *Sandbox) WaitForPorts(ctx context.Context, name string, ports ...int) (_ *sandboxapi.ProcessResponse, err error) {
	ctx, op := s.p.StartOperation(ctx, "sandbox.WaitForPorts")
	defer func() { op.End(err) }()
	if len(ports) == 0 {
		return s.Process(ctx, name)
	}
	for _, port := range ports {
		if port < 1 || port > 65535 {
			return nil, fmt.Errorf("blaxel: WaitForPorts: %d is not a port", port)
		}
	}
	pause := processPollInterval
	for {
		proc, err := s.Process(ctx, name)
		if err != nil {
			return nil, err
		}
		if proc.Status != sandboxapi.ProcessResponseStatusRunning {
			return proc, fmt.Errorf("blaxel: process %q is %s (exit code %d) and never listened on %v", name, proc.Status, proc.ExitCode, ports)
		}
		pid, err := strconv.Atoi(proc.PID)
		if err != nil {
			return proc, fmt.Errorf("blaxel: process %q has the pid %q, which is not a number", name, proc.PID)
		}
		resp, err := s.api.GetProcessPortsWithResponse(ctx, pid)
		if err != nil {
			return proc, err
		}
		listing, err := json200(s.p.Redact, resp.JSON200, resp.HTTPResponse, resp.Body)
		if err != nil {
			return proc, err
		}
		if listensOnAll(listing.Ports, ports) {
			return proc, nil
		}
		if err := pipeline.Sleep(ctx, pause); err != nil {
			return proc, fmt.Errorf("blaxel: waiting for process %q to listen on %v: %w", name, ports, err)
		}
		pause = min(pause+pause/2, processMaxPollInterval)
	}
}

// listensOnAll reports whether every port has a listening socket on a routable address.
func listensOnAll(sockets []sandboxapi.PortInfo, ports []int) bool {
	for _, port := range ports {
		listening := false
		for _, sock := range sockets {
			if sock.LocalPort != nil && *sock.LocalPort == port && sock.State != nil && strings.EqualFold(*sock.State, "LISTEN") &&
				(sock.LocalAddr == nil || !pipeline.IsLoopback(*sock.LocalAddr)) {
				listening = true
				break
			}
		}
		if !listening {
			return false
		}
	}
	return true
}

// ShellQuote quotes each argument for the sandbox's POSIX shell and joins them with spaces,
// so that a command built from untrusted pieces runs as the words it was given:
// ShellQuote("cp", "-r", src, dst). A word with "=" is quoted too, so that a first word such
// as FOO=bar stays a command rather than becoming a variable assignment.
func ShellQuote(args ...string) string {
	quoted := make([]string, len(args))
	for i, arg := range args {
		if arg != "" && strings.Trim(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+:,./-_") == "" {
			quoted[i] = arg
			continue
		}
		quoted[i] = "'" + strings.ReplaceAll(arg, "'", `'\''`) + "'"
	}
	return strings.Join(quoted, " ")
}
