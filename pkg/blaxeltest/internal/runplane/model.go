package runplane

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/wire"
)

// serveModel answers OpenAI's API below a model's address, as Blaxel's models do: GET
// v1/models lists the model, POST v1/chat/completions answers with the last user message,
// whole or, with "stream": true, as server-sent chunks ending with [DONE]. Anything else
// answers 404 in OpenAI's error shape.
func (s *Plane) serveModel(w http.ResponseWriter, r *http.Request, name, rest string) {
	now := s.cfg.Now()
	switch {
	case rest == "v1/models" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": []any{
			map[string]any{"id": name, "object": "model", "created": now.Unix(), "owned_by": "blaxeltest"},
		}})
	case rest == "v1/chat/completions" && r.Method == http.MethodPost:
		chatCompletion(w, r, name, now)
	default:
		openAIError(w, http.StatusNotFound, "not_found", fmt.Sprintf("%s /%s is not served by this model", r.Method, rest))
	}
}

// chatRequest is what the echo reads of a chat completion request.
type chatRequest struct {
	Model    string `json:"model"`
	Stream   bool   `json:"stream"`
	Messages []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	} `json:"messages"`
}

func chatCompletion(w http.ResponseWriter, r *http.Request, name string, now time.Time) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		openAIError(w, http.StatusRequestEntityTooLarge, "request_too_large", err.Error())
		return
	}
	var req chatRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		openAIError(w, http.StatusBadRequest, "invalid_json", "the body is not a chat completion request: "+err.Error())
		return
	}
	if len(req.Messages) == 0 {
		openAIError(w, http.StatusBadRequest, "missing_messages", "messages must hold at least one message")
		return
	}
	answer := ""
	for _, m := range req.Messages {
		if m.Role == "user" {
			answer = messageText(m.Content)
		}
	}
	model := req.Model
	if model == "" {
		model = name
	}
	id := "chatcmpl-" + wire.RandomHex(8)
	if !req.Stream {
		words := len(strings.Fields(answer))
		writeJSON(w, http.StatusOK, map[string]any{
			"id": id, "object": "chat.completion", "created": now.Unix(), "model": model,
			"choices": []any{map[string]any{
				"index": 0, "finish_reason": "stop",
				"message": map[string]any{"role": "assistant", "content": answer},
			}},
			"usage": map[string]any{"prompt_tokens": words, "completion_tokens": words, "total_tokens": 2 * words},
		})
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	chunk := func(delta map[string]any, finish any) {
		b, _ := json.Marshal(map[string]any{
			"id": id, "object": "chat.completion.chunk", "created": now.Unix(), "model": model,
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}},
		})
		fmt.Fprintf(w, "data: %s\n\n", b)
		_ = http.NewResponseController(w).Flush()
	}
	chunk(map[string]any{"role": "assistant", "content": ""}, nil)
	for i, word := range strings.Fields(answer) {
		if i > 0 {
			word = " " + word
		}
		chunk(map[string]any{"content": word}, nil)
	}
	chunk(map[string]any{}, "stop")
	fmt.Fprint(w, "data: [DONE]\n\n")
}

// messageText is the text of a message's content: a string, or the text parts of a list.
func messageText(content json.RawMessage) string {
	var s string
	if json.Unmarshal(content, &s) == nil {
		return s
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	_ = json.Unmarshal(content, &parts)
	var texts []string
	for _, p := range parts {
		if p.Type == "text" {
			texts = append(texts, p.Text)
		}
	}
	return strings.Join(texts, " ")
}

func openAIError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"message": message, "type": "invalid_request_error", "param": nil, "code": code,
	}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
