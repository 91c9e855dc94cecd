package sandbox_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// fakeSandbox starts the fake of package blaxeltest, creates the sandbox "box" there, and
// returns the fake and a handle on the sandbox's API as the fake serves it.
func fakeSandbox(t *testing.T, opts ...blaxeltest.Option) (*blaxeltest.Server, *sandbox.Sandbox) {
	t.Helper()
	srv := blaxeltest.NewServer(t, opts...)
	c, err := blaxel.New(blaxel.WithBaseURL(srv.URL()), blaxel.WithRunURL(srv.RunURL()), blaxel.WithAPIKey("fake-key"),
		blaxel.WithWorkspace("ws"), fastRetries())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.CreateSandboxAndWait(ctx, gen.Sandbox{Metadata: gen.Metadata{Name: "box"}},
		blaxel.WithPollInterval(time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	sb, err := sandbox.Open(ctx, c, "box")
	if err != nil {
		t.Fatal(err)
	}
	return srv, sb
}

func TestRunAgainstTheFake(t *testing.T) {
	srv, sb := fakeSandbox(t)
	ctx := context.Background()
	for _, tc := range []struct {
		command string
		exit    int
		stdout  string
	}{
		{"echo hello from the sandbox", 0, "hello from the sandbox\n"},
		{"exit 3", 3, ""},
		{"no-such-command", 127, ""},
	} {
		res, err := sb.Run(ctx, tc.command)
		if err != nil {
			t.Fatalf("%s: %v", tc.command, err)
		}
		if res.ExitCode != tc.exit || tc.stdout != "" && string(res.Stdout) != tc.stdout {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", tc.command, res.ExitCode, res.Stdout, res.Stderr)
		}
		if n := srv.CommandStarts("ws", "box", tc.command); n != 1 {
			t.Errorf("%s started %d times", tc.command, n)
		}
	}
	if n := srv.Attempts("GET /process/{identifier}") + srv.Attempts("GET /process/{identifier}/logs"); n != 0 {
		t.Errorf("%d polls: the runs should have streamed to their end", n)
	}
}

func TestRunOfAScriptedCommandWithLongOutput(t *testing.T) {
	srv, sb := fakeSandbox(t)
	line := strings.Repeat("z", 1<<20)
	srv.HandleCommand("big", func(ctx context.Context, p *blaxeltest.Process) int {
		for range 3 {
			fmt.Fprintln(p.Stdout, line)
		}
		fmt.Fprint(p.Stderr, "done\n")
		return 0
	})
	res, err := sb.Run(context.Background(), "big")
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Repeat(line+"\n", 3); string(res.Stdout) != want || string(res.Stderr) != "done\n" {
		t.Errorf("stdout %d bytes (want %d), stderr %q", len(res.Stdout), len(want), res.Stderr)
	}
}

func TestExecLogsStopAndKillAgainstTheFake(t *testing.T) {
	srv, sb := fakeSandbox(t, blaxeltest.WithSandboxSecond(10*time.Millisecond))
	srv.HandleCommand("ticker", func(ctx context.Context, p *blaxeltest.Process) int {
		for i := range 5 {
			fmt.Fprintf(p.Stdout, "tick %d\n", i)
			time.Sleep(5 * time.Millisecond)
		}
		return 0
	})
	ctx := context.Background()
	proc, err := sb.Exec(ctx, sandbox.Command{Command: "ticker", Name: "ticker-1"})
	if err != nil {
		t.Fatal(err)
	}
	if proc.Name != "ticker-1" || proc.PID == "" {
		t.Errorf("process = %+v", proc)
	}
	var out strings.Builder
	for chunk, err := range sb.Logs(ctx, "ticker-1") {
		if err != nil {
			t.Fatal(err)
		}
		out.Write(chunk.Data)
	}
	if want := "tick 0\ntick 1\ntick 2\ntick 3\ntick 4\n"; out.String() != want {
		t.Errorf("logs %q, want %q", out.String(), want)
	}
	done, err := sb.Wait(ctx, "ticker-1")
	if err != nil || done.Status != "completed" {
		t.Errorf("wait: %+v, %v", done, err)
	}

	if _, err := sb.Exec(ctx, sandbox.Command{Command: "sleep 1000", Name: "sleeper"}); err != nil {
		t.Fatal(err)
	}
	if err := sb.Kill(ctx, "sleeper"); err != nil {
		t.Fatal(err)
	}
	if p, err := sb.Wait(ctx, "sleeper"); err != nil || p.Status != "killed" {
		t.Errorf("after Kill: %+v, %v", p, err)
	}
	if err := sb.Stop(ctx, "sleeper"); err != nil {
		t.Errorf("stopping a process that ended: %v", err)
	}
	list, err := sb.Processes(ctx)
	if err != nil || len(list) != 2 {
		t.Errorf("processes: %d, %v", len(list), err)
	}
}

func TestExecWaitsForPorts(t *testing.T) {
	srv, sb := fakeSandbox(t)
	srv.HandleCommand("serve", func(ctx context.Context, p *blaxeltest.Process) int {
		time.Sleep(50 * time.Millisecond)
		p.Listen(8080)
		<-ctx.Done()
		return 0
	})
	proc, err := sb.Exec(context.Background(), sandbox.Command{Command: "serve", WaitForPorts: []int{8080}})
	if err != nil {
		t.Fatal(err)
	}
	if proc.Status != "running" {
		t.Errorf("status %s", proc.Status)
	}
	srv.HandleCommand("quits", func(ctx context.Context, p *blaxeltest.Process) int { return 1 })
	if _, err := sb.Exec(context.Background(), sandbox.Command{Command: "quits", WaitForPorts: []int{9090}}); err == nil {
		t.Error("waiting for the ports of a process that ended succeeded")
	}
}

func TestRunSendsTheCommandsSettings(t *testing.T) {
	srv, sb := fakeSandbox(t)
	srv.HandleCommand("printenv", func(ctx context.Context, p *blaxeltest.Process) int {
		fmt.Fprintf(p.Stdout, "%s=%s in %s as %s", p.Args[1], p.Env[p.Args[1]], p.WorkingDir, p.Name)
		return 0
	})
	ctx := context.Background()
	if err := sb.MkdirAll(ctx, "/srv/app", 0); err != nil {
		t.Fatal(err)
	}
	res, err := sb.Run(ctx, "printenv GREETING", sandbox.WithCommandEnv("GREETING", "hi"), sandbox.WithWorkingDir("srv/app"),
		sandbox.WithProcessName("env-check"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(res.Stdout), "GREETING=hi in /srv/app as env-check"; got != want {
		t.Errorf("stdout %q, want %q", got, want)
	}
	for _, opt := range []sandbox.CommandOption{sandbox.WithCommandEnv("A=B", "x"), sandbox.WithProcessName("123"), sandbox.WithWorkingDir(""), sandbox.WithStdout(nil)} {
		if _, err := sb.Run(ctx, "true", opt); err == nil {
			t.Error("an unusable option was accepted")
		}
	}
}
