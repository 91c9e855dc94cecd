// Command sandbox works inside a Blaxel sandbox: it runs a command, writes a file and reads
// it back, lists a directory, streams a process's logs and watches a write, then deletes
// everything it made.
//
//	go run ./examples/sandbox                     # against a built-in fake, no account needed
//	go run ./examples/sandbox -size 268435456     # a 256 MiB file, streamed both ways
//
// Without credentials (no BL_API_KEY, no BL_CLIENT_CREDENTIALS, no ~/.blaxel/config.yaml) it
// starts the fake of package blaxeltest in the process, with the sandboxes' file contents in
// a temporary directory, so that the memory it reports is the client's, not a copy of the
// file. With credentials it creates a real sandbox (and deletes it at the end). The exit
// status is 0 only when every step succeeded.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

func main() {
	interrupted, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithTimeout(interrupted, 30*time.Minute)
	err := run(ctx, os.Args[1:], os.Stdout, os.Getenv)
	cancel()
	stop()
	switch {
	case err == nil || errors.Is(err, flag.ErrHelp):
		return
	default:
		fmt.Fprintln(os.Stderr, "sandbox:", err)
	}
	os.Exit(1)
}

// options are the command's flags.
type options struct {
	name   string
	size   int64
	image  string
	region string
	fake   bool
}

func run(ctx context.Context, args []string, out io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	fs.SetOutput(out)
	var o options
	fs.StringVar(&o.name, "name", "", "the sandbox's name (default: sandbox-example-<random>)")
	fs.Int64Var(&o.size, "size", 8<<20, "the size in bytes of the file written and read back")
	fs.StringVar(&o.image, "image", "blaxel/base-image:latest", "the image of the sandbox, with credentials")
	fs.StringVar(&o.region, "region", firstNonEmpty(getenv("BL_REGION"), "us-pdx-1"), "the region of the sandbox, with credentials")
	fs.BoolVar(&o.fake, "fake", false, "use the built-in fake even when credentials are set")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.size < 0 {
		return fmt.Errorf("-size %d is negative", o.size)
	}
	if o.name == "" {
		o.name = "sandbox-example-" + suffix()
	}
	t, err := connect(getenv, o.fake)
	if err != nil {
		return err
	}
	defer t.close()
	fmt.Fprintf(out, "Working inside a sandbox, against %s\n", t.where)
	w := &walk{client: t.client, out: out, opts: o, fake: t.fake}
	err = w.all(ctx)
	if rss, ok := peakRSS(); ok {
		fmt.Fprintf(out, "Peak resident memory of this process: %.1f MiB\n", float64(rss)/(1<<20))
	}
	return err
}

// target is where the sandbox is made.
type target struct {
	client *blaxel.Client
	where  string
	fake   bool
	close  func()
}

// connect starts the built-in fake when there are no credentials (or -fake says so), and
// otherwise builds the client the way Blaxel's own tools configure themselves.
func connect(getenv func(string) string, fake bool) (*target, error) {
	if !fake && hasCredentials(getenv) {
		client, err := blaxel.NewFromEnv(blaxel.WithEnv(getenv))
		if err != nil {
			return nil, err
		}
		return &target{client: client, where: client.BaseURL(), close: func() {}}, nil
	}
	files, err := os.MkdirTemp("", "blaxel-sandbox-example-")
	if err != nil {
		return nil, err
	}
	srv, err := blaxeltest.Start(blaxeltest.WithSandboxFileDir(files))
	if err != nil {
		os.RemoveAll(files)
		return nil, err
	}
	srv.HandleCommand("ticker", ticker)
	closeAll := func() {
		srv.Close()
		os.RemoveAll(files)
	}
	client, err := blaxel.New(blaxel.WithBaseURL(srv.URL()), blaxel.WithRunURL(srv.RunURL()),
		blaxel.WithAPIKey("example-key"), blaxel.WithWorkspace("example"))
	if err != nil {
		closeAll()
		return nil, err
	}
	return &target{client: client, fake: true, close: closeAll,
		where: "the built-in fake at " + srv.URL() + " (no credentials found; file contents in " + files + ")"}, nil
}

// ticker is the fake's script for the command whose logs are streamed: "ticker N" prints N
// lines a tenth of a second apart (a shell loop does it in a real sandbox).
func ticker(ctx context.Context, p *blaxeltest.Process) int {
	n := 3
	if len(p.Args) > 1 {
		fmt.Sscan(p.Args[1], &n)
	}
	for i := 1; i <= n; i++ {
		fmt.Fprintf(p.Stdout, "tick %d\n", i)
		select {
		case <-ctx.Done():
			return 143
		case <-time.After(100 * time.Millisecond):
		}
	}
	return 0
}

// hasCredentials reports whether the environment or Blaxel's config file may hold credentials.
func hasCredentials(getenv func(string) string) bool {
	if getenv("BL_API_KEY") != "" || getenv("BL_CLIENT_CREDENTIALS") != "" {
		return true
	}
	home := firstNonEmpty(getenv("HOME"), getenv("USERPROFILE"))
	if home == "" {
		return false
	}
	_, err := os.Stat(filepath.Join(home, ".blaxel", "config.yaml"))
	return err == nil
}

// sandboxSpec is the sandbox the walk creates.
func sandboxSpec(o options) gen.Sandbox {
	return gen.Sandbox{
		Metadata: gen.Metadata{Name: o.name},
		Spec:     gen.SandboxSpec{Region: &o.region, Runtime: &gen.SandboxRuntime{Image: &o.image}},
	}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
