package blaxeltest_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// TestConcurrentRequests has many clients create, list, read and delete at once; run with
// -race it checks that the server keeps its state safely.
func TestConcurrentRequests(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	srv.Inject("GetSandbox", 5, blaxeltest.Status(503))
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			expect := func(req request, want int) {
				a, err := trySend(srv, req)
				if err != nil || (want != 0 && a.status != want) {
					t.Errorf("%s %s: %d %v, want %d", req.method, req.path, a.status, err, want)
				}
			}
			for i := range 10 {
				name := fmt.Sprintf("w%d-%d", w, i)
				expect(request{method: "POST", path: "/sandboxes", body: sandbox(name, nil)}, 200)
				expect(request{method: "GET", path: "/sandboxes?limit=5"}, 200)
				expect(request{method: "GET", path: "/sandboxes/" + name}, 0) // 200, or 503 for five of them
				if i%2 == 0 {
					expect(request{method: "DELETE", path: "/sandboxes/" + name}, 200)
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
	_, _, total := meta(send(t, srv, request{method: "GET", path: "/sandboxes"}))
	if total != 40 {
		t.Errorf("%v sandboxes left, want 40", total)
	}
}
