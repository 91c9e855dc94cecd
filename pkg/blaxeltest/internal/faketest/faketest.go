// Package faketest holds what the tests of the fake share: requests to a test server and
// their decoded answers, a hand-moved clock.
package faketest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// Version is the API version the tests speak unless they say otherwise.
const Version = "2026-04-28"

// Answer is a decoded Answer of the server.
type Answer struct {
	Status int
	Header http.Header
	Raw    []byte
	Body   map[string]any // nil when the body is not a JSON object
	List   []any          // set when the body is a JSON array
}

// Request describes a Request the tests send; the zero value of each field means the default.
type Request struct {
	Method, Path string
	Body         any               // encoded as JSON, unless it is a []byte
	Header       map[string]string // set "" to remove a default header
}

// Send sends a request to the server with a key, the workspace "ws" and testVersion, unless
// the request overrides them.
func Send(t *testing.T, srv *blaxeltest.Server, req Request) Answer {
	t.Helper()
	a, err := TrySend(srv, req)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TrySend is send for goroutines other than the test's: it returns its failure.
func TrySend(srv *blaxeltest.Server, req Request) (Answer, error) {
	var body io.Reader
	if raw, ok := req.Body.([]byte); ok {
		body = bytes.NewReader(raw) // sent as it is, JSON or not
	} else if req.Body != nil {
		data, err := json.Marshal(req.Body)
		if err != nil {
			return Answer{}, err
		}
		body = bytes.NewReader(data)
	}
	r, err := http.NewRequest(req.Method, srv.URL()+req.Path, body)
	if err != nil {
		return Answer{}, err
	}
	r.Header.Set("Authorization", "Bearer test-key")
	r.Header.Set("X-Blaxel-Workspace", "ws")
	r.Header.Set("Blaxel-Version", Version)
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	for k, v := range req.Header {
		if v == "" {
			r.Header.Del(k)
		} else {
			r.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		return Answer{}, fmt.Errorf("%s %s: %w", req.Method, req.Path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return Answer{}, fmt.Errorf("%s %s: read the answer: %w", req.Method, req.Path, err)
	}
	a := Answer{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	trimmed := bytes.TrimSpace(raw)
	switch {
	case bytes.HasPrefix(trimmed, []byte("{")):
		err = json.Unmarshal(raw, &a.Body)
	case bytes.HasPrefix(trimmed, []byte("[")):
		err = json.Unmarshal(raw, &a.List)
	}
	if err != nil {
		return Answer{}, fmt.Errorf("%s %s: %w: %s", req.Method, req.Path, err, raw)
	}
	return a, nil
}

// MustStatus fails the test when the answer's status is not want.
func (a Answer) MustStatus(t *testing.T, want int) Answer {
	t.Helper()
	if a.Status != want {
		t.Fatalf("status %d, want %d: %s", a.Status, want, a.Raw)
	}
	return a
}

// Str returns the string at a dotted path of the body.
func (a Answer) Str(path string) string {
	var cur any = a.Body
	for _, name := range strings.Split(path, ".") {
		m, _ := cur.(map[string]any)
		cur = m[name]
	}
	s, _ := cur.(string)
	return s
}

// ErrorCode returns the error name of Blaxel's error body, {"error": name} or, for a sandbox
// creation, {"code": name}.
func (a Answer) ErrorCode() string {
	if s, ok := a.Body["error"].(string); ok {
		return s
	}
	s, _ := a.Body["code"].(string)
	return s
}

// Sandbox is a minimal Sandbox to create.
func Sandbox(name string, labels map[string]string) map[string]any {
	meta := map[string]any{"name": name}
	if labels != nil {
		meta["labels"] = labels
	}
	return map[string]any{"metadata": meta, "spec": map[string]any{"runtime": map[string]any{"image": "blaxel/base:latest"}}}
}

// Basic encodes a Basic credential.
func Basic(id, secret string) string {
	return base64.StdEncoding.EncodeToString([]byte(id + ":" + secret))
}

// Clock is a time the tests move by hand.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

func NewClock() *Clock { return &Clock{now: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)} }

func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// GatewayCode checks the gateway's error shape and returns its code.
func (a Answer) GatewayCode(t *testing.T) string {
	t.Helper()
	e, _ := a.Body["error"].(map[string]any)
	code, _ := e["code"].(string)
	if a.Header.Get("X-Blaxel-Source") != "gateway" || a.Header.Get("X-Blaxel-Error-Code") != code || e["message"] == nil {
		t.Errorf("not the gateway's error shape: %v %s", a.Header, a.Raw)
	}
	return code
}
