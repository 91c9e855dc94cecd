package reliability

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/blaxelmcp"
)

// mcpAnswer answers one call of an MCP session: the request, its JSON-RPC id, the key the
// request carried.
type mcpAnswer func(w http.ResponseWriter, r *http.Request, id json.RawMessage, key string)

// mcpStandIn is a control plane that knows the function "f", at an address on the same
// server, where the go-sdk's MCP server answers every request but the tools/list calls,
// which onList answers.
func mcpStandIn(t *testing.T, onList mcpAnswer) *server {
	mcpSrv := mcp.NewServer(&mcp.Implementation{Name: "stand-in", Version: "1"}, nil)
	handler := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return mcpSrv }, nil)
	var srv *server
	srv = newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v0/functions/f") {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"metadata":{"name":"f","url":%q},"spec":{"runtime":{"transport":"http-stream"}}}`, srv.URL+"/fn")
			return
		}
		if r.Method == http.MethodPost {
			data, _ := io.ReadAll(r.Body)
			var msg struct {
				ID     json.RawMessage `json:"id"`
				Method string          `json:"method"`
			}
			_ = json.Unmarshal(data, &msg)
			if msg.Method == "tools/list" {
				onList(w, r, msg.ID, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
				return
			}
			r.Body = io.NopCloser(strings.NewReader(string(data)))
		}
		handler.ServeHTTP(w, r)
	})
	return srv
}

// listTools connects to "f" and lists its tools once, with ctx.
func listTools(t *testing.T, client *blaxel.Client, ctx context.Context) (*mcp.ClientSession, error) {
	t.Helper()
	session, err := blaxelmcp.Connect(t.Context(), client, "f")
	if err != nil {
		t.Fatal(err)
	}
	_, err = session.ListTools(ctx, nil)
	return session, err
}

// closeSession closes a session, and waits for the go-sdk to close the body of its event
// stream, which it does in a goroutine of its own once the session is closed.
func closeSession(t *testing.T, session *mcp.ClientSession, w *wire) {
	t.Helper()
	_ = session.Close()
	for wait := time.Now().Add(time.Minute); w.unclosed() != 0; { // the minute guards a hang only
		if time.Now().After(wait) {
			t.Errorf("%d bodies still open after the session closed", w.unclosed())
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// rpcErrorEcho is a JSON-RPC error answer to the call id, echoing key in its message and data.
func rpcErrorEcho(id json.RawMessage, key string) []byte {
	data, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "error": map[string]any{
		"code": -32000, "message": "refused " + key, "data": map[string]string{"key": key, "query": url.QueryEscape(key)},
	}})
	return data
}

// TestMCPCallsEchoingTheKey: after the session opened, a server answers a call by echoing the
// key where net/http quotes what it could not parse, in a JSON-RPC error (in a JSON answer, in
// an event, in a 400), and where the go-sdk quotes the answer (a session id, a content type, a
// malformed event line). No part of the key reaches the call's error.
func TestMCPCallsEchoingTheKey(t *testing.T) {
	noLeaks(t)
	answers := map[string]mcpAnswer{
		"status line": func(w http.ResponseWriter, _ *http.Request, _ json.RawMessage, key string) {
			writeRaw(w, "HTTP/1.1 "+key+" OK\r\n\r\n")
		},
		"header line": func(w http.ResponseWriter, _ *http.Request, _ json.RawMessage, key string) {
			writeRaw(w, "HTTP/1.1 200 OK\r\n"+key+"\r\n\r\n")
		},
		"Content-Length": func(w http.ResponseWriter, _ *http.Request, _ json.RawMessage, key string) {
			writeRaw(w, "HTTP/1.1 200 OK\r\nContent-Length: "+key+"\r\n\r\n")
		},
		"Location": func(w http.ResponseWriter, _ *http.Request, _ json.RawMessage, key string) {
			writeRaw(w, "HTTP/1.1 307 Temporary Redirect\r\nLocation: %zz"+key+"\r\nContent-Length: 0\r\n\r\n")
		},
		"JSON-RPC error": func(w http.ResponseWriter, _ *http.Request, id json.RawMessage, key string) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(rpcErrorEcho(id, key))
		},
		"JSON-RPC error in an event": func(w http.ResponseWriter, _ *http.Request, id json.RawMessage, key string) {
			w.Header().Set("Content-Type", "text/event-stream")
			fmt.Fprintf(w, "event: message\ndata: %s\n\n", rpcErrorEcho(id, key))
		},
		"JSON-RPC error in a 400": func(w http.ResponseWriter, _ *http.Request, id json.RawMessage, key string) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write(rpcErrorEcho(id, key))
		},
		"session id": func(w http.ResponseWriter, _ *http.Request, id json.RawMessage, key string) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Mcp-Session-Id", key)
			fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{"tools":[]}}`, id)
		},
		"content type": func(w http.ResponseWriter, _ *http.Request, _ json.RawMessage, key string) {
			w.Header().Set("Content-Type", "application/x-"+url.QueryEscape(key))
			_, _ = io.WriteString(w, "{}")
		},
		"malformed event line": func(w http.ResponseWriter, _ *http.Request, _ json.RawMessage, key string) {
			w.Header().Set("Content-Type", "text/event-stream")
			fmt.Fprintf(w, "%s\n\n", url.QueryEscape(key))
		},
	}
	for name, answer := range answers {
		t.Run(name, func(t *testing.T) {
			srv := mcpStandIn(t, answer)
			client, w := newClient(t, srv.base(), blaxel.WithAPIKey(oddKey))
			session, err := listTools(t, client, t.Context())
			defer closeSession(t, session, w)
			audit.err(err)
			audit.add("mcp-echo-cases", 1)
			if err == nil {
				t.Fatal("a hostile answer was taken for a success")
			}
			texts := errorTexts(err)
			var rpcErr *jsonrpc.Error
			if errors.As(err, &rpcErr) {
				texts["jsonrpc.Error.Message"], texts["jsonrpc.Error.Data"] = rpcErr.Message, string(rpcErr.Data)
			}
			if found := leaks(texts, append(forms(oddKey), url.QueryEscape(oddKey))...); len(found) > 0 {
				audit.add("mcp-echo-leaks", len(found))
				t.Errorf("the echoed key came through: %v", found)
			}
		})
	}
}

// countedBodies counts what the client reads of every answer's body.
type countedBodies struct {
	next http.RoundTripper
	read atomic.Int64
}

func (c *countedBodies) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(r)
	if err == nil {
		resp.Body = &countingBody{ReadCloser: resp.Body, n: &c.read}
	}
	return resp, err
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// writePadded writes head, size bytes of padding, then tail.
func writePadded(w io.Writer, head string, size int, tail string) {
	if _, err := io.WriteString(w, head); err != nil {
		return
	}
	chunk := []byte(strings.Repeat("p", 64<<10))
	for left := size; left > 0; left -= len(chunk) {
		if _, err := w.Write(chunk[:min(len(chunk), left)]); err != nil {
			return
		}
	}
	_, _ = io.WriteString(w, tail)
}

// TestMCPHugeAnswersRefused: after the session opened, a call is answered with 100 MB: a
// JSON result (with a Content-Length and without), an error answer, one event of a stream.
// The client reads at most its limit (8 MiB here) of a result or an event and 1 MiB of an
// error answer, allocates a few times that, fails the call with a clear error (matching
// ErrResponseTooLarge for a JSON result), and the session serves the next call (but after
// the error answer, which the go-sdk cannot read as a JSON-RPC error once cut: it ends the
// session).
func TestMCPHugeAnswersRefused(t *testing.T) {
	noLeaks(t)
	const size, limit = 100 << 20, 8 << 20
	result := func(id json.RawMessage) (string, string) {
		return `{"jsonrpc":"2.0","id":` + string(id) + `,"result":{"tools":[],"pad":"`, `"}}`
	}
	cases := []struct {
		name       string
		answer     mcpAnswer
		readAtMost int64
		tooLarge   bool
		sessionOn  bool // the session serves the next call (the go-sdk ends it after an error answer it cannot read)
	}{
		{"JSON result", func(w http.ResponseWriter, _ *http.Request, id json.RawMessage, _ string) {
			w.Header().Set("Content-Type", "application/json")
			head, tail := result(id)
			writePadded(w, head, size, tail)
		}, limit + 1<<20, true, true},
		{"JSON result with Content-Length", func(w http.ResponseWriter, _ *http.Request, id json.RawMessage, _ string) {
			head, tail := result(id)
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", fmt.Sprint(len(head)+size+len(tail)))
			writePadded(w, head, size, tail)
		}, 1 << 20, true, true},
		{"error answer", func(w http.ResponseWriter, _ *http.Request, id json.RawMessage, _ string) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			writePadded(w, `{"jsonrpc":"2.0","id":`+string(id)+`,"error":{"code":1,"message":"`, size, `"}}`)
		}, 2 << 20, false, false},
		{"event", func(w http.ResponseWriter, _ *http.Request, id json.RawMessage, _ string) {
			w.Header().Set("Content-Type", "text/event-stream")
			head, tail := result(id)
			writePadded(w, "data: "+head, size, tail+"\n\n")
		}, limit + 1<<20, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var huge atomic.Bool
			srv := mcpStandIn(t, func(w http.ResponseWriter, r *http.Request, id json.RawMessage, key string) {
				if huge.Swap(false) {
					tc.answer(w, r, id, key)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{"tools":[]}}`, id)
			})
			counter := &countedBodies{next: http.DefaultTransport}
			client, _ := newClient(t, srv.base(), withAPIKey(), blaxel.WithMaxResponseBytes(limit), blaxel.WithHTTPClient(&http.Client{Transport: counter}))
			session, err := blaxelmcp.Connect(t.Context(), client, "f")
			if err != nil {
				t.Fatal(err)
			}
			defer session.Close()
			huge.Store(true)
			counter.read.Store(0)
			var m0, m1 runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&m0)
			_, err = session.ListTools(t.Context(), nil)
			runtime.ReadMemStats(&m1)
			audit.err(err)
			allocated, read := m1.TotalAlloc-m0.TotalAlloc, counter.read.Load()
			t.Logf("read %.1f MB, allocated %.1f MB: %.200v", mb(uint64(read)), mb(allocated), err)
			audit.add("mcp-huge-mb", size>>20)
			audit.add("mcp-huge-read-kb", int(read>>10))
			audit.add("mcp-huge-kb", int(allocated>>10))
			switch {
			case err == nil:
				t.Error("the answer was taken")
			case tc.tooLarge && !errors.Is(err, blaxel.ErrResponseTooLarge):
				t.Errorf("err %v, want one matching ErrResponseTooLarge", err)
			default:
				audit.add("mcp-huge-refused", 1)
			}
			if read > tc.readAtMost {
				t.Errorf("read %d bytes, want at most %d", read, tc.readAtMost)
			}
			if allocated > 6*limit {
				t.Errorf("allocated %.1f MB, more than 6 × the %d MB limit", mb(allocated), limit>>20)
			}
			if !tc.sessionOn {
				return
			}
			audit.add("mcp-huge-sessions", 1)
			if _, err := session.ListTools(t.Context(), nil); err != nil {
				t.Errorf("the next call: %v", err)
			} else {
				audit.add("mcp-huge-session-on", 1)
			}
		})
	}
}

// TestMCPCallsPastTheirDeadline: a call whose answer's headers, or body, never come fails
// with an error matching its context's, and the session serves the next call.
func TestMCPCallsPastTheirDeadline(t *testing.T) {
	noLeaks(t)
	for _, hung := range []string{"headers", "body"} {
		t.Run(hung, func(t *testing.T) {
			release := make(chan struct{})
			var first atomic.Bool
			first.Store(true)
			srv := mcpStandIn(t, func(w http.ResponseWriter, r *http.Request, id json.RawMessage, _ string) {
				w.Header().Set("Content-Type", "application/json")
				if first.Swap(false) {
					if hung == "body" {
						_, _ = io.WriteString(w, `{"jsonrpc":"2.0",`)
						w.(http.Flusher).Flush()
					}
					select {
					case <-release:
					case <-r.Context().Done():
					}
					return
				}
				fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{"tools":[]}}`, id)
			})
			defer close(release)
			client, w := newClient(t, srv.base(), withAPIKey())
			ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
			defer cancel()
			session, err := listTools(t, client, ctx)
			defer closeSession(t, session, w)
			audit.err(err)
			audit.add("mcp-deadline-calls", 1)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err %v, want one matching the context's deadline", err)
			}
			if _, err := session.ListTools(t.Context(), nil); err != nil {
				t.Fatalf("the next call: %v", err)
			}
			audit.add("mcp-deadline-ok", 1)
		})
	}
}
