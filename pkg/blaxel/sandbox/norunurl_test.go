package sandbox_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
)

// A sandbox without metadata.url, read from a control plane that is not Blaxel's by a client
// given no run URL, cannot be opened: no address of Blaxel's is guessed for it.
func TestOpenWithoutAnAddressNamesWithRunURL(t *testing.T) {
	var requests atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"metadata":{"name":"box"},"spec":{},"status":"DEPLOYED"}`))
	}))
	defer api.Close()
	c, err := blaxel.New(blaxel.WithBaseURL(api.URL), blaxel.WithAPIKey("test-key"), blaxel.WithWorkspace("test"))
	if err != nil {
		t.Fatal(err)
	}
	sb, err := sandbox.Open(context.Background(), c, "box")
	if !errors.Is(err, blaxel.ErrNoRunURL) || !strings.Contains(err.Error(), "WithRunURL") {
		t.Fatalf("Open: %v, %v; want ErrNoRunURL naming WithRunURL", sb, err)
	}
	if n := requests.Load(); n != 1 {
		t.Errorf("%d requests, want the one GetSandbox", n)
	}
}
