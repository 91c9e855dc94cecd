package sandbox_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
)

// The sandbox labels each read of a process's output (up to 4 KiB) rather than each line, so
// a label also comes in the middle of a line, wherever a read ended; and it writes its
// notices of a stop or a kill, unlabelled, into the live stream.
func TestLogsReadLabelsInMidLineAndDropTheSandboxsNotices(t *testing.T) {
	sbx, sb, _ := sandboxSetup(t)
	sbx.HandleFunc("GET /process/{name}/logs/stream", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		for _, read := range []string{
			"stdout:abc", "stdout:def\n", // a line printed in two writes
			"stderr:err", "stdout:out\n", "stderr:or\n", // the streams interleaved within lines
			"stdout:stdout: says the program\n", // a label's text in the output itself
			"stdout:half", "\n[Process is being gracefully terminated]\n",
			"stdout:last\n", "\n[Process is being forcefully killed]\n",
		} {
			io.WriteString(w, read)
			http.NewResponseController(w).Flush()
		}
	})
	sbx.HandleFunc("GET /process/{name}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, processJSON(r.PathValue("name"), "killed", 137))
	})
	stdout, stderr, _, err := collectLogs(t, sb, "job")
	if err != nil {
		t.Fatal(err)
	}
	if want := "abcdef\nout\nstdout: says the program\nhalf\nlast\n"; stdout != want {
		t.Errorf("stdout %q, want %q", stdout, want)
	}
	if want := "error\n"; stderr != want {
		t.Errorf("stderr %q, want %q", stderr, want)
	}
}

func TestRunDropsTheSandboxsStopAndKillNotices(t *testing.T) {
	sbx, sb, _ := sandboxSetup(t)
	sbx.HandleFunc("POST /process", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-ndjson")
		enc := json.NewEncoder(w)
		for _, data := range []string{"working\n", "\n[Process is being gracefully terminated]\n", "\n[Process is being forcefully killed]\n"} {
			enc.Encode(map[string]string{"type": "stdout", "data": data})
		}
		final := processJSON("job", "killed", 137)
		final["stdout"] = "working\n"
		b, _ := json.Marshal(final)
		enc.Encode(map[string]string{"type": "result", "data": string(b)})
	})
	res, err := sb.Run(t.Context(), "work")
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Stdout) != "working\n" {
		t.Errorf("stdout %q", res.Stdout)
	}
	var live strings.Builder
	if _, err := sb.Run(t.Context(), "work", sandbox.WithStdout(&live)); err != nil {
		t.Fatal(err)
	}
	if live.String() != "working\n" {
		t.Errorf("stdout through WithStdout %q", live.String())
	}
}
