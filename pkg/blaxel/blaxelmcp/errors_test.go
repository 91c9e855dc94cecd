package blaxelmcp_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/blaxelmcp"
)

// brokenLink is the error of a transport that could not carry a request.
type brokenLink struct{ detail string }

func (e *brokenLink) Error() string { return "broken link: " + e.detail }

// failingCalls fails every POST whose JSON-RPC method is method with a *brokenLink, and passes
// every other request on.
type failingCalls struct {
	method string
	next   http.RoundTripper
}

func (f failingCalls) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && r.GetBody != nil {
		body, _ := r.GetBody()
		data, _ := io.ReadAll(body)
		if strings.Contains(string(data), `"method":"`+f.method+`"`) {
			if r.Body != nil {
				r.Body.Close()
			}
			return nil, &brokenLink{detail: f.method}
		}
	}
	return f.next.RoundTrip(r)
}

// A transport's failure after connecting reaches the caller as itself, not as a cancellation.
func TestMCPCallKeepsTheTransportsError(t *testing.T) {
	srv := httptest.NewServer(mcpServer())
	defer srv.Close()
	c := forcedFunction(t, srv, blaxel.WithHTTPClient(&http.Client{Transport: failingCalls{method: "tools/list", next: http.DefaultTransport}}))
	session, err := blaxelmcp.Connect(t.Context(), c, "f")
	if err != nil {
		t.Fatal(err)
	}
	defer session.Close()
	_, err = session.ListTools(t.Context(), nil)
	var broken *brokenLink
	if !errors.As(err, &broken) || broken.detail != "tools/list" {
		t.Fatalf("err %v (%T), want the transport's *brokenLink", err, err)
	}
}
