package blaxel_test

import (
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// wire records every request the client puts on the wire: its host, and the credential
// headers it carries.
type wire struct {
	mu   sync.Mutex
	sent []sentRequest
	next http.RoundTripper
}

type sentRequest struct {
	method, host, path string
	credentials        []string // the values of Authorization and X-Blaxel-Authorization
	workspace          string
}

func (w *wire) RoundTrip(r *http.Request) (*http.Response, error) {
	w.mu.Lock()
	w.sent = append(w.sent, sentRequest{
		method: r.Method, host: r.URL.Host, path: r.URL.Path,
		credentials: append(slices.Clone(r.Header.Values("Authorization")), r.Header.Values("X-Blaxel-Authorization")...),
		workspace:   r.Header.Get("X-Blaxel-Workspace"),
	})
	w.mu.Unlock()
	return w.next.RoundTrip(r)
}

// fakeClient is a client of srv, its control plane and its run plane, whose requests w records.
func fakeClient(t *testing.T, srv *blaxeltest.Server, opts ...blaxel.Option) (*blaxel.Client, *wire) {
	t.Helper()
	w := &wire{next: http.DefaultTransport}
	all := append([]blaxel.Option{blaxel.WithBaseURL(srv.URL()), blaxel.WithRunURL(srv.RunURL()), blaxel.WithAPIKey("test-api-key-123"),
		blaxel.WithWorkspace("ws"), blaxel.WithHTTPClient(&http.Client{Transport: w}), fastRetries()}, opts...)
	c, err := blaxel.New(all...)
	if err != nil {
		t.Fatal(err)
	}
	return c, w
}
