package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const servingLine = `time=2026-01-02T03:04:05.000Z level=INFO msg="serving the Blaxel control plane and its deployed workloads" url=http://127.0.0.1:4321/v0 run_url=http://127.0.0.1:4321 sandboxes=http://127.0.0.1:4321/{workspace}/sandboxes/{name}`

func TestServingAddresses(t *testing.T) {
	api, runURL := servingAddresses(servingLine)
	if api != "http://127.0.0.1:4321/v0" || runURL != "http://127.0.0.1:4321" {
		t.Errorf("got %q %q", api, runURL)
	}
	if api, runURL := servingAddresses(`time=x level=INFO msg=request method=GET path=/v0/agents url=x`); api != "" || runURL != "" {
		t.Errorf("a request line gave %q %q", api, runURL)
	}
}

// script writes an executable shell script into dir.
func script(t *testing.T, dir, name, body string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRunPassesTheFakesAddressesAndReadsTheToursExit(t *testing.T) {
	dir := t.TempDir()
	fake := script(t, dir, "fake", "echo '"+servingLine+"' >&2\nexec sleep 60\n")
	passing := script(t, dir, "pass", `echo "PASS tour $BL_API_URL $BL_RUN_URL $BL_WORKSPACE key=$BL_API_KEY region=$BL_REGION"`+"\n")
	failing := script(t, dir, "fail", "echo 'FAIL step: why'\nexit 1\n")

	for _, tc := range []struct {
		name      string
		tour      string
		allowFail string
		wantCode  int
		wantOut   string
	}{
		{"pass", passing, "", 0, "PASS tour http://127.0.0.1:4321/v0 http://127.0.0.1:4321 compat key=compat-key region=us-pdx-1"},
		{"fail", failing, "", 1, "compat: steps fail in go\n"},
		{"fail allowed", failing, "1", 0, "COMPAT_ALLOW_FAIL=1, so this is reported only"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("COMPAT_ALLOW_FAIL", tc.allowFail)
			var out bytes.Buffer
			code, err := run(context.Background(), []string{"-fake", fake, "-go-tour", tc.tour}, &out)
			if err != nil {
				t.Fatal(err)
			}
			if code != tc.wantCode || !strings.Contains(out.String(), tc.wantOut) {
				t.Errorf("exit %d, want %d; output:\n%s\nwant it to hold %q", code, tc.wantCode, out.String(), tc.wantOut)
			}
		})
	}
}

func TestRunRefusesAFakeThatDoesNotSayWhereItListens(t *testing.T) {
	dir := t.TempDir()
	fake := script(t, dir, "fake", "echo 'listening somewhere' >&2\n")
	tour := script(t, dir, "tour", "exit 0\n")
	_, err := run(context.Background(), []string{"-fake", fake, "-go-tour", tour}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "listening somewhere") {
		t.Errorf("got %v, want an error that quotes the fake's log", err)
	}
}

func TestRunNamesTheMissingTypeScriptInstall(t *testing.T) {
	dir := t.TempDir()
	_, err := run(context.Background(), []string{"-fake", "x", "-ts-tour", filepath.Join(dir, "tour.mjs")}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "npm ci --prefix "+dir) {
		t.Errorf("got %v, want the npm ci command", err)
	}
}
