package blaxel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"sync/atomic"

	"github.com/blaxel-go/blaxel/internal/pipeline"
)

// RunAgentEvents calls the agent as RunAgent does, asking for a streamed answer (Accept:
// text/event-stream, application/x-ndjson, unless WithRequestHeader sets Accept), and yields
// its events as they arrive; see ReadEvents for how each type is read. An answer that does not
// stream yields one event holding its body.
//
// The request is sent when the loop starts, once: ranging over the sequence a second time
// yields an error and sends nothing. A non-2xx answer is an *APIError, yielded alone; ctx
// bounds the whole stream. Breaking out of the loop closes the answer.
//
//	for ev, err := range client.RunAgentEvents(ctx, "my-agent", strings.NewReader(`{"inputs":"hi"}`)) {
//		if err != nil { return err }
//		fmt.Printf("%s: %s\n", ev.Type, ev.Data)
//	}
func (c *Client) RunAgentEvents(ctx context.Context, name string, body io.Reader, opts ...RunOption) iter.Seq2[Event, error] {
	var sent atomic.Bool
	return func(yield func(Event, error) bool) {
		if sent.Swap(true) {
			yield(Event{}, errors.New("blaxel: RunAgentEvents: these events were read already; call RunAgentEvents again to send a new request"))
			return
		}
		resp, err := c.send(ctx, pipeline.KindAgents, name, "", body, append([]RunOption{acceptEvents}, opts...))
		if err != nil {
			yield(Event{}, err)
			return
		}
		defer resp.Body.Close()
		for ev, err := range ReadEvents(resp.Body, resp.Header.Get("Content-Type")) {
			if !yield(ev, err) || err != nil {
				return
			}
		}
	}
}

// RunAgentAsync hands a call to the agent to run in the background (POST
// {run URL}/{workspace}/agents/{name}?async=true), for work longer than a synchronous call
// may last: the platform answers {"success": true} at once, and the agent's answer is not
// returned. Blaxel posts it, when the agent was deployed with a callback URL, to that URL as
// an AsyncCallback, signed with the headers X-Blaxel-Signature (sha256=<hex>) and
// X-Blaxel-Timestamp, which package callback verifies. A background call lasts up to 15
// minutes. A non-2xx answer is an *APIError; a 2xx answer that says {"success": false} is an
// error too.
func (c *Client) RunAgentAsync(ctx context.Context, name string, body io.Reader, opts ...RunOption) error {
	resp, err := c.send(ctx, pipeline.KindAgents, name, "", body, append(opts, WithAsync()))
	if err != nil {
		return err
	}
	defer pipeline.Discard(resp)
	answer, err := io.ReadAll(io.LimitReader(resp.Body, pipeline.MaxErrorBody))
	if err != nil {
		return fmt.Errorf("blaxel: RunAgentAsync: reading the answer: %w", err)
	}
	var taken struct {
		Success *bool `json:"success"`
	}
	if json.Unmarshal(answer, &taken) == nil && taken.Success != nil && !*taken.Success {
		return fmt.Errorf("blaxel: RunAgentAsync: agent %s did not take the call: %s", name, pipeline.Excerpt(c.p.Redact.Body(answer)))
	}
	return nil
}

// AsyncCallback is what Blaxel posts to an agent's callback URL when a call made with
// RunAgentAsync (or WithAsync) ends.
type AsyncCallback struct {
	StatusCode     int    `json:"status_code"`     // the status the agent answered
	ResponseBody   string `json:"response_body"`   // the agent's answer
	ResponseLength int64  `json:"response_length"` // its length in bytes
	Timestamp      int64  `json:"timestamp"`       // when the call ended, in Unix seconds
}
