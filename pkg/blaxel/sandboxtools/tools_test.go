package sandboxtools_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxel/sandboxtools"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

func TestToolsOfASandbox(t *testing.T) {
	_, _, session := connect(t)
	want := []string{"find_files", "list_directory", "read_file", "run_command", "search_text", "write_file"}
	if got := toolNames(t, session); !slices.Equal(got, want) {
		t.Errorf("tools %v, want %v", got, want)
	}
	_, _, readOnly := connect(t, sandboxtools.WithReadOnly())
	if got := toolNames(t, readOnly); !slices.Equal(got, []string{"find_files", "list_directory", "read_file", "search_text"}) {
		t.Errorf("read-only tools %v", got)
	}
}

type runOut struct {
	Process       string `json:"process"`
	ExitCode      int    `json:"exit_code"`
	Stdout        string `json:"stdout"`
	Stderr        string `json:"stderr"`
	StdoutOmitted int64  `json:"stdout_omitted"`
	StderrOmitted int64  `json:"stderr_omitted"`
}

func TestRunCommand(t *testing.T) {
	srv, sb, session := connect(t, sandboxtools.WithRoot("/app"))
	if err := sb.MkdirAll(t.Context(), "/app/src", 0); err != nil {
		t.Fatal(err)
	}
	srv.HandleCommand("where", func(_ context.Context, p *blaxeltest.Process) int {
		fmt.Fprintf(p.Stdout, "%s %s\n", p.WorkingDir, p.Env["GREETING"])
		fmt.Fprint(p.Stderr, "a warning\n")
		return 3
	})
	out := call[runOut](t, session, "run_command", map[string]any{"command": "where", "env": map[string]any{"GREETING": "hi"}})
	if out.ExitCode != 3 || out.Stdout != "/app hi\n" || out.Stderr != "a warning\n" || out.Process == "" {
		t.Errorf("answered %+v", out)
	}
	out = call[runOut](t, session, "run_command", map[string]any{"command": "where", "working_dir": "src"})
	if out.Stdout != "/app/src \n" {
		t.Errorf("in src: stdout %q", out.Stdout)
	}
	if n := srv.CommandStarts("ws", "box", "where"); n != 2 {
		t.Errorf("where started %d times, want once per call", n)
	}
	callFails(t, session, "run_command", map[string]any{"command": "where", "working_dir": "/etc"})
	callFails(t, session, "run_command", map[string]any{"command": ""})
	if n := srv.CommandStarts("ws", "box", "where"); n != 2 {
		t.Errorf("where started %d times after refused calls", n)
	}
}

// The edge gives up on the start of the command, which the sandbox runs anyway: the tool
// finds the process by its name rather than starting the command again.
func TestRunCommandNeverStartsACommandTwice(t *testing.T) {
	srv, _, session := connect(t)
	srv.Inject("POST /process", 1, blaxeltest.EdgeTimeout().Committed())
	out := call[runOut](t, session, "run_command", map[string]any{"command": "echo once"})
	if out.ExitCode != 0 || out.Stdout != "once\n" {
		t.Errorf("answered %+v", out)
	}
	if n := srv.CommandStarts("ws", "box", "echo once"); n != 1 {
		t.Errorf("the command started %d times", n)
	}
}

func TestRunCommandKeepsTheBeginningAndTheEndOfLongOutput(t *testing.T) {
	srv, _, session := connect(t, sandboxtools.WithMaxOutput(20))
	srv.HandleCommand("chatty", func(_ context.Context, p *blaxeltest.Process) int {
		fmt.Fprint(p.Stdout, "BEGIN-"+strings.Repeat(".", 10000)+"-END")
		return 0
	})
	out := call[runOut](t, session, "run_command", map[string]any{"command": "chatty"})
	if !strings.HasPrefix(out.Stdout, "BEGIN-....") || !strings.HasSuffix(out.Stdout, "......-END") ||
		out.StdoutOmitted != 10010-20 || !strings.Contains(out.Stdout, "9990 bytes left out") {
		t.Errorf("stdout %q, %d omitted", out.Stdout, out.StdoutOmitted)
	}
}

func TestRunCommandKillsACommandPastItsTimeout(t *testing.T) {
	srv, sb, session := connect(t, sandboxtools.WithCommandTimeout(100*time.Millisecond))
	srv.HandleCommand("forever", func(ctx context.Context, _ *blaxeltest.Process) int {
		<-ctx.Done() // until killed
		return 137
	})
	msg := callFails(t, session, "run_command", map[string]any{"command": "forever"})
	if !strings.Contains(msg, "ran longer than 100ms") {
		t.Errorf("error %q", msg)
	}
	procs, err := sb.Processes(t.Context())
	if err != nil || len(procs) != 1 {
		t.Fatalf("processes %v, %v", procs, err)
	}
	if p, err := sb.Wait(t.Context(), procs[0].Name); err != nil || p.Status != "killed" {
		t.Errorf("the process is %+v (%v), want killed", p, err)
	}
}

type readOut struct {
	Path       string `json:"path"`
	Content    string `json:"content"`
	Encoding   string `json:"encoding"`
	Offset     int64  `json:"offset"`
	Bytes      int    `json:"bytes"`
	NextOffset *int64 `json:"next_offset"`
}

func TestWriteAndReadFiles(t *testing.T) {
	_, sb, session := connect(t, sandboxtools.WithRoot("/app"), sandboxtools.WithMaxRead(8))
	w := call[struct{ Path string }](t, session, "write_file", map[string]any{"path": "notes/a.txt", "content": "héllo, sandbox"})
	if w.Path != "/app/notes/a.txt" {
		t.Errorf("wrote %q", w.Path)
	}
	if data, err := sb.ReadFile(t.Context(), "/app/notes/a.txt"); err != nil || string(data) != "héllo, sandbox" {
		t.Fatalf("the sandbox holds %q, %v", data, err)
	}

	// Read in bounded parts, never cutting a character in two.
	var got strings.Builder
	offset := int64(0)
	for range 10 {
		r := call[readOut](t, session, "read_file", map[string]any{"path": "/app/notes/a.txt", "offset": offset, "max_bytes": 2})
		if r.Encoding != "text" || r.Bytes > 2 || r.Offset != offset {
			t.Fatalf("read %+v", r)
		}
		got.WriteString(r.Content)
		if r.NextOffset == nil {
			break
		}
		offset = *r.NextOffset
	}
	if got.String() != "héllo, sandbox" {
		t.Errorf("read %q", got.String())
	}
	r := call[readOut](t, session, "read_file", map[string]any{"path": "notes/a.txt"})
	if r.Content != "héllo, " || r.Bytes != 8 || r.NextOffset == nil || *r.NextOffset != 8 {
		t.Errorf("a read past the tools' bound answered %+v", r)
	}

	binary := []byte{0xff, 0x00, 0xfe, 'x'}
	call[struct{}](t, session, "write_file", map[string]any{"path": "bin", "content": base64.StdEncoding.EncodeToString(binary), "encoding": "base64", "mode": "0600"})
	r = call[readOut](t, session, "read_file", map[string]any{"path": "bin"})
	if r.Encoding != "base64" || r.Content != base64.StdEncoding.EncodeToString(binary) || r.NextOffset != nil {
		t.Errorf("binary read %+v", r)
	}
	if info, err := sb.Stat(t.Context(), "/app/bin"); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, %v", info, err)
	}

	if msg := callFails(t, session, "read_file", map[string]any{"path": "missing.txt"}); !strings.Contains(msg, "missing.txt") {
		t.Errorf("missing file: %q", msg)
	}
	callFails(t, session, "write_file", map[string]any{"path": "x", "content": "!", "encoding": "base64"})
	callFails(t, session, "write_file", map[string]any{"path": "x", "content": "a", "mode": "rwx"})
}

// A path outside the root is refused before anything is sent.
func TestPathsOutsideTheRootAreRefused(t *testing.T) {
	srv, _, session := connect(t, sandboxtools.WithRoot("/app"))
	before := len(srv.Requests())
	for tool, args := range map[string]map[string]any{
		"read_file":      {"path": "../etc/passwd"},
		"write_file":     {"path": "/etc/passwd", "content": "x"},
		"list_directory": {"path": "/"},
		"search_text":    {"path": "/app/../root", "query": "x"},
		"find_files":     {"path": "/application", "patterns": []string{"*"}},
	} {
		if msg := callFails(t, session, tool, args); !strings.Contains(msg, "outside /app") {
			t.Errorf("%s: %q", tool, msg)
		}
	}
	callFails(t, session, "read_file", map[string]any{"path": "a\x00b"})
	if after := len(srv.Requests()); after != before {
		t.Errorf("%d requests sent for refused paths", after-before)
	}
}

type listOut struct {
	Path    string `json:"path"`
	Entries []struct {
		Name, Type string
		Size       int64
	} `json:"entries"`
	Truncated bool `json:"truncated"`
}

func TestListDirectory(t *testing.T) {
	_, sb, session := connect(t, sandboxtools.WithMaxEntries(2))
	for _, name := range []string{"/w/b.txt", "/w/a.txt", "/w/sub/c.txt"} {
		if err := sb.WriteFile(t.Context(), name, strings.NewReader("abc"), 0); err != nil {
			t.Fatal(err)
		}
	}
	out := call[listOut](t, session, "list_directory", map[string]any{"path": "w"})
	if out.Path != "/w" || len(out.Entries) != 2 || !out.Truncated ||
		out.Entries[0].Name != "a.txt" || out.Entries[0].Type != "file" || out.Entries[0].Size != 3 || out.Entries[1].Name != "b.txt" {
		t.Errorf("listed %+v", out)
	}
	out = call[listOut](t, session, "list_directory", map[string]any{"path": "/w/sub"})
	if len(out.Entries) != 1 || out.Truncated {
		t.Errorf("listed %+v", out)
	}
	callFails(t, session, "list_directory", map[string]any{"path": "/nowhere"})
	callFails(t, session, "list_directory", map[string]any{"path": "/w/a.txt"})
	callFails(t, session, "read_file", map[string]any{"path": "/w"})
}

func TestSearchTextAndFindFiles(t *testing.T) {
	_, sb, session := connect(t)
	files := map[string]string{
		"/src/main.go":   "package main\n// TODO: greet\nfunc main() {}\n",
		"/src/util.go":   "package main\n// todo: more\n",
		"/src/README.md": "nothing to do here\n",
	}
	for name, content := range files {
		if err := sb.WriteFile(t.Context(), name, strings.NewReader(content), 0); err != nil {
			t.Fatal(err)
		}
	}
	type match struct {
		Path string
		Line int
		Text string
	}
	grep := call[struct {
		Matches []match
		Total   int
	}](t, session, "search_text", map[string]any{"path": "/src", "query": "todo", "file_pattern": "*.go"})
	if grep.Total != 2 || len(grep.Matches) != 2 {
		t.Fatalf("search answered %+v", grep)
	}
	for _, m := range grep.Matches {
		if !strings.HasSuffix(m.Path, ".go") || m.Line != 2 || !strings.Contains(strings.ToLower(m.Text), "todo") {
			t.Errorf("match %+v", m)
		}
	}
	exact := call[struct{ Total int }](t, session, "search_text", map[string]any{"path": "/src", "query": "TODO", "case_sensitive": true})
	if exact.Total != 1 {
		t.Errorf("case-sensitive search found %d", exact.Total)
	}
	callFails(t, session, "search_text", map[string]any{"query": ""})

	found := call[struct {
		Matches []struct{ Path, Type string }
		Total   int
	}](t, session, "find_files", map[string]any{"path": "/src", "patterns": []string{"*.go"}, "max_results": 1})
	if len(found.Matches) != 1 || !strings.HasSuffix(found.Matches[0].Path, ".go") || found.Matches[0].Type != "file" {
		t.Errorf("find answered %+v", found)
	}
	callFails(t, session, "find_files", map[string]any{"patterns": []string{"a,b"}})
	callFails(t, session, "find_files", map[string]any{"patterns": []string{"*"}, "type": "socket"})
}

func TestOptionsRefuseUnusableValues(t *testing.T) {
	_, sb, _ := connect(t)
	for name, opt := range map[string]sandboxtools.Option{
		"relative root": sandboxtools.WithRoot("app"),
		"zero read":     sandboxtools.WithMaxRead(0),
		"zero output":   sandboxtools.WithMaxOutput(-1),
		"zero entries":  sandboxtools.WithMaxEntries(0),
		"zero timeout":  sandboxtools.WithCommandTimeout(0),
	} {
		if _, err := sandboxtools.NewServer(sb, opt); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := sandboxtools.NewServer(sb, nil); err != nil {
		t.Errorf("a nil option: %v", err)
	}
	if _, err := sandboxtools.NewTransport(nil); err == nil {
		t.Error("a nil sandbox gave a transport")
	}
	var zero sandboxtools.Transport
	if _, err := zero.Connect(t.Context()); err == nil {
		t.Error("the zero Transport connected")
	}
}
