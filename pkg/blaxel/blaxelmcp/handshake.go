package blaxelmcp

import (
	"encoding/json"
	"io"
	"net/http"
	"sync"
)

// handshakeWatch is in front of a session's sessionTransport and tells it when connecting is
// over, for a session whose Connect is the caller's (mcp.Client.Connect), which says nothing
// when it returns. The go-sdk's handshake is an initialize call (or a server/discover call,
// which may fall back to initialize), then, after initialize, the opening of the event stream
// (a GET) and an initialized notification. So connecting ends once the first GET has its
// answer, once the initialized notification is sent, or before any other message is: a call
// the session makes after Connect returned must not end with Connect's context.
type handshakeWatch struct {
	st *sessionTransport

	mu   sync.Mutex
	done bool
	cut  bool // the caller's context had cut a request when connecting ended
}

func (h *handshakeWatch) RoundTrip(req *http.Request) (*http.Response, error) {
	if h.over() {
		return h.st.RoundTrip(req)
	}
	switch req.Method {
	case http.MethodGet:
		defer h.end()
	case http.MethodPost:
		switch rpcMethod(req) {
		case "initialize", "server/discover":
		case "notifications/initialized":
			defer h.end()
		default:
			h.end()
		}
	default:
		h.end()
	}
	return h.st.RoundTrip(req)
}

func (h *handshakeWatch) over() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.done
}

// end ends connecting, once.
func (h *handshakeWatch) end() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.done {
		return
	}
	h.done = true
	h.cut = h.st.connected()
}

// finish ends connecting if it was not yet, and reports whether the caller's context had cut
// one of the handshake's requests (the event stream among them).
func (h *handshakeWatch) finish() (cut bool) {
	h.end()
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cut
}

// maxPeek bounds what is read of a POST's body to learn its JSON-RPC method: the handshake's
// messages are small, and a larger one is taken for a call.
const maxPeek = 64 << 10

// rpcMethod is the JSON-RPC method of a POST's body, read from a copy of it; "" for an
// answer, a batch or a body that cannot be read again.
func rpcMethod(req *http.Request) string {
	if req.GetBody == nil || req.ContentLength > maxPeek {
		return ""
	}
	body, err := req.GetBody()
	if err != nil {
		return ""
	}
	defer body.Close()
	var msg struct {
		Method string `json:"method"`
	}
	if json.NewDecoder(io.LimitReader(body, maxPeek)).Decode(&msg) != nil {
		return ""
	}
	return msg.Method
}
