package sandboxtools

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
)

type runCommandIn struct {
	Command        string            `json:"command" jsonschema:"the command line, run by the sandbox's shell"`
	WorkingDir     string            `json:"working_dir,omitempty" jsonschema:"where it runs, absolute or relative to the root (the root by default)"`
	Env            map[string]string `json:"env,omitempty" jsonschema:"variables added to its environment"`
	TimeoutSeconds int               `json:"timeout_seconds,omitempty" jsonschema:"how long it may run before it is killed (the tools' limit by default, and at most)"`
}

type runCommandOut struct {
	Process       string `json:"process" jsonschema:"the name the sandbox knows the process by"`
	ExitCode      int    `json:"exit_code"`
	Stdout        string `json:"stdout"`
	Stderr        string `json:"stderr"`
	StdoutOmitted int64  `json:"stdout_omitted,omitempty" jsonschema:"bytes left out of the middle of stdout"`
	StderrOmitted int64  `json:"stderr_omitted,omitempty" jsonschema:"bytes left out of the middle of stderr"`
}

func (t *tools) runCommand(ctx context.Context, _ *mcp.CallToolRequest, in runCommandIn) (*mcp.CallToolResult, runCommandOut, error) {
	if in.Command == "" {
		return nil, runCommandOut{}, errors.New("the command is empty")
	}
	dir, err := t.path(in.WorkingDir)
	if err != nil {
		return nil, runCommandOut{}, err
	}
	if in.TimeoutSeconds < 0 {
		return nil, runCommandOut{}, errors.New("timeout_seconds must not be negative")
	}
	timeout := t.commandTimeout
	if in.TimeoutSeconds > 0 {
		timeout = min(timeout, time.Duration(in.TimeoutSeconds)*time.Second)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	stdout, stderr := newHeadTail(t.maxOutput), newHeadTail(t.maxOutput)
	opts := []sandbox.CommandOption{sandbox.WithWorkingDir(dir), sandbox.WithStdout(stdout), sandbox.WithStderr(stderr),
		sandbox.WithKillOnCancel()} // a command the caller gave up on, or that ran out of time, stops
	for k, v := range in.Env {
		opts = append(opts, sandbox.WithCommandEnv(k, v))
	}
	res, err := t.sb.Run(ctx, in.Command, opts...)
	if err != nil {
		if ctx.Err() != nil && context.Cause(ctx) == context.DeadlineExceeded {
			return nil, runCommandOut{}, fmt.Errorf("the command ran longer than %v and was killed: %w", timeout, err)
		}
		return nil, runCommandOut{}, err
	}
	out := runCommandOut{ExitCode: res.ExitCode, Stdout: stdout.String(), Stderr: stderr.String(),
		StdoutOmitted: stdout.omitted(), StderrOmitted: stderr.omitted()}
	if res.Process != nil {
		out.Process = res.Process.Name
	}
	return nil, out, nil
}

// headTail keeps the beginning and the end of what is written to it, half of max bytes each,
// and counts what it leaves out between them.
type headTail struct {
	half    int
	head    []byte
	tail    []byte // a ring of half bytes once full
	next    int    // where the ring writes next
	written int64
}

func newHeadTail(limit int) *headTail { return &headTail{half: max(limit/2, 1)} }

func (h *headTail) Write(p []byte) (int, error) {
	h.written += int64(len(p))
	rest := p
	if n := min(h.half-len(h.head), len(rest)); n > 0 {
		h.head = append(h.head, rest[:n]...)
		rest = rest[n:]
	}
	if len(rest) > h.half {
		rest = rest[len(rest)-h.half:]
	}
	for len(rest) > 0 {
		if len(h.tail) < h.half {
			n := min(h.half-len(h.tail), len(rest))
			h.tail = append(h.tail, rest[:n]...)
			rest = rest[n:]
			continue
		}
		n := copy(h.tail[h.next:], rest)
		h.next = (h.next + n) % h.half
		rest = rest[n:]
	}
	return len(p), nil
}

// omitted is how many bytes were left out.
func (h *headTail) omitted() int64 {
	return h.written - int64(len(h.head)) - int64(len(h.tail))
}

func (h *headTail) String() string {
	tail := append(append([]byte(nil), h.tail[h.next:]...), h.tail[:h.next]...)
	if h.omitted() == 0 {
		return string(h.head) + string(tail)
	}
	return fmt.Sprintf("%s\n[... %d bytes left out ...]\n%s", h.head, h.omitted(), tail)
}
