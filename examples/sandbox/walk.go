package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"strings"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxel"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
)

// dir is where the walk writes in the sandbox.
const dir = "/tmp/sandbox-example"

// walk runs the steps, printing one line (or a few) each.
type walk struct {
	client *blaxel.Client
	out    io.Writer
	opts   options
	fake   bool
	sb     *sandbox.Sandbox
	step   int
}

const steps = 8

func (w *walk) say(format string, args ...any) {
	w.step++
	fmt.Fprintf(w.out, "[%d/%d] %s\n", w.step, steps, fmt.Sprintf(format, args...))
}

// all runs every step, and deletes what it made even when a step fails.
func (w *walk) all(ctx context.Context) (err error) {
	created, err := w.client.CreateSandboxAndWait(ctx, sandboxSpec(w.opts), blaxel.WithPollInterval(200*time.Millisecond))
	if err != nil {
		return fmt.Errorf("create the sandbox: %w", err)
	}
	defer func() { err = errors.Join(err, w.cleanUp()) }()
	w.say("Created sandbox %s (DEPLOYED)", created.Metadata.Name) // CreateSandboxAndWait returns once it is
	if w.sb, err = sandbox.Open(ctx, w.client, w.opts.name); err != nil {
		return fmt.Errorf("reach the sandbox: %w", err)
	}

	for _, step := range []func(context.Context) error{w.run, w.writeAndRead, w.list, w.logs, w.watch} {
		if err := step(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (w *walk) run(ctx context.Context) error {
	res, err := w.sb.Run(ctx, "echo hello from the sandbox")
	if err != nil {
		return fmt.Errorf("run echo: %w", err)
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("echo exited with %d: %s", res.ExitCode, res.Stderr)
	}
	w.say("Ran echo (exit code %d): %s", res.ExitCode, strings.TrimSpace(string(res.Stdout)))
	return nil
}

// writeAndRead streams a generated file up and back down, hashing it on the way each time:
// neither side holds the file in memory.
func (w *walk) writeAndRead(ctx context.Context) error {
	name := dir + "/data.bin"
	var seed [32]byte
	_, _ = rand.Read(seed[:])
	sent := sha256.New()
	content := io.TeeReader(io.LimitReader(mrand.NewChaCha8(seed), w.opts.size), sent)
	start := time.Now()
	if err := w.sb.WriteFile(ctx, name, content, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	up := time.Since(start)
	w.say("Wrote %s: %s in %v (%s), SHA-256 %s", name, size(w.opts.size), up.Round(time.Millisecond), rate(w.opts.size, up), hex.EncodeToString(sent.Sum(nil)))

	start = time.Now()
	body, err := w.sb.Open(ctx, name)
	if err != nil {
		return fmt.Errorf("open %s: %w", name, err)
	}
	defer body.Close()
	read := sha256.New()
	n, err := io.Copy(read, body)
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	down := time.Since(start)
	w.say("Read it back: %s in %v (%s), SHA-256 %s", size(n), down.Round(time.Millisecond), rate(n, down), hex.EncodeToString(read.Sum(nil)))
	if n != w.opts.size || hex.EncodeToString(read.Sum(nil)) != hex.EncodeToString(sent.Sum(nil)) {
		return fmt.Errorf("the file read back differs from the one written (%d bytes of %d)", n, w.opts.size)
	}
	return nil
}

func (w *walk) list(ctx context.Context) error {
	if err := w.sb.WriteFile(ctx, dir+"/notes/readme.txt", strings.NewReader("written by the example\n"), 0o600); err != nil {
		return fmt.Errorf("write a note: %w", err)
	}
	entries, err := w.sb.ReadDir(ctx, dir)
	if err != nil {
		return fmt.Errorf("list %s: %w", dir, err)
	}
	var names []string
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			return err
		}
		if e.IsDir() {
			names = append(names, e.Name()+"/")
		} else {
			names = append(names, fmt.Sprintf("%s (%s, %v)", e.Name(), size(info.Size()), info.Mode()))
		}
	}
	w.say("Listed %s: %s", dir, strings.Join(names, ", "))
	return nil
}

// logs starts a process that prints a line now and then, and follows its output to its end.
func (w *walk) logs(ctx context.Context) error {
	command := "for i in 1 2 3; do echo tick $i; sleep 1; done"
	if w.fake {
		command = "ticker 3" // scripted by the built-in fake, which runs no shell
	}
	proc, err := w.sb.Exec(ctx, sandbox.Command{Command: command})
	if err != nil {
		return fmt.Errorf("start %q: %w", command, err)
	}
	var lines []string
	for chunk, err := range w.sb.Logs(ctx, proc.Name) {
		if err != nil {
			return fmt.Errorf("logs of %s: %w", proc.Name, err)
		}
		lines = append(lines, strings.TrimSpace(string(chunk.Data)))
	}
	w.say("Streamed the logs of %s (%q, pid %s) to its end: %s", proc.Name, command, proc.PID, strings.Join(lines, " | "))
	return nil
}

// watch follows the directory and writes into it until the write shows up.
func (w *walk) watch(ctx context.Context) error {
	ctx, stop := context.WithTimeout(ctx, 30*time.Second)
	defer stop()
	events := make(chan sandbox.FileEvent, 1)
	failed := make(chan error, 1)
	go func() {
		for ev, err := range w.sb.Watch(ctx, dir) {
			if err != nil {
				failed <- err
				return
			}
			if strings.HasSuffix(ev.Path, "/watched.txt") {
				events <- ev
				return
			}
		}
	}()
	// The watch is open once an event comes: until then, write again now and then.
	for {
		if err := w.sb.WriteFile(ctx, dir+"/watched.txt", strings.NewReader(time.Now().String()), 0o644); err != nil {
			return fmt.Errorf("write a watched file: %w", err)
		}
		select {
		case ev := <-events:
			w.say("Watched %s: %s %s", dir, ev.Op, ev.Path)
			return nil
		case err := <-failed:
			return fmt.Errorf("watch %s: %w", dir, err)
		case <-ctx.Done():
			return fmt.Errorf("watch %s: no event came: %w", dir, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// cleanUp deletes the files and the sandbox, with a context of its own: it runs also when the
// walk's context has ended.
func (w *walk) cleanUp() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var errs []error
	if w.sb != nil {
		if err := w.sb.RemoveAll(ctx, dir); err != nil {
			errs = append(errs, fmt.Errorf("remove %s: %w", dir, err))
		}
	}
	if _, err := w.client.DeleteSandbox(ctx, w.opts.name); err != nil && !errors.Is(err, blaxel.ErrNotFound) {
		errs = append(errs, fmt.Errorf("delete sandbox %s: %w", w.opts.name, err))
	}
	if len(errs) == 0 {
		w.say("Cleaned up: removed %s and deleted sandbox %s", dir, w.opts.name)
	}
	return errors.Join(errs...)
}

func size(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

func rate(n int64, d time.Duration) string {
	if d <= 0 {
		return "instant"
	}
	return fmt.Sprintf("%.0f MiB/s", float64(n)/(1<<20)/d.Seconds())
}

func suffix() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
