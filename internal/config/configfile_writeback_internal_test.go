package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const oneWorkspace = "workspaces:\n  - name: a\n    credentials:\n      access_token: old\n"

// A file with a second YAML document is not written back: only the first would survive.
func TestWriteBackRefusesSeveralDocuments(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	in := oneWorkspace + "---\nsecond: document\n"
	if err := os.WriteFile(path, []byte(in), 0o600); err != nil {
		t.Fatal(err)
	}
	err := writeBackTokens(path, "a", "new-access", "new-refresh", 10)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "more than one YAML document") {
		t.Fatalf("error %v", err)
	}
	if out, _ := os.ReadFile(path); string(out) != in {
		t.Fatalf("the file was rewritten:\n%s", out)
	}
}

// A config.yaml that is a symbolic link stays one: the file it points to is replaced, in its
// own directory, with mode 0600.
func TestWriteBackThroughASymbolicLink(t *testing.T) {
	realDir, linkDir := t.TempDir(), t.TempDir()
	real := filepath.Join(realDir, "blaxel.yaml")
	link := filepath.Join(linkDir, "config.yaml")
	if err := os.WriteFile(real, []byte(oneWorkspace), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, link); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	if err := writeBackTokens(link, "a", "new-access", "", 0); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Lstat(link); err != nil || info.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced by a file (%v)", err)
	}
	out, err := os.ReadFile(real)
	if err != nil || !strings.Contains(string(out), "access_token: new-access") {
		t.Fatalf("the linked file holds %q (%v)", out, err)
	}
	if info, _ := os.Stat(real); info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", info.Mode().Perm())
	}
	for _, dir := range []string{realDir, linkDir} {
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Errorf("%d files in %s, want 1", len(entries), dir)
		}
	}
}
