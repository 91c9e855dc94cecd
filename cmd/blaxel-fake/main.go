// Command blaxel-fake runs the fake Blaxel of package blaxeltest as a program: for trying a
// client by hand, for the demo, or for clients in other languages generated from the same
// openapi.yaml.
//
//	go run ./cmd/blaxel-fake -addr 127.0.0.1:4010 -seed examples/seeds.yaml
//
// Point a client at it with BL_API_URL=http://127.0.0.1:4010/v0 (the control plane),
// BL_RUN_URL=http://127.0.0.1:4010 (the deployed agents, functions, models and sandboxes), any
// BL_API_KEY (or the one given with -api-key) and any BL_WORKSPACE. Every sandbox it creates
// serves the Sandbox API at http://127.0.0.1:4010/{workspace}/sandboxes/{name}, with scripted
// processes only: nothing runs on the host. With -file-dir, file contents go to a directory
// the server makes there (and removes when it stops) rather than into memory. It logs one
// line per request and stops cleanly on Ctrl-C. It can run for long: it keeps the latest
// 10,000 requests only, and forgets
// access tokens once they expire (the resources it is sent stay until deleted).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stderr, nil)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "blaxel-fake:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends, then shuts the server down gracefully. ready, when not nil, is
// told the server's base URL once it listens.
func run(ctx context.Context, args []string, stderr io.Writer, ready func(url string)) error {
	fs := flag.NewFlagSet("blaxel-fake", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:4010", "address to listen on (host:port)")
	seedFile := fs.String("seed", "", "YAML or JSON file of resources to create at start: a list of {path, body}")
	deployDelay := fs.Duration("deploy-delay", 2*time.Second, "how long new sandboxes, agents, functions, models and jobs stay DEPLOYING")
	slowStart := fs.Bool("slow-sandbox-start", false, "new sandboxes answer 503 on their own address until DEPLOYED (default: at once, as on Blaxel)")
	apiKey := fs.String("api-key", "", "the one API key to accept (default: any non-empty key)")
	clientID := fs.String("client-id", "", "the client id /oauth/token accepts (default: any)")
	clientSecret := fs.String("client-secret", "", "the client secret /oauth/token accepts, with -client-id")
	tokenTTL := fs.Duration("token-ttl", 2*time.Hour, "how long the access tokens of /oauth/token live")
	fileDir := fs.String("file-dir", "", "keep the contents of sandbox files in a new directory inside this one, not in memory")
	callbackSecret := fs.String("callback-secret", blaxeltest.DefaultCallbackSecret, "the secret the callbacks of background agent calls are signed with")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	opts := []blaxeltest.Option{
		blaxeltest.WithAddress(*addr),
		blaxeltest.WithDeployDelay(*deployDelay),
		blaxeltest.WithTokenTTL(*tokenTTL),
		blaxeltest.WithLogger(logger),
	}
	if *slowStart {
		opts = append(opts, blaxeltest.WithSlowSandboxStart())
	}
	if *apiKey != "" {
		opts = append(opts, blaxeltest.WithAPIKey(*apiKey))
	}
	if *clientID != "" || *clientSecret != "" {
		opts = append(opts, blaxeltest.WithClientCredentials(*clientID, *clientSecret))
	}
	if *fileDir != "" {
		opts = append(opts, blaxeltest.WithSandboxFileDir(*fileDir))
	}
	if *callbackSecret != "" {
		opts = append(opts, blaxeltest.WithCallbackSecret(*callbackSecret))
	}
	if *seedFile != "" {
		data, err := os.ReadFile(*seedFile)
		if err != nil {
			return err
		}
		seeds, err := blaxeltest.ParseSeeds(data)
		if err != nil {
			return fmt.Errorf("%s: %w", *seedFile, err)
		}
		opts = append(opts, blaxeltest.WithSeed(seeds...))
	}
	srv, err := blaxeltest.Start(opts...)
	if err != nil {
		return err
	}
	logger.Info("serving the Blaxel control plane and its deployed workloads", "url", srv.URL(), "run_url", srv.RunURL(),
		"sandboxes", srv.RunURL()+"/{workspace}/sandboxes/{name}",
		"try", "BL_API_URL="+srv.URL()+" BL_RUN_URL="+srv.RunURL()+" BL_API_KEY="+keyHint(*apiKey)+" BL_WORKSPACE=demo go run ./examples/quickstart -write -workloads")
	if ready != nil {
		ready(srv.URL())
	}
	<-ctx.Done()
	logger.Info("shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

// keyHint is what to put in BL_API_KEY: the configured key is the operator's own, so it is
// not repeated in the log.
func keyHint(configured string) string {
	if configured != "" {
		return "<the -api-key value>"
	}
	return "any-key"
}
