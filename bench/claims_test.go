package bench

import (
	"context"
	"reflect"
	"runtime"
	"sync"
	"testing"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// The tests of this file keep the benchmarks honest: both sides do the same work, the client
// asks for one token however many goroutines share it, and walking a listing holds one page.

func TestClientAndBaselineDecodeTheSame(t *testing.T) {
	srv := newServer(t, 2*walkPage)
	c := newClient(t, srv, blaxel.WithAPIKey(apiKey))
	base := newBaseline(t, srv)
	ctx := context.Background()

	got, err := c.GetSandbox(ctx, "sandbox-00001", nil)
	if err != nil {
		t.Fatal(err)
	}
	want, err := base.getSandbox(ctx, "sandbox-00001")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) || want.Events == nil || len(*want.Events) != 3 {
		t.Fatalf("GetSandbox decoded differently:\nclient   %+v\nbaseline %+v", got, want)
	}

	limit := 50
	page, err := c.ListSandboxes(ctx, &gen.ListSandboxesParams{Limit: &limit})
	if err != nil {
		t.Fatal(err)
	}
	wantPage, err := base.listSandboxes(ctx, limit, "")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(page, wantPage) || len(wantPage.Data) != limit {
		t.Fatal("ListSandboxes decoded differently")
	}

	body := newSandboxBody(t)
	created, err := c.CreateSandbox(ctx, body, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantCreated, err := base.createSandbox(ctx, body)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(created, wantCreated) {
		t.Fatal("CreateSandbox decoded differently")
	}

	var walked, wantWalked []gen.Sandbox
	walkLimit := walkPage
	for s, err := range c.ListSandboxesAll(ctx, &gen.ListSandboxesParams{Limit: &walkLimit}) {
		if err != nil {
			t.Fatal(err)
		}
		walked = append(walked, s)
	}
	if err := base.walkSandboxes(ctx, walkPage, func(s *gen.Sandbox) { wantWalked = append(wantWalked, *s) }); err != nil {
		t.Fatal(err)
	}
	if len(walked) != 2*walkPage || !reflect.DeepEqual(walked, wantWalked) {
		t.Fatalf("walked %d sandboxes, the baseline %d, or they differ", len(walked), len(wantWalked))
	}
}

func TestOneTokenForManyGoroutines(t *testing.T) {
	srv := newServer(t, 0)
	c := newClient(t, srv, blaxel.WithClientCredentials(clientID, secret))
	start := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for range goroutines {
		wg.Go(func() {
			<-start
			for range 4 {
				if _, err := c.GetSandbox(context.Background(), "sandbox-00001", nil); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := srv.tokens.Load(); n != 1 {
		t.Fatalf("%d goroutines made %d token requests, want 1", goroutines, n)
	}
}

// walkCost walks total sandboxes with the client and reports the largest live heap seen at
// the start of each page (after a collection, above what was live before the walk), and the
// bytes and objects allocated during the walk.
func walkCost(t *testing.T, total int) (peakLive, allocated, objects uint64) {
	srv := newServer(t, total)
	c := newClient(t, srv, blaxel.WithAPIKey(apiKey))
	limit := walkPage
	var before, now runtime.MemStats
	runtime.GC()
	runtime.GC() // the second frees what the first only moved out of sync.Pools
	runtime.ReadMemStats(&before)
	n := 0
	for _, err := range c.ListSandboxesAll(context.Background(), &gen.ListSandboxesParams{Limit: &limit}) {
		if err != nil {
			t.Fatal(err)
		}
		if n%walkPage == 0 {
			runtime.GC()
			runtime.ReadMemStats(&now)
			if now.HeapAlloc > before.HeapAlloc {
				peakLive = max(peakLive, now.HeapAlloc-before.HeapAlloc)
			}
		}
		n++
	}
	runtime.ReadMemStats(&now)
	if n != total {
		t.Fatalf("walked %d sandboxes, want %d", n, total)
	}
	return peakLive, now.TotalAlloc - before.TotalAlloc, now.Mallocs - before.Mallocs
}

// Walking five times as many sandboxes allocates five times as much, and holds no more: the
// live heap is one page, not the listing.
func TestWalkCostIsLinearAndHoldsOnePage(t *testing.T) {
	page, _, _ := walkCost(t, walkPage)
	smallLive, smallBytes, smallObjects := walkCost(t, 2_000)
	bigLive, bigBytes, bigObjects := walkCost(t, 10_000)
	t.Logf("walk of %d sandboxes (one page): live heap at most %4.0f KB", walkPage, float64(page)/1e3)
	t.Logf("walk of 2,000 sandboxes:          live heap at most %4.0f KB, %5.1f MB and %7d objects allocated",
		float64(smallLive)/1e3, float64(smallBytes)/1e6, smallObjects)
	t.Logf("walk of 10,000 sandboxes:         live heap at most %4.0f KB, %5.1f MB and %7d objects allocated",
		float64(bigLive)/1e3, float64(bigBytes)/1e6, bigObjects)
	if bigLive > page+page/4 || smallLive > page+page/4 {
		t.Errorf("the live heap grows with the listing: %d bytes for 10,000 items, %d for 2,000, a page is %d",
			bigLive, smallLive, page)
	}
	for _, r := range []float64{float64(bigBytes) / float64(smallBytes), float64(bigObjects) / float64(smallObjects)} {
		if r < 4.5 || r > 5.5 {
			t.Errorf("10,000 items cost %.2f times what 2,000 cost, want about 5", r)
		}
	}
}
