package sandbox_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// readUntil reads the terminal until its output so far ends with want, and returns it. The
// deadline only guards against a hang.
func readUntil(t *testing.T, term io.Reader, want string) string {
	t.Helper()
	var got bytes.Buffer
	done := make(chan error, 1)
	go func() {
		buf := make([]byte, 256)
		for {
			n, err := term.Read(buf)
			got.Write(buf[:n])
			if err != nil {
				done <- err
				return
			}
			if strings.HasSuffix(got.String(), want) {
				done <- nil
				return
			}
		}
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("reading until %q: %v (got %q)", want, err, got.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("no %q in the terminal's output", want) // got is still being written: not shown
	}
	return got.String()
}

func TestTerminalRunsCommandsTyped(t *testing.T) {
	srv, sb := fakeSandbox(t)
	srv.HandleCommand("size", func(ctx context.Context, p *blaxeltest.Process) int {
		fmt.Fprintf(p.Stdout, "%sx%s\n", p.Env["COLUMNS"], p.Env["LINES"])
		return 0
	})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	term, err := sb.Terminal(ctx, sandbox.WithTerminalSize(100, 30), sandbox.WithTerminalSession("t1"))
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	readUntil(t, term, "$ ")
	if _, err := io.WriteString(term, "echo hello terminal\r"); err != nil {
		t.Fatal(err)
	}
	if out := readUntil(t, term, "hello terminal\r\n$ "); !strings.HasPrefix(out, "echo hello terminal\r\n") {
		t.Errorf("output %q", out)
	}
	io.WriteString(term, "size\r")
	readUntil(t, term, "100x30\r\n$ ")
	if err := term.Resize(132, 43); err != nil {
		t.Fatal(err)
	}
	io.WriteString(term, "size\r")
	readUntil(t, term, "132x43\r\n$ ")
	if n := srv.CommandStarts("ws", "box", "size"); n != 2 {
		t.Errorf("size started %d times", n)
	}
	if err := term.Resize(0, 10); err == nil {
		t.Error("a zero size was sent")
	}
}

func TestTerminalSessionsOutliveConnections(t *testing.T) {
	_, sb := fakeSandbox(t)
	ctx := t.Context()
	first, err := sb.Terminal(ctx)
	if err != nil {
		t.Fatal(err)
	}
	readUntil(t, first, "$ ")
	io.WriteString(first, "echo remembered\r")
	readUntil(t, first, "remembered\r\n$ ")
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}

	second, err := sb.Terminal(ctx) // the same "default" session
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if out := readUntil(t, second, "remembered\r\n$ "); !strings.Contains(out, "echo remembered") {
		t.Errorf("replayed %q", out)
	}
	io.WriteString(second, "exit\r")
	buf := make([]byte, 1024)
	for {
		if _, err := second.Read(buf); err != nil {
			if err != io.EOF {
				t.Errorf("after exit: %v, want io.EOF", err)
			}
			break
		}
	}
}

func TestTerminalReportsTheSandboxsRefusals(t *testing.T) {
	_, sb := fakeSandbox(t)
	term, err := sb.Terminal(t.Context(), sandbox.WithTerminalDir("/no/such/dir"), sandbox.WithTerminalSession("bad"))
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	if _, err := term.Read(make([]byte, 64)); err == nil || !strings.Contains(err.Error(), "no such file or directory") {
		t.Errorf("read: %v", err)
	}

	wrong, err := sandbox.OpenPreview(sb.URL(), "not-a-token")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wrong.Terminal(t.Context()); !errors.Is(err, blaxel.ErrUnauthorized) {
		t.Errorf("without a valid credential: %v", err)
	}
	for _, opt := range []sandbox.TerminalOption{sandbox.WithTerminalSize(0, 1), sandbox.WithShell(" "),
		sandbox.WithTerminalDir(""), sandbox.WithTerminalSession("")} {
		if _, err := sb.Terminal(t.Context(), opt); err == nil {
			t.Error("a bad option was accepted")
		}
	}
}

func TestTerminalEndsWithItsContext(t *testing.T) {
	_, sb := fakeSandbox(t)
	ctx, cancel := context.WithCancel(t.Context())
	term, err := sb.Terminal(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	readUntil(t, term, "$ ")
	cancel()
	if _, err := term.Read(make([]byte, 64)); !errors.Is(err, context.Canceled) {
		t.Errorf("read after the context ended: %v", err)
	}
	if _, err := term.Write([]byte("echo late\r")); !errors.Is(err, context.Canceled) {
		t.Errorf("write after the context ended: %v", err)
	}
}
