package sandbox_test

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
)

// content is the file every ranged answer below is cut from.
const content = "0123456789abcdefghijklmnopqrstuvwxyz"

// rangeServer answers ReadPath as answer says, for each Range asked.
func rangeServer(t *testing.T, answer func(w http.ResponseWriter, start, end int)) func(w http.ResponseWriter, r *http.Request) {
	t.Helper()
	return func(w http.ResponseWriter, r *http.Request) {
		var start, end int
		spec := r.Header.Get("Range")
		if spec == "" {
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Header().Set("Content-Disposition", `attachment; filename="f"`)
			io.WriteString(w, content)
			return
		}
		if _, err := fmt.Sscanf(spec, "bytes=%d-%d", &start, &end); err != nil {
			end = len(content) - 1
		}
		end = min(end, len(content)-1)
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="f"`)
		answer(w, start, end)
	}
}

func TestOpenRangeChecksTheRangeAnswered(t *testing.T) {
	honest := func(w http.ResponseWriter, start, end int) {
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, end, len(content)))
		w.WriteHeader(http.StatusPartialContent)
		io.WriteString(w, content[start:end+1])
	}
	for _, tc := range []struct {
		name   string
		answer func(w http.ResponseWriter, start, end int)
		want   string // "" for an error
	}{
		{"honest", honest, "abcdef"},
		{"whole file with 200", func(w http.ResponseWriter, start, end int) { io.WriteString(w, content) }, "abcdef"},
		{"other bytes", func(w http.ResponseWriter, start, end int) {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes 0-%d/%d", end-start, len(content)))
			w.WriteHeader(http.StatusPartialContent)
			io.WriteString(w, content[:end-start+1])
		}, ""},
		{"more bytes", func(w http.ResponseWriter, start, end int) {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, len(content)-1, len(content)))
			w.WriteHeader(http.StatusPartialContent)
			io.WriteString(w, content[start:])
		}, ""},
		{"more bytes than its Content-Range", func(w http.ResponseWriter, start, end int) {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, end, len(content)))
			w.WriteHeader(http.StatusPartialContent)
			io.WriteString(w, content[start:])
		}, ""},
		{"no Content-Range", func(w http.ResponseWriter, start, end int) {
			w.WriteHeader(http.StatusPartialContent)
			io.WriteString(w, content[start:end+1])
		}, ""},
		{"unreadable Content-Range", func(w http.ResponseWriter, start, end int) {
			w.Header().Set("Content-Range", "bytes lots")
			w.WriteHeader(http.StatusPartialContent)
			io.WriteString(w, content[start:end+1])
		}, ""},
		{"a total that disagrees with the end", func(w http.ResponseWriter, start, end int) {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, end, end))
			w.WriteHeader(http.StatusPartialContent)
			io.WriteString(w, content[start:end+1])
		}, ""},
		{"fewer bytes than its Content-Range", func(w http.ResponseWriter, start, end int) {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, end, len(content)))
			w.WriteHeader(http.StatusPartialContent)
			w.(http.Flusher).Flush()
			io.WriteString(w, content[start:end-1])
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sbx, sb, _ := sandboxSetup(t)
			sbx.HandleFunc("GET /filesystem/{path...}", rangeServer(t, tc.answer))
			got, err := readRange(sb.OpenRange(context.Background(), "/f", 10, 6))
			if tc.want == "" {
				if err == nil {
					t.Fatalf("OpenRange read %q and no error: the answer was not the range asked for", got)
				}
				t.Log(err)
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("OpenRange = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// readRange reads what OpenRange opened, joining the errors of opening and reading.
func readRange(rc io.ReadCloser, err error) (string, error) {
	if err != nil {
		return "", err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	return string(b), err
}

func TestOpenRangeToTheEndAndPastIt(t *testing.T) {
	sbx, sb, _ := sandboxSetup(t)
	sbx.HandleFunc("GET /filesystem/{path...}", rangeServer(t, func(w http.ResponseWriter, start, end int) {
		if start >= len(content) {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes */%d", len(content)))
			w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
			return
		}
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, end, len(content)))
		w.WriteHeader(http.StatusPartialContent)
		io.WriteString(w, content[start:end+1])
	}))
	ctx := context.Background()
	for _, tc := range []struct {
		offset, length int64
		want           string
	}{{30, -1, "uvwxyz"}, {30, 100, "uvwxyz"}, {36, 4, ""}, {0, -1, content}} {
		got, err := readRange(sb.OpenRange(ctx, "/f", tc.offset, tc.length))
		if err != nil || got != tc.want {
			t.Errorf("OpenRange(%d, %d) = %q, %v; want %q", tc.offset, tc.length, got, err, tc.want)
		}
	}
}

func TestFSSeeksRefuseALyingRange(t *testing.T) {
	sbx, sb, _ := sandboxSetup(t)
	sbx.HandleFunc("GET /filesystem/tree/{path...}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"name": "/", "path": "/", "files": []any{
			map[string]any{"name": "f", "path": "/f", "size": len(content), "permissions": "644", "lastModified": "2025-01-01T00:00:00Z", "owner": "root", "group": "root"},
		}, "subdirectories": []any{}})
	})
	// Every ranged answer starts at the file's start, whatever was asked.
	sbx.HandleFunc("GET /filesystem/{path...}", rangeServer(t, func(w http.ResponseWriter, start, end int) {
		w.Header().Set("Content-Range", fmt.Sprintf("bytes 0-%d/%d", end-start, len(content)))
		w.WriteHeader(http.StatusPartialContent)
		io.WriteString(w, content[:end-start+1])
	}))
	f, err := sb.FS(context.Background()).Open("f")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seeker := f.(io.ReadSeeker)
	if _, err := seeker.Seek(30, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(seeker)
	if err == nil {
		t.Fatalf("a read after a seek gave %q and no error", b)
	}
	var pe *fs.PathError
	if !strings.Contains(err.Error(), "range") {
		t.Errorf("the error does not say what is wrong: %v (%T %v)", err, err, pe)
	}
}

func TestFSOverHonestRangesPassesTheChecker(t *testing.T) {
	sbx, sb, _ := sandboxSetup(t)
	sbx.HandleFunc("GET /filesystem/tree/{path...}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"name": "/", "path": "/", "files": []any{
			map[string]any{"name": "f", "path": "/f", "size": len(content), "permissions": "644", "lastModified": "2025-01-01T00:00:00Z", "owner": "root", "group": "root"},
		}, "subdirectories": []any{}})
	})
	sbx.HandleFunc("GET /filesystem/{path...}", rangeServer(t, func(w http.ResponseWriter, start, end int) {
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, end, len(content)))
		w.WriteHeader(http.StatusPartialContent)
		io.WriteString(w, content[start:end+1])
	}))
	if err := fstest.TestFS(sb.FS(context.Background()), "f"); err != nil {
		t.Fatal(err)
	}
}
