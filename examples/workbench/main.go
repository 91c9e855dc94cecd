// Command workbench tours what a developer reaches for in a Blaxel sandbox beyond commands
// and files: a web server on a port, served on 127.0.0.1 for a browser; a terminal; a session
// handed to another process; and a code interpreter. It deletes everything it made.
//
//	go run ./examples/workbench          # against a built-in fake, no account needed
//	go run ./examples/workbench -fake    # the fake even when credentials are set
//
// Without credentials (no BL_API_KEY, no BL_CLIENT_CREDENTIALS, no ~/.blaxel/config.yaml) it
// starts the fake of package blaxeltest in the process, where handlers stand for the web
// server and the Python kernel. With credentials it creates two real sandboxes, one from
// blaxel/jupyter-server, and deletes them at the end. The exit status is 0 only when every
// step succeeded.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox/interpreter"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

func main() {
	interrupted, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithTimeout(interrupted, 15*time.Minute)
	err := run(ctx, os.Args[1:], os.Stdout, os.Getenv)
	cancel()
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "workbench:", err)
		os.Exit(1)
	}
}

// webPort is where the sandbox's web server listens.
const webPort = 8000

func run(ctx context.Context, args []string, out io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("workbench", flag.ContinueOnError)
	fs.SetOutput(out)
	fake := fs.Bool("fake", false, "use the built-in fake even when credentials are set")
	name := fs.String("name", "workbench-"+fmt.Sprint(time.Now().Unix()%100000), "the name of the sandbox; the interpreter's is NAME-py")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	client, where, closeFake, err := connect(getenv, *fake)
	if err != nil {
		return err
	}
	defer closeFake()
	fmt.Fprintf(out, "Working against %s\n", where)

	box, py := *name, *name+"-py"
	defer cleanup(ctx, client, out, box, py)
	if _, err := client.CreateSandboxAndWait(ctx, gen.Sandbox{Metadata: gen.Metadata{Name: box}}); err != nil {
		return err
	}
	sb, err := sandbox.Open(ctx, client, box)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "[1/5] Created sandbox %s\n", box)

	// A web server on a port, reached from Go and from local tools.
	if _, err := sb.Exec(ctx, sandbox.Command{Command: fmt.Sprintf("python3 -m http.server %d", webPort),
		WorkingDir: "/", WaitForPorts: []int{webPort}}); err != nil {
		return err
	}
	port, err := sb.Port(webPort)
	if err != nil {
		return err
	}
	fwdCtx, stopForward := context.WithCancel(ctx)
	defer stopForward()
	fwd, err := port.Forward(fwdCtx)
	if err != nil {
		return err
	}
	resp, err := http.Get(fwd.URL() + "/") // what a browser pointed at fwd.URL() gets
	if err != nil {
		return err
	}
	page, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	fmt.Fprintf(out, "[2/5] Port %d served at %s: %d, %d bytes\n", webPort, fwd.URL(), resp.StatusCode, len(page))
	stopForward()

	// A terminal: keys in, screen out.
	term, err := sb.Terminal(ctx, sandbox.WithTerminalSize(100, 30), sandbox.WithTerminalSession("workbench"))
	if err != nil {
		return err
	}
	if _, err := io.WriteString(term, "echo typed in a terminal\r"); err != nil {
		term.Close()
		return err
	}
	err = readUntil(term, "typed in a terminal\r\n", 64<<10)
	term.Close()
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "[3/5] Terminal: typed `echo typed in a terminal`, saw its output")

	// A session: the sandbox handed to a party without the workspace's credential.
	sessions, err := sandbox.NewSessions(client, box)
	if err != nil {
		return err
	}
	session, err := sessions.Create(ctx, sandbox.WithSessionExpiry(time.Now().Add(time.Hour)))
	if err != nil {
		return err
	}
	other, err := sandbox.OpenSession(*session) // its URL and token alone
	if err != nil {
		return err
	}
	res, err := other.Run(ctx, "echo opened through a session")
	if err != nil {
		return err
	}
	if err := sessions.Delete(ctx, session.Name); err != nil {
		return err
	}
	fmt.Fprintf(out, "[4/5] Session %s: %s", session.Name, res.Stdout)

	// A code interpreter.
	in, err := interpreter.Create(ctx, client, gen.Sandbox{Metadata: gen.Metadata{Name: py}})
	if err != nil {
		return err
	}
	e, err := in.Exec(ctx, "6 * 7")
	if err != nil {
		return err
	}
	if e.Error != nil {
		return e.Error
	}
	fmt.Fprintf(out, "[5/5] Interpreter %s: 6 * 7 = %s (run %d)\n", py, e.Text(), e.ExecutionCount)
	return nil
}

// readUntil reads a terminal until want has appeared, within limit bytes.
func readUntil(r io.Reader, want string, limit int) error {
	var seen strings.Builder
	buf := make([]byte, 4096)
	for !strings.Contains(seen.String(), want) {
		if seen.Len() > limit {
			return fmt.Errorf("the terminal printed %d bytes without %q", seen.Len(), want)
		}
		n, err := r.Read(buf)
		seen.Write(buf[:n])
		if err != nil {
			return err
		}
	}
	return nil
}

// cleanup deletes the sandboxes, with a context of its own: ctx may have ended.
func cleanup(ctx context.Context, client *blaxel.Client, out io.Writer, names ...string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	for _, name := range names {
		if _, err := client.DeleteSandbox(ctx, name); err != nil && !errors.Is(err, blaxel.ErrNotFound) {
			fmt.Fprintf(out, "deleting sandbox %s: %v\n", name, err)
		}
	}
}

// connect starts the built-in fake when there are no credentials (or fake says so), and
// otherwise builds the client the way Blaxel's own tools configure themselves.
func connect(getenv func(string) string, fake bool) (*blaxel.Client, string, func(), error) {
	if !fake && hasCredentials(getenv) {
		client, err := blaxel.NewFromEnv(blaxel.WithEnv(getenv))
		return client, client.BaseURL(), func() {}, err
	}
	srv, err := blaxeltest.Start()
	if err != nil {
		return nil, "", nil, err
	}
	// The fake runs nothing: a handler is the web server, and the python3 command that
	// starts it only opens the port.
	srv.HandleCommand("python3", func(ctx context.Context, p *blaxeltest.Process) int {
		p.Listen(webPort)
		<-ctx.Done()
		return 0
	})
	srv.HandlePort(webPort, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "<html><body>Directory listing for /</body></html>")
	}))
	srv.HandleCode(func(ctx context.Context, run *blaxeltest.CodeRun) {
		if run.Code == "6 * 7" {
			run.Result(map[string]any{"text": "42", "is_main_result": true})
		}
	})
	client, err := blaxel.New(blaxel.WithBaseURL(srv.URL()), blaxel.WithRunURL(srv.RunURL()),
		blaxel.WithAPIKey("example-key"), blaxel.WithWorkspace("example"))
	if err != nil {
		srv.Close()
		return nil, "", nil, err
	}
	return client, "the built-in fake at " + srv.URL() + " (no credentials found)", srv.Close, nil
}

// hasCredentials reports whether the environment or Blaxel's config file may hold credentials.
func hasCredentials(getenv func(string) string) bool {
	if getenv("BL_API_KEY") != "" || getenv("BL_CLIENT_CREDENTIALS") != "" {
		return true
	}
	home := getenv("HOME")
	if home == "" {
		home = getenv("USERPROFILE")
	}
	if home == "" {
		return false
	}
	_, err := os.Stat(filepath.Join(home, ".blaxel", "config.yaml"))
	return err == nil
}
