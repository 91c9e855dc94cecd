package blaxel

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/blaxel-go/blaxel/gen"
)

// The tests of this file guard the shortcuts the client takes on every request.

// A request sent through the client's pipeline is left as the caller made it: each attempt
// has its own Request, URL and header values.
func TestAttemptLeavesTheCallersRequestAlone(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer hot-path-key" || r.Header.Get("X-Blaxel-Workspace") != "ws" {
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	defer srv.Close()
	c, err := New(WithAPIKey("hot-path-key"), WithWorkspace("ws"), WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/x?limit=2", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("User-Agent", "mine/1")
	req.Header["X-Custom"] = make([]string, 1, 4) // room to append into
	req.Header["X-Custom"][0] = "v"
	before := req.Header.Clone()
	urlBefore := *req.URL
	resp, err := c.p.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if len(req.Header) != len(before) || req.Header.Get("User-Agent") != "mine/1" || req.Header.Get("Authorization") != "" ||
		*req.URL != urlBefore {
		t.Fatalf("the caller's request changed: %v %v", req.Header, req.URL)
	}
	sent := resp.Request
	if sent.URL == req.URL || &sent.Header["X-Custom"][0] == &req.Header["X-Custom"][0] || cap(sent.Header["X-Custom"]) != 1 {
		t.Fatal("the attempt shares the caller's URL or header values")
	}
	if got := sent.Header.Get("User-Agent"); !strings.HasPrefix(got, "mine/1 blaxel-go/") {
		t.Fatalf("User-Agent sent %q", got)
	}
}

// addingTransport is a middleware that adds headers to the request it is given, as the
// RoundTripper contract allows once a request is its own, then passes it on.
type addingTransport struct{ next http.RoundTripper }

func (t addingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r.Header.Add("X-Team", "from-transport")
	r.Header.Add("User-Agent", "middleware/1")
	r.Header.Add("Authorization", "Bearer from-transport")
	return t.next.RoundTrip(r)
}

// Under concurrent calls, a transport that appends to the headers of its attempt touches no
// storage another attempt uses: the client's WithHeader values (three, so their slice has room
// to grow) and its credential stay as configured. Run with -race.
func TestTransportAddingHeadersSharesNothing(t *testing.T) {
	var mu sync.Mutex
	teams := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		teams[strings.Join(r.Header.Values("X-Team"), ",")+" "+r.Header.Values("Authorization")[0]]++
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"metadata":{"name":"sb"},"spec":{}}`))
	}))
	defer srv.Close()
	c, err := New(WithAPIKey("hot-path-key"), WithWorkspace("ws"), WithBaseURL(srv.URL),
		WithHeader("X-Team", "a"), WithHeader("X-Team", "b"), WithHeader("X-Team", "c"),
		WithHTTPClient(&http.Client{Transport: addingTransport{http.DefaultTransport}}))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 50)
	for i := range errs {
		wg.Go(func() { _, errs[i] = c.GetSandbox(context.Background(), "sb", nil) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if len(teams) != 1 || teams["a,b,c,from-transport Bearer hot-path-key"] != 50 {
		t.Fatalf("headers seen: %v", teams)
	}
}

// A transport that sends the attempt elsewhere by rewriting its URL changes neither the
// request the generated client built nor the error's operation and address.
func TestTransportRewritingTheURLLeavesTheRequestAlone(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error":"not_found","code":404,"message":"no such sandbox"}`))
	}))
	defer srv.Close()
	elsewhere := srv.Listener.Addr().String()
	rewrite := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		r.URL.Host = elsewhere
		return http.DefaultTransport.RoundTrip(r)
	})
	c, err := New(WithAPIKey("hot-path-key"), WithBaseURL("http://127.0.0.1:1/v0"), WithMaxRetries(0),
		WithHTTPClient(&http.Client{Transport: rewrite}))
	if err != nil {
		t.Fatal(err)
	}
	var built *http.Request
	keep := func(_ context.Context, req *http.Request) error { built = req; return nil }
	_, err = c.API().GetSandboxWithResponse(context.Background(), "sb", nil, keep)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Operation != "GetSandbox" || !strings.HasPrefix(apiErr.URL, "http://127.0.0.1:1/v0/") {
		t.Fatalf("error %v (%+v)", err, apiErr)
	}
	if built.URL.Host != "127.0.0.1:1" {
		t.Fatalf("the built request now goes to %s", built.URL.Host)
	}
}

// recordingTransport answers 200 with a sandbox, remembering the requests it was given.
type recordingTransport struct{ got []*http.Request }

func (t *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.got = append(t.got, req)
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(`{"metadata":{"name":"sb"},"spec":{}}`)), Request: req}, nil
}

// A request of the generated client is sent as a copy that carries the client's headers; the
// request as built is left alone, and an editor's own workspace still wins.
func TestGeneratedRequestIsLeftAsBuilt(t *testing.T) {
	rt := &recordingTransport{}
	c, err := New(WithAPIKey("hot-path-key"), WithWorkspace("ws"), WithBaseURL("http://127.0.0.1:1/v0"),
		WithHTTPClient(&http.Client{Transport: rt}))
	if err != nil {
		t.Fatal(err)
	}
	var built *http.Request
	keep := func(_ context.Context, req *http.Request) error { built = req; return nil }
	if _, err := c.API().CreateSandboxWithResponse(context.Background(), nil, gen.Sandbox{Metadata: gen.Metadata{Name: "sb"}}, keep); err != nil {
		t.Fatal(err)
	}
	sent := rt.got[len(rt.got)-1]
	if sent.Header.Get("Authorization") != "Bearer hot-path-key" || sent.Header.Get("X-Blaxel-Workspace") != "ws" ||
		sent.Header.Get("Blaxel-Version") != APIVersion || !strings.HasPrefix(sent.Header.Get("User-Agent"), "blaxel-go/") {
		t.Fatalf("sent %v", sent.Header)
	}
	for _, name := range []string{"Authorization", "User-Agent", "Blaxel-Version", "X-Blaxel-Workspace"} {
		if v := built.Header.Get(name); v != "" {
			t.Errorf("the request as built gained %s: %q", name, v)
		}
	}
	other := func(_ context.Context, req *http.Request) error {
		req.Header.Set("X-Blaxel-Workspace", "other")
		return nil
	}
	if _, err := c.API().CreateSandboxWithResponse(context.Background(), nil, gen.Sandbox{Metadata: gen.Metadata{Name: "sb"}}, other); err != nil {
		t.Fatal(err)
	}
	sent = rt.got[len(rt.got)-1]
	if sent.Header.Get("X-Blaxel-Workspace") != "other" || sent.Header.Get("Authorization") != "Bearer hot-path-key" {
		t.Fatalf("sent %v", sent.Header)
	}
}

// roundTripFunc is a RoundTripper made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
