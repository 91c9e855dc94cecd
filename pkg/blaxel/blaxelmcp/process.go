package blaxelmcp

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/blaxel-go/blaxel/internal/option"
	"github.com/blaxel-go/blaxel/internal/pipeline"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
)

// An MCP server that speaks stdio runs in a sandbox as a process with a standard input: each
// JSON-RPC message the client sends is one line written to that input, and each line of the
// process's standard output is one message from the server, read from its log stream.

// ErrProcessExited matches the error of a session whose MCP server process ended: a server
// that exits before answering makes connecting fail with it, rather than wait.
var ErrProcessExited = errors.New("blaxel: the MCP server process exited")

// ErrMessageTooLarge matches the error of a session whose server printed a line longer than
// the client's response limit (blaxel.WithMaxResponseBytes).
var ErrMessageTooLarge = errors.New("blaxel: an MCP message is larger than the client's response limit")

// defaultExitWait is how long Close waits for the process to end after its stdin closed, and
// again after stopping it, before killing it.
const defaultExitWait = 5 * time.Second

// ProcessOption tunes NewProcessTransport and ConnectProcess. An option with an unusable value
// makes them fail before anything is started.
type ProcessOption func(*processSettings) error

type processSettings struct {
	client   *mcp.Client
	stderr   io.Writer
	exitWait time.Duration
}

// WithProcessClient connects with c, the go-sdk client that carries the caller's handlers
// and capabilities (ConnectProcess only; see WithClient).
func WithProcessClient(c *mcp.Client) ProcessOption {
	return func(s *processSettings) error {
		if c == nil {
			return errors.New("blaxel: WithProcessClient: the client is nil")
		}
		s.client = c
		return nil
	}
}

// WithProcessStderr sends what the server process writes to its standard error to w, as it
// arrives; by default it is dropped. An error of w is ignored: it never ends the session.
func WithProcessStderr(w io.Writer) ProcessOption {
	return func(s *processSettings) error {
		if w == nil {
			return errors.New("blaxel: WithProcessStderr: the writer is nil")
		}
		s.stderr = w
		return nil
	}
}

// WithExitWait sets how long closing a session waits for the process to end once its
// standard input is closed (5 seconds by default) before stopping it (SIGTERM), and as long
// again before killing it (SIGKILL).
func WithExitWait(d time.Duration) ProcessOption {
	return func(s *processSettings) error {
		if d <= 0 {
			return fmt.Errorf("blaxel: WithExitWait: %v is not positive", d)
		}
		s.exitWait = d
		return nil
	}
}

func processOptions(opts []ProcessOption) (*processSettings, error) {
	s := &processSettings{exitWait: defaultExitWait}
	if err := option.Apply(s, opts); err != nil {
		return nil, err
	}
	return s, nil
}

// ProcessTransport is an mcp.Transport to an MCP server that speaks stdio, run as a process
// of a sandbox. Each Connect starts the command once, as a new process with a standard input
// (Command.Stdin is set for it), and never starts it again: a process that ends ends its
// session. Messages go out as lines written to the process's stdin, each write sent once;
// they come in as the lines of its standard output, read from its log stream, each at most
// the client's response limit (blaxel.WithMaxResponseBytes) long. Its standard error goes to
// WithProcessStderr's writer, or nowhere. Lines of the output that are blank or do not start
// with "{" (a banner some servers print) are skipped; a line that starts with "{" and is no
// JSON-RPC message ends the session with an error.
//
// The command's Name, when set, is the start of each process's name, completed with random
// letters: the sandbox replays the earlier output of a name used before, which would be
// taken for the new server's answers.
//
// The log stream cannot tell the text "stdout:" or "stderr:" in the middle of an output line
// from the sandbox's own labels (see sandbox.Sandbox.Logs): a server whose messages hold such
// text (a tool's result quoting a command's output) may see them altered or refused.
//
// Closing a session closes the process's stdin, waits for the process to end (see
// WithExitWait), then stops it, waits again, then kills it: Close always returns, each of its
// requests and waits bounded by that wait. A ProcessTransport is safe for concurrent use;
// each session has a process of its own.
type ProcessTransport struct {
	sb       *sandbox.Sandbox
	cmd      sandbox.Command
	stderr   io.Writer
	exitWait time.Duration
	maxLine  int64
}

var _ mcp.Transport = (*ProcessTransport)(nil)

// NewProcessTransport returns a ProcessTransport that runs cmd in the sandbox for each
// session. WithProcessClient is refused: the caller's client connects.
//
//	transport, err := blaxelmcp.NewProcessTransport(sb, sandbox.Command{Command: "npx -y my-mcp-server"})
//	if err != nil { ... }
//	session, err := mcp.NewClient(impl, nil).Connect(ctx, transport, nil)
func NewProcessTransport(sb *sandbox.Sandbox, cmd sandbox.Command, opts ...ProcessOption) (*ProcessTransport, error) {
	if sb == nil {
		return nil, errors.New("blaxel: blaxelmcp.NewProcessTransport: the sandbox is nil")
	}
	s, err := processOptions(opts)
	if err != nil {
		return nil, err
	}
	if s.client != nil {
		return nil, errors.New("blaxel: WithProcessClient is for ConnectProcess: a ProcessTransport is connected by the caller's client")
	}
	return newProcessTransport(sb, cmd, s)
}

func newProcessTransport(sb *sandbox.Sandbox, cmd sandbox.Command, s *processSettings) (*ProcessTransport, error) {
	if cmd.Command == "" {
		return nil, errors.New("blaxel: the MCP server's command is empty")
	}
	if cmd.Name != "" {
		if err := pipeline.CheckName("process", cmd.Name); err != nil {
			return nil, err
		}
	}
	p, _ := sb.Pipeline()
	maxLine := p.MaxBody
	if maxLine <= 0 {
		maxLine = pipeline.DefaultMaxResponseBytes
	}
	cmd.Stdin = true
	return &ProcessTransport{sb: sb, cmd: cmd, stderr: s.stderr, exitWait: s.exitWait, maxLine: maxLine}, nil
}

// ConnectProcess starts cmd in the sandbox and opens an MCP session with it over its stdin
// and its log stream (see ProcessTransport). ctx bounds starting and the session's
// initialization; the session then lives until closed, and closing it ends the process.
//
//	session, err := blaxelmcp.ConnectProcess(ctx, sb, sandbox.Command{Command: "my-mcp-server"})
//	if err != nil { ... }
//	defer session.Close()
//	tools, err := session.ListTools(ctx, nil)
func ConnectProcess(ctx context.Context, sb *sandbox.Sandbox, cmd sandbox.Command, opts ...ProcessOption) (*mcp.ClientSession, error) {
	if sb == nil {
		return nil, errors.New("blaxel: blaxelmcp.ConnectProcess: the sandbox is nil")
	}
	s, err := processOptions(opts)
	if err != nil {
		return nil, err
	}
	t, err := newProcessTransport(sb, cmd, s)
	if err != nil {
		return nil, err
	}
	client := s.client
	if client == nil {
		client = mcp.NewClient(&mcp.Implementation{Name: "blaxel-go", Version: pipeline.ModuleVersion}, nil)
	}
	var conn *processConn
	session, err := client.Connect(ctx, transportFunc(func(ctx context.Context) (mcp.Connection, error) {
		c, err := t.connect(ctx)
		if err != nil {
			return nil, err
		}
		conn = c
		return c, nil
	}), nil)
	if err != nil {
		if conn != nil {
			if ended := conn.endError(); ended != nil {
				err = ended // the go-sdk's summary drops the reason from the error's chain
			}
		}
		return nil, fmt.Errorf("blaxel: MCP session with a process of sandbox %q: %w", sb.Name(), err)
	}
	return session, nil
}

// Connect starts the server process and returns the connection of a new session; the
// go-sdk's Client.Connect calls it. ctx bounds the start; the process outlives it.
func (t *ProcessTransport) Connect(ctx context.Context) (mcp.Connection, error) {
	c, err := t.connect(ctx)
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (t *ProcessTransport) connect(ctx context.Context) (*processConn, error) {
	if t == nil || t.sb == nil {
		return nil, errors.New("blaxel: blaxelmcp.ProcessTransport: use NewProcessTransport")
	}
	cmd := t.cmd
	cmd.Name = sessionProcessName(cmd.Name)
	proc, err := t.sb.Exec(ctx, cmd)
	if err != nil {
		return nil, err
	}
	return newProcessConn(ctx, t, proc.Name), nil
}

// sessionProcessName is a name no earlier process had: prefix, when given, then random
// letters and digits.
func sessionProcessName(prefix string) string {
	if prefix == "" {
		return "" // the sandbox package makes one up, random too
	}
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789"
	var b [12]byte
	_, _ = rand.Read(b[:]) // never fails
	for i := range b {
		b[i] = letters[int(b[i])%len(letters)]
	}
	return prefix + "-" + string(b[:])
}
