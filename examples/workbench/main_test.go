package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

func TestWorkbenchAgainstTheBuiltInFake(t *testing.T) {
	home := t.TempDir()
	getenv := func(name string) string {
		if name == "HOME" {
			return home
		}
		return ""
	}
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := run(ctx, []string{"-name", "bench"}, &out, getenv); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{
		"Working against the built-in fake",
		"[1/5] Created sandbox bench",
		"[2/5] Port 8000 served at http://127.0.0.1:",
		": 200, 50 bytes",
		"[3/5] Terminal: typed",
		"[4/5] Session session-",
		": opened through a session",
		"[5/5] Interpreter bench-py: 6 * 7 = 42 (run 1)",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the output does not say %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "deleting sandbox") {
		t.Errorf("cleanup failed:\n%s", out.String())
	}
}
