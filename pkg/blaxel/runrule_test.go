package blaxel

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A workload's answer follows the client's one success rule: a 304 is a success only when
// the call asked for one with If-Modified-Since.
func TestRunFollowsTheOneSuccessRule(t *testing.T) {
	s, _, c := newRunClient(t)
	s.answer = func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNotModified) }
	body, err := c.RunAgent(t.Context(), "a", nil, WithRequestHeader("If-Modified-Since", "Mon, 07 Dec 2026 10:00:00 GMT"))
	if got := readAll(t, body, err); got != "" {
		t.Errorf("a 304 asked for answered %q", got)
	}
	var apiErr *APIError
	if _, err := c.RunAgent(t.Context(), "a", nil); !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotModified {
		t.Errorf("a 304 not asked for: err %v, want an *APIError", err)
	}
}

// A workload's JSON answer is bounded by the client's limit as it is read; a stream is not.
func TestRunBoundsAJSONAnswerButNotAStream(t *testing.T) {
	const limit = 1 << 20
	huge := strings.Repeat("x", 3*limit)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		if strings.HasSuffix(r.URL.Path, "/json") {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `"`+huge+`"`)
	}))
	defer srv.Close()
	c, err := New(WithAPIKey("test-key"), WithWorkspace("ws"), WithBaseURL("https://control.invalid/v0"), WithMaxResponseBytes(limit))
	if err != nil {
		t.Fatal(err)
	}
	c.p.RunURL = srv.URL
	body, err := c.RunModel(t.Context(), "m", "json", nil)
	if err == nil {
		_, err = io.ReadAll(body)
		body.Close()
	}
	if !errors.Is(err, ErrResponseTooLarge) {
		t.Errorf("a JSON answer above the limit: err %v, want ErrResponseTooLarge", err)
	}
	body, err = c.RunModel(t.Context(), "m", "stream", nil)
	if got := readAll(t, body, err); len(got) != len(huge)+2 {
		t.Errorf("a stream was cut at %d bytes", len(got))
	}
}
