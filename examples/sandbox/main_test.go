package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"
)

// noCredentials is an environment in which no credential is found: HOME is an empty directory.
func noCredentials(t *testing.T) func(string) string {
	home := t.TempDir()
	return func(name string) string {
		if name == "HOME" {
			return home
		}
		return ""
	}
}

func TestWalkAgainstTheBuiltInFake(t *testing.T) {
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// Three parts and a bit: the upload goes through the multipart API.
	if err := run(ctx, []string{"-name", "walk-test", "-size", "7340037"}, &out, noCredentials(t)); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	text := out.String()
	for _, want := range []string{
		"against the built-in fake",
		"[1/8] Created sandbox walk-test (DEPLOYED)",
		"[2/8] Ran echo (exit code 0): hello from the sandbox",
		"[3/8] Wrote /tmp/sandbox-example/data.bin: 7.0 MiB",
		"[4/8] Read it back: 7.0 MiB",
		"[5/8] Listed /tmp/sandbox-example: data.bin (7.0 MiB, -rw-r--r--), notes/",
		"[6/8] Streamed the logs of blx-",
		"tick 1 | tick 2 | tick 3",
		"[7/8] Watched /tmp/sandbox-example: ",
		"[8/8] Cleaned up: removed /tmp/sandbox-example and deleted sandbox walk-test",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the output does not say %q:\n%s", want, text)
		}
	}
	sums := regexp.MustCompile(`SHA-256 ([0-9a-f]{64})`).FindAllStringSubmatch(text, -1)
	if len(sums) != 2 || sums[0][1] != sums[1][1] {
		t.Errorf("want the same SHA-256 twice, got %v", sums)
	}
}

func TestFlagsAreChecked(t *testing.T) {
	for _, args := range [][]string{{"-size", "-1"}, {"extra"}, {"-nope"}} {
		var out bytes.Buffer
		if err := run(context.Background(), args, &out, noCredentials(t)); err == nil {
			t.Errorf("run %q succeeded", args)
		}
	}
}
