package blaxel_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/internal/apitest"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// The helpers every test of the package uses (see internal/apitest).
var (
	setup       = apitest.Setup
	baseURL     = apitest.BaseURL
	fastRetries = apitest.FastRetries
	newClient   = apitest.NewClient
	apiKey      = apitest.APIKey
	writeJSON   = apitest.WriteJSON
	sandboxJSON = apitest.SandboxJSON
)

// recorder keeps what a handler received, safely across goroutines.
type recorder struct {
	mu       sync.Mutex
	requests []recorded
}

type recorded struct {
	Method string
	Path   string
	Header http.Header
	Body   string
}

func (r *recorder) add(req *http.Request) recorded {
	body, _ := io.ReadAll(req.Body)
	rec := recorded{Method: req.Method, Path: req.URL.Path, Header: req.Header.Clone(), Body: string(body)}
	r.mu.Lock()
	r.requests = append(r.requests, rec)
	r.mu.Unlock()
	return rec
}

func (r *recorder) all() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recorded(nil), r.requests...)
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.requests)
}

// tokenServer answers POST /v0/oauth/token with tokens named token-1, token-2, ... that live
// expiresIn seconds, and records each request.
func tokenServer(mux *http.ServeMux, expiresIn int) *recorder {
	rec := &recorder{}
	var mu sync.Mutex
	issued := 0
	mux.HandleFunc("POST /v0/oauth/token", func(w http.ResponseWriter, r *http.Request) {
		rec.add(r)
		mu.Lock()
		issued++
		n := strconv.Itoa(issued)
		mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{
			"access_token": "token-" + n, "expires_in": expiresIn, "token_type": "Bearer", "refresh_token": "refresh-" + n,
		})
	})
	return rec
}

// getSandbox calls one GET operation and returns its error.
func getSandbox(c *blaxel.Client) error {
	_, err := c.GetSandbox(context.Background(), "sb", nil)
	return err
}

// sandboxBody is the smallest sandbox to create.
func sandboxBody(name string) gen.CreateSandboxJSONRequestBody {
	return gen.CreateSandboxJSONRequestBody{Metadata: gen.Metadata{Name: name}}
}

// countingServer counts the connections clients open to it.
type countingServer struct {
	*httptest.Server
	connections atomic.Int32
}

func newCountingServer(t *testing.T, h http.Handler) *countingServer {
	t.Helper()
	s := &countingServer{Server: httptest.NewUnstartedServer(h)}
	s.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			s.connections.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// fakeClock is a clock for WithClock that moves only when told to.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)} }

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
