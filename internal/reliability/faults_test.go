package reliability

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// call is one operation of each method the matrix crosses the faults with.
type call struct {
	method string
	do     func(ctx context.Context, c *blaxel.Client) error
}

var calls = []call{
	{http.MethodGet, func(ctx context.Context, c *blaxel.Client) error {
		_, err := c.GetSandbox(ctx, "sb", nil)
		return err
	}},
	{http.MethodPut, func(ctx context.Context, c *blaxel.Client) error {
		_, err := c.UpdateSandbox(ctx, "sb", gen.Sandbox{Metadata: gen.Metadata{Name: "sb"}})
		return err
	}},
	{http.MethodDelete, func(ctx context.Context, c *blaxel.Client) error {
		_, err := c.DeleteSandbox(ctx, "sb")
		return err
	}},
	{http.MethodPost, func(ctx context.Context, c *blaxel.Client) error {
		_, err := c.CreateSandbox(ctx, gen.Sandbox{Metadata: gen.Metadata{Name: "sb"}}, nil)
		return err
	}},
}

// expect is the outcome a cell of the matrix must have.
type expect struct {
	attempts int // requests that reach the server's handler
	sent     int // attempts the client hands to the network (0: same as attempts)
	tokens   int // requests to /oauth/token
	err      func(error) string
	minGap   time.Duration // the least time between the first and the last attempt
}

// hangGuard bounds every call of the matrix. It only catches a call that hangs (a wait of
// 31 years, a read that never ends): a busy 2-core machine running the race detector may
// take seconds over a cell, and how long a call takes is no assertion of this suite.
const hangGuard = 2 * time.Minute

// fault is a way for the network or the server to misbehave, and what a client must make of
// it: once for the idempotent methods (GET, PUT, DELETE), once for POST.
type fault struct {
	name       string
	refused    bool // nothing listens: the connection is refused
	tokens     bool // the client uses client credentials (a token endpoint answers on the server)
	timeout    time.Duration
	serve      func(w http.ResponseWriter, r *http.Request, attempt int, c *cell)
	idempotent expect
	post       expect
}

// cell is the state of one fault crossed with one method.
type cell struct {
	mu     sync.Mutex
	times  []time.Time
	issued []string
	stuck  bool // the client held a silent connection until the server gave up
}

func (c *cell) firstToken() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.issued) == 0 {
		return ""
	}
	return c.issued[0]
}

const sandboxJSON = `{"metadata":{"name":"sb"},"spec":{},"status":"DEPLOYED"}`

func ok(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, sandboxJSON)
}

func htmlPage(status int) func(http.ResponseWriter, *http.Request, int, *cell) {
	return func(w http.ResponseWriter, _ *http.Request, _ int, _ *cell) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<html><head><title>%d</title></head><body><h1>%d %s</h1><p>nginx</p></body></html>", status, status, http.StatusText(status))
	}
}

// resetConnection drops the connection with a TCP reset, writing raw first (if anything).
func resetConnection(w http.ResponseWriter, raw string) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	if raw != "" {
		_, _ = buf.WriteString(raw)
		_ = buf.Flush()
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

func apiStatus(code int) func(error) string {
	return func(err error) string {
		var e *blaxel.APIError
		if !errors.As(err, &e) {
			return fmt.Sprintf("want an *APIError %d, got %T: %v", code, err, err)
		}
		if e.StatusCode != code {
			return fmt.Sprintf("want status %d, got %d", code, e.StatusCode)
		}
		if e.Operation == "" || e.Method == "" || e.URL == "" {
			return fmt.Sprintf("the error does not name the operation, method and address: %+v", e)
		}
		return ""
	}
}

func all(checks ...func(error) string) func(error) string {
	return func(err error) string {
		for _, c := range checks {
			if msg := c(err); msg != "" {
				return msg
			}
		}
		return ""
	}
}

func textHas(parts ...string) func(error) string {
	return func(err error) string {
		if err == nil {
			return "want an error, got success"
		}
		for _, p := range parts {
			if !strings.Contains(err.Error(), p) {
				return fmt.Sprintf("the error %q does not say %q", err, p)
			}
		}
		return ""
	}
}

func is(target error) func(error) string {
	return func(err error) string {
		if !errors.Is(err, target) {
			return fmt.Sprintf("want errors.Is(%v), got %T: %v", target, err, err)
		}
		return ""
	}
}

func connectionLost(err error) string {
	if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return ""
	}
	return fmt.Sprintf("want a reset or EOF, got %T: %v", err, err)
}

func decodeError(contentType string) func(error) string {
	return func(err error) string {
		var e *blaxel.DecodeError
		if !errors.As(err, &e) {
			return fmt.Sprintf("want a *DecodeError, got %T: %v", err, err)
		}
		if e.ContentType != contentType || e.StatusCode != http.StatusOK || e.Operation == "" {
			return fmt.Sprintf("the error does not say what came: %+v", e)
		}
		return ""
	}
}

func success(err error) string {
	if err != nil {
		return fmt.Sprintf("want success, got %v", err)
	}
	return ""
}

func randomToken(prefix string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// faults is the matrix's rows. Idempotent methods are retried 3 times (4 attempts) on
// connection errors and the statuses that say "not this time"; POST is sent once, except
// when the connection could not even be opened, or when a 401 refused a token before any work.
func faults() []fault {
	const retried, once = 4, 1
	return []fault{
		{
			name: "connection refused", refused: true,
			idempotent: expect{attempts: 0, sent: retried, err: is(syscall.ECONNREFUSED)},
			post:       expect{attempts: 0, sent: retried, err: is(syscall.ECONNREFUSED)},
		},
		{
			name:       "reset before the answer",
			serve:      func(w http.ResponseWriter, _ *http.Request, _ int, _ *cell) { resetConnection(w, "") },
			idempotent: expect{attempts: retried, err: connectionLost},
			post:       expect{attempts: once, err: connectionLost},
		},
		{
			name: "reset in the middle of a 200 body",
			serve: func(w http.ResponseWriter, _ *http.Request, _ int, _ *cell) {
				resetConnection(w, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n"+sandboxJSON[:20])
			},
			// The answer had begun: the error reaches the caller, who decides.
			idempotent: expect{attempts: once, err: connectionLost},
			post:       expect{attempts: once, err: connectionLost},
		},
		{
			name: "reset in the middle of a 503 body",
			serve: func(w http.ResponseWriter, _ *http.Request, _ int, _ *cell) {
				resetConnection(w, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html\r\nContent-Length: 4096\r\n\r\n<html><body>overlo")
			},
			idempotent: expect{attempts: retried, err: apiStatus(503)},
			post:       expect{attempts: once, err: apiStatus(503)},
		},
		{
			name: "408",
			serve: func(w http.ResponseWriter, _ *http.Request, _ int, _ *cell) {
				w.WriteHeader(http.StatusRequestTimeout)
			},
			idempotent: expect{attempts: retried, err: apiStatus(408)},
			post:       expect{attempts: once, err: apiStatus(408)},
		},
		{
			name: "429, Retry-After: 1 (seconds), then 200",
			serve: func(w http.ResponseWriter, _ *http.Request, n int, _ *cell) {
				if n == 1 {
					w.Header().Set("Retry-After", "1")
					w.WriteHeader(http.StatusTooManyRequests)
					return
				}
				ok(w)
			},
			idempotent: expect{attempts: 2, err: success, minGap: time.Second},
			post:       expect{attempts: once, err: all(apiStatus(429), is(blaxel.ErrRateLimited))},
		},
		{
			name: "429, Retry-After as an HTTP date 2 s ahead, then 200",
			serve: func(w http.ResponseWriter, _ *http.Request, n int, _ *cell) {
				if n == 1 {
					w.Header().Set("Retry-After", time.Now().Add(2*time.Second).UTC().Format(http.TimeFormat))
					w.WriteHeader(http.StatusTooManyRequests)
					return
				}
				ok(w)
			},
			idempotent: expect{attempts: 2, err: success, minGap: 900 * time.Millisecond},
			post:       expect{attempts: once, err: apiStatus(429)},
		},
		retryAfterRow("999999999 (31 years)", "999999999"),
		// Beyond int64, or no number at all: as "too long", not as "no Retry-After".
		retryAfterRow("99999999999999999999 (beyond int64)", "99999999999999999999"),
		retryAfterRow("-5", "-5"),
		retryAfterRow("soon", "soon"),
		{
			name:       "500 with an HTML page",
			serve:      htmlPage(500),
			idempotent: expect{attempts: retried, err: all(apiStatus(500), textHas("text/html", "Internal Server Error"))},
			post:       expect{attempts: once, err: apiStatus(500)},
		},
		{
			name:       "502 with an HTML page",
			serve:      htmlPage(502),
			idempotent: expect{attempts: retried, err: all(apiStatus(502), textHas("text/html", "Bad Gateway"))},
			post:       expect{attempts: once, err: apiStatus(502)},
		},
		{
			name:       "503 with an HTML page",
			serve:      htmlPage(503),
			idempotent: expect{attempts: retried, err: all(apiStatus(503), textHas("text/html"))},
			post:       expect{attempts: once, err: apiStatus(503)},
		},
		{
			name:       "504 with an HTML page",
			serve:      htmlPage(504),
			idempotent: expect{attempts: retried, err: all(apiStatus(504), textHas("text/html"))},
			post:       expect{attempts: once, err: apiStatus(504)},
		},
		{
			name: "gateway 404 WORKLOAD_UNAVAILABLE (retryable)",
			serve: func(w http.ResponseWriter, _ *http.Request, _ int, _ *cell) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("X-Blaxel-Source", "gateway")
				w.Header().Set("X-Blaxel-Error-Code", "WORKLOAD_UNAVAILABLE")
				w.WriteHeader(http.StatusNotFound)
				_, _ = io.WriteString(w, `{"error":{"code":"WORKLOAD_UNAVAILABLE","message":"the workload is starting","retryable":true,"status":404}}`)
			},
			// The gateway refused before passing the request on: even a POST did nothing.
			idempotent: expect{attempts: retried, err: all(apiStatus(404), textHas("WORKLOAD_UNAVAILABLE"))},
			post:       expect{attempts: retried, err: all(apiStatus(404), is(blaxel.ErrNotFound))},
		},
		{
			name: "404 with a body that says retryable, without the gateway's header",
			serve: func(w http.ResponseWriter, _ *http.Request, _ int, _ *cell) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusNotFound)
				_, _ = io.WriteString(w, `{"error":{"code":"WORKLOAD_UNAVAILABLE","message":"starting","retryable":true}}`)
			},
			// The body alone proves nothing about who answered: a write is not sent again.
			idempotent: expect{attempts: retried, err: apiStatus(404)},
			post:       expect{attempts: once, err: apiStatus(404)},
		},
		{
			// The server would hang longer than the hang guard: a call that waited for it
			// would fail the cell.
			name: "hang past the deadline", timeout: 300 * time.Millisecond,
			serve: func(w http.ResponseWriter, r *http.Request, _ int, _ *cell) {
				select {
				case <-r.Context().Done():
				case <-time.After(2 * hangGuard):
				}
			},
			idempotent: expect{attempts: once, err: is(context.DeadlineExceeded)},
			post:       expect{attempts: once, err: is(context.DeadlineExceeded)},
		},
		{
			// A 101 as the final answer hands the connection over as its body: reading it
			// would last as long as the server stays silent, past any deadline.
			name: "101 Switching Protocols, then silence", timeout: hangGuard / 2,
			serve: func(w http.ResponseWriter, _ *http.Request, _ int, c *cell) {
				silentAfter(w, c, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: chat\r\n\r\n")
			},
			idempotent: expect{attempts: once, err: all(apiStatus(101), not(is(context.DeadlineExceeded)))},
			post:       expect{attempts: once, err: all(apiStatus(101), not(is(context.DeadlineExceeded)))},
		},
		{
			name: "200 with JSON cut in the middle of a value",
			serve: func(w http.ResponseWriter, _ *http.Request, _ int, _ *cell) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, sandboxJSON[:30]) // {"metadata":{"name":"sb"},"spe
			},
			idempotent: expect{attempts: once, err: decodeError("application/json")},
			post:       expect{attempts: once, err: decodeError("application/json")},
		},
		{
			name: "200 with JSON cut just after a closing brace",
			serve: func(w http.ResponseWriter, _ *http.Request, _ int, _ *cell) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, sandboxJSON[:25]) // {"metadata":{"name":"sb"}
			},
			// The client checks only how a body begins and ends, to read it once (see
			// jsonShape): this cut is left to the generated decoder, whose error is bare.
			idempotent: expect{attempts: once, err: textHas("unexpected end of JSON input")},
			post:       expect{attempts: once, err: textHas("unexpected end of JSON input")},
		},
		{
			name: "200 with an empty body",
			serve: func(w http.ResponseWriter, _ *http.Request, _ int, _ *cell) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Length", "0")
			},
			idempotent: expect{attempts: once, err: decodeError("application/json")},
			post:       expect{attempts: once, err: decodeError("application/json")},
		},
		{
			name: "200 with a wrong content type",
			serve: func(w http.ResponseWriter, _ *http.Request, _ int, _ *cell) {
				w.Header().Set("Content-Type", "text/html")
				_, _ = io.WriteString(w, "<html><body>Sign in to continue</body></html>")
			},
			idempotent: expect{attempts: once, err: decodeError("text/html")},
			post:       expect{attempts: once, err: decodeError("text/html")},
		},
		{
			// The error keeps the first MiB, redacted; TestHugeErrorBodyMemory bounds the memory.
			name:       "500 with a 50 MB body",
			serve:      hugeBody(http.StatusInternalServerError, 50<<20),
			idempotent: expect{attempts: retried, err: all(apiStatus(500), bodyAtMost(1<<20))},
			post:       expect{attempts: once, err: all(apiStatus(500), bodyAtMost(1<<20))},
		},
		{
			name: "401 on an API key",
			serve: func(w http.ResponseWriter, _ *http.Request, _ int, _ *cell) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = io.WriteString(w, `{"error":"unauthorized","code":401,"message":"invalid API key"}`)
			},
			// Nothing can renew a key: no second attempt.
			idempotent: expect{attempts: once, err: all(apiStatus(401), is(blaxel.ErrUnauthorized))},
			post:       expect{attempts: once, err: all(apiStatus(401), is(blaxel.ErrUnauthorized))},
		},
		{
			name: "401 on an expired token, then 200", tokens: true,
			serve: func(w http.ResponseWriter, r *http.Request, _ int, c *cell) {
				if r.Header.Get("Authorization") == "Bearer "+c.firstToken() {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusUnauthorized)
					_, _ = io.WriteString(w, `{"error":"unauthorized","code":401,"message":"token expired"}`)
					return
				}
				ok(w)
			},
			// The one case where a POST is sent twice: a 401 says nothing was done.
			idempotent: expect{attempts: 2, tokens: 2, err: success},
			post:       expect{attempts: 2, tokens: 2, err: success},
		},
		{
			name: "401 on every token", tokens: true,
			serve: func(w http.ResponseWriter, _ *http.Request, _ int, _ *cell) {
				w.WriteHeader(http.StatusUnauthorized)
			},
			idempotent: expect{attempts: 2, tokens: 2, err: is(blaxel.ErrUnauthorized)},
			post:       expect{attempts: 2, tokens: 2, err: is(blaxel.ErrUnauthorized)},
		},
	}
}

// retryAfterRow is a 429 whose Retry-After is longer than the policy waits (5 s), or cannot be
// read: the answer comes back after one attempt, whatever the method.
func retryAfterRow(name, value string) fault {
	return fault{
		name: "429, Retry-After: " + name,
		serve: func(w http.ResponseWriter, _ *http.Request, _ int, _ *cell) {
			w.Header().Set("Retry-After", value)
			w.WriteHeader(http.StatusTooManyRequests)
		},
		idempotent: expect{attempts: 1, err: is(blaxel.ErrRateLimited)},
		post:       expect{attempts: 1, err: is(blaxel.ErrRateLimited)},
	}
}

// silentAfter writes raw on the connection, then stays silent until the client closes it. A
// client still holding it after hangGuard/4 is marked stuck, and the connection closed.
func silentAfter(w http.ResponseWriter, c *cell, raw string) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	_, _ = buf.WriteString(raw)
	_ = buf.Flush()
	closed := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, conn) // until the client closes its end
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(hangGuard / 4):
		c.mu.Lock()
		c.stuck = true
		c.mu.Unlock()
	}
}

func not(check func(error) string) func(error) string {
	return func(err error) string {
		if check(err) == "" {
			return fmt.Sprintf("the error %v must not be this", err)
		}
		return ""
	}
}

// hugeBody answers status with size bytes, streamed from one small buffer.
func hugeBody(status, size int) func(http.ResponseWriter, *http.Request, int, *cell) {
	chunk := []byte(strings.Repeat("all work and no play makes a huge error body\n", 1400))
	return func(w http.ResponseWriter, _ *http.Request, _ int, _ *cell) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Length", fmt.Sprint(size))
		w.WriteHeader(status)
		for sent := 0; sent < size; {
			n := min(len(chunk), size-sent)
			if _, err := w.Write(chunk[:n]); err != nil {
				return
			}
			sent += n
		}
	}
}

func bodyAtMost(n int) func(error) string {
	return func(err error) string {
		var e *blaxel.APIError
		if errors.As(err, &e) && len(e.Body) > n {
			return fmt.Sprintf("the error keeps %d bytes of the body, more than %d", len(e.Body), n)
		}
		return ""
	}
}

// TestFaultMatrix crosses every fault with GET, PUT, DELETE and POST and checks, for each
// cell, how many attempts reached the server, how many token requests were made, the error
// returned (typed, or success), the waits honoured, and that every answer body was closed.
func TestFaultMatrix(t *testing.T) {
	noLeaks(t)
	for _, f := range faults() {
		for _, m := range calls {
			want := f.idempotent
			if m.method == http.MethodPost {
				want = f.post
			}
			t.Run(f.name+"/"+m.method, func(t *testing.T) {
				t.Parallel()
				runCell(t, f, m, want)
			})
		}
	}
}

func runCell(t *testing.T, f fault, m call, want expect) {
	c := &cell{}
	var attempts int
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/oauth/token") {
			tok := randomToken("at_")
			c.mu.Lock()
			c.issued = append(c.issued, tok)
			c.mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "expires_in": 7200, "token_type": "Bearer"})
			return
		}
		if r.Method != m.method {
			t.Errorf("%s reached the server for a %s call", r.Method, m.method)
		}
		_, _ = io.Copy(io.Discard, r.Body)
		c.mu.Lock()
		c.times = append(c.times, time.Now())
		attempts++
		n := attempts
		c.mu.Unlock()
		f.serve(w, r, n, c)
	})
	base := srv.base()
	if f.refused {
		srv.Close() // the port is free again: nothing listens there
	}
	cred := withAPIKey()
	if f.tokens {
		cred = withClientCredentials()
	}
	client, w := newClient(t, base, cred)

	timeout := hangGuard
	if f.timeout > 0 {
		timeout = f.timeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := m.do(ctx, client)
	audit.err(err)
	audit.add("fault-cells", 1)

	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		t.Logf("error: %v", err)
	}
	if msg := want.err(err); msg != "" {
		t.Error(msg)
	}
	if attempts != want.attempts {
		t.Errorf("%d attempts reached the server, want %d", attempts, want.attempts)
	}
	sent := want.sent
	if sent == 0 {
		sent = want.attempts + want.tokens
	}
	if got := int(w.attempts.Load()); got != sent {
		t.Errorf("the client sent %d requests, want %d", got, sent)
	}
	if len(c.issued) != want.tokens {
		t.Errorf("%d token requests, want %d", len(c.issued), want.tokens)
	}
	if want.minGap > 0 && len(c.times) >= 2 {
		if gap := c.times[len(c.times)-1].Sub(c.times[0]); gap < want.minGap {
			t.Errorf("the retry came after %v, before the %v Retry-After asked", gap, want.minGap)
		}
	}
	if f.timeout == 0 && errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("the call hung: it met the %v guard", hangGuard)
	}
	if c.stuck {
		t.Errorf("the call held the connection of a silent server until the server gave up")
	}
	if n := w.unclosed(); n != 0 {
		t.Errorf("%d answer bodies were never closed", n)
	}
	if m.method == http.MethodPost && attempts > 1 {
		audit.add("post-twice", 1)
	}
	if !t.Failed() {
		audit.add("fault-cells-ok", 1)
	}
}
