package reliability

import (
	"context"
	"errors"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// TestHugeErrorBodyMemory sends GETs that meet an error body on each of their 4 attempts,
// of 5 MB and then of 50 MB (200 MB in all), and measures the bytes allocated meanwhile. The
// client reads a bounded start of each body, so what it allocates does not grow with the
// body's size and stays below a fixed cap.
func TestHugeErrorBodyMemory(t *testing.T) {
	noLeaks(t)
	small := allocatedForErrorBody(t, 5<<20)
	large := allocatedForErrorBody(t, 50<<20)
	const limit, slack = 32 << 20, 2 << 20
	t.Logf("allocated: %.1f MB for 4×5 MB, %.1f MB for 4×50 MB (cap %d MB)", mb(small), mb(large), limit>>20)
	if large > limit {
		t.Errorf("%.1f MB allocated while handling 4 bodies of 50 MB, more than %d MB", mb(large), limit>>20)
	}
	if large > small+slack {
		t.Errorf("the allocations grow with the body: %.1f MB for 5 MB bodies, %.1f MB for 50 MB ones", mb(small), mb(large))
	}
	audit.add("huge-mb", 4*50)
	audit.add("huge-kb", int(large>>10))
}

func mb(n uint64) float64 { return float64(n) / (1 << 20) }

// allocatedForErrorBody makes one GET whose every attempt meets a 502 with a body of size
// bytes, and returns the bytes the process allocated meanwhile.
func allocatedForErrorBody(t *testing.T, size int) uint64 {
	serve := hugeBody(http.StatusBadGateway, size)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { serve(w, r, 0, nil) })
	client, w := newClient(t, srv.base(), withAPIKey())
	// Warm up: the first call sets up the connection pool and the like.
	if _, err := client.GetSandbox(context.Background(), "warm-up", nil); err == nil {
		t.Fatal("the warm-up call succeeded")
	}
	before := srv.requests.Load()

	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	_, err := client.GetSandbox(context.Background(), "sb", nil)
	runtime.ReadMemStats(&m1)
	audit.err(err)

	var apiErr *blaxel.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadGateway {
		t.Fatalf("want a 502 *APIError, got %v", err)
	}
	if attempts := srv.requests.Load() - before; attempts != 4 {
		t.Errorf("%d attempts, want 4", attempts)
	}
	if w.unclosed() != 0 {
		t.Errorf("%d bodies left open", w.unclosed())
	}
	return m1.TotalAlloc - m0.TotalAlloc
}

// TestConnectionsReused makes 200 calls of every kind, successes, error answers, retried
// answers, creations refused with 409, and checks that they all travel over one connection,
// and that every answer body was closed.
func TestConnectionsReused(t *testing.T) {
	noLeaks(t)
	var n atomic.Int64
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		switch k := n.Add(1); {
		case r.Method == http.MethodPost:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusConflict)
			_, _ = io.WriteString(w, `{"error":"conflict","code":409,"message":"sandbox sb already exists"}`)
		case strings.HasSuffix(r.URL.Path, "/missing"):
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"error":"not_found","code":404,"message":"no such sandbox"}`)
		case strings.HasSuffix(r.URL.Path, "/flaky") && k%2 == 0:
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, "<html>busy</html>")
		default:
			ok(w)
		}
	})
	client, w := newClient(t, srv.base(), withAPIKey())
	ctx := context.Background()
	const rounds = 40
	for i := range rounds {
		steps := []func() error{
			func() error { _, err := client.GetSandbox(ctx, "sb", nil); return err },
			func() error { _, err := client.GetSandbox(ctx, "missing", nil); return err },
			func() error { _, err := client.GetSandbox(ctx, "flaky", nil); return err },
			func() error {
				_, err := client.UpdateSandbox(ctx, "sb", gen.Sandbox{Metadata: gen.Metadata{Name: "sb"}})
				return err
			},
			func() error {
				_, err := client.CreateSandbox(ctx, gen.Sandbox{Metadata: gen.Metadata{Name: "sb"}}, nil)
				return err
			},
		}
		for j, step := range steps {
			err := step()
			audit.err(err)
			switch j {
			case 1:
				if !errors.Is(err, blaxel.ErrNotFound) {
					t.Fatalf("round %d: want ErrNotFound, got %v", i, err)
				}
			case 4:
				if !errors.Is(err, blaxel.ErrConflict) {
					t.Fatalf("round %d: want ErrConflict, got %v", i, err)
				}
			default:
				if err != nil {
					t.Fatalf("round %d, step %d: %v", i, j, err)
				}
			}
		}
	}
	calls := rounds * 5
	t.Logf("%d calls, %d requests, %d connections", calls, srv.requests.Load(), srv.conns.Load())
	if c := srv.conns.Load(); c != 1 {
		t.Errorf("%d connections opened for %d sequential calls, want 1", c, calls)
	}
	if w.unclosed() != 0 {
		t.Errorf("%d of %d bodies left open", w.unclosed(), w.opened.Load())
	}
	audit.add("reuse-calls", calls)
	audit.add("reuse-conns", int(srv.conns.Load()))
}

// TestConnectionsReusedConcurrently has 8 goroutines make 50 calls each: no more connections
// than goroutines are opened.
func TestConnectionsReusedConcurrently(t *testing.T) {
	noLeaks(t)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { ok(w) })
	client, w := newClient(t, srv.base(), withAPIKey())
	const workers, each = 8, 50
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				if _, err := client.GetSandbox(context.Background(), "sb", nil); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	// A dial already under way when a connection frees up is kept too: allow a few.
	if c := srv.conns.Load(); c > workers+4 {
		t.Errorf("%d connections for %d goroutines", c, workers)
	}
	if w.unclosed() != 0 {
		t.Errorf("%d bodies left open", w.unclosed())
	}
}

// TestRunBodiesClosed calls a deployed agent: the caller closes a success's body, the client
// closes an error's; no body stays open and the connection is reused.
func TestRunBodiesClosed(t *testing.T) {
	noLeaks(t)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if strings.Contains(r.URL.Path, "/agents/broken") {
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, "agent crashed")
			return
		}
		_, _ = io.WriteString(w, `{"answer":42}`)
	})
	client, w := newClient(t, srv.base(), withAPIKey(), blaxel.WithRunURL(srv.URL))
	ctx := context.Background()
	for range 20 {
		body, err := client.RunAgent(ctx, "helper", strings.NewReader(`{"inputs":"hi"}`))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadAll(body); err != nil {
			t.Fatal(err)
		}
		body.Close()
		_, err = client.RunAgent(ctx, "broken", strings.NewReader(`{}`))
		audit.err(err)
		if !errors.Is(err, &blaxel.APIError{StatusCode: 500}) && err == nil {
			t.Fatal("a 500 from the agent was not an error")
		}
	}
	if w.unclosed() != 0 {
		t.Errorf("%d bodies left open", w.unclosed())
	}
	if c := srv.conns.Load(); c != 1 {
		t.Errorf("%d connections, want 1", c)
	}
}
