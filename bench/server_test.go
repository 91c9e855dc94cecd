package bench

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// Names shared by the server and both clients.
const (
	workspace = "acme-research"
	apiKey    = "bl-bench-0f3c9e7a5d2b4c6e8a1f"
	clientID  = "sa-bench"
	secret    = "bench-client-secret-7d41"
	// walkPage is the page size of the walk, the API's largest.
	walkPage = 200
)

// server answers the few requests the benchmarks make with bytes encoded in advance, so that
// serving costs the same whichever client asks. It checks that each request carries a
// credential and the workspace, and counts the requests to /oauth/token.
type server struct {
	*httptest.Server
	sandbox []byte            // GET /sandboxes/{name} and POST /sandboxes
	pages   map[string][]byte // GET /sandboxes, by "limit/cursor"
	tokens  atomic.Int64      // requests to /oauth/token
}

// newServer starts a server whose listing holds walkTotal sandboxes, walked in pages of
// walkPage; a first page of 50 is served for limit=50.
func newServer(tb testing.TB, walkTotal int) *server {
	tb.Helper()
	s := &server{sandbox: []byte(sandboxJSON(1, true)), pages: map[string][]byte{}}
	s.pages["50/"] = pageJSON(0, 50, 10_000)
	for first := 0; first < walkTotal; first += walkPage {
		cursor := ""
		if first > 0 {
			cursor = cursorFor(first)
		}
		s.pages[strconv.Itoa(walkPage)+"/"+cursor] = pageJSON(first, min(walkPage, walkTotal-first), walkTotal)
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(s.Close)
	return s
}

var jsonType = []string{"application/json"}

func (s *server) serve(w http.ResponseWriter, r *http.Request) {
	path, ok := strings.CutPrefix(r.URL.Path, "/v0")
	if !ok {
		http.NotFound(w, r)
		return
	}
	if path == "/oauth/token" && r.Method == http.MethodPost {
		s.tokens.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		reply(w, tokenJSON)
		return
	}
	if r.Header.Get("Authorization") == "" || r.Header.Get("X-Blaxel-Workspace") != workspace {
		http.Error(w, `{"error":"unauthorized","code":401,"message":"no credential or workspace"}`, http.StatusUnauthorized)
		return
	}
	switch {
	case path == "/sandboxes" && r.Method == http.MethodGet:
		q := r.URL.Query()
		body, found := s.pages[q.Get("limit")+"/"+q.Get("cursor")]
		if !found {
			http.Error(w, `{"error":"bad_request","code":400,"message":"unknown page"}`, http.StatusBadRequest)
			return
		}
		reply(w, body)
	case path == "/sandboxes" && r.Method == http.MethodPost:
		_, _ = io.Copy(io.Discard, r.Body)
		reply(w, s.sandbox)
	case strings.HasPrefix(path, "/sandboxes/") && r.Method == http.MethodGet:
		reply(w, s.sandbox)
	default:
		http.NotFound(w, r)
	}
}

func reply(w http.ResponseWriter, body []byte) {
	h := w.Header()
	h["Content-Type"] = jsonType
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// newTransport is the transport both clients get: one keep-alive connection per goroutine
// can stay open, so that 256 goroutines do not dial a connection per request.
func newTransport(tb testing.TB) *http.Transport {
	t := &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512, ForceAttemptHTTP2: false}
	tb.Cleanup(t.CloseIdleConnections)
	return t
}

// stubTransport answers every request with one pre-encoded JSON body, without a network or a
// server: what remains of a call is the client's own work.
type stubTransport struct{ body []byte }

func (s stubTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	return &http.Response{
		StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": jsonType},
		ContentLength: int64(len(s.body)),
		Body:          io.NopCloser(bytes.NewReader(s.body)),
		Request:       req,
	}, nil
}
