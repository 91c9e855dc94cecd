package sandbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"
)

// execStream answers a start with the NDJSON stream of a command that printed "hi": an
// output event and the result, each flushed on its own as the sandbox does; after the result
// the handler waits for hold (when it is not nil) or a moment before ending the body, so that
// the body's end comes apart from the result, as it may through a network.
func execStream(t *testing.T, hold <-chan struct{}) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Name string `json:"name"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			t.Error(err)
			return
		}
		proc := processJSON(req.Name, "completed", 0)
		proc["stdout"], proc["logs"] = "hi\n", "hi\n"
		result, _ := json.Marshal(proc)
		event, _ := json.Marshal(map[string]string{"type": "result", "data": string(result)})
		w.Header().Set("Content-Type", "application/x-ndjson")
		fmt.Fprintln(w, `{"type":"stdout","data":"hi\n"}`)
		w.(http.Flusher).Flush()
		fmt.Fprintf(w, "%s\n", event)
		w.(http.Flusher).Flush()
		if hold == nil {
			time.Sleep(20 * time.Millisecond)
			return
		}
		select {
		case <-hold:
		case <-r.Context().Done():
		}
	}
}

// A run reads its stream to the end after the result, so that the next run reuses the
// connection rather than dialling a new one.
func TestRunsReuseTheirConnection(t *testing.T) {
	sbx, sb, _ := sandboxSetup(t)
	var mu sync.Mutex
	conns := map[string]bool{}
	stream := execStream(t, nil)
	sbx.HandleFunc("POST /process", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		conns[r.RemoteAddr] = true
		mu.Unlock()
		stream(w, r)
	})
	for range 5 {
		res, err := sb.Run(context.Background(), "echo hi")
		if err != nil {
			t.Fatal(err)
		}
		if string(res.Stdout) != "hi\n" {
			t.Fatalf("stdout %q", res.Stdout)
		}
	}
	if len(conns) != 1 {
		t.Errorf("5 runs, one after the other, came over %d connections; want 1", len(conns))
	}
}

// A stream that goes on after its result does not keep Run from returning that result.
func TestRunReturnsWhenTheStreamGoesOnAfterItsResult(t *testing.T) {
	sbx, sb, _ := sandboxSetup(t)
	hold := make(chan struct{})
	defer close(hold)
	sbx.HandleFunc("POST /process", execStream(t, hold))
	done := make(chan error, 1)
	go func() {
		res, err := sb.Run(context.Background(), "echo hi")
		if err == nil && string(res.Stdout) != "hi\n" {
			err = fmt.Errorf("stdout %q", res.Stdout)
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute): // guards a hang only
		t.Fatal("Run did not return")
	}
}
