package bench

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// goroutines is how many goroutines share one client in the concurrent benchmarks.
const goroutines = 256

// baselineFirst swaps the order of each pair. Even after a warm-up, whichever side runs first
// tends to be a little slower; make bench alternates the order from round to round so that
// what remains of that bias cancels out.
var baselineFirst = flag.Bool("baseline-first", false, "run each baseline before its client")

// warmUp is how long both sides of a pair run, in turns, before either is measured: against
// a fresh server, the side measured first would otherwise also pay for warming the code and
// the connections that both use.
const warmUp = 100 * time.Millisecond

// op is one operation of one side of a benchmark.
type op func(ctx context.Context) error

// pair warms both sides up, then measures them as sub-benchmarks named client and baseline,
// which internal/cmd/benchratio pairs.
func pair(b *testing.B, client, baseline op) {
	ctx := context.Background()
	for start := time.Now(); time.Since(start) < warmUp; {
		if err := errors.Join(client(ctx), baseline(ctx)); err != nil {
			b.Fatal(err)
		}
	}
	sides := []struct {
		name string
		op   op
	}{{"client", client}, {"baseline", baseline}}
	if *baselineFirst {
		sides[0], sides[1] = sides[1], sides[0]
	}
	for _, side := range sides {
		b.Run(side.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := startCPU()
			for b.Loop() {
				if err := side.op(ctx); err != nil {
					b.Fatal(err)
				}
			}
			cpu.report(b)
		})
	}
}

// cpuClock measures the CPU time the process (client, server and runtime alike) spends per
// operation. Unlike wall time, other programs on the machine barely change it.
// With a sandbox fake in a process of its own, its CPU time per operation is reported too,
// as fake-cpu-ns/op.
type cpuClock struct {
	start, fake int64
	ok, fakeOK  bool
}

func startCPU() cpuClock {
	start, ok := processCPU()
	fake, fakeOK := fakeCPU()
	return cpuClock{start, fake, ok, fakeOK}
}

func (c cpuClock) report(b *testing.B) {
	if b.N == 0 {
		return
	}
	if end, ok := processCPU(); ok && c.ok {
		b.ReportMetric(float64(end-c.start)/float64(b.N), "cpu-ns/op")
	}
	if end, ok := fakeCPU(); ok && c.fakeOK {
		b.ReportMetric(float64(end-c.fake)/float64(b.N), "fake-cpu-ns/op")
	}
}

func BenchmarkGetSandbox(b *testing.B) {
	srv := newServer(b, 0)
	c := newClient(b, srv, blaxel.WithAPIKey(apiKey))
	base := newBaseline(b, srv)
	pair(b, func(ctx context.Context) error {
		resp, err := c.GetSandbox(ctx, "sandbox-00001", nil)
		return answered(resp, err, resp != nil)
	}, func(ctx context.Context) error {
		_, err := base.getSandbox(ctx, "sandbox-00001")
		return err
	})
}

// BenchmarkGetSandboxNoNetwork is BenchmarkGetSandbox with both sides on a transport that
// answers at once, with no server: it shows the client's own cost, which the round trip
// otherwise hides, with much less noise. The targets apply to the benchmarks with a server.
func BenchmarkGetSandboxNoNetwork(b *testing.B) {
	rt := stubTransport{body: []byte(sandboxJSON(1, true))}
	const base = "http://127.0.0.1:1/v0" // never dialled
	c, err := blaxel.New(blaxel.WithAPIKey(apiKey), blaxel.WithWorkspace(workspace), blaxel.WithBaseURL(base),
		blaxel.WithHTTPClient(&http.Client{Transport: rt}))
	if err != nil {
		b.Fatal(err)
	}
	hand := &baseline{http: &http.Client{Transport: rt}, base: base, authorization: "Bearer " + apiKey}
	pair(b, func(ctx context.Context) error {
		resp, err := c.GetSandbox(ctx, "sandbox-00001", nil)
		return answered(resp, err, resp != nil)
	}, func(ctx context.Context) error {
		_, err := hand.getSandbox(ctx, "sandbox-00001")
		return err
	})
}

func BenchmarkListSandboxes(b *testing.B) {
	srv := newServer(b, 0)
	c := newClient(b, srv, blaxel.WithAPIKey(apiKey))
	base := newBaseline(b, srv)
	limit := 50
	params := &gen.ListSandboxesParams{Limit: &limit}
	pair(b, func(ctx context.Context) error {
		resp, err := c.ListSandboxes(ctx, params)
		return answered(resp, err, resp != nil && len(resp.Data) == limit)
	}, func(ctx context.Context) error {
		page, err := base.listSandboxes(ctx, limit, "")
		return answered(page, err, page != nil && len(page.Data) == limit)
	})
}

func BenchmarkCreateSandbox(b *testing.B) {
	srv := newServer(b, 0)
	c := newClient(b, srv, blaxel.WithAPIKey(apiKey))
	base := newBaseline(b, srv)
	body := newSandboxBody(b)
	pair(b, func(ctx context.Context) error {
		resp, err := c.CreateSandbox(ctx, body, nil)
		return answered(resp, err, resp != nil)
	}, func(ctx context.Context) error {
		_, err := base.createSandbox(ctx, body)
		return err
	})
}

// BenchmarkWalkSandboxes reads a whole listing in pages of 200, with the generated iterator
// on one side and a hand-written cursor loop on the other. Two sizes show that the cost grows
// linearly with the number of items.
func BenchmarkWalkSandboxes(b *testing.B) {
	for _, total := range []int{2_000, 10_000} {
		b.Run("items="+strconv.Itoa(total), func(b *testing.B) {
			srv := newServer(b, total)
			c := newClient(b, srv, blaxel.WithAPIKey(apiKey))
			base := newBaseline(b, srv)
			limit := walkPage
			params := &gen.ListSandboxesParams{Limit: &limit}
			pair(b, func(ctx context.Context) error {
				n := 0
				for s, err := range c.ListSandboxesAll(ctx, params) {
					if err != nil {
						return err
					}
					n += len(s.Metadata.Name)
				}
				return walked(n, total)
			}, func(ctx context.Context) error {
				n := 0
				if err := base.walkSandboxes(ctx, limit, func(s *gen.Sandbox) { n += len(s.Metadata.Name) }); err != nil {
					return err
				}
				return walked(n, total)
			})
		})
	}
}

// BenchmarkConcurrentGetSandbox has 256 goroutines share one client that authenticates with
// client credentials; run it with -cpu 1,2 (or more) to see that the hot path does not
// contend. Each run starts a new client, which must ask for exactly one token, on the same
// warm transport (so that it does not dial 256 connections again); the baseline gets its
// token once before it starts.
func BenchmarkConcurrentGetSandbox(b *testing.B) {
	srv := newServer(b, 0)
	transport := newTransport(b)
	warm := newClientOn(b, srv, transport, blaxel.WithClientCredentials(clientID, secret))
	base := newBaseline(b, srv)
	if err := base.fetchToken(context.Background()); err != nil {
		b.Fatal(err)
	}
	getSandbox := func(c *blaxel.Client) op {
		return func(ctx context.Context) error {
			resp, err := c.GetSandbox(ctx, "sandbox-00001", nil)
			return answered(resp, err, resp != nil)
		}
	}
	baseline := func(ctx context.Context) error {
		_, err := base.getSandbox(ctx, "sandbox-00001")
		return err
	}
	client := func(b *testing.B) op {
		srv.tokens.Store(0)
		c := newClientOn(b, srv, transport, blaxel.WithClientCredentials(clientID, secret))
		b.Cleanup(func() {
			if n := srv.tokens.Load(); n != 1 {
				b.Errorf("%d goroutines made %d token requests, want 1", goroutines, n)
			}
		})
		return getSandbox(c)
	}
	parallelPair(b, getSandbox(warm), baseline, client, func(*testing.B) op { return baseline })
}

// parallelPair is pair for b.RunParallel with 256 goroutines: 256 goroutines run the warm
// operations (which also opens the connections both sides keep), then each run of a side gets
// its operation from start.
func parallelPair(b *testing.B, warmClient, warmBaseline op, client, baseline func(*testing.B) op) {
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for range goroutines {
		wg.Go(func() {
			for start := time.Now(); time.Since(start) < warmUp; {
				if err := errors.Join(warmClient(ctx), warmBaseline(ctx)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	sides := []struct {
		name  string
		start func(*testing.B) op
	}{{"client", client}, {"baseline", baseline}}
	if *baselineFirst {
		sides[0], sides[1] = sides[1], sides[0]
	}
	for _, side := range sides {
		b.Run(side.name, func(b *testing.B) {
			do := side.start(b)
			b.SetParallelism(max(1, goroutines/runtime.GOMAXPROCS(0)))
			b.ReportAllocs()
			b.ResetTimer()
			cpu := startCPU()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := do(ctx); err != nil {
						b.Error(err)
						return
					}
				}
			})
			cpu.report(b)
		})
	}
}

// answered turns a call that returned no error but not the expected answer into an error.
func answered(resp any, err error, ok bool) error {
	if err == nil && !ok {
		err = fmt.Errorf("unexpected answer %+v", resp)
	}
	return err
}

// walked checks that a walk saw every sandbox: n is the sum of their names' lengths.
func walked(n, total int) error {
	if want := total * len("sandbox-00000"); n != want {
		return fmt.Errorf("walked %d bytes of names, want %d", n, want)
	}
	return nil
}

func newClient(tb testing.TB, srv *server, credential blaxel.Option) *blaxel.Client {
	tb.Helper()
	return newClientOn(tb, srv, newTransport(tb), credential)
}

func newClientOn(tb testing.TB, srv *server, rt http.RoundTripper, credential blaxel.Option) *blaxel.Client {
	tb.Helper()
	c, err := blaxel.New(credential,
		blaxel.WithWorkspace(workspace),
		blaxel.WithBaseURL(srv.URL+"/v0"),
		blaxel.WithHTTPClient(&http.Client{Transport: rt}))
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func newBaseline(tb testing.TB, srv *server) *baseline {
	return &baseline{
		http:          &http.Client{Transport: newTransport(tb)},
		base:          srv.URL + "/v0",
		authorization: "Bearer " + apiKey,
	}
}

// newSandboxBody is what a caller sends to create a sandbox: a name, an image, memory, ports
// and environment.
func newSandboxBody(tb testing.TB) gen.Sandbox {
	tb.Helper()
	var s gen.Sandbox
	err := json.Unmarshal([]byte(`{"metadata":{"name":"sandbox-00001","displayName":"Data pipeline worker 1",`+
		`"labels":{"team":"data-platform","env":"staging"}},`+
		`"spec":{"region":"us-pdx-1","runtime":{"image":"blaxel/prod-py-app:latest","memory":4096,"ttl":"24h",`+
		`"envs":[{"name":"PIPELINE_STAGE","value":"transform"},{"name":"LOG_LEVEL","value":"info"}],`+
		`"ports":[{"name":"sandbox-api","target":8080,"protocol":"HTTP"},{"name":"preview","target":3000,"protocol":"HTTP"}]},`+
		`"lifecycle":{"expirationPolicies":[{"type":"ttl-idle","value":"30m","action":"delete"}]}}}`), &s)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}
