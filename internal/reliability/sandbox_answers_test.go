package reliability

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
)

// dedicatedSandbox serves the sandbox "sb" at /sbx of a dedicated server, its API being mux,
// and returns a handle on it through the suite's audited client.
func dedicatedSandbox(t *testing.T, mux *http.ServeMux) *sandbox.Sandbox {
	t.Helper()
	var s *server
	s = newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/v0/sandboxes/sb" {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"metadata":{"name":"sb","url":%q},"spec":{},"status":"DEPLOYED"}`, s.URL+"/sbx")
			return
		}
		http.StripPrefix("/sbx", mux).ServeHTTP(w, r)
	})
	c, _ := newClient(t, s.base(), withAPIKey())
	sb, err := sandbox.Open(context.Background(), c, "sb")
	if err != nil {
		t.Fatal(err)
	}
	return sb
}

func answerJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// TestSandboxRangesThatLieAreRefused answers OpenRange with other bytes than asked, in every
// way a 206 can: each must be an error, never wrong bytes.
func TestSandboxRangesThatLieAreRefused(t *testing.T) {
	noLeaks(t)
	const file = "0123456789abcdefghijklmnopqrstuvwxyz"
	lies := map[string]func(w http.ResponseWriter){
		"other bytes":        func(w http.ResponseWriter) { partial(w, "bytes 0-5/36", file[:6]) },
		"more bytes":         func(w http.ResponseWriter) { partial(w, "bytes 10-35/36", file[10:]) },
		"longer body":        func(w http.ResponseWriter) { partial(w, "bytes 10-15/36", file[10:]) },
		"shorter body":       func(w http.ResponseWriter) { partial(w, "bytes 10-15/36", file[10:13]) },
		"no Content-Range":   func(w http.ResponseWriter) { partial(w, "", file[10:16]) },
		"unreadable range":   func(w http.ResponseWriter) { partial(w, "bytes ten-fifteen/36", file[10:16]) },
		"end past total":     func(w http.ResponseWriter) { partial(w, "bytes 10-15/12", file[10:16]) },
		"other unit":         func(w http.ResponseWriter) { partial(w, "lines 10-15/36", file[10:16]) },
		"starts after asked": func(w http.ResponseWriter) { partial(w, "bytes 11-15/36", file[11:16]) },
	}
	for name, lie := range lies {
		t.Run(name, func(t *testing.T) {
			mux := http.NewServeMux()
			mux.HandleFunc("GET /filesystem/{path...}", func(w http.ResponseWriter, r *http.Request) { lie(w) })
			sb := dedicatedSandbox(t, mux)
			audit.add("sandbox-range-lies", 1)
			rc, err := sb.OpenRange(context.Background(), "/f", 10, 6)
			var got []byte
			if err == nil {
				got, err = io.ReadAll(rc)
				rc.Close()
			}
			audit.err(err)
			if err == nil {
				t.Errorf("OpenRange read %q and no error", got)
				return
			}
			audit.add("sandbox-range-lies-refused", 1)
		})
	}
}

func partial(w http.ResponseWriter, contentRange, body string) {
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="f"`)
	if contentRange != "" {
		w.Header().Set("Content-Range", contentRange)
	}
	w.WriteHeader(http.StatusPartialContent)
	io.WriteString(w, body)
}

// TestSandboxListingsOfImpossibleNamesAreRefused lists entries that no directory can hold.
func TestSandboxListingsOfImpossibleNamesAreRefused(t *testing.T) {
	noLeaks(t)
	for _, bad := range []string{"", ".", "..", "/", "a/b", "a\x00b", "../../etc"} {
		mux := http.NewServeMux()
		mux.HandleFunc("GET /filesystem/tree/{path...}", func(w http.ResponseWriter, r *http.Request) {
			answerJSON(w, map[string]any{"name": "d", "path": "/d", "files": []any{},
				"subdirectories": []any{map[string]any{"name": bad, "path": "/d/" + bad}}})
		})
		sb := dedicatedSandbox(t, mux)
		audit.add("sandbox-dir-names", 1)
		entries, err := sb.ReadDir(context.Background(), "/d")
		audit.err(err)
		if err == nil {
			t.Errorf("ReadDir yielded %v for the name %q", entries, bad)
			continue
		}
		audit.add("sandbox-dir-names-refused", 1)
	}
}

// TestSandboxAmbiguousStartUnderAReusedName loses the answer to a start under a name an
// earlier, finished process had: its result must never be taken for the new command's.
func TestSandboxAmbiguousStartUnderAReusedName(t *testing.T) {
	noLeaks(t)
	for _, earlier := range []struct {
		command string
		started time.Time
	}{{"echo old", time.Now()}, {"echo new", time.Now().Add(-time.Hour)}} {
		for _, mode := range []string{"Exec", "Run"} {
			mux := http.NewServeMux()
			mux.HandleFunc("POST /process", func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusGatewayTimeout)
			})
			mux.HandleFunc("GET /process/{name}", func(w http.ResponseWriter, r *http.Request) {
				answerJSON(w, map[string]any{"pid": "7", "name": r.PathValue("name"), "command": earlier.command,
					"status": "completed", "exitCode": 3, "startedAt": earlier.started.UTC().Format(http.TimeFormat),
					"completedAt": "", "workingDir": "/", "logs": "old\n", "stdout": "old\n", "stderr": ""})
			})
			sb := dedicatedSandbox(t, mux)
			audit.add("sandbox-reused-names", 1)
			var err error
			if mode == "Exec" {
				_, err = sb.Exec(context.Background(), sandbox.Command{Command: "echo new", Name: "job"})
			} else {
				_, err = sb.Run(context.Background(), "echo new", sandbox.WithProcessName("job"))
			}
			audit.err(err)
			if !errors.Is(err, sandbox.ErrOutcomeUnknown) {
				audit.add("sandbox-reused-names-misread", 1)
				t.Errorf("%s after a lost start under a reused name: %v, want ErrOutcomeUnknown", mode, err)
			}
		}
	}
}

// TestSandboxNoticesAndLabelsInMidLine streams output as Blaxel's own sandbox server does: a
// label per read, wherever the read ended, and its notices of a stop and a kill.
func TestSandboxNoticesAndLabelsInMidLine(t *testing.T) {
	noLeaks(t)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /process/{name}/logs/stream", func(w http.ResponseWriter, r *http.Request) {
		for _, read := range []string{"stdout:ab", "stdout:c\n", "stdout:d", "\n[Process is being gracefully terminated]\n",
			"\n[Process is being forcefully killed]\n"} {
			io.WriteString(w, read)
			http.NewResponseController(w).Flush()
		}
	})
	mux.HandleFunc("GET /process/{name}", func(w http.ResponseWriter, r *http.Request) {
		answerJSON(w, map[string]any{"pid": "7", "name": "job", "command": "x", "status": "killed", "exitCode": -1,
			"startedAt": "", "completedAt": "", "workingDir": "/", "logs": "", "stdout": "", "stderr": ""})
	})
	mux.HandleFunc("POST /process", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-ndjson")
		enc := json.NewEncoder(w)
		for _, data := range []string{"abc\n", "\n[Process is being gracefully terminated]\n", "\n[Process is being forcefully killed]\n"} {
			_ = enc.Encode(map[string]string{"type": "stdout", "data": data})
		}
		_ = enc.Encode(map[string]string{"type": "result", "data": `{"name":"job","command":"x","status":"killed","exitCode":-1,"pid":"7","startedAt":"","workingDir":"/"}`})
	})
	sb := dedicatedSandbox(t, mux)
	var logs strings.Builder
	for chunk, err := range sb.Logs(context.Background(), "job") {
		if err != nil {
			t.Fatal(err)
		}
		logs.Write(chunk.Data)
	}
	var run strings.Builder
	_, err := sb.Run(context.Background(), "x", sandbox.WithStdout(&run))
	audit.err(err)
	if err != nil {
		t.Fatal(err)
	}
	// The "\n" before the stop's notice ends the line the process left unfinished.
	for _, c := range []struct{ name, got, want string }{{"Logs", logs.String(), "abc\nd\n"}, {"Run", run.String(), "abc\n"}} {
		audit.add("sandbox-notice-streams", 1)
		if c.got != c.want {
			audit.add("sandbox-notice-streams-wrong", 1)
			t.Errorf("%s: %q, want %q", c.name, c.got, c.want)
		}
	}
}
