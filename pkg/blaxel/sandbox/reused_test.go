package sandbox_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
)

// finishedProcess is a process the sandbox ran earlier under the same name.
func finishedProcess(name, command string, started time.Time) map[string]any {
	p := processJSON(name, "completed", 3)
	p["command"], p["startedAt"], p["stdout"], p["logs"] = command, started.UTC().Format(http.TimeFormat), "old output\n", "old output\n"
	return p
}

func TestAmbiguousStartDoesNotReportAnEarlierProcessOfTheSameName(t *testing.T) {
	for _, tc := range []struct {
		name    string
		command string
		started time.Time
	}{
		{"another command", "echo old", time.Now()},
		{"the same command, started before", "echo new", time.Now().Add(-time.Hour)},
	} {
		for _, call := range []string{"Exec", "Run"} {
			t.Run(tc.name+" "+call, func(t *testing.T) {
				sbx, sb, _ := sandboxSetup(t)
				var starts startRecorder
				sbx.HandleFunc("POST /process", func(w http.ResponseWriter, r *http.Request) {
					starts.add(t, r)
					w.WriteHeader(http.StatusGatewayTimeout) // the edge gave up; the sandbox never saw it
				})
				sbx.HandleFunc("GET /process/{name}", func(w http.ResponseWriter, r *http.Request) {
					writeJSON(w, http.StatusOK, finishedProcess(r.PathValue("name"), tc.command, tc.started))
				})
				ctx := context.Background()
				var err error
				switch call {
				case "Exec":
					var proc any
					proc, err = sb.Exec(ctx, sandbox.Command{Command: "echo new", Name: "job"})
					if err == nil {
						t.Fatalf("Exec reported %+v, the earlier process of the name", proc)
					}
				case "Run":
					var res *sandbox.RunResult
					res, err = sb.Run(ctx, "echo new", sandbox.WithProcessName("job"))
					if err == nil {
						t.Fatalf("Run reported exit %d and %q, the earlier process's", res.ExitCode, res.Stdout)
					}
				}
				if !errors.Is(err, sandbox.ErrOutcomeUnknown) || !strings.Contains(err.Error(), `"job"`) {
					t.Errorf("err = %v, want ErrOutcomeUnknown naming the process", err)
				}
				if n := starts.count(); n != 1 {
					t.Errorf("StartProcess sent %d times", n)
				}
			})
		}
	}
}

func TestAmbiguousStartCountsTheProcessItStarted(t *testing.T) {
	// The sandbox's clock may be off this machine's: its Date says by how much.
	for _, skew := range []time.Duration{0, -10 * time.Minute, 10 * time.Minute} {
		t.Run(skew.String(), func(t *testing.T) {
			sbx, sb, _ := sandboxSetup(t)
			var starts startRecorder
			var started time.Time
			sbx.HandleFunc("POST /process", func(w http.ResponseWriter, r *http.Request) {
				starts.add(t, r)
				started = time.Now().Add(skew)
				w.WriteHeader(http.StatusGatewayTimeout) // it started, but its answer was lost
			})
			sbx.HandleFunc("GET /process/{name}", func(w http.ResponseWriter, r *http.Request) {
				p := finishedProcess(r.PathValue("name"), "echo new", started)
				p["status"] = "running"
				w.Header().Set("Date", time.Now().Add(skew).UTC().Format(http.TimeFormat))
				writeJSON(w, http.StatusOK, p)
			})
			proc, err := sb.Exec(context.Background(), sandbox.Command{Command: "echo new", Name: "job"})
			if err != nil || proc.Name != "job" || starts.count() != 1 {
				t.Fatalf("Exec = %+v, %v after %d starts", proc, err, starts.count())
			}
		})
	}
}
