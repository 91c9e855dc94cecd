// Command quickstart is a short tour of the Blaxel Go client.
//
//	go run ./examples/quickstart           # against a built-in fake control plane, no account needed
//	go run ./examples/quickstart -write    # with credentials: creates, lists and deletes for real
//
// Without credentials (no BL_API_KEY, no BL_CLIENT_CREDENTIALS, no ~/.blaxel/config.yaml) it
// starts the fake of package blaxeltest in the process and runs the whole tour against it:
// a service account and its API key, a sandbox waited for until DEPLOYED, a preview and a
// preview token, a function whose tools it lists and calls over MCP, an agent it calls and
// streams, listings read page by page, then the clean-up. With credentials it talks to
// Blaxel, or to the server BL_API_URL names, and only reads unless -write is given; it
// deploys workloads there only with -workloads (for blaxel-fake: Blaxel runs code built with
// bl deploy).
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

	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// main turns Ctrl-C (and SIGTERM) into the end of the tour's context rather than of the
// process, so that what the tour created is still deleted before it exits.
func main() {
	interrupted, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithTimeout(interrupted, 10*time.Minute)
	err := run(ctx, os.Args[1:], os.Stdout, os.Getenv)
	cancel()
	cause := context.Cause(interrupted) // the signal, if one came
	stop()
	switch {
	case err == nil || errors.Is(err, flag.ErrHelp):
		return
	case cause != nil:
		fmt.Fprintf(os.Stderr, "quickstart: interrupted (%v), the tour stopped after its clean-up: %v\n", cause, err)
	default:
		fmt.Fprintln(os.Stderr, "quickstart:", err)
	}
	os.Exit(1)
}

// options are the command's flags.
type options struct {
	write     bool
	fake      bool
	workloads bool
	fakeDelay time.Duration
	image     string
}

// run parses the flags, connects, and runs the tour: the whole of it against the fake or with
// -write, the read-only part otherwise.
func run(ctx context.Context, args []string, out io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	fs.SetOutput(out)
	var o options
	fs.BoolVar(&o.write, "write", false, "with real credentials, create and delete resources (read-only otherwise)")
	fs.BoolVar(&o.fake, "fake", false, "use the built-in fake control plane even when credentials are set")
	fs.DurationVar(&o.fakeDelay, "fake-delay", 1500*time.Millisecond, "how long the built-in fake keeps a new sandbox DEPLOYING")
	fs.StringVar(&o.image, "image", "blaxel/base-image:latest", "the image of the sandbox the tour creates")
	fs.BoolVar(&o.workloads, "workloads", false, "with -write, also deploy a function and an agent and call them (for blaxel-fake; always done against the built-in fake)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	t, err := connect(getenv, o)
	if err != nil {
		return err
	}
	defer t.close()
	fmt.Fprintf(out, "Blaxel Go client quickstart, against %s\n", t.where)
	tour := &tour{client: t.client, out: out, image: o.image, poll: t.poll, workloads: t.fake || o.workloads}
	if !t.fake && !o.write {
		fmt.Fprintln(out, "Read-only: run with -write to create, list and delete resources.")
		return tour.readOnly(ctx)
	}
	return tour.full(ctx)
}

// target is the control plane the tour talks to.
type target struct {
	client *blaxel.Client
	where  string
	fake   bool
	poll   []blaxel.WaitOption
	close  func()
}

// connect starts the built-in fake when there are no credentials (or -fake says so), and
// otherwise builds the client the way Blaxel's own tools configure themselves.
func connect(getenv func(string) string, o options) (*target, error) {
	if o.fake || !hasCredentials(getenv) {
		if !o.fake && getenv("BL_API_URL") != "" {
			return nil, errors.New("BL_API_URL is set but no credential is: set BL_API_KEY too (any non-empty key for blaxel-fake)")
		}
		return startFake(o.fakeDelay)
	}
	client, err := blaxel.NewFromEnv(blaxel.WithEnv(getenv))
	if err != nil {
		return nil, err
	}
	return &target{client: client, where: client.BaseURL(), close: func() {}}, nil
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

// startFake starts the fake control plane in this process, with a few sandboxes that already
// exist, so that the listings have pages to walk.
func startFake(delay time.Duration) (*target, error) {
	var seeds []blaxeltest.Seed
	for _, name := range []string{"existing-1", "existing-2", "existing-3"} {
		seeds = append(seeds, blaxeltest.Seed{Path: "/sandboxes", Body: map[string]any{
			"metadata": map[string]any{"name": name},
			"spec":     map[string]any{"runtime": map[string]any{"image": "blaxel/base-image:latest"}},
		}})
	}
	srv, err := blaxeltest.Start(blaxeltest.WithDeployDelay(delay), blaxeltest.WithSeed(seeds...))
	if err != nil {
		return nil, err
	}
	client, err := blaxel.New(blaxel.WithBaseURL(srv.URL()), blaxel.WithRunURL(srv.RunURL()),
		blaxel.WithAPIKey("quickstart-key"), blaxel.WithWorkspace("quickstart"))
	if err != nil {
		srv.Close()
		return nil, err
	}
	poll := max(delay/4, 10*time.Millisecond)
	return &target{
		client: client,
		where:  "the built-in fake control plane at " + srv.URL() + " (no credentials found)",
		fake:   true,
		poll:   []blaxel.WaitOption{blaxel.WithPollInterval(poll), blaxel.WithMaxPollInterval(poll)},
		close:  srv.Close,
	}, nil
}
