package blaxelmcp_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/blaxelmcp"
)

// echoedKey has the characters that JSON, percent-encoding and base64 write otherwise, so
// that each encoded form differs from the key itself.
const echoedKey = "bl_key/R3l+1ab=1l:1ty!Q9xw"

// keyForms is every way the servers below echo the key.
func keyForms() []string {
	return []string{echoedKey, strings.ReplaceAll(echoedKey, "/", `\/`), url.QueryEscape(echoedKey), url.PathEscape(echoedKey)}
}

// clientWithKey is a client whose function "f" answers at srv, with echoedKey as its key.
func clientWithKey(t *testing.T, srv *httptest.Server, opts ...blaxel.EnvOption) *blaxel.Client {
	t.Helper()
	home := t.TempDir()
	env := blaxel.WithEnv(func(name string) string {
		return map[string]string{
			"BL_API_KEY": echoedKey, "BL_WORKSPACE": "ws", "HOME": home,
			"BL_API_URL": "http://127.0.0.1:1/v0", "BL_FUNCTIONS_F_URL": srv.URL,
		}[name]
	})
	c, err := blaxel.NewFromEnv(append([]blaxel.EnvOption{env, fastRetries()}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// hostileOnCall serves MCP with the go-sdk's server, except for the POSTs of method, which
// answer answers with the request's key.
func hostileOnCall(method string, answer func(w http.ResponseWriter, id json.RawMessage, key string)) http.Handler {
	handler := mcpServer()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			data, _ := io.ReadAll(r.Body)
			var msg struct {
				ID     json.RawMessage `json:"id"`
				Method string          `json:"method"`
			}
			_ = json.Unmarshal(data, &msg)
			if msg.Method == method {
				answer(w, msg.ID, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
				return
			}
			r.Body = io.NopCloser(strings.NewReader(string(data)))
		}
		handler.ServeHTTP(w, r)
	})
}

// writeRaw answers with bytes net/http would refuse to write.
func writeRaw(w http.ResponseWriter, raw string) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	_, _ = buf.WriteString(raw)
	_ = buf.Flush()
}

// rpcError is a JSON-RPC error answer to the call id whose message and data echo key.
func rpcError(id json.RawMessage, key string) []byte {
	data, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "error": map[string]any{
		"code": -32000, "message": "the key " + key + " is not welcome", "data": map[string]string{"key": key, "escaped": url.QueryEscape(key)},
	}})
	return data
}

// After connecting, no error of a call holds the key a hostile server echoes: in what
// net/http quotes of an answer it cannot parse, or in a JSON-RPC error message.
func TestMCPCallErrorsNeverHoldTheKey(t *testing.T) {
	answers := map[string]func(w http.ResponseWriter, id json.RawMessage, key string){
		"status line": func(w http.ResponseWriter, _ json.RawMessage, key string) {
			writeRaw(w, "HTTP/1.1 "+key+" OK\r\n\r\n")
		},
		"header line": func(w http.ResponseWriter, _ json.RawMessage, key string) {
			writeRaw(w, "HTTP/1.1 200 OK\r\n"+key+"\r\n\r\n")
		},
		"Content-Length": func(w http.ResponseWriter, _ json.RawMessage, key string) {
			writeRaw(w, "HTTP/1.1 200 OK\r\nContent-Length: "+key+"\r\n\r\n")
		},
		"Location": func(w http.ResponseWriter, _ json.RawMessage, key string) {
			writeRaw(w, "HTTP/1.1 307 Temporary Redirect\r\nLocation: %zz"+key+"\r\nContent-Length: 0\r\n\r\n")
		},
		"JSON-RPC error, JSON": func(w http.ResponseWriter, id json.RawMessage, key string) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(rpcError(id, key))
		},
		"JSON-RPC error, event stream": func(w http.ResponseWriter, id json.RawMessage, key string) {
			w.Header().Set("Content-Type", "text/event-stream")
			fmt.Fprintf(w, "event: message\ndata: %s\n\n", rpcError(id, key))
		},
		"content type": func(w http.ResponseWriter, _ json.RawMessage, key string) {
			w.Header().Set("Content-Type", "application/x-"+url.QueryEscape(key))
			_, _ = w.Write([]byte("{}"))
		},
		"session id": func(w http.ResponseWriter, id json.RawMessage, key string) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Mcp-Session-Id", key)
			_, _ = fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{"tools":[]}}`, id)
		},
		"malformed event line": func(w http.ResponseWriter, _ json.RawMessage, key string) {
			w.Header().Set("Content-Type", "text/event-stream")
			fmt.Fprintf(w, "%s\n\n", url.QueryEscape(key))
		},
		"JSON-RPC error, 400": func(w http.ResponseWriter, id json.RawMessage, key string) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write(rpcError(id, key))
		},
	}
	for name, answer := range answers {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(hostileOnCall("tools/list", answer))
			defer srv.Close()
			session, err := blaxelmcp.Connect(t.Context(), clientWithKey(t, srv), "f")
			if err != nil {
				t.Fatal(err)
			}
			defer session.Close()
			_, err = session.ListTools(t.Context(), nil)
			if err == nil {
				t.Fatal("a hostile answer was taken for a success")
			}
			text := fmt.Sprintf("%v\n%+v", err, err)
			var rpcErr *jsonrpc.Error
			if errors.As(err, &rpcErr) {
				text += "\n" + rpcErr.Message + "\n" + string(rpcErr.Data)
			}
			for _, form := range keyForms() {
				if strings.Contains(text, form) {
					t.Fatalf("the error holds the key (%q): %s", form, text)
				}
			}
		})
	}
}

// A result comes as the server sent it, even one that holds the key and speaks of an "error":
// only errors are redacted.
func TestMCPResultsComeAsSent(t *testing.T) {
	description := func(key string) string { return `on "error": see ` + key }
	for _, stream := range []bool{false, true} {
		t.Run(fmt.Sprint("event stream ", stream), func(t *testing.T) {
			srv := httptest.NewServer(hostileOnCall("tools/list", func(w http.ResponseWriter, id json.RawMessage, key string) {
				answer, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "result": map[string]any{"tools": []any{
					map[string]any{"name": "t", "description": description(key), "inputSchema": map[string]any{"type": "object"}},
				}}})
				if stream {
					w.Header().Set("Content-Type", "text/event-stream")
					fmt.Fprintf(w, "event: message\ndata: %s\n\n", answer)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write(answer)
			}))
			defer srv.Close()
			session, err := blaxelmcp.Connect(t.Context(), clientWithKey(t, srv), "f")
			if err != nil {
				t.Fatal(err)
			}
			defer session.Close()
			tools, err := session.ListTools(t.Context(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(tools.Tools) != 1 || tools.Tools[0].Description != description(echoedKey) {
				t.Errorf("tools %+v", tools.Tools)
			}
		})
	}
}
