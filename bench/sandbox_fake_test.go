package bench

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// The sandbox benchmarks run the fake in a process of its own (this test binary, started
// again with fakeEnv set), so that the memory and the CPU time measured are the client's
// alone, not the server's: what a 256 MiB upload costs the server stays over there.
const fakeEnv = "BLAXEL_BENCH_SANDBOX_FAKE"

// Commands the fake process scripts for the benchmarks.
const (
	bigLogLines = 12      // lines of bigLogLine bytes...
	bigLogLine  = 8 << 20 // ...8 MiB each, without a newline in them: 96 MiB of log
)

// TestSandboxFakeProcess is the fake's side: it serves until its standard input closes. It
// is skipped unless fakeEnv names the file to write the fake's addresses to.
func TestSandboxFakeProcess(t *testing.T) {
	file := os.Getenv(fakeEnv)
	if file == "" {
		t.Skip("the fake's process for the sandbox benchmarks: started by them")
	}
	srv, err := blaxeltest.Start(blaxeltest.WithAPIKey(apiKey), blaxeltest.WithSandboxLogLimit(256<<20),
		blaxeltest.WithSandboxFileDir(fileDir()))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	srv.HandleCommand("bigline", func(ctx context.Context, p *blaxeltest.Process) int {
		line := []byte(strings.Repeat("L", bigLogLine-1) + "\n")
		for range bigLogLines {
			if _, err := p.Stdout.Write(line); err != nil || ctx.Err() != nil {
				return 1
			}
		}
		return 0
	})
	if err := os.WriteFile(file+".tmp", []byte(srv.URL()+"\n"+srv.RunURL()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(file+".tmp", file); err != nil {
		t.Fatal(err)
	}
	_, _ = bufio.NewReader(os.Stdin).ReadString(0) // until the benchmark closes it
}

// fileDir is where the fake keeps file contents: in memory-backed /dev/shm when the machine
// has it, so that both sides measure the transfer rather than the disk.
func fileDir() string {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		return "/dev/shm"
	}
	return os.TempDir()
}

// sandboxFixture is a sandbox in the fake's process, with a client handle and what a
// hand-written client needs: the address and the headers.
type sandboxFixture struct {
	sb   *sandbox.Sandbox
	url  string // the sandbox's address
	base *sandboxBaseline
}

// startSandboxFake starts the fake's process and creates the sandbox "bench" in it.
func startSandboxFake(b *testing.B) *sandboxFixture {
	b.Helper()
	file := filepath.Join(b.TempDir(), "fake-addresses")
	cmd := exec.Command(os.Args[0], "-test.run", "^TestSandboxFakeProcess$")
	cmd.Env = append(os.Environ(), fakeEnv+"="+file)
	cmd.Stderr = os.Stderr // its standard output says PASS at the end: left out
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	fakePID.Store(int64(cmd.Process.Pid))
	b.Cleanup(func() {
		fakePID.Store(0)
		stdin.Close()
		_ = cmd.Wait()
	})
	var lines []string
	for deadline := time.Now().Add(time.Minute); len(lines) < 2; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatal("the fake's process did not start")
		}
		if data, err := os.ReadFile(file); err == nil {
			lines = strings.Fields(string(data))
		}
	}
	c, err := blaxel.New(blaxel.WithBaseURL(lines[0]), blaxel.WithRunURL(lines[1]), blaxel.WithAPIKey(apiKey), blaxel.WithWorkspace(workspace))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.CreateSandboxAndWait(ctx, gen.Sandbox{Metadata: gen.Metadata{Name: "bench"}}, blaxel.WithPollInterval(time.Millisecond)); err != nil {
		b.Fatal(err)
	}
	sb, err := sandbox.Open(ctx, c, "bench")
	if err != nil {
		b.Fatal(err)
	}
	return &sandboxFixture{sb: sb, url: sb.URL(), base: newSandboxBaseline(sb.URL())}
}
