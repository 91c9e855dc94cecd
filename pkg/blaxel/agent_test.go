package blaxel_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// deployAgent creates an agent on the fake and waits until it is DEPLOYED.
func deployAgent(t *testing.T, c *blaxel.Client, name string) {
	t.Helper()
	if _, err := c.CreateAgent(t.Context(), gen.Agent{Metadata: gen.Metadata{Name: name}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitForAgent(t.Context(), name, blaxel.WithPollInterval(time.Millisecond)); err != nil {
		t.Fatal(err)
	}
}

func TestRunAgentAgainstTheFake(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	c, _ := fakeClient(t, srv)
	deployAgent(t, c, "helper")
	body, err := c.RunAgent(t.Context(), "helper", strings.NewReader(`{"inputs":"hello there"}`), blaxel.WithThreadID("t-1"))
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	var echo struct {
		Method, ThreadID string
		Body             map[string]any
	}
	if err := json.NewDecoder(body).Decode(&echo); err != nil {
		t.Fatal(err)
	}
	if echo.Method != http.MethodPost || echo.ThreadID != "t-1" || echo.Body["inputs"] != "hello there" {
		t.Errorf("echo %+v", echo)
	}
}

func TestRunAgentEventsStreamsEitherFormat(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	c, _ := fakeClient(t, srv)
	deployAgent(t, c, "helper")
	for _, accept := range []string{"", "application/x-ndjson"} {
		var opts []blaxel.RunOption
		if accept != "" {
			opts = append(opts, blaxel.WithRequestHeader("Accept", accept))
		}
		var texts []string
		var last blaxel.Event
		for ev, err := range c.RunAgentEvents(t.Context(), "helper", strings.NewReader(`{"inputs":"one two three"}`), opts...) {
			if err != nil {
				t.Fatal(err)
			}
			var delta struct{ Type, Text string }
			if err := ev.Decode(&delta); err != nil {
				t.Fatalf("%q: %v", ev.Data, err)
			}
			if delta.Text != "" {
				texts = append(texts, delta.Text)
			}
			last = ev
		}
		if strings.Join(texts, " ") != "one two three" {
			t.Errorf("Accept %q: deltas %q", accept, texts)
		}
		if accept == "" && last.Type != "done" || accept != "" && !strings.Contains(string(last.Data), `"type":"done"`) {
			t.Errorf("Accept %q: the last event is %q %s", accept, last.Type, last.Data)
		}
	}
}

func TestRunAgentEventsSendsOnce(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	c, _ := fakeClient(t, srv)
	deployAgent(t, c, "helper")
	events := c.RunAgentEvents(t.Context(), "helper", strings.NewReader(`{"inputs":"x"}`))
	for _, err := range events {
		if err != nil {
			t.Fatal(err)
		}
	}
	var second error
	for _, err := range events {
		second = err
	}
	if second == nil || !strings.Contains(second.Error(), "read already") {
		t.Errorf("a second range gave %v", second)
	}
	if n := srv.Attempts("POST /ws/agents/helper"); n != 1 {
		t.Errorf("%d calls of the agent, want 1", n)
	}
}

func TestRunAgentEventsOfAnAgentThatDoesNotStream(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	srv.HandleAgent("plain", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"answer":42}`)
	}))
	c, _ := fakeClient(t, srv)
	deployAgent(t, c, "plain")
	var got []string
	for ev, err := range c.RunAgentEvents(t.Context(), "plain", nil) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(ev.Data))
	}
	if len(got) != 1 || got[0] != `{"answer":42}` {
		t.Errorf("events %q", got)
	}
}

func TestRunAgentEventsYieldsTheRefusal(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	c, _ := fakeClient(t, srv)
	n := 0
	for _, err := range c.RunAgentEvents(t.Context(), "nobody", nil) {
		n++
		var apiErr *blaxel.APIError
		if !errors.As(err, &apiErr) || apiErr.Code != "WORKLOAD_NOT_FOUND" {
			t.Errorf("err %v, want the gateway's WORKLOAD_NOT_FOUND", err)
		}
	}
	if n != 1 {
		t.Errorf("%d values, want the error alone", n)
	}
}

func TestRunAgentAsyncAnswersAtOnce(t *testing.T) {
	srv := blaxeltest.NewServer(t)
	got := make(chan string, 1)
	srv.HandleAgent("worker", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- string(b)
	}))
	c, _ := fakeClient(t, srv)
	deployAgent(t, c, "worker")
	if err := c.RunAgentAsync(t.Context(), "worker", strings.NewReader(`{"inputs":"later"}`)); err != nil {
		t.Fatal(err)
	}
	select {
	case body := <-got:
		if body != `{"inputs":"later"}` {
			t.Errorf("the agent got %q", body)
		}
	case <-time.After(time.Minute): // guards a hang only
		t.Fatal("the background call never ran")
	}
	var async bool
	for _, r := range srv.Requests() {
		async = async || r.Path == "/ws/agents/worker?async=true" && r.Status == http.StatusOK
	}
	if !async {
		t.Error("no ?async=true call answered 200")
	}
}

func TestRunAgentOfAnAgentStillDeploying(t *testing.T) {
	srv := blaxeltest.NewServer(t, blaxeltest.WithDeployDelay(time.Hour))
	c, _ := fakeClient(t, srv)
	if _, err := c.CreateAgent(t.Context(), gen.Agent{Metadata: gen.Metadata{Name: "soon"}}); err != nil {
		t.Fatal(err)
	}
	_, err := c.RunAgent(t.Context(), "soon", strings.NewReader(`{}`))
	var apiErr *blaxel.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != "WORKLOAD_UNAVAILABLE" || !apiErr.Retryable {
		t.Fatalf("err %v, want the gateway's WORKLOAD_UNAVAILABLE", err)
	}
	// The gateway's refusal came before the agent saw the call, so the POST is sent again like
	// a GET would be: once, then after each of fastRetries' 3 retries.
	if n := srv.Attempts("POST /ws/agents/soon"); n != 4 {
		t.Errorf("the call was sent %d times, want 4", n)
	}
}
