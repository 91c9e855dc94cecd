package controlplane_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/faketest"
)

// TestConcurrentRequests has many clients create, list, read and delete at once; run with
// -race it checks that the server keeps its state safely.
func TestConcurrentRequests(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	srv.Inject("GetSandbox", 5, blaxeltest.Status(503))
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			expect := func(req faketest.Request, want int) {
				a, err := faketest.TrySend(srv, req)
				if err != nil || (want != 0 && a.Status != want) {
					t.Errorf("%s %s: %d %v, want %d", req.Method, req.Path, a.Status, err, want)
				}
			}
			for i := range 10 {
				name := fmt.Sprintf("w%d-%d", w, i)
				expect(faketest.Request{Method: "POST", Path: "/sandboxes", Body: faketest.Sandbox(name, nil)}, 200)
				expect(faketest.Request{Method: "GET", Path: "/sandboxes?limit=5"}, 200)
				expect(faketest.Request{Method: "GET", Path: "/sandboxes/" + name}, 0) // 200, or 503 for five of them
				if i%2 == 0 {
					expect(faketest.Request{Method: "DELETE", Path: "/sandboxes/" + name}, 200)
				}
			}
		})
	}
	wg.Wait()
	if n := srv.Attempts("POST /sandboxes"); n != 80 {
		t.Errorf("%d creations counted", n)
	}
	if n := len(srv.Requests()); n != 80*3+40 {
		t.Errorf("%d requests logged", n)
	}
	_, _, total := meta(faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes"}))
	if total != 40 {
		t.Errorf("%v sandboxes left, want 40", total)
	}
}
