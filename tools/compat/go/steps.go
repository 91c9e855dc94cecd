package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// tour runs the steps one after the other; each prints one line, PASS, FAIL or SDK-DEFECT
// with a short reason, and the summary counts the steps that passed among those counted.
type tour struct {
	label     string
	keepGoing bool
	stopped   bool
	passed    int
	failed    int
	defects   int
	notRun    int
}

func newTour(label string) *tour {
	on := func(name string) bool { v := os.Getenv(name); return v == "1" || v == "true" }
	return &tour{label: label, keepGoing: on("COMPAT_KEEP_GOING") || on("COMPAT_ALLOW_FAIL")}
}

// stepOption changes how a step's failure is read.
type stepOption func(*stepConfig)

type stepConfig struct {
	timeout    time.Duration
	defect     func(error) bool
	defectNote string
}

// knownDefect marks failures that match as the SDK's own defect: reported, not counted.
func knownDefect(note string, match func(error) bool) stepOption {
	return func(c *stepConfig) { c.defect, c.defectNote = match, note }
}

// step runs fn with a deadline that guards against a hang; fn returns a short note.
func (t *tour) step(name string, fn func(ctx context.Context) (string, error), opts ...stepOption) {
	cfg := stepConfig{timeout: 30 * time.Second}
	for _, o := range opts {
		o(&cfg)
	}
	if t.stopped {
		t.notRun++
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.timeout)
	defer cancel()
	note, err := func() (note string, err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		return fn(ctx)
	}()
	switch {
	case err == nil:
		t.passed++
		t.report("PASS", name, note)
	case cfg.defect != nil && cfg.defect(err):
		t.defects++
		t.report("SDK-DEFECT", name, cfg.defectNote+": "+err.Error())
	default:
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("no answer within %s: %w", cfg.timeout, err)
		}
		t.failed++
		t.report("FAIL", name, err.Error())
		if !t.keepGoing {
			t.stopped = true
		}
	}
}

func (t *tour) report(status, name, reason string) {
	reason = strings.Join(strings.Fields(reason), " ")
	if len(reason) > 400 {
		reason = reason[:400] + "…"
	}
	fmt.Println(strings.TrimRight(fmt.Sprintf("%-10s %-36s %s", status, name, reason), " "))
}

// finish prints the summary and returns the exit code: 1 when a counted step failed.
func (t *tour) finish() int {
	var extra []string
	if t.defects > 0 {
		extra = append(extra, fmt.Sprintf("%d SDK-DEFECT not counted", t.defects))
	}
	if t.notRun > 0 {
		extra = append(extra, fmt.Sprintf("%d not run after the first failure; COMPAT_KEEP_GOING=1 runs them", t.notRun))
	}
	tail := ""
	if len(extra) > 0 {
		tail = " (" + strings.Join(extra, "; ") + ")"
	}
	fmt.Printf("%s: %d of %d steps pass%s\n", t.label, t.passed, t.passed+t.failed, tail)
	if t.failed > 0 || t.notRun > 0 {
		return 1
	}
	return 0
}

// expect returns an error that says what was expected when ok is false.
func expect(ok bool, format string, args ...any) error {
	if ok {
		return nil
	}
	return fmt.Errorf(format, args...)
}
