package sandbox_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
)

// hangingStream writes first and flushes, then holds the stream open until the test ends.
func hangingStream(first string) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, first)
		http.NewResponseController(w).Flush()
		<-r.Context().Done()
	}
}

func TestStreamsEndWithTheContextsErrorAfterADeadline(t *testing.T) {
	sbx, sb, _ := sandboxSetup(t)
	sbx.HandleFunc("GET /process/{name}/logs/stream", hangingStream("stdout:started\n"))
	sbx.HandleFunc("GET /watch/filesystem/{path...}", hangingStream(`{"op":"CREATE","path":"/d","name":"a"}`+"\n"))
	sbx.HandleFunc("GET /process/{name}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, processJSON(r.PathValue("name"), "running", 0))
	})
	sbx.HandleFunc("POST /process", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-ndjson")
		io.WriteString(w, `{"type":"stdout","data":"started\n"}`+"\n")
		http.NewResponseController(w).Flush()
		<-r.Context().Done()
	})

	streams := map[string]func(ctx context.Context) error{
		"Logs": func(ctx context.Context) error {
			var last error
			for _, err := range sb.Logs(ctx, "job") {
				last = err
			}
			return last
		},
		"Watch": func(ctx context.Context) error {
			var last error
			for _, err := range sb.Watch(ctx, "/d") {
				last = err
			}
			return last
		},
		"Wait": func(ctx context.Context) error {
			_, err := sb.Wait(ctx, "job")
			return err
		},
		"Run": func(ctx context.Context) error {
			_, err := sb.Run(ctx, "sleep 100", sandbox.WithProcessName("job"))
			return err
		},
	}
	for name, stream := range streams {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			err := stream(ctx)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("the stream ended with %v, want an error matching context.DeadlineExceeded", err)
			}
			if want := `"sb"`; !contains(err.Error(), want) {
				t.Errorf("the error does not name the sandbox: %v", err)
			}
		})
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
