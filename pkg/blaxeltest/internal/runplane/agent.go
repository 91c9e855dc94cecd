package runplane

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/wire"
)

// HandleAgent makes h answer the calls of the agent named name, once it is deployed: the
// request is the caller's, checked by the gateway first, with its path, query and headers.
// A nil h brings back the default, an echo: a JSON object with the request's method, query,
// thread id (X-Blaxel-Thread-Id) and body, or, when the request accepts text/event-stream or
// application/x-ndjson, the same as a stream of events (see the package documentation).
func (s *Plane) HandleAgent(name string, h http.Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h == nil {
		delete(s.agents, name)
		return
	}
	s.agents[name] = h
}

// serveAgent answers a call of a deployed agent. With ?async=true it answers
// {"success": true} at once, as the platform does, and runs the call in the background; its
// answer is reported, signed, to the callback URL of the agent's http-async trigger when it
// has one, and dropped otherwise.
func (s *Plane) serveAgent(w http.ResponseWriter, r *http.Request, workspace, name string) {
	s.mu.Lock()
	h := s.agents[name]
	s.mu.Unlock()
	if h == nil {
		h = http.HandlerFunc(echoAgent)
	}
	if r.URL.Query().Get("async") != "true" {
		h.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		wire.Write(w, wire.Error(http.StatusRequestEntityTooLarge, "request_too_large", err.Error()))
		return
	}
	background := r.Clone(s.stop) // outlives the call, until the server stops
	background.Body = io.NopCloser(bytes.NewReader(body))
	callbackURL := s.cfg.Platform.AsyncCallbackURL("agents", workspace, name)
	s.background.Go(func() {
		if callbackURL == "" {
			h.ServeHTTP(&wire.DiscardWriter{}, background)
			return
		}
		answer := &answerRecorder{}
		h.ServeHTTP(answer, background)
		s.report(s.stop, callbackURL, answer)
	})
	wire.Write(w, wire.JSON(http.StatusOK, map[string]any{"success": true}))
}

// echo is what the default agent answers: the request, as it understood it.
type echo struct {
	Method   string              `json:"method"`
	Query    map[string][]string `json:"query,omitempty"`
	ThreadID string              `json:"threadId,omitempty"`
	Body     any                 `json:"body,omitempty"` // the JSON sent, or the text when not JSON
}

func echoAgent(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
		return
	}
	e := echo{Method: r.Method, ThreadID: r.Header.Get("X-Blaxel-Thread-Id")}
	if q := r.URL.Query(); len(q) > 0 {
		e.Query = q
	}
	if v, err := wire.DecodeJSON(raw); err == nil {
		e.Body = v
	} else if len(raw) > 0 {
		e.Body = string(raw)
	}
	switch streamFormat(r.Header.Get("Accept")) {
	case "text/event-stream":
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		for _, word := range words(e.Body) {
			writeEvent(w, "delta", map[string]any{"text": word})
		}
		writeEvent(w, "done", e)
	case "application/x-ndjson":
		w.Header().Set("Content-Type", "application/x-ndjson")
		for _, word := range words(e.Body) {
			writeLine(w, map[string]any{"type": "delta", "text": word})
		}
		writeLine(w, map[string]any{"type": "done", "echo": e})
	default:
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(e)
	}
}

// streamFormat is the streaming type an Accept header asks for, "" for none.
func streamFormat(accept string) string {
	for part := range strings.SplitSeq(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "text/event-stream", "application/x-ndjson":
			return mt
		}
	}
	return ""
}

// words splits what the agent was asked: the "inputs" of a {"inputs": "..."} body, as
// Blaxel's agents take it, else the body's text.
func words(body any) []string {
	text := ""
	switch b := body.(type) {
	case string:
		text = b
	case map[string]any:
		if in, ok := b["inputs"].(string); ok {
			text = in
		}
	}
	return strings.Fields(text)
}

func writeEvent(w http.ResponseWriter, event string, data any) {
	b, _ := json.Marshal(data)
	fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b)
	_ = http.NewResponseController(w).Flush()
}

func writeLine(w http.ResponseWriter, v any) {
	b, _ := json.Marshal(v)
	_, _ = w.Write(append(b, '\n'))
	_ = http.NewResponseController(w).Flush()
}
