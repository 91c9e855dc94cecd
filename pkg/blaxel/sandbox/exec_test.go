package sandbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
)

// startRecorder counts the StartProcess requests a sandbox receives and the names they carry.
type startRecorder struct {
	mu    sync.Mutex
	names []string
}

func (s *startRecorder) add(t *testing.T, r *http.Request) string {
	t.Helper()
	var body struct {
		Command string `json:"command"`
		Name    string `json:"name"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		t.Errorf("StartProcess body: %v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.names = append(s.names, body.Name)
	return body.Name
}

func (s *startRecorder) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.names)
}

func TestExecAfterAnAmbiguousFailureLooksTheNameUpAndSendsOnce(t *testing.T) {
	for _, fault := range []string{"reset", "502", "503", "504"} {
		t.Run(fault, func(t *testing.T) {
			sbx, sb, _ := sandboxSetup(t)
			var starts startRecorder
			var mu sync.Mutex
			started := map[string]bool{}
			sbx.HandleFunc("POST /process", func(w http.ResponseWriter, r *http.Request) {
				name := starts.add(t, r)
				mu.Lock()
				started[name] = true // the command starts, then the answer is lost
				mu.Unlock()
				switch fault {
				case "reset":
					resetConnection(t, w)
				default:
					w.Header().Set("Content-Type", "text/html")
					w.WriteHeader(map[string]int{"502": 502, "503": 503, "504": 504}[fault])
					io.WriteString(w, "<html>edge</html>")
				}
			})
			sbx.HandleFunc("GET /process/{name}", func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				ok := started[r.PathValue("name")]
				mu.Unlock()
				if !ok {
					writeJSON(w, http.StatusNotFound, map[string]string{"error": "process not found"})
					return
				}
				writeJSON(w, http.StatusOK, processJSON(r.PathValue("name"), "running", 0))
			})
			proc, err := sb.Exec(context.Background(), sandbox.Command{Command: "sleep 100"})
			if err != nil {
				t.Fatal(err)
			}
			if proc.Status != "running" || !strings.HasPrefix(proc.Name, "blx-") {
				t.Errorf("process = %+v", proc)
			}
			if n := starts.count(); n != 1 {
				t.Errorf("StartProcess was sent %d times, want once", n)
			}
		})
	}
}

func TestExecIsSentAgainOnlyWhenTheNameIsUnknown(t *testing.T) {
	sbx, sb, _ := sandboxSetup(t)
	var starts startRecorder
	sbx.HandleFunc("POST /process", func(w http.ResponseWriter, r *http.Request) {
		name := starts.add(t, r)
		if starts.count() == 1 {
			w.WriteHeader(http.StatusBadGateway) // waking: the sandbox never saw it
			return
		}
		writeJSON(w, http.StatusOK, processJSON(name, "running", 0))
	})
	sbx.HandleFunc("GET /process/{name}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "process not found"})
	})
	proc, err := sb.Exec(context.Background(), sandbox.Command{Command: "echo hi", Name: "greet"})
	if err != nil {
		t.Fatal(err)
	}
	if proc.Name != "greet" || starts.count() != 2 || starts.names[0] != "greet" || starts.names[1] != "greet" {
		t.Errorf("process %q, starts %q: want the same name sent twice, the first having provably done nothing", proc.Name, starts.names)
	}
}

func TestExecRefusalIsNotRetried(t *testing.T) {
	sbx, sb, _ := sandboxSetup(t)
	var starts startRecorder
	lookups := 0
	sbx.HandleFunc("POST /process", func(w http.ResponseWriter, r *http.Request) {
		starts.add(t, r)
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "process with name 'dev' already exists and is running"})
	})
	sbx.HandleFunc("GET /process/{name}", func(w http.ResponseWriter, r *http.Request) { lookups++ })
	_, err := sb.Exec(context.Background(), sandbox.Command{Command: "npm run dev", Name: "dev"})
	var apiErr *blaxel.APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, blaxel.ErrBadRequest) || !strings.Contains(apiErr.Message, "already exists") {
		t.Fatalf("err = %v, want the sandbox's 400", err)
	}
	if starts.count() != 1 || lookups != 0 {
		t.Errorf("%d starts and %d lookups, want 1 and 0", starts.count(), lookups)
	}
}

func TestCommandChecks(t *testing.T) {
	_, sb, _ := sandboxSetup(t)
	for _, cmd := range []sandbox.Command{
		{Command: ""},
		{Command: "true", Name: "12345"},
		{Command: "true", Name: "a/b"},
		{Command: "true", Timeout: 5},
	} {
		if _, err := sb.Exec(context.Background(), cmd); err == nil {
			t.Errorf("Exec(%+v) succeeded", cmd)
		}
	}
}

func TestShellQuote(t *testing.T) {
	got := sandbox.ShellQuote("cp", "-r", "my dir", "it's", "", "a;rm -rf /", "plain/path.txt")
	want := `cp -r 'my dir' 'it'\''s' '' 'a;rm -rf /' plain/path.txt`
	if got != want {
		t.Errorf("ShellQuote = %s\nwant        %s", got, want)
	}
	// A first word with "=" would be an assignment, not the command given.
	if got := sandbox.ShellQuote("FOO=bar", "x=1"); got != `'FOO=bar' 'x=1'` {
		t.Errorf("ShellQuote of words with = gave %s", got)
	}
}
