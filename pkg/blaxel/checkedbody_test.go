package blaxel_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// A JSON answer cut short is refused with the start of its body, but a credential that the
// kept start would cut in two is left out entirely rather than quoted in part.
func TestDecodeErrorQuotesNoPartOfACredential(t *testing.T) {
	const secret = "sk-live-0123456789abcdefghijklmnopqrstuvwxyz"
	body := `{"note":"` + strings.Repeat("x", 100) + ` ` + secret + `","spec":{"image":"a"`
	mux, srv := setup(t)
	mux.HandleFunc("GET /v0/sandboxes/sb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	})
	err := getSandbox(newClient(t, srv, apiKey()))
	var decodeErr *blaxel.DecodeError
	if !errors.As(err, &decodeErr) {
		t.Fatalf("error %T %v", err, err)
	}
	if text := err.Error() + string(decodeErr.Body); strings.Contains(text, "sk-l") || !strings.Contains(text, `{"note":"xxx`) {
		t.Fatalf("error %q", text)
	}
}

// A body that the connection cuts before its announced length is a *url.Error.
func TestJSONBodyCutByTheConnection(t *testing.T) {
	mux, srv := setup(t)
	mux.HandleFunc("GET /v0/sandboxes/sb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "4096")
		_, _ = w.Write([]byte(`{"metadata":{"name":"sb"}`))
	})
	_, err := newClient(t, srv, apiKey()).GetSandbox(context.Background(), "sb", nil)
	var urlErr *url.Error
	if !errors.As(err, &urlErr) {
		t.Fatalf("error %T %v", err, err)
	}
}
