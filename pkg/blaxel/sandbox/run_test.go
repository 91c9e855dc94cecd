package sandbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"hash"
	"hash/crc32"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
)

// execEvents writes an NDJSON exec stream: each event on its own line, flushed.
func execEvents(w http.ResponseWriter, events ...map[string]any) {
	w.Header().Set("Content-Type", "application/x-ndjson")
	enc := json.NewEncoder(w)
	for _, ev := range events {
		_ = enc.Encode(ev)
		http.NewResponseController(w).Flush()
	}
}

func resultEvent(t *testing.T, name string, exitCode int, stdout string) map[string]any {
	t.Helper()
	p := processJSON(name, "completed", exitCode)
	if exitCode != 0 {
		p["status"] = "failed"
	}
	p["stdout"] = stdout
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]any{"type": "result", "data": string(b)}
}

func TestRunStreamsOutputOfAnyLengthWithoutKeepalives(t *testing.T) {
	sbx, sb, _ := sandboxSetup(t)
	long := strings.Repeat("x", 300<<10) // one chunk far above a scanner's 64 KiB
	sbx.HandleFunc("POST /process", func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
			t.Errorf("Accept = %q", r.Header.Get("Accept"))
		}
		var body struct{ Name string }
		_ = json.NewDecoder(r.Body).Decode(&body)
		execEvents(w,
			map[string]any{"type": "keepalive"},
			map[string]any{"type": "stdout", "data": "hello "},
			map[string]any{"type": "stdout", "data": "[keepalive]\n"},
			map[string]any{"type": "stderr", "data": "warn\n"},
			map[string]any{"type": "stdout", "data": long + "\n"},
			resultEvent(t, body.Name, 3, "[... truncated, see the process log file for the full output ...]\nxxxx\n"),
		)
	})
	res, err := sb.Run(context.Background(), "print-a-lot")
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 3 || string(res.Stdout) != "hello "+long+"\n" || string(res.Stderr) != "warn\n" {
		t.Errorf("exit %d, stdout %d bytes (%q...), stderr %q", res.ExitCode, len(res.Stdout), res.Stdout[:min(20, len(res.Stdout))], res.Stderr)
	}
}

func TestRunWritesToTheCallersWriters(t *testing.T) {
	sbx, sb, _ := sandboxSetup(t)
	sbx.HandleFunc("POST /process", func(w http.ResponseWriter, r *http.Request) {
		execEvents(w, map[string]any{"type": "stdout", "data": "a"}, map[string]any{"type": "stdout", "data": "b\n"},
			resultEvent(t, "x", 0, "ab\n"))
	})
	var out bytes.Buffer
	res, err := sb.Run(context.Background(), "echo ab", sandbox.WithStdout(&out), sandbox.WithProcessName("x"))
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != "ab\n" || res.Stdout != nil {
		t.Errorf("writer got %q, result kept %q", out.String(), res.Stdout)
	}
}

func TestRunErrorEventIsAnError(t *testing.T) {
	sbx, sb, _ := sandboxSetup(t)
	sbx.HandleFunc("POST /process", func(w http.ResponseWriter, r *http.Request) {
		execEvents(w, map[string]any{"type": "error", "data": "fork/exec /bin/sh: no such file or directory"})
	})
	_, err := sb.Run(context.Background(), "true")
	var streamErr *blaxel.StreamError
	if !errors.As(err, &streamErr) || !strings.Contains(streamErr.Message, "no such file") {
		t.Fatalf("err = %v, want a *StreamError with the sandbox's message", err)
	}
}

func TestRunFallsBackToPollingWhenTheStreamBreaks(t *testing.T) {
	sbx, sb, _ := sandboxSetup(t)
	var starts, polls atomic.Int32
	sbx.HandleFunc("POST /process", func(w http.ResponseWriter, r *http.Request) {
		starts.Add(1)
		execEvents(w, map[string]any{"type": "stdout", "data": "part one, "})
		resetConnection(t, w) // no result event
	})
	sbx.HandleFunc("GET /process/{name}", func(w http.ResponseWriter, r *http.Request) {
		status := "running"
		if polls.Add(1) > 2 {
			status = "completed"
		}
		writeJSON(w, http.StatusOK, processJSON(r.PathValue("name"), status, 0))
	})
	sbx.HandleFunc("GET /process/{name}/logs", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"stdout": "part one, part two\n", "stderr": "", "logs": "part one, part two\n"})
	})
	var out bytes.Buffer
	res, err := sb.Run(context.Background(), "slow", sandbox.WithStdout(&out))
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != "part one, part two\n" || res.ExitCode != 0 || starts.Load() != 1 {
		t.Errorf("output %q, exit %d, %d starts", out.String(), res.ExitCode, starts.Load())
	}
}

func TestRunOfAVeryFastCommandKeepsItsNewlines(t *testing.T) {
	sbx, sb, _ := sandboxSetup(t)
	sbx.HandleFunc("POST /process", func(w http.ResponseWriter, r *http.Request) {
		// Nothing was streamed before the end: the sandbox resends the lines without "\n".
		execEvents(w, map[string]any{"type": "stdout", "data": "one"}, map[string]any{"type": "stdout", "data": "two"},
			resultEvent(t, "x", 0, "one\ntwo\n"))
	})
	res, err := sb.Run(context.Background(), "printf 'one\\ntwo\\n'")
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Stdout) != "one\ntwo\n" {
		t.Errorf("stdout = %q", res.Stdout)
	}
}

// An output event of many megabytes (the sandbox replays a long line as one event) goes to the
// caller's writer in pieces, without being held whole, decoded whole, then copied.
func TestRunWritesAHugeOutputEventWithoutHoldingIt(t *testing.T) {
	sbx, sb, _ := sandboxSetup(t)
	data := strings.Repeat(`tab	quote" backslash\ é😀 `, 600_000) + "\n" // 16 MiB
	encoded, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	// As the sandbox writes its events, type first; a short one is read whole (and this one
	// dropped), the long one decoded as it comes.
	var body bytes.Buffer
	body.WriteString(`{"type":"stdout","data":"[keepalive]\n"}` + "\n")
	body.WriteString(`{"type":"stdout","data":` + string(encoded) + "}\n")
	body.WriteString(`{"type":"stderr","data":"a warning\n"}` + "\n")
	sbx.HandleFunc("POST /process", func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Name string }
		_ = json.NewDecoder(r.Body).Decode(&req)
		result, _ := json.Marshal(resultEvent(t, req.Name, 0, "")["data"])
		w.Header().Set("Content-Type", "application/x-ndjson")
		_, _ = w.Write(body.Bytes())
		_, _ = w.Write([]byte(`{"type":"result","data":` + string(result) + "}\n"))
	})
	out := countingWriter{crc: crc32.NewIEEE()}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	res, err := sb.Run(context.Background(), "cat big", sandbox.WithStdout(&out))
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if want := crc32.ChecksumIEEE([]byte(data)); out.n != len(data) || out.crc.Sum32() != want {
		t.Errorf("stdout: %d bytes (CRC %x), want %d (%x)", out.n, out.crc.Sum32(), len(data), want)
	}
	if string(res.Stderr) != "a warning\n" {
		t.Errorf("stderr %q", res.Stderr)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Errorf("Run allocated %d MiB for a 16 MiB output event sent to a writer, want at most 4", alloc>>20)
	}
}

// countingWriter counts and checksums what it is given, keeping nothing.
type countingWriter struct {
	n   int
	crc hash.Hash32
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += len(p)
	return w.crc.Write(p)
}
