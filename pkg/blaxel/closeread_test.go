package blaxel_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/blaxel-go/blaxel/internal/conntest"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// A workload's answer closed from another goroutine, to stop a Read that waits for more, is
// closed at once: Close does not read the body beside that Read (a data race, and a wait for
// the bound of what Close reads), and the Read ends before the server does.
func TestWorkloadAnswerClosedDuringARead(t *testing.T) {
	const sent = `{"answer":`
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, sent)
		_ = http.NewResponseController(w).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	watch := conntest.NewReadWatch(t)
	c := newClient(t, srv, apiKey(), blaxel.WithRunURL(srv.URL), blaxel.WithHTTPClient(&http.Client{Transport: watch}))
	body, err := c.RunAgent(context.Background(), "a", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var got []byte
	var readErr error
	wg.Go(func() { got, readErr = io.ReadAll(body) })
	watch.WaitBlocked(t, len(sent))
	if err := body.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait() // the server is released only after
	if readErr == nil || string(got) != sent {
		t.Errorf("the Read stopped by Close: read %q, error %v", got, readErr)
	}
	if n := watch.Most(); n != 1 {
		t.Errorf("%d reads of the body ran at once: Close read it beside the caller's Read", n)
	}
}
