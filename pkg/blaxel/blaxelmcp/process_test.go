package blaxelmcp_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/gen/sandboxapi"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/blaxelmcp"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// stdoutCloser is a process's stdout as the io.WriteCloser the go-sdk's IOTransport wants.
type stdoutCloser struct{ io.Writer }

func (stdoutCloser) Close() error { return nil }

type echoArgs struct {
	Message string `json:"message"`
}

// serveStdioMCP runs, over the process's stdin and stdout, a go-sdk MCP server with an echo
// tool, until its stdin ends. It writes to stderr too, as servers do.
func serveStdioMCP(ctx context.Context, p *blaxeltest.Process) int {
	fmt.Fprintln(p.Stderr, `starting {"not": "a message"}`)
	fmt.Fprintln(p.Stdout, "echo-server 1 ready") // a banner, which is no message
	server := mcp.NewServer(&mcp.Implementation{Name: "echo-server", Version: "1"}, nil)
	mcp.AddTool(server, &mcp.Tool{Name: "echo", Description: "says the message back"},
		func(ctx context.Context, req *mcp.CallToolRequest, args echoArgs) (*mcp.CallToolResult, any, error) {
			fmt.Fprintln(p.Stderr, "echoing", len(args.Message), "bytes")
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: args.Message}}}, nil, nil
		})
	err := server.Run(ctx, &mcp.IOTransport{Reader: io.NopCloser(p.Stdin), Writer: stdoutCloser{p.Stdout}})
	if err != nil && ctx.Err() == nil {
		fmt.Fprintln(p.Stderr, "server:", err)
		return 1
	}
	return 0
}

// processBox is a sandbox of a fake server on which my-mcp-server runs serveStdioMCP.
func processBox(t *testing.T, opts ...blaxel.Option) (*blaxeltest.Server, *sandbox.Sandbox) {
	t.Helper()
	srv := blaxeltest.NewServer(t)
	srv.HandleCommand("my-mcp-server", serveStdioMCP)
	c := srv.Client(t, opts...)
	if _, err := c.CreateSandbox(t.Context(), gen.Sandbox{Metadata: gen.Metadata{Name: "box"}}, nil); err != nil {
		t.Fatal(err)
	}
	sb, err := sandbox.Open(t.Context(), c, "box")
	if err != nil {
		t.Fatal(err)
	}
	return srv, sb
}

// lockedBuffer collects what several goroutines write.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestConnectProcessEchoes(t *testing.T) {
	srv, sb := processBox(t)
	var stderr lockedBuffer
	session, err := blaxelmcp.ConnectProcess(t.Context(), sb, sandbox.Command{Command: "my-mcp-server --stdio", Name: "mcp"},
		blaxelmcp.WithProcessStderr(&stderr))
	if err != nil {
		t.Fatal(err)
	}
	tools, err := session.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(tools.Tools) != 1 || tools.Tools[0].Name != "echo" {
		t.Fatalf("tools: %+v", tools.Tools)
	}
	// Messages of several lines' worth, and large ones, arrive whole.
	for _, msg := range []string{"hello", "two\nlines", strings.Repeat("x", 100_000)} {
		res, err := session.CallTool(t.Context(), &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"message": msg}})
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Content[0].(*mcp.TextContent).Text; got != msg {
			t.Fatalf("echo answered %d bytes, want %d", len(got), len(msg))
		}
	}

	procs, err := sb.Processes(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(procs) != 1 || !strings.HasPrefix(procs[0].Name, "mcp-") || procs[0].Status != sandboxapi.ProcessResponseStatusRunning {
		t.Fatalf("processes while the session is open: %+v", procs)
	}
	name := procs[0].Name
	if err := session.Close(); err != nil {
		t.Fatal(err)
	}
	// Closing the session closed the server's stdin: it ended by itself, started once.
	proc, err := sb.Process(t.Context(), name)
	if err != nil {
		t.Fatal(err)
	}
	if proc.Status != sandboxapi.ProcessResponseStatusCompleted || proc.ExitCode != 0 {
		t.Fatalf("after Close the process is %s, exit code %d", proc.Status, proc.ExitCode)
	}
	if n := srv.ProcessStarts(blaxeltest.Workspace, "box", name); n != 1 {
		t.Fatalf("the process was started %d times", n)
	}
	if !strings.Contains(stderr.String(), "starting") || !strings.Contains(stderr.String(), "echoing 5 bytes") {
		t.Fatalf("stderr: %q", stderr.String())
	}
}

// The go-sdk's own client connects through a ProcessTransport; each session has a process.
func TestProcessTransportSessions(t *testing.T) {
	_, sb := processBox(t)
	transport, err := blaxelmcp.NewProcessTransport(sb, sandbox.Command{Command: "my-mcp-server"})
	if err != nil {
		t.Fatal(err)
	}
	client := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil)
	var sessions []*mcp.ClientSession
	for range 2 {
		session, err := client.Connect(t.Context(), transport, nil)
		if err != nil {
			t.Fatal(err)
		}
		sessions = append(sessions, session)
	}
	for i, session := range sessions {
		res, err := session.CallTool(t.Context(), &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"message": fmt.Sprint(i)}})
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Content[0].(*mcp.TextContent).Text; got != fmt.Sprint(i) {
			t.Fatalf("session %d: %q", i, got)
		}
	}
	for _, session := range sessions {
		if err := session.Close(); err != nil {
			t.Fatal(err)
		}
	}
	procs, err := sb.Processes(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(procs) != 2 || procs[0].Name == procs[1].Name {
		t.Fatalf("processes: %+v", procs)
	}
	for _, p := range procs {
		if p.Status == sandboxapi.ProcessResponseStatusRunning {
			t.Fatalf("process %s still runs", p.Name)
		}
	}
}

// A server that exits before answering makes connecting fail with ErrProcessExited, at once.
func TestConnectProcessExitsEarly(t *testing.T) {
	srv, sb := processBox(t)
	srv.HandleCommand("broken-server", func(ctx context.Context, p *blaxeltest.Process) int {
		fmt.Fprintln(p.Stderr, "missing configuration")
		return 3
	})
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute) // guards a hang only
	defer cancel()
	_, err := blaxelmcp.ConnectProcess(ctx, sb, sandbox.Command{Command: "broken-server"})
	if !errors.Is(err, blaxelmcp.ErrProcessExited) || !strings.Contains(err.Error(), "exit code 3") {
		t.Fatalf("err = %v", err)
	}
	if ctx.Err() != nil {
		t.Fatal("connecting waited for the context")
	}

	// Unknown commands alike.
	_, err = blaxelmcp.ConnectProcess(ctx, sb, sandbox.Command{Command: "no-such-server"})
	if !errors.Is(err, blaxelmcp.ErrProcessExited) || !strings.Contains(err.Error(), "exit code 127") {
		t.Fatalf("err = %v", err)
	}
}

// A line longer than the client's response limit ends the session with ErrMessageTooLarge.
func TestConnectProcessMessageTooLarge(t *testing.T) {
	_, sb := processBox(t, blaxel.WithMaxResponseBytes(64<<10))
	session, err := blaxelmcp.ConnectProcess(t.Context(), sb, sandbox.Command{Command: "my-mcp-server"})
	if err != nil {
		t.Fatal(err)
	}
	defer session.Close()
	_, err = session.CallTool(t.Context(), &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"message": strings.Repeat("y", 100<<10)}})
	if err == nil {
		t.Fatal("a message above the limit was read")
	}
	// The go-sdk reports the connection's end; the reason is the session's wait error.
	if werr := session.Wait(); !errors.Is(werr, blaxelmcp.ErrMessageTooLarge) {
		t.Fatalf("call: %v; session: %v", err, werr)
	}
}

// A server that ignores the end of its stdin is stopped when the session closes.
func TestProcessCloseStopsStubbornServer(t *testing.T) {
	srv, sb := processBox(t)
	srv.HandleCommand("stubborn-server", func(ctx context.Context, p *blaxeltest.Process) int {
		serveStdioMCP(ctx, p)
		<-ctx.Done() // ends only when stopped or killed
		return 0
	})
	session, err := blaxelmcp.ConnectProcess(t.Context(), sb, sandbox.Command{Command: "stubborn-server", Name: "stubborn"},
		blaxelmcp.WithExitWait(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := session.ListTools(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	if err := session.Close(); err != nil {
		t.Fatal(err)
	}
	procs, err := sb.Processes(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(procs) != 1 || procs[0].Status == sandboxapi.ProcessResponseStatusRunning {
		t.Fatalf("processes after Close: %+v", procs)
	}
}

func TestProcessTransportOptions(t *testing.T) {
	_, sb := processBox(t)
	for _, tc := range []struct {
		name string
		err  func() error
	}{
		{"nil sandbox", func() error { _, err := blaxelmcp.NewProcessTransport(nil, sandbox.Command{Command: "x"}); return err }},
		{"empty command", func() error { _, err := blaxelmcp.NewProcessTransport(sb, sandbox.Command{}); return err }},
		{"client on a transport", func() error {
			_, err := blaxelmcp.NewProcessTransport(sb, sandbox.Command{Command: "x"},
				blaxelmcp.WithProcessClient(mcp.NewClient(&mcp.Implementation{Name: "c"}, nil)))
			return err
		}},
		{"zero wait", func() error {
			_, err := blaxelmcp.NewProcessTransport(sb, sandbox.Command{Command: "x"}, blaxelmcp.WithExitWait(0))
			return err
		}},
		{"nil stderr", func() error {
			_, err := blaxelmcp.NewProcessTransport(sb, sandbox.Command{Command: "x"}, blaxelmcp.WithProcessStderr(nil))
			return err
		}},
		{"bad name", func() error {
			_, err := blaxelmcp.NewProcessTransport(sb, sandbox.Command{Command: "x", Name: ".."})
			return err
		}},
	} {
		if err := tc.err(); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	procs, err := sb.Processes(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(procs) != 0 {
		t.Fatalf("a refused option started %d processes", len(procs))
	}
}

// A line that looks like a message and is none ends the session with an error that says so,
// rather than leaving the call waiting for an answer that will not come.
func TestConnectProcessGarbledLine(t *testing.T) {
	srv, sb := processBox(t)
	srv.HandleCommand("garbling-server", func(ctx context.Context, p *blaxeltest.Process) int {
		fmt.Fprintln(p.Stdout, `{"this is": "no JSON-RPC message"`)
		<-ctx.Done()
		return 0
	})
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute) // guards a hang only
	defer cancel()
	_, err := blaxelmcp.ConnectProcess(ctx, sb, sandbox.Command{Command: "garbling-server"}, blaxelmcp.WithExitWait(50*time.Millisecond))
	if err == nil || !strings.Contains(err.Error(), "no JSON-RPC message") {
		t.Fatalf("err = %v", err)
	}
	if ctx.Err() != nil {
		t.Fatal("connecting waited for the context")
	}
	procs, err := sb.Processes(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(procs) != 1 || procs[0].Status == sandboxapi.ProcessResponseStatusRunning {
		t.Fatalf("the failed session left its process: %+v", procs)
	}
}
