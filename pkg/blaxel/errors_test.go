package blaxel_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/blaxel-go/blaxel/internal/apidoc"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

func TestControlPlaneErrorIsDecoded(t *testing.T) {
	mux, srv := setup(t)
	mux.HandleFunc("GET /v0/sandboxes/sb", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "sandbox_not_found", "code": 404, "message": "no sandbox named sb"})
	})
	err := getSandbox(newClient(t, srv, apiKey()))
	var apiErr *blaxel.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %T %v", err, err)
	}
	want := blaxel.APIError{StatusCode: 404, Code: "sandbox_not_found", Message: "no sandbox named sb", Operation: "GetSandbox",
		Method: "GET", URL: baseURL(srv) + "/sandboxes/sb"}
	if apiErr.StatusCode != want.StatusCode || apiErr.Code != want.Code || apiErr.Message != want.Message ||
		apiErr.Operation != want.Operation || apiErr.Method != want.Method || apiErr.URL != want.URL {
		t.Fatalf("got %+v", apiErr)
	}
	if !errors.Is(err, blaxel.ErrNotFound) || errors.Is(err, blaxel.ErrConflict) {
		t.Fatal("errors.Is does not follow the status")
	}
	if msg := err.Error(); !strings.Contains(msg, "GetSandbox") || !strings.Contains(msg, "404") || !strings.Contains(msg, "no sandbox named sb") {
		t.Fatalf("message %q", msg)
	}
}

func TestGatewayErrorIsDecoded(t *testing.T) {
	mux, srv := setup(t)
	mux.HandleFunc("DELETE /v0/sandboxes/sb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Blaxel-Source", "gateway")
		w.Header().Set("X-Blaxel-Error-Code", "POLICY_VIOLATION")
		writeJSON(w, http.StatusForbidden, map[string]any{"error": map[string]any{
			"code": "POLICY_VIOLATION", "message": "blocked by policy", "origin": "edge", "retryable": false,
			"action": "change the policy", "do_not": "retry", "docs_url": "https://docs.example/policies",
			"status": 403, "timestamp": "2026-05-01T00:00:00Z"}})
	})
	_, err := newClient(t, srv, apiKey()).DeleteSandbox(context.Background(), "sb")
	var apiErr *blaxel.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v", err)
	}
	if apiErr.Code != "POLICY_VIOLATION" || apiErr.Message != "blocked by policy" || apiErr.Origin != "edge" ||
		apiErr.Retryable || apiErr.Action != "change the policy" || apiErr.DoNot != "retry" ||
		apiErr.DocsURL != "https://docs.example/policies" || apiErr.Source != "gateway" || apiErr.Operation != "DeleteSandbox" {
		t.Fatalf("got %+v", apiErr)
	}
	if !errors.Is(err, blaxel.ErrForbidden) {
		t.Fatal("not ErrForbidden")
	}
}

func TestSentinelsFollowTheStatus(t *testing.T) {
	sentinels := map[int]error{400: blaxel.ErrBadRequest, 401: blaxel.ErrUnauthorized, 403: blaxel.ErrForbidden,
		404: blaxel.ErrNotFound, 409: blaxel.ErrConflict, 410: blaxel.ErrGone, 429: blaxel.ErrRateLimited}
	for status, sentinel := range sentinels {
		err := error(&blaxel.APIError{StatusCode: status})
		for other, s := range sentinels {
			if got := errors.Is(fmt.Errorf("wrapped: %w", err), s); got != (other == status) {
				t.Errorf("status %d: errors.Is(%v) = %v", status, s, got)
			}
		}
		_ = sentinel
	}
}

// An HTML page from the edge is not JSON: the error says so, with the status, the content type
// and the start of the page.
func TestHTMLErrorPageNamesStatusContentTypeAndExcerpt(t *testing.T) {
	mux, srv := setup(t)
	mux.HandleFunc("POST /v0/sandboxes", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusGatewayTimeout)
		_, _ = w.Write([]byte("<html><body><h1>504 Gateway Time-out</h1></body></html>"))
	})
	_, err := newClient(t, srv, apiKey()).CreateSandbox(context.Background(), sandboxBody("sb"), nil)
	var apiErr *blaxel.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 504 || apiErr.Operation != "CreateSandbox" {
		t.Fatalf("error %v", err)
	}
	for _, want := range []string{"504", "text/html", "504 Gateway Time-out"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
}

// A successful answer whose JSON is cut short, or that is not JSON at all, is a *DecodeError
// naming the status, the content type and the start of the body.
func TestSuccessfulAnswerThatIsNotJSON(t *testing.T) {
	for _, tc := range []struct {
		contentType, body string
	}{
		{"application/json", `{"metadata":{"name":"sb"},"spe`},
		{"text/html", "<html>maintenance</html>"},
	} {
		mux, srv := setup(t)
		mux.HandleFunc("GET /v0/sandboxes/sb", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", tc.contentType)
			_, _ = w.Write([]byte(tc.body))
		})
		err := getSandbox(newClient(t, srv, apiKey()))
		var decodeErr *blaxel.DecodeError
		if !errors.As(err, &decodeErr) || decodeErr.StatusCode != 200 || decodeErr.Operation != "GetSandbox" {
			t.Fatalf("%s: error %T %v", tc.contentType, err, err)
		}
		for _, want := range []string{"200", tc.contentType, tc.body[:10]} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("message %q lacks %q", err, want)
			}
		}
	}
}

// countingBody counts the bytes the client reads from an answer.
type countingBody struct {
	io.ReadCloser
	read *atomic.Int64
}

func (b countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.read.Add(int64(n))
	return n, err
}

// A large successful answer that is not JSON is quoted from its start, not read whole.
func TestSuccessfulAnswerThatIsNotJSONIsReadOnlyInPart(t *testing.T) {
	mux, srv := setup(t)
	page := []byte(strings.Repeat("<html>", 1<<14))
	mux.HandleFunc("GET /v0/sandboxes/sb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		for range (64 << 20) / len(page) {
			if _, err := w.Write(page); err != nil {
				return
			}
		}
	})
	var read atomic.Int64
	counting := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := http.DefaultTransport.RoundTrip(r)
		if err == nil {
			resp.Body = countingBody{ReadCloser: resp.Body, read: &read}
		}
		return resp, err
	})
	err := getSandbox(newClient(t, srv, apiKey(), blaxel.WithHTTPClient(&http.Client{Transport: counting})))
	var decodeErr *blaxel.DecodeError
	if !errors.As(err, &decodeErr) || !strings.HasPrefix(string(decodeErr.Body), "<html>") {
		t.Fatalf("error %T %.100v", err, err)
	}
	if n := read.Load(); n > 2<<20 {
		t.Errorf("%d MB of a 64 MB page were read", n>>20)
	}
}

// The error text never holds a credential, even when the server repeats one.
func TestErrorsNeverHoldACredential(t *testing.T) {
	mux, srv := setup(t)
	mux.HandleFunc("GET /v0/sandboxes/sb", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "bad_request",
			"message":      "rejected " + r.Header.Get("Authorization") + " for " + r.URL.RawQuery,
			"access_token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"})
	})
	c := newClient(t, srv, apiKey())
	_, err := c.API().GetSandboxWithResponse(context.Background(), "sb", nil, func(_ context.Context, req *http.Request) error {
		q := req.URL.Query()
		q.Set("bl_preview_token", "preview-secret-9")
		req.URL.RawQuery = q.Encode()
		return nil
	})
	var apiErr *blaxel.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v", err)
	}
	text := err.Error() + " " + string(apiErr.Body) + " " + apiErr.URL
	for _, secret := range []string{"test-api-key-123", "preview-secret-9", "eyJhbGciOiJIUzI1NiJ9"} {
		if strings.Contains(text, secret) {
			t.Errorf("%q appears in %q", secret, text)
		}
	}
}

// The doer's rule that a 2xx body is JSON holds only while the document declares nothing else.
func TestDocumentDeclaresOnlyJSONSuccessBodies(t *testing.T) {
	doc, err := apidoc.Load()
	if err != nil {
		t.Fatal(err)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for code, ref := range op.Responses.Map() {
				if !strings.HasPrefix(code, "2") || ref.Value == nil {
					continue
				}
				for ct := range ref.Value.Content {
					if ct != "application/json" {
						t.Errorf("%s %s %s answers %s: apiDoer would refuse it", method, path, code, ct)
					}
				}
			}
		}
	}
}

// APIError.Body is the body as the server sent it, byte for byte, with each credential
// replaced once: not decoded and encoded again (which would turn < into \u003c and reorder
// the keys), not redacted twice.
func TestAPIErrorBodyIsWhatTheServerSent(t *testing.T) {
	const sent = "{ \"message\" : \"a < b && c > d, caf\u00e9\",\n  \"error\":\"bad\", \"token\": \"tok-abcdefgh\", \"echo\":\"test-api-key-123\" }"
	const want = "{ \"message\" : \"a < b && c > d, caf\u00e9\",\n  \"error\":\"bad\", \"token\": \"REDACTED\", \"echo\":\"REDACTED\" }"
	mux, srv := setup(t)
	mux.HandleFunc("GET /v0/sandboxes/sb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(sent))
	})
	err := getSandbox(newClient(t, srv, apiKey(), blaxel.WithMaxRetries(0)))
	var apiErr *blaxel.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v", err)
	}
	if string(apiErr.Body) != want {
		t.Errorf("Body\n%s\nwant\n%s", apiErr.Body, want)
	}
	if apiErr.Message != "a < b && c > d, café" || apiErr.Code != "bad" {
		t.Errorf("message %q, code %q", apiErr.Message, apiErr.Code)
	}
}
