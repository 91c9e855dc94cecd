package reliability

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// sandboxServer is a sandbox's API reduced to what exec needs, on a dedicated server whose
// first StartProcess meets a fault. It records which starts took effect: the command runs
// at most once whatever the fault, or the client sent it twice.
type sandboxServer struct {
	*server
	mu      sync.Mutex
	posts   int            // StartProcess requests that reached the handler
	started map[string]int // process name: how many starts took effect
	fault   execFault
}

// execFault is what happens to the first StartProcess.
type execFault struct {
	name    string
	acts    bool // the command starts before the fault hides the answer
	answer  func(w http.ResponseWriter, s *sandboxServer, name string)
	lookups func(w http.ResponseWriter) bool // answers GetProcess instead, when it returns true
	// what the caller must get: success (the command ran once), or the error's check
	err     func(error) string
	timeout time.Duration
}

func newSandboxServer(t *testing.T, f execFault) *sandboxServer {
	s := &sandboxServer{started: map[string]int{}, fault: f}
	s.server = newServer(t, s.serve)
	return s
}

func (s *sandboxServer) serve(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/v0/sandboxes/sb":
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"metadata":{"name":"sb","url":%q},"spec":{},"status":"DEPLOYED"}`, s.URL+"/sbx")
	case r.Method == http.MethodPost && r.URL.Path == "/sbx/process":
		var req struct{ Name string }
		_ = json.NewDecoder(r.Body).Decode(&req)
		s.mu.Lock()
		s.posts++
		first := s.posts == 1
		if !first || s.fault.acts {
			s.started[req.Name]++
		}
		s.mu.Unlock()
		if first {
			s.fault.answer(w, s, req.Name)
			return
		}
		s.answerStart(w, r, req.Name)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/sbx/process/"):
		if s.fault.lookups != nil && s.fault.lookups(w) {
			return
		}
		name, logs := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/sbx/process/"), "/logs")
		s.mu.Lock()
		n := s.started[name]
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case n == 0:
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"error":"process not found"}`)
		case logs:
			io.WriteString(w, `{"stdout":"hello\n","stderr":"","logs":"hello\n"}`)
		default:
			fmt.Fprint(w, processDoc(name, "completed"))
		}
	default:
		http.NotFound(w, r)
	}
}

func processDoc(name, status string) string {
	return fmt.Sprintf(`{"pid":"42","name":%q,"command":"echo hello","status":%q,"startedAt":"Wed, 01 Jan 2025 12:00:00 GMT",`+
		`"completedAt":"","exitCode":0,"workingDir":"/","logs":"hello\n","stdout":"hello\n","stderr":""}`, name, status)
}

// answerStart answers a start that went well: the stream of a Run, or the process of an Exec.
func (s *sandboxServer) answerStart(w http.ResponseWriter, r *http.Request, name string) {
	if !strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, processDoc(name, "running"))
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	result, _ := json.Marshal(processDoc(name, "completed"))
	fmt.Fprintf(w, "{\"type\":\"stdout\",\"data\":\"hello\\n\"}\n{\"type\":\"result\",\"data\":%s}\n", result)
}

func (s *sandboxServer) starts() (posts int, most int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.started {
		most = max(most, n)
	}
	return s.posts, most
}

func edgePage(status int) func(http.ResponseWriter, *sandboxServer, string) {
	return func(w http.ResponseWriter, _ *sandboxServer, _ string) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<html><body><h1>%d %s</h1></body></html>", status, http.StatusText(status))
	}
}

func execFaults() []execFault {
	return []execFault{
		{name: "reset after the command started", acts: true,
			answer: func(w http.ResponseWriter, _ *sandboxServer, _ string) { resetConnection(w, "") }, err: success},
		{name: "reset before the command started",
			answer: func(w http.ResponseWriter, _ *sandboxServer, _ string) { resetConnection(w, "") }, err: success},
		{name: "edge 502 while waking (not started)", answer: edgePage(502), err: success},
		{name: "edge 503 while waking (not started)", answer: edgePage(503), err: success},
		{name: "edge 504, the command running on", acts: true, answer: edgePage(504), err: success},
		{name: "edge 502 after the command started", acts: true, answer: edgePage(502), err: success},
		{name: "the stream cut before its result", acts: true,
			answer: func(w http.ResponseWriter, _ *sandboxServer, _ string) {
				resetConnection(w, "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n"+
					"1f\r\n{\"type\":\"stdout\",\"data\":\"hel\"}\n\r\n")
			}, err: success},
		{name: "a 200 whose stream carries an error", answer: func(w http.ResponseWriter, _ *sandboxServer, _ string) {
			w.Header().Set("Content-Type", "application/x-ndjson")
			io.WriteString(w, `{"type":"error","data":"fork/exec /bin/sh: no such file or directory"}`+"\n")
		}, err: streamError("no such file")},
		{name: "the sandbox's 500", answer: func(w http.ResponseWriter, _ *sandboxServer, _ string) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `{"error":"failed to save process state"}`)
		}, err: sandboxStatus(500)},
		{name: "the sandbox's 400 (name running)", answer: func(w http.ResponseWriter, _ *sandboxServer, name string) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"error":"process with name '%s' already exists and is running"}`, name)
		}, err: sandboxStatus(400)},
		{name: "edge 504, and every lookup 503", acts: true, answer: edgePage(504),
			lookups: func(w http.ResponseWriter) bool { edgePage(503)(w, nil, ""); return true },
			err:     textHas("may or may not have started")},
		{name: "hang past the deadline", acts: true, timeout: 300 * time.Millisecond,
			answer: func(w http.ResponseWriter, _ *sandboxServer, _ string) { time.Sleep(2 * time.Second) },
			err:    is(context.DeadlineExceeded)},
	}
}

func streamError(part string) func(error) string {
	return func(err error) string {
		var e *blaxel.StreamError
		if !errors.As(err, &e) || !strings.Contains(e.Message, part) {
			return fmt.Sprintf("want a *StreamError saying %q, got %T: %v", part, err, err)
		}
		return ""
	}
}

func sandboxStatus(code int) func(error) string {
	return func(err error) string {
		var e *blaxel.APIError
		if !errors.As(err, &e) || e.StatusCode != code || e.Message == "" {
			return fmt.Sprintf("want the sandbox's %d with its message, got %T: %v", code, err, err)
		}
		return ""
	}
}

// TestSandboxExecUnderEveryFault crosses the faults a StartProcess can meet with Exec and
// Run: whatever happens, the command starts at most once, and the caller learns the truth.
func TestSandboxExecUnderEveryFault(t *testing.T) {
	noLeaks(t)
	for _, f := range execFaults() {
		for _, mode := range []string{"Exec", "Run"} {
			t.Run(mode+"/"+f.name, func(t *testing.T) {
				s := newSandboxServer(t, f)
				c, _ := newClient(t, s.base(), withAPIKey())
				timeout := f.timeout
				if timeout == 0 {
					timeout = 20 * time.Second
				}
				ctx, cancel := context.WithTimeout(context.Background(), timeout)
				defer cancel()
				sb, err := sandbox.Open(ctx, c, "sb")
				if err != nil {
					t.Fatal(err)
				}
				if mode == "Exec" {
					_, err = sb.Exec(ctx, sandbox.Command{Command: "echo hello"})
				} else {
					var res *sandbox.RunResult
					res, err = sb.Run(ctx, "echo hello")
					if err == nil && string(res.Stdout) != "hello\n" {
						t.Errorf("stdout %q", res.Stdout)
					}
				}
				audit.err(err)
				audit.add("sandbox-exec-cells", 1)
				posts, most := s.starts()
				if most > 1 {
					audit.add("sandbox-exec-twice", 1)
					t.Errorf("the command started %d times (%d StartProcess requests)", most, posts)
				}
				if msg := f.err(err); msg != "" {
					t.Errorf("%s (%d StartProcess requests)", msg, posts)
					return
				}
				audit.add("sandbox-exec-cells-ok", 1)
			})
		}
	}
}

// fakeSandbox starts pkg/blaxeltest with a sandbox "sb" and returns a handle on it, through
// the suite's audited client.
func fakeSandbox(t *testing.T, opts ...blaxeltest.Option) (*blaxeltest.Server, *sandbox.Sandbox) {
	t.Helper()
	srv, sb, _ := fakeSandboxOnWire(t, opts...)
	return srv, sb
}

// fakeSandboxOnWire is fakeSandbox, with the wire its client sends through.
func fakeSandboxOnWire(t *testing.T, opts ...blaxeltest.Option) (*blaxeltest.Server, *sandbox.Sandbox, *wire) {
	t.Helper()
	srv := blaxeltest.NewServer(t, append([]blaxeltest.Option{blaxeltest.WithAPIKey(apiKey)}, opts...)...)
	c, w := newClient(t, srv.URL(), withAPIKey(), blaxel.WithRunURL(srv.RunURL()))
	ctx := context.Background()
	if _, err := c.CreateSandboxAndWait(ctx, gen.Sandbox{Metadata: gen.Metadata{Name: "sb"}}, blaxel.WithPollInterval(time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	sb, err := sandbox.Open(ctx, c, "sb")
	if err != nil {
		t.Fatal(err)
	}
	return srv, sb, w
}

// TestSandboxExecUnderTheFakesFaults arms the faults of pkg/blaxeltest's sandboxes on
// StartProcess, where the fake's own edge and process table decide what took effect.
func TestSandboxExecUnderTheFakesFaults(t *testing.T) {
	noLeaks(t)
	for _, f := range []struct {
		name   string
		fault  blaxeltest.Fault
		starts int // how often the command must have started
		err    func(error) string
	}{
		{"edge 504, the command running on", blaxeltest.EdgeTimeout().Committed(), 1, success},
		{"edge 502 while waking", blaxeltest.EdgeError(502), 1, success},
		{"edge 503 while waking", blaxeltest.EdgeError(503), 1, success},
		{"edge 502 after the command started", blaxeltest.EdgeError(502).Committed(), 1, success},
		{"disconnect, the command started", blaxeltest.Disconnect().Committed(), 1, success},
		{"the answer dropped after 40 bytes", blaxeltest.DropAfter(40), 1, success},
		{"a 200 whose stream carries an error", blaxeltest.StreamError("cannot start: out of memory"), 0, streamError("out of memory")},
		{"the sandbox's 500", blaxeltest.Status(500), 0, sandboxStatus(500)},
	} {
		for _, mode := range []string{"Exec", "Run"} {
			t.Run(mode+"/"+f.name, func(t *testing.T) {
				srv, sb := fakeSandbox(t)
				srv.Inject("POST /process", 1, f.fault)
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				command := "echo once " + mode
				var err error
				if mode == "Exec" {
					_, err = sb.Exec(ctx, sandbox.Command{Command: command})
				} else {
					var res *sandbox.RunResult
					res, err = sb.Run(ctx, command)
					if err == nil && string(res.Stdout) != "once "+mode+"\n" {
						t.Errorf("stdout %q", res.Stdout)
					}
				}
				audit.err(err)
				audit.add("sandbox-fake-cells", 1)
				n := srv.CommandStarts("ws-reliability", "sb", command)
				if n > 1 {
					audit.add("sandbox-exec-twice", 1)
				}
				if n != f.starts {
					t.Errorf("the command started %d times, want %d", n, f.starts)
				}
				if msg := f.err(err); msg != "" {
					t.Error(msg)
					return
				}
				if n == f.starts {
					audit.add("sandbox-fake-cells-ok", 1)
				}
			})
		}
	}
}
