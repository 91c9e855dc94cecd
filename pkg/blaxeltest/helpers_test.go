package blaxeltest_test

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

// testVersion is the API version the tests speak unless they say otherwise.
const testVersion = "2026-04-28"

// answer is a decoded answer of the server.
type answer struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any // nil when the body is not a JSON object
	list   []any          // set when the body is a JSON array
}

// request describes a request the tests send; the zero value of each field means the default.
type request struct {
	method, path string
	body         any               // encoded as JSON, unless it is a []byte
	header       map[string]string // set "" to remove a default header
}

// send sends a request to the server with a key, the workspace "ws" and testVersion, unless
// the request overrides them.
func send(t *testing.T, srv *blaxeltest.Server, req request) answer {
	t.Helper()
	a, err := trySend(srv, req)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// trySend is send for goroutines other than the test's: it returns its failure.
func trySend(srv *blaxeltest.Server, req request) (answer, error) {
	var body io.Reader
	if raw, ok := req.body.([]byte); ok {
		body = bytes.NewReader(raw) // sent as it is, JSON or not
	} else if req.body != nil {
		data, err := json.Marshal(req.body)
		if err != nil {
			return answer{}, err
		}
		body = bytes.NewReader(data)
	}
	r, err := http.NewRequest(req.method, srv.URL()+req.path, body)
	if err != nil {
		return answer{}, err
	}
	r.Header.Set("Authorization", "Bearer test-key")
	r.Header.Set("X-Blaxel-Workspace", "ws")
	r.Header.Set("Blaxel-Version", testVersion)
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	for k, v := range req.header {
		if v == "" {
			r.Header.Del(k)
		} else {
			r.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		return answer{}, fmt.Errorf("%s %s: %w", req.method, req.path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, fmt.Errorf("%s %s: read the answer: %w", req.method, req.path, err)
	}
	a := answer{status: resp.StatusCode, header: resp.Header, raw: raw}
	trimmed := bytes.TrimSpace(raw)
	switch {
	case bytes.HasPrefix(trimmed, []byte("{")):
		err = json.Unmarshal(raw, &a.body)
	case bytes.HasPrefix(trimmed, []byte("[")):
		err = json.Unmarshal(raw, &a.list)
	}
	if err != nil {
		return answer{}, fmt.Errorf("%s %s: %w: %s", req.method, req.path, err, raw)
	}
	return a, nil
}

// mustStatus fails the test when the answer's status is not want.
func (a answer) mustStatus(t *testing.T, want int) answer {
	t.Helper()
	if a.status != want {
		t.Fatalf("status %d, want %d: %s", a.status, want, a.raw)
	}
	return a
}

// str returns the string at a dotted path of the body.
func (a answer) str(path string) string {
	var cur any = a.body
	for _, name := range strings.Split(path, ".") {
		m, _ := cur.(map[string]any)
		cur = m[name]
	}
	s, _ := cur.(string)
	return s
}

// errorCode returns the error name of Blaxel's error body, {"error": name} or, for a sandbox
// creation, {"code": name}.
func (a answer) errorCode() string {
	if s, ok := a.body["error"].(string); ok {
		return s
	}
	s, _ := a.body["code"].(string)
	return s
}

// sandbox is a minimal sandbox to create.
func sandbox(name string, labels map[string]string) map[string]any {
	meta := map[string]any{"name": name}
	if labels != nil {
		meta["labels"] = labels
	}
	return map[string]any{"metadata": meta, "spec": map[string]any{"runtime": map[string]any{"image": "blaxel/base:latest"}}}
}

// basic encodes a Basic credential.
func basic(id, secret string) string {
	return base64.StdEncoding.EncodeToString([]byte(id + ":" + secret))
}

// clock is a time the tests move by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
