package sandbox_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
)

// collectLogs reads the whole iteration, joining each stream's bytes.
func collectLogs(t *testing.T, sb *sandbox.Sandbox, name string) (stdout, stderr string, chunks int, err error) {
	t.Helper()
	var out, errs bytes.Buffer
	for chunk, e := range sb.Logs(context.Background(), name) {
		if e != nil {
			return out.String(), errs.String(), chunks, e
		}
		chunks++
		switch chunk.Stream {
		case sandbox.LogStdout:
			out.Write(chunk.Data)
		case sandbox.LogStderr:
			errs.Write(chunk.Data)
		default:
			t.Errorf("a chunk of no stream: %q", chunk.Data)
		}
	}
	return out.String(), errs.String(), chunks, nil
}

func TestLogsReconnectWithoutYieldingAByteTwice(t *testing.T) {
	sbx, sb, _ := sandboxSetup(t)
	var connections atomic.Int32
	// The whole log as every connection replays it, one label per line.
	replay := "stdout:first line\nstderr:oops\nstdout:second line is longer\nstdout:third\n"
	sbx.HandleFunc("GET /process/{name}/logs/stream", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		switch connections.Add(1) {
		case 1:
			// Live: one label for a burst of lines, then the connection drops in mid-line.
			io.WriteString(w, "stdout:first line\n[keepalive]\nstderr:oops\nstdout:second li")
			http.NewResponseController(w).Flush()
			resetConnection(t, w)
		case 2:
			io.WriteString(w, replay[:len(replay)-len("third\n")]) // drops at a line's start
			http.NewResponseController(w).Flush()
			resetConnection(t, w)
		default:
			io.WriteString(w, replay)
		}
	})
	sbx.HandleFunc("GET /process/{name}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, processJSON(r.PathValue("name"), "completed", 0))
	})
	stdout, stderr, _, err := collectLogs(t, sb, "build")
	if err != nil {
		t.Fatal(err)
	}
	if stdout != "first line\nsecond line is longer\nthird\n" || stderr != "oops\n" {
		t.Errorf("stdout %q, stderr %q", stdout, stderr)
	}
	if connections.Load() != 3 {
		t.Errorf("%d connections, want 3", connections.Load())
	}
}

func TestLogsGiveUnlabelledLinesTheStreamBeforeThem(t *testing.T) {
	sbx, sb, _ := sandboxSetup(t)
	sbx.HandleFunc("GET /process/{name}/logs/stream", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "stderr:e1\ne2\nstdout:o1\no2\n")
	})
	sbx.HandleFunc("GET /process/{name}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, processJSON("p", "completed", 0))
	})
	stdout, stderr, _, err := collectLogs(t, sb, "p")
	if err != nil || stdout != "o1\no2\n" || stderr != "e1\ne2\n" {
		t.Errorf("stdout %q, stderr %q, err %v", stdout, stderr, err)
	}
}

func TestLogsLongLinesComeWhole(t *testing.T) {
	sbx, sb, _ := sandboxSetup(t)
	line := strings.Repeat("y", 8<<20)
	sbx.HandleFunc("GET /process/{name}/logs/stream", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "stdout:"+line+"\nstdout:"+line) // the last one without its newline
	})
	sbx.HandleFunc("GET /process/{name}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, processJSON("p", "completed", 0))
	})
	stdout, _, chunks, err := collectLogs(t, sb, "p")
	if err != nil {
		t.Fatal(err)
	}
	if stdout != line+"\n"+line {
		t.Errorf("stdout has %d bytes, want %d", len(stdout), 2*len(line)+1)
	}
	if chunks < 2*(8<<20)/(64<<10) {
		t.Errorf("%d chunks: a long line should come in pieces of the read buffer, not held whole", chunks)
	}
}

func TestLogsOfAnUnknownProcessIsAnError(t *testing.T) {
	sbx, sb, _ := sandboxSetup(t)
	sbx.HandleFunc("GET /process/{name}/logs/stream", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, `{"error":"process with Identifier nope not found"}`) // inside a 200
	})
	_, _, _, err := collectLogs(t, sb, "nope")
	var streamErr *blaxel.StreamError
	if !errors.As(err, &streamErr) || !strings.Contains(streamErr.Message, "not found") {
		t.Fatalf("err = %v, want a *StreamError", err)
	}
}

func TestLogsFollowARestartedProcess(t *testing.T) {
	sbx, sb, _ := sandboxSetup(t)
	var connections atomic.Int32
	sbx.HandleFunc("GET /process/{name}/logs/stream", func(w http.ResponseWriter, r *http.Request) {
		if connections.Add(1) == 1 {
			io.WriteString(w, "stdout:run 1\n") // ends at the first failure
			return
		}
		io.WriteString(w, "stdout:run 1\nstdout:run 2\n")
	})
	sbx.HandleFunc("GET /process/{name}", func(w http.ResponseWriter, r *http.Request) {
		status := "running"
		if connections.Load() > 1 {
			status = "completed"
		}
		writeJSON(w, http.StatusOK, processJSON("p", status, 0))
	})
	stdout, _, _, err := collectLogs(t, sb, "p")
	if err != nil || stdout != "run 1\nrun 2\n" {
		t.Errorf("stdout %q, err %v", stdout, err)
	}
}

func TestLogsLabelsInsideALongLineAreNotOutput(t *testing.T) {
	sbx, sb, _ := sandboxSetup(t)
	full := strings.Repeat("a", 4096) // one full read of the sandbox: the next read has its own label
	sbx.HandleFunc("GET /process/{name}/logs/stream", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "stdout:"+full+"stderr:"+full+"stdout:tail\n")
	})
	sbx.HandleFunc("GET /process/{name}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, processJSON("p", "completed", 0))
	})
	stdout, stderr, _, err := collectLogs(t, sb, "p")
	if err != nil {
		t.Fatal(err)
	}
	if stdout != full+"tail\n" || stderr != full {
		t.Errorf("stdout %d bytes (%q...), stderr %d bytes", len(stdout), stdout[max(0, len(stdout)-40):], len(stderr))
	}
}

// A stream that keeps ending with nothing new while the process runs is reconnected after a
// pause, as a broken one is, and given up in the end: never a loop of connections at once.
func TestLogsThatEndWithNothingNewAreRetriedWithinTheBudget(t *testing.T) {
	sbx, sb, _ := sandboxSetup(t)
	var connections atomic.Int32
	sbx.HandleFunc("GET /process/{name}/logs/stream", func(w http.ResponseWriter, r *http.Request) {
		connections.Add(1)
		io.WriteString(w, "stdout:the only line\n") // then the stream ends, every time
	})
	sbx.HandleFunc("GET /process/{name}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, processJSON("p", "running", 0))
	})
	stdout, _, _, err := collectLogs(t, sb, "p")
	if err == nil {
		t.Fatal("no error from a stream that never moves on")
	}
	if stdout != "the only line\n" {
		t.Errorf("stdout %q", stdout)
	}
	// The first connection, then one per retry of fastRetries (3), and one that brings the
	// fourth failure.
	if n := connections.Load(); n != 5 {
		t.Errorf("%d connections, want 5", n)
	}
}

// Following a log allocates a bounded amount whatever its size: the chunks share one buffer.
func TestLogsAllocateLittleWhateverTheirSize(t *testing.T) {
	sbx, sb, _ := sandboxSetup(t)
	line := "stdout:" + strings.Repeat("z", 1<<20) + "\n"
	body := []byte(strings.Repeat(line, 32)) // 32 MiB, built once
	sbx.HandleFunc("GET /process/{name}/logs/stream", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write(body)
	})
	sbx.HandleFunc("GET /process/{name}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, processJSON("p", "completed", 0))
	})
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var n int
	for chunk, err := range sb.Logs(context.Background(), "p") {
		if err != nil {
			t.Fatal(err)
		}
		n += len(chunk.Data)
	}
	runtime.ReadMemStats(&after)
	if want := 32 * (1<<20 + 1); n != want {
		t.Fatalf("read %d bytes, want %d", n, want)
	}
	// The server's side of the test shares the process: its writes allocate a little too.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Errorf("following 32 MiB of log allocated %d bytes, want at most 4 MiB", alloc)
	}
}
