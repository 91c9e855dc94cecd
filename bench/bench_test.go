package bench

import (
	"context"
	"encoding/json"
	"net/http"
	"runtime"
	"strconv"
	"testing"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// goroutines is how many goroutines share one client in the concurrent benchmarks.
const goroutines = 256

// Every benchmark runs the client and the baseline as sub-benchmarks named client and
// baseline, against the same server, so that internal/cmd/benchratio can pair them.

func BenchmarkGetSandbox(b *testing.B) {
	srv := newServer(b, 0)
	b.Run("client", func(b *testing.B) {
		c := newClient(b, srv, blaxel.WithAPIKey(apiKey))
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			resp, err := c.GetSandboxWithResponse(ctx, "sandbox-00001", nil)
			if err != nil || resp.JSON200 == nil {
				b.Fatalf("GetSandbox: %v", err)
			}
		}
	})
	b.Run("baseline", func(b *testing.B) {
		c := newBaseline(b, srv)
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.getSandbox(ctx, "sandbox-00001"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkListSandboxes(b *testing.B) {
	srv := newServer(b, 0)
	limit := 50
	b.Run("client", func(b *testing.B) {
		c := newClient(b, srv, blaxel.WithAPIKey(apiKey))
		ctx := context.Background()
		params := &gen.ListSandboxesParams{Limit: &limit}
		b.ReportAllocs()
		for b.Loop() {
			resp, err := c.ListSandboxesWithResponse(ctx, params)
			if err != nil || resp.JSON200 == nil || len(resp.JSON200.Data) != limit {
				b.Fatalf("ListSandboxes: %v", err)
			}
		}
	})
	b.Run("baseline", func(b *testing.B) {
		c := newBaseline(b, srv)
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			page, err := c.listSandboxes(ctx, limit, "")
			if err != nil || len(page.Data) != limit {
				b.Fatalf("list: %v", err)
			}
		}
	})
}

func BenchmarkCreateSandbox(b *testing.B) {
	srv := newServer(b, 0)
	body := newSandboxBody(b)
	b.Run("client", func(b *testing.B) {
		c := newClient(b, srv, blaxel.WithAPIKey(apiKey))
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			resp, err := c.CreateSandboxWithResponse(ctx, nil, body)
			if err != nil || resp.JSON200 == nil {
				b.Fatalf("CreateSandbox: %v", err)
			}
		}
	})
	b.Run("baseline", func(b *testing.B) {
		c := newBaseline(b, srv)
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.createSandbox(ctx, body); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkWalkSandboxes reads a whole listing in pages of 200, with the generated iterator
// on one side and a hand-written cursor loop on the other. Two sizes show that the cost grows
// linearly with the number of items.
func BenchmarkWalkSandboxes(b *testing.B) {
	for _, total := range []int{2_000, 10_000} {
		b.Run("items="+strconv.Itoa(total), func(b *testing.B) {
			srv := newServer(b, total)
			limit := walkPage
			b.Run("client", func(b *testing.B) {
				c := newClient(b, srv, blaxel.WithAPIKey(apiKey))
				ctx := context.Background()
				params := &gen.ListSandboxesParams{Limit: &limit}
				b.ReportAllocs()
				for b.Loop() {
					n := 0
					for s, err := range c.ListSandboxesAll(ctx, params) {
						if err != nil {
							b.Fatal(err)
						}
						n += len(s.Metadata.Name)
					}
					if n != total*len("sandbox-00000") {
						b.Fatalf("walked %d name bytes, want %d", n, total*len("sandbox-00000"))
					}
				}
			})
			b.Run("baseline", func(b *testing.B) {
				c := newBaseline(b, srv)
				ctx := context.Background()
				b.ReportAllocs()
				for b.Loop() {
					n := 0
					err := c.walkSandboxes(ctx, limit, func(s *gen.Sandbox) { n += len(s.Metadata.Name) })
					if err != nil {
						b.Fatal(err)
					}
					if n != total*len("sandbox-00000") {
						b.Fatalf("walked %d name bytes, want %d", n, total*len("sandbox-00000"))
					}
				}
			})
		})
	}
}

// BenchmarkConcurrentGetSandbox has 256 goroutines share one client that authenticates with
// client credentials; run it with -cpu 1,2 (or more) to see that the hot path does not
// contend. The client must have asked for exactly one token.
func BenchmarkConcurrentGetSandbox(b *testing.B) {
	srv := newServer(b, 0)
	b.Run("client", func(b *testing.B) {
		srv.tokens.Store(0)
		c := newClient(b, srv, blaxel.WithClientCredentials(clientID, secret))
		ctx := context.Background()
		b.SetParallelism(parallelism())
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				resp, err := c.GetSandboxWithResponse(ctx, "sandbox-00001", nil)
				if err != nil || resp.JSON200 == nil {
					b.Errorf("GetSandbox: %v", err)
					return
				}
			}
		})
		b.StopTimer()
		if n := srv.tokens.Load(); n != 1 {
			b.Fatalf("%d goroutines made %d token requests, want 1", goroutines, n)
		}
	})
	b.Run("baseline", func(b *testing.B) {
		c := newBaseline(b, srv)
		ctx := context.Background()
		if err := c.fetchToken(ctx); err != nil {
			b.Fatal(err)
		}
		b.SetParallelism(parallelism())
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := c.getSandbox(ctx, "sandbox-00001"); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// parallelism makes RunParallel start 256 goroutines whatever GOMAXPROCS is (when it divides 256).
func parallelism() int {
	return max(1, goroutines/runtime.GOMAXPROCS(0))
}

func newClient(tb testing.TB, srv *server, credential blaxel.Option) *blaxel.Client {
	tb.Helper()
	c, err := blaxel.New(credential,
		blaxel.WithWorkspace(workspace),
		blaxel.WithBaseURL(srv.URL+"/v0"),
		blaxel.WithHTTPClient(&http.Client{Transport: newTransport(tb)}))
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
