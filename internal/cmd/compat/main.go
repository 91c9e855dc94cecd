// Command compat runs the tours of Blaxel's official SDKs (tools/compat) against blaxel-fake:
// for each SDK it starts a fresh blaxel-fake, runs the SDK's tour with nothing but the
// documented environment variables pointing at it, and stops the fake. Each tour prints one
// line per step (PASS, FAIL, or SDK-DEFECT for a failure that the SDK's own defect causes,
// which is not counted) and its summary. make compat builds what it needs and runs it:
//
//	compat -fake bin/blaxel-fake -go-tour bin/compat-go -ts-tour tools/compat/ts/tour.mjs
//
// It exits 1 when a counted step of any tour fails. The environment changes that:
//
//	COMPAT_KEEP_GOING=1  run every step of a tour, not only up to its first failure
//	COMPAT_ALLOW_FAIL=1  run every step, report, and exit 0 whatever failed
//	COMPAT_VERBOSE=1     print the fake's log, one line per request, among the steps
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// tourDeadline guards against a hung tour only; a whole tour takes seconds.
const tourDeadline = 3 * time.Minute

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code, err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "compat:", err)
		os.Exit(2)
	}
	os.Exit(code)
}

// tour is one SDK's tour: the command line that runs it and the environment it adds.
type tour struct {
	name string
	argv []string
	env  []string
}

func run(ctx context.Context, args []string, out io.Writer) (int, error) {
	fs := flag.NewFlagSet("compat", flag.ContinueOnError)
	fake := fs.String("fake", "", "the blaxel-fake program")
	goTour := fs.String("go-tour", "", "the Go SDK's tour, built (tools/compat/go)")
	tsTour := fs.String("ts-tour", "", "the TypeScript SDK's tour (tools/compat/ts/tour.mjs), with its node_modules installed")
	if err := fs.Parse(args); err != nil {
		return 0, err
	}
	if *fake == "" || (*goTour == "" && *tsTour == "") {
		return 0, errors.New("give -fake and at least one of -go-tour and -ts-tour")
	}
	var tours []tour
	if *tsTour != "" {
		core := filepath.Join(filepath.Dir(*tsTour), "node_modules", "@blaxel", "core")
		if _, err := os.Stat(core); err != nil {
			return 0, fmt.Errorf("the TypeScript SDK is not installed: run npm ci --prefix %s", filepath.Dir(*tsTour))
		}
		// The SDK's own HTTP/2 pool is for Blaxel's edge; against a plain HTTP/1.1 server it
		// is turned off, as its documentation says.
		tours = append(tours, tour{name: "ts", argv: []string{"node", *tsTour}, env: []string{"BL_DISABLE_H2=true"}})
	}
	if *goTour != "" {
		tours = append(tours, tour{name: "go", argv: []string{*goTour}})
	}

	allowFail := enabled("COMPAT_ALLOW_FAIL")
	verbose := enabled("COMPAT_VERBOSE")
	var failed []string
	for _, t := range tours {
		fmt.Fprintf(out, "== %s: %s\n", t.name, strings.Join(t.argv, " "))
		ok, err := runTour(ctx, *fake, t, out, verbose)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", t.name, err)
		}
		if !ok {
			failed = append(failed, t.name)
		}
	}
	switch {
	case len(failed) == 0:
		fmt.Fprintln(out, "compat: every counted step passes")
		return 0, nil
	case allowFail:
		fmt.Fprintf(out, "compat: steps fail in %s; COMPAT_ALLOW_FAIL=1, so this is reported only\n", strings.Join(failed, ", "))
		return 0, nil
	default:
		fmt.Fprintf(out, "compat: steps fail in %s\n", strings.Join(failed, ", "))
		return 1, nil
	}
}

func enabled(name string) bool {
	v := os.Getenv(name)
	return v == "1" || v == "true"
}

// runTour starts a fresh fake, runs t against it and stops the fake. It reports whether the
// tour passed; an error means the tour could not be run at all.
func runTour(ctx context.Context, fakePath string, t tour, out io.Writer, verbose bool) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, tourDeadline)
	defer cancel()
	fake, err := startFake(fakePath, out, verbose)
	if err != nil {
		return false, err
	}
	defer fake.stop()

	home, err := os.MkdirTemp("", "compat-home-")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(home)

	cmd := exec.CommandContext(ctx, t.argv[0], t.argv[1:]...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = 5 * time.Second
	// Only what a user sets: the addresses, a workspace and a key, a region. HOME is empty
	// so that no CLI login of the machine's user is read; telemetry is off.
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"DO_NOT_TRACK=1",
		"BL_API_URL=" + fake.apiURL,
		"BL_RUN_URL=" + fake.runURL,
		"BL_WORKSPACE=compat",
		"BL_API_KEY=compat-key",
		"BL_REGION=us-pdx-1",
	}
	for _, name := range []string{"COMPAT_KEEP_GOING", "COMPAT_ALLOW_FAIL"} {
		if v, ok := os.LookupEnv(name); ok {
			cmd.Env = append(cmd.Env, name+"="+v)
		}
	}
	cmd.Env = append(cmd.Env, t.env...)
	err = cmd.Run()
	if ctx.Err() != nil {
		return false, fmt.Errorf("the tour did not end within %s", tourDeadline)
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &exit) && exit.ExitCode() == 1:
		return false, nil // a counted step failed; the tour said which
	case errors.As(err, &exit):
		fmt.Fprintf(out, "%s: the tour ended with %v before its summary\n", t.name, err)
		return false, nil
	default:
		return false, err
	}
}

// fakeProcess is a running blaxel-fake.
type fakeProcess struct {
	cmd    *exec.Cmd
	apiURL string
	runURL string
	logged chan struct{} // closed once its log is read to the end
}

// startFake starts blaxel-fake on a free port and reads its addresses from the first line of
// its log. With verbose, the rest of its log (one line per request) is copied to out.
func startFake(path string, out io.Writer, verbose bool) (*fakeProcess, error) {
	cmd := exec.Command(path, "-addr", "127.0.0.1:0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	f := &fakeProcess{cmd: cmd, logged: make(chan struct{})}
	lines := bufio.NewScanner(stderr)
	lines.Buffer(make([]byte, 64<<10), 1<<20)
	var head []string
	for f.apiURL == "" && lines.Scan() {
		head = append(head, lines.Text())
		f.apiURL, f.runURL = servingAddresses(lines.Text())
	}
	if f.apiURL == "" || f.runURL == "" {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("blaxel-fake did not say where it listens: %s", strings.Join(head, "\n"))
	}
	go func() {
		defer close(f.logged)
		for lines.Scan() {
			if verbose {
				fmt.Fprintln(out, "   fake:", lines.Text())
			}
		}
	}()
	return f, nil
}

// stop asks the fake to shut down, as Ctrl-C does, and waits for it.
func (f *fakeProcess) stop() {
	_ = f.cmd.Process.Signal(os.Interrupt)
	select {
	case <-f.logged:
	case <-time.After(15 * time.Second): // a guard against a hang only
		_ = f.cmd.Process.Kill()
	}
	_ = f.cmd.Wait()
}

// servingAddresses reads the control plane's and the run addresses from the line of
// blaxel-fake's log that announces them (url=... run_url=...), or returns "" for others.
func servingAddresses(line string) (apiURL, runURL string) {
	if !strings.Contains(line, "msg=\"serving") {
		return "", ""
	}
	for _, field := range strings.Fields(line) {
		if v, ok := strings.CutPrefix(field, "url="); ok {
			apiURL = v
		}
		if v, ok := strings.CutPrefix(field, "run_url="); ok {
			runURL = v
		}
	}
	return apiURL, runURL
}
