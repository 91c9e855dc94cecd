package config

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzConfigFile reads arbitrary bytes as ~/.blaxel/config.yaml, then writes renewed tokens
// back into them. Reading must never panic, and any error must name the file. Writing back
// must leave a file that does not parse exactly as it was, and turn one that parses into one
// that still parses, holds the new tokens in the workspace's entry, and has mode 0600; no
// temporary file may stay behind either way.
func FuzzConfigFile(f *testing.F) {
	f.Add([]byte("context:\n  workspace: ws\nworkspaces:\n  - name: ws\n    env: prod\n    credentials:\n      access_token: old\n      refresh_token: r1\n      expires_in: 7200\n"), "ws")
	f.Add([]byte("context: {workspace: ws}\nworkspaces: [{name: ws, credentials: {apiKey: k}}]\n"), "ws")
	f.Add([]byte("workspaces:\n  - name: other\n    credentials:\n      client_credentials: aWQ6c2VjcmV0\n"), "ws")
	f.Add([]byte("# comment kept\ncontext:\n  workspace: ws # here\nworkspaces:\n  - name: ws\n"), "ws")
	f.Add([]byte("workspaces:\n  - name: ws\n    credentials: [1, 2]\n"), "ws")
	f.Add([]byte("workspaces: &a\n  - name: ws\n    credentials: *a\n"), "ws")
	f.Add([]byte("workspaces:\n  - name: ws\n    env: staging\n"), "ws")
	f.Add([]byte("context:\n\tworkspace: ws\n"), "ws")
	f.Add([]byte("{{{"), "")
	f.Add([]byte("workspaces:\n  - name: ws\n    credentials:\n      expires_in: not-a-number\n"), "ws")
	f.Add([]byte{}, "ws")
	f.Fuzz(func(t *testing.T, data []byte, workspace string) {
		dir := t.TempDir()
		path := filepath.Join(dir, "config.yaml")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		file, err := readConfigFile(path)
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("the error does not name the file: %v", err)
			}
		} else if file != nil {
			l := file.layer(path, workspace)
			for _, err := range []error{l.credentialErr, l.envErr} {
				if err != nil && !strings.Contains(err.Error(), path) {
					t.Fatalf("the error does not name the file: %v", err)
				}
			}
		}

		werr := writeBackTokens(path, workspace, "fresh-access-token", "fresh-refresh-token", 3600)
		after, rerr := os.ReadFile(path)
		if rerr != nil {
			t.Fatal(rerr)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Fatalf("%d files in the directory after the write-back, want 1", len(entries))
		}
		if werr != nil {
			if !bytes.Equal(after, data) {
				t.Fatalf("a failed write-back (%v) changed the file", werr)
			}
			return
		}
		if err != nil {
			t.Fatalf("the write-back rewrote a file that does not parse (%v)", err)
		}
		info, serr := os.Stat(path)
		if serr != nil {
			t.Fatal(serr)
		}
		if mode := info.Mode().Perm(); mode != 0o600 {
			t.Fatalf("mode %v after the write-back, want 0600", mode)
		}
		written, err := readConfigFile(path)
		if err != nil {
			t.Fatalf("the written file does not parse: %v\nbefore:\n%s\nafter:\n%s", err, data, after)
		}
		found := false
		for _, ws := range written.Workspaces {
			if ws.Name == workspace && ws.Credentials.AccessToken == "fresh-access-token" && ws.Credentials.RefreshToken == "fresh-refresh-token" {
				found = true
			}
		}
		if !found {
			t.Fatalf("workspace %q does not hold the new tokens:\n%s", workspace, after)
		}
	})
}
