package blaxel_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"golang.org/x/sync/errgroup"
)

// A client given no *http.Client keeps the connections of calls made at once for the calls
// that follow, rather than the two per host that net/http keeps by default.
func TestConcurrentCallsKeepTheirConnections(t *testing.T) {
	mux, srv := setup(t)
	const calls = 8
	var (
		mu      sync.Mutex
		conns   = map[string]bool{}
		arrived sync.WaitGroup
	)
	arrived.Add(calls)
	mux.HandleFunc("GET /v0/sandboxes/{name}", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		first := !conns[r.RemoteAddr]
		conns[r.RemoteAddr] = true
		inFirstWave := first && len(conns) <= calls
		mu.Unlock()
		if inFirstWave {
			arrived.Done()
			arrived.Wait() // the first wave is in flight at once, over as many connections
		}
		writeJSON(w, http.StatusOK, sandboxJSON(r.PathValue("name")))
	})
	c := newClient(t, srv, apiKey())
	for range 3 { // three waves of calls at once
		var g errgroup.Group
		for range calls {
			g.Go(func() error {
				_, err := c.GetSandbox(context.Background(), "sb", nil)
				return err
			})
		}
		if err := g.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	if len(conns) != calls {
		t.Errorf("3 waves of %d calls at once came over %d connections; want %d", calls, len(conns), calls)
	}
}
