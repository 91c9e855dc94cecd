package blaxeltest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/internal/option"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/controlplane"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/fault"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/jobplane"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/runplane"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/sandboxfake"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/wire"
)

// Server is a fake Blaxel: the control plane under URL, and the sandboxes and deployed
// workloads under RunURL. It keeps what it is sent in memory and checks every request and
// answer against the documents. It is safe for concurrent use.
type Server struct {
	cfg    config
	cp     *controlplane.Plane
	sbx    *sandboxfake.Host // the data plane of the sandboxes
	run    *runplane.Plane   // agents, functions and models
	jobs   *jobplane.Plane   // the executions of jobs given a handler
	faults *fault.Table
	log    *wire.Log
	report func(format string, args ...any) // tells of answers that break the documents

	http    *http.Server
	url     string
	runURL  string
	closing chan struct{}
	close   sync.Once
	served  chan error
}

// NewServer starts a server for a test and closes it when the test ends. An answer of the
// server that does not match the documents fails the test.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := start(opts, func(format string, args ...any) {
		t.Helper()
		t.Errorf("blaxeltest: "+format, args...)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// Start starts a server for a program (see cmd/blaxel-fake). Answers that do not match the
// documents are logged. Stop it with Close or Shutdown.
func Start(opts ...Option) (*Server, error) {
	return start(opts, nil)
}

func start(opts []Option, report func(string, ...any)) (*Server, error) {
	cfg := defaultConfig()
	if err := option.Apply(&cfg, opts); err != nil {
		return nil, err
	}
	s := &Server{
		cfg: cfg, faults: &fault.Table{}, log: wire.NewLog(cfg.logger), report: report,
		closing: make(chan struct{}), served: make(chan error, 1),
	}
	if s.report == nil {
		logger := orDefault(cfg.logger)
		s.report = func(format string, args ...any) { logger.Error("blaxeltest: " + fmt.Sprintf(format, args...)) }
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return nil, fmt.Errorf("blaxeltest: listen on %s: %w", cfg.addr, err)
	}
	s.runURL = "http://" + ln.Addr().String()
	s.url = s.runURL + wire.BasePath
	if err := s.assemble(); err != nil {
		ln.Close()
		return nil, err
	}
	for _, seed := range cfg.seeds {
		if err := s.Seed(seed); err != nil {
			ln.Close()
			_ = s.sbx.Close()
			return nil, err
		}
	}
	s.http = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { s.served <- s.http.Serve(ln) }()
	return s, nil
}

// assemble makes the three planes, each given the control plane to ask and the faults, log
// and clock they share.
func (s *Server) assemble() error {
	var err error
	s.jobs = jobplane.New(s.runURL)
	s.cp, err = controlplane.New(controlplane.Config{
		APIKeys: s.cfg.apiKeys, ClientID: s.cfg.clientID, ClientSecret: s.cfg.clientSecret,
		TokenTTL: s.cfg.tokenTTL, DeployDelay: s.cfg.deployDelay, RunURL: s.runURL,
		Now: s.cfg.now, Faults: s.faults, Log: s.log, Report: s.report, Closing: s.closing,
		Jobs: s.jobs,
	})
	if err != nil {
		return err
	}
	sc := s.cfg.sandbox
	sc.Platform, sc.Faults, sc.Log, sc.Now, sc.Report, sc.Closing = s.cp, s.faults, s.log, s.cfg.now, s.report, s.closing
	if s.sbx, err = sandboxfake.NewHost(sc); err != nil {
		return err
	}
	s.cp.UseFiles(s.sbx)
	s.run = runplane.New(runplane.Config{Platform: s.cp, Kinds: controlplane.WorkloadKinds(), Log: s.log, Now: s.cfg.now,
		CallbackSecret: s.cfg.background.callbackSecret()})
	return nil
}

func orDefault(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.Default()
	}
	return l
}

// URL is the control plane's base address, e.g. http://127.0.0.1:41234/v0: give it to a
// client as its base URL (blaxel.WithBaseURL, or BL_API_URL).
func (s *Server) URL() string { return s.url }

// RunURL is the address deployed workloads answer at, e.g. http://127.0.0.1:41234: give it to
// a client as its run URL (blaxel.WithRunURL, or BL_RUN_URL). A sandbox answers at
// {RunURL}/{workspace}/sandboxes/{name}, an agent at {RunURL}/{workspace}/agents/{name}, a
// function's MCP server at .../functions/{name}/mcp, a model at .../models/{name}/v1/..., and
// the metadata.url of what is created in a workspace says so.
func (s *Server) RunURL() string { return s.runURL }

// Close stops the server, waiting up to 5 seconds for the requests in progress.
func (s *Server) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		_ = s.http.Close()
	}
}

// Shutdown stops the server gracefully: no new connections, and the requests in progress
// finish until ctx ends (a request held by a Hang fault is dropped at once).
func (s *Server) Shutdown(ctx context.Context) error {
	s.close.Do(func() {
		close(s.closing)
		s.sbx.Shutdown()
		s.run.Cancel() // ends the workloads' open streams, which Shutdown would wait for
	})
	err := s.http.Shutdown(ctx)
	if cerr := s.sbx.Close(); err == nil {
		err = cerr
	}
	s.run.Close(ctx)
	s.jobs.Close(ctx)
	if serveErr := <-s.served; serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) && err == nil {
		err = serveErr
	}
	s.served <- http.ErrServerClosed // later calls find the server closed too
	return err
}

// ServeHTTP answers one request: the control plane's under /v0, a sandbox's at its address,
// a deployed workload's anywhere else.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if controlplane.Serves(r.URL) {
		s.cp.ServeHTTP(w, r)
		return
	}
	if jobplane.Serves(r.URL) {
		s.jobs.ServeHTTP(w, r)
		return
	}
	if ws, name, rest, ok := sandboxfake.Address(r.URL.EscapedPath()); ok {
		s.sbx.Serve(w, r, ws, name, rest)
		return
	}
	s.run.ServeHTTP(w, r)
}

// Requests returns the requests received so far, in order of arrival: every one of them, or
// the latest 10,000 once more have arrived. Attempts counts them all.
func (s *Server) Requests() []Request { return s.log.All() }

// Attempts returns how many requests reached a route (same forms as Inject), faulted or not.
func (s *Server) Attempts(route string) int { return s.log.AttemptsOf(route) }

// TokenRequests returns how many requests reached the token endpoint, /oauth/token.
func (s *Server) TokenRequests() int { return s.cp.TokenRequests() }
