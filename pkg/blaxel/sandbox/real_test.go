package sandbox_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/gen/sandboxapi"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
)

// The tests named TestReal run against Blaxel's own sandbox server (the process that answers
// inside every sandbox) when REAL_SANDBOX_URL gives its address, and REAL_SANDBOX_DIR a
// folder of its machine they may write in; they are skipped otherwise. The server must be
// reachable without a credential, as it is behind Blaxel's edge: any token does.

// realSandbox opens a handle on the server of REAL_SANDBOX_URL, and returns a folder to write in.
func realSandbox(t *testing.T) (*sandbox.Sandbox, string) {
	t.Helper()
	addr := os.Getenv("REAL_SANDBOX_URL")
	if addr == "" {
		t.Skip("REAL_SANDBOX_URL names no sandbox server")
	}
	sb, err := sandbox.OpenPreview(addr, "any-token", blaxel.WithInsecureHTTP())
	if err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv("REAL_SANDBOX_DIR")
	if dir == "" {
		dir = "/tmp"
	}
	dir = path.Join(dir, strings.ReplaceAll(t.Name(), "/", "_"))
	return sb, dir
}

// unique makes a process name no earlier run used: the server keeps the log a stream replays
// per name, across the processes of that name.
func unique(name string) string { return fmt.Sprintf("%s-%d", name, time.Now().UnixNano()) }

func realContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute) // guards a hang only
	t.Cleanup(cancel)
	return ctx
}

func TestRealRun(t *testing.T) {
	sb, _ := realSandbox(t)
	ctx := realContext(t)
	res, err := sb.Run(ctx, "echo hello; echo oops >&2; exit 3")
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 3 || string(res.Stdout) != "hello\n" || string(res.Stderr) != "oops\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", res.ExitCode, res.Stdout, res.Stderr)
	}
	// Partial lines, written apart: the live stream carries them as they come.
	var out, errs bytes.Buffer
	res, err = sb.Run(ctx, "printf abc; sleep 0.3; printf 'def\\n'; printf 'e1'; sleep 0.3; echo e2 >&2; echo done",
		sandbox.WithStdout(&out), sandbox.WithStderr(&errs))
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 0 || out.String() != "abcdef\ne1done\n" || errs.String() != "e2\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", res.ExitCode, out.String(), errs.String())
	}
}

func TestRealExecAndLogs(t *testing.T) {
	sb, _ := realSandbox(t)
	ctx := realContext(t)
	proc, err := sb.Exec(ctx, sandbox.Command{Command: "printf abc; sleep 0.5; printf 'def\\n'; printf 'x'; sleep 0.3; echo err >&2; sleep 0.3; echo y", Name: unique("logs-job")})
	if err != nil {
		t.Fatal(err)
	}
	var out, errs bytes.Buffer
	for chunk, err := range sb.Logs(ctx, proc.Name) {
		if err != nil {
			t.Fatal(err)
		}
		switch chunk.Stream {
		case sandbox.LogStderr:
			errs.Write(chunk.Data)
		default:
			out.Write(chunk.Data)
		}
	}
	// Attached while the line "abc" was unfinished, the stream replays it with a "\n" of the
	// sandbox's (its replay ends every line), then goes on live.
	if got := out.String(); got != "abcdef\nxy\n" && got != "abc\ndef\nxy\n" || errs.String() != "err\n" {
		t.Errorf("stdout %q, stderr %q", out.String(), errs.String())
	}
	// After the end, the whole log replays from the sandbox's record.
	out.Reset()
	errs.Reset()
	for chunk, err := range sb.Logs(ctx, proc.Name) {
		if err != nil {
			t.Fatal(err)
		}
		if chunk.Stream == sandbox.LogStderr {
			errs.Write(chunk.Data)
		} else {
			out.Write(chunk.Data)
		}
	}
	t.Logf("replayed: stdout %q, stderr %q", out.String(), errs.String())
	// The record holds "stdout:abcstdout:def": the label in mid-line is read as one.
	if out.String() != "abcdef\nxy\n" || errs.String() != "err\n" {
		t.Errorf("replayed: stdout %q, stderr %q", out.String(), errs.String())
	}
	// A process reused under its name: its earlier run is not taken for the new one.
	again, err := sb.Exec(ctx, sandbox.Command{Command: "echo second", Name: proc.Name})
	if err != nil {
		t.Fatal(err)
	}
	if again.Command != "echo second" {
		t.Errorf("the second start reports %q", again.Command)
	}
}

// A command that prints and then sleeps is stopped or killed while Logs and Run follow it:
// the sandbox's notice reaches neither.
func TestRealStopAndKillNotices(t *testing.T) {
	for _, how := range []string{"stop", "kill"} {
		t.Run(how, func(t *testing.T) {
			sb, _ := realSandbox(t)
			ctx := realContext(t)
			name := unique("notice-" + how)
			end := func() {
				time.Sleep(500 * time.Millisecond) // let the followers attach
				var err error
				if how == "stop" {
					err = sb.Stop(ctx, name)
				} else {
					err = sb.Kill(ctx, name)
				}
				if err != nil {
					t.Error(err)
				}
			}
			logs := make(chan string, 1)
			runDone := make(chan string, 1)
			go func() {
				var live bytes.Buffer
				res, err := sb.Run(ctx, "echo before; sleep 30", sandbox.WithProcessName(name), sandbox.WithStdout(&live))
				if err != nil {
					t.Error(err)
				} else {
					t.Logf("run ended %s (%d)", res.Process.Status, res.ExitCode)
				}
				runDone <- live.String()
			}()
			for {
				if _, err := sb.Process(ctx, name); err == nil {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			go func() {
				var out bytes.Buffer
				for chunk, err := range sb.Logs(ctx, name) {
					if err != nil {
						t.Error(err)
						break
					}
					out.Write(chunk.Data)
				}
				logs <- out.String()
			}()
			end()
			if got := <-runDone; got != "before\n" {
				t.Errorf("Run's stdout %q", got)
			}
			if got := <-logs; got != "before\n" {
				t.Errorf("Logs %q", got)
			}
		})
	}
}

func TestRealFiles(t *testing.T) {
	sb, dir := realSandbox(t)
	ctx := realContext(t)
	content := bytes.Repeat([]byte("0123456789abcdef"), 5000) // 80,000 bytes
	small := path.Join(dir, "sub", "small.txt")
	big := path.Join(dir, "big.bin")
	if err := sb.WriteFile(ctx, small, strings.NewReader("hello"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := sb.WriteFile(ctx, big, bytes.NewReader(content), 0, sandbox.WithPartSize(16<<10)); err != nil {
		t.Fatal(err)
	}
	if got, err := sb.ReadFile(ctx, small); err != nil || string(got) != "hello" {
		t.Errorf("ReadFile = %q, %v", got, err)
	}
	if got, err := sb.ReadFile(ctx, big); err != nil || !bytes.Equal(got, content) {
		t.Errorf("ReadFile of the multipart upload: %d bytes, %v", len(got), err)
	}
	entries, err := sb.ReadDir(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != "big.bin,sub" {
		t.Errorf("ReadDir = %q", names)
	}
	for _, tc := range []struct{ offset, length int64 }{{0, 10}, {100, 1000}, {79990, 10}, {79990, 100}, {5000, -1}, {80000, 5}} {
		rc, err := sb.OpenRange(ctx, big, tc.offset, tc.length)
		if err != nil {
			t.Errorf("OpenRange(%d, %d): %v", tc.offset, tc.length, err)
			continue
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		end := int64(len(content))
		if tc.length >= 0 {
			end = min(end, tc.offset+tc.length)
		}
		if want := content[min(tc.offset, int64(len(content))):end]; err != nil || !bytes.Equal(got, want) {
			t.Errorf("OpenRange(%d, %d) = %d bytes, %v; want %d", tc.offset, tc.length, len(got), err, len(want))
		}
	}
	// Seeks through FS are ranged reads.
	f, err := sb.FS(ctx).Open(strings.TrimPrefix(big, "/"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.(io.Seeker).Seek(40000, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	tail, err := io.ReadAll(f)
	if err != nil || !bytes.Equal(tail, content[40000:]) {
		t.Errorf("read after a seek: %d bytes, %v", len(tail), err)
	}
}

// What the server's fuzzy search does, as Search documents it.
func TestRealSearch(t *testing.T) {
	sb, dir := realSandbox(t)
	ctx := realContext(t)
	for _, name := range []string{"alpha.go", "beta.txt", "nested/gamma.go"} {
		if err := sb.WriteFile(ctx, path.Join(dir, name), strings.NewReader("x"), 0); err != nil {
			t.Fatal(err)
		}
	}
	patterns := "*.go"
	res, err := sb.Search(ctx, dir, &sandboxapi.SearchFilesParams{Patterns: &patterns})
	if err != nil {
		t.Fatal(err)
	}
	// The query is the path searched itself, patterns are ignored: an absolute path matches
	// no relative path below it.
	if res.Total != 0 {
		t.Errorf("Search(%s, *.go) = %+v: the server's search has changed, update Search's doc", dir, res)
	}
	find, err := sb.Find(ctx, dir, &sandboxapi.FindFilesParams{Patterns: &patterns})
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, m := range find.Matches {
		found = append(found, m.Path)
	}
	if strings.Join(found, ",") != "alpha.go,nested/gamma.go" {
		t.Errorf("Find(%s, *.go) = %q", dir, found)
	}
}

// A file is uploaded straight from its offset, in parts, and a plain stream in parts too.
func TestRealWriteFileFromAFileAndAStream(t *testing.T) {
	sb, dir := realSandbox(t)
	ctx := realContext(t)
	content := bytes.Repeat([]byte("fedcba9876543210"), 5000) // 80,000 bytes
	local := path.Join(t.TempDir(), "local.bin")
	if err := os.WriteFile(local, content, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(local)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Seek(1000, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	fromFile, fromStream := path.Join(dir, "from-file.bin"), path.Join(dir, "from-stream.bin")
	if err := sb.WriteFile(ctx, fromFile, f, 0, sandbox.WithPartSize(16<<10)); err != nil {
		t.Fatal(err)
	}
	stream := struct{ io.Reader }{bytes.NewReader(content)} // neither a ReaderAt nor a Seeker
	if err := sb.WriteFile(ctx, fromStream, stream, 0, sandbox.WithPartSize(16<<10)); err != nil {
		t.Fatal(err)
	}
	if got, err := sb.ReadFile(ctx, fromFile); err != nil || !bytes.Equal(got, content[1000:]) {
		t.Errorf("the file's upload from offset 1000: %d bytes, %v; want %d", len(got), err, len(content)-1000)
	}
	if got, err := sb.ReadFile(ctx, fromStream); err != nil || !bytes.Equal(got, content) {
		t.Errorf("the stream's upload: %d bytes, %v; want %d", len(got), err, len(content))
	}
}
