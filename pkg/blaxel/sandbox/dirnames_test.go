package sandbox_test

import (
	"context"
	"io/fs"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

func TestReadDirRefusesNamesThatAreNotEntries(t *testing.T) {
	for _, bad := range []string{".", "..", "/", "", "a\x00b", "a/b", "/etc/passwd"} {
		for _, kind := range []string{"file", "directory"} {
			t.Run(kind+" "+strings.ReplaceAll(bad, "\x00", `\0`), func(t *testing.T) {
				sbx, sb, _ := sandboxSetup(t)
				var listings atomic.Int32
				sbx.HandleFunc("GET /filesystem/tree/{path...}", func(w http.ResponseWriter, r *http.Request) {
					listings.Add(1)
					entry := map[string]any{"name": bad, "path": "/d/" + bad}
					files, dirs := []any{map[string]any{"name": "ok", "path": "/d/ok", "size": 1, "permissions": "644",
						"lastModified": "2025-01-01T00:00:00Z", "owner": "root", "group": "root"}}, []any{}
					if kind == "file" {
						entry["size"], entry["permissions"], entry["lastModified"], entry["owner"], entry["group"] = 1, "644", "2025-01-01T00:00:00Z", "root", "root"
						files = append(files, entry)
					} else {
						dirs = append(dirs, entry)
					}
					writeJSON(w, http.StatusOK, map[string]any{"name": "d", "path": "/d", "files": files, "subdirectories": dirs})
				})
				entries, err := sb.ReadDir(context.Background(), "/d")
				if err == nil {
					names := []string{}
					for _, e := range entries {
						names = append(names, e.Name())
					}
					t.Fatalf("ReadDir yielded %q and no error", names)
				}
				if !strings.Contains(err.Error(), "entry") {
					t.Errorf("the error does not say what is wrong: %v", err)
				}
				// fs.WalkDir stops at the first listing rather than looping.
				listings.Store(0)
				walkErr := fs.WalkDir(sb.FS(context.Background()), "d", func(string, fs.DirEntry, error) error { return nil })
				if n := listings.Load(); n > 2 {
					t.Errorf("WalkDir listed %d times (%v)", n, walkErr)
				}
			})
		}
	}
}
