package reliability

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// TestEndlessEmptyPages: a listing answers empty pages, each with a fresh cursor and "more to
// come". The walk yields no item, ends after a few pages with ErrEmptyPages, and has made no
// more requests than that. (The server stops after 1,000 pages, so that a walk that would
// not end fails here rather than hangs.)
func TestEndlessEmptyPages(t *testing.T) {
	noLeaks(t)
	var pages atomic.Int64
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		n := pages.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"data":[],"meta":{"hasMore":%v,"nextCursor":"c%d"}}`, n < 1000, n)
	})
	client, _ := newClient(t, srv.base(), withAPIKey())
	items := 0
	var walkErr error
	for _, err := range client.ListSandboxesAll(context.Background(), nil) {
		if err != nil {
			walkErr = err
			break
		}
		items++
	}
	audit.err(walkErr)
	if !errors.Is(walkErr, blaxel.ErrEmptyPages) {
		t.Errorf("the walk ended with %v after %d pages, want ErrEmptyPages", walkErr, pages.Load())
	}
	if n := pages.Load(); n > 10 || items != 0 {
		t.Errorf("%d pages asked for, %d items, want a few pages and none", n, items)
	}
	audit.add("empty-pages", int(pages.Load()))
}
