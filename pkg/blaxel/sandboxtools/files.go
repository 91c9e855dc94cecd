package sandboxtools

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Encodings of a file's content in read_file and write_file.
const (
	encodingText   = "text"
	encodingBase64 = "base64"
)

type readFileIn struct {
	Path     string `json:"path" jsonschema:"the file, absolute or relative to the root"`
	Offset   int64  `json:"offset,omitempty" jsonschema:"where to start reading, in bytes (0 by default)"`
	MaxBytes int    `json:"max_bytes,omitempty" jsonschema:"how many bytes to read at most (the tools' limit by default, and at most)"`
}

type readFileOut struct {
	Path       string `json:"path"`
	Content    string `json:"content"`
	Encoding   string `json:"encoding" jsonschema:"text, or base64 for content that is not UTF-8 text"`
	Offset     int64  `json:"offset"`
	Bytes      int    `json:"bytes" jsonschema:"how many bytes of the file the content holds"`
	NextOffset *int64 `json:"next_offset,omitempty" jsonschema:"where the next read starts, when the file goes on"`
}

func (t *tools) readFile(ctx context.Context, _ *mcp.CallToolRequest, in readFileIn) (*mcp.CallToolResult, readFileOut, error) {
	p, err := t.path(in.Path)
	if err != nil {
		return nil, readFileOut{}, err
	}
	if in.Offset < 0 || in.MaxBytes < 0 {
		return nil, readFileOut{}, errors.New("offset and max_bytes must not be negative")
	}
	limit := t.maxRead
	if in.MaxBytes > 0 {
		limit = min(limit, in.MaxBytes)
	}
	// One byte more than asked says whether the file goes on.
	r, err := t.sb.OpenRange(ctx, p, in.Offset, int64(limit)+1)
	if err != nil {
		return nil, readFileOut{}, err
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return nil, readFileOut{}, err
	}
	more := len(data) > limit
	if more {
		data = data[:limit]
		data = data[:textEnd(data)] // a character cut in two is read whole next time
	}
	out := readFileOut{Path: p, Offset: in.Offset, Bytes: len(data), Encoding: encodingText, Content: string(data)}
	if !utf8.Valid(data) {
		out.Encoding, out.Content = encodingBase64, base64.StdEncoding.EncodeToString(data)
	}
	if more {
		next := in.Offset + int64(len(data))
		out.NextOffset = &next
	}
	return nil, out, nil
}

// textEnd is where data ends once a UTF-8 character cut at its end is left out; len(data)
// for content that is not text, or not cut.
func textEnd(data []byte) int {
	if utf8.Valid(data) {
		return len(data)
	}
	for cut := 1; cut < utf8.UTFMax && cut < len(data); cut++ {
		if utf8.Valid(data[:len(data)-cut]) {
			return len(data) - cut
		}
	}
	return len(data)
}

type writeFileIn struct {
	Path     string `json:"path" jsonschema:"the file, absolute or relative to the root"`
	Content  string `json:"content" jsonschema:"what the file holds once written"`
	Encoding string `json:"encoding,omitempty" jsonschema:"text (the default), or base64 for binary content"`
	Mode     string `json:"mode,omitempty" jsonschema:"the permissions, in octal such as 0755 (0644 by default)"`
}

type writeFileOut struct {
	Path  string `json:"path"`
	Bytes int    `json:"bytes"`
}

func (t *tools) writeFile(ctx context.Context, _ *mcp.CallToolRequest, in writeFileIn) (*mcp.CallToolResult, writeFileOut, error) {
	p, err := t.path(in.Path)
	if err != nil {
		return nil, writeFileOut{}, err
	}
	data := []byte(in.Content)
	switch in.Encoding {
	case "", encodingText:
	case encodingBase64:
		if data, err = base64.StdEncoding.DecodeString(in.Content); err != nil {
			return nil, writeFileOut{}, fmt.Errorf("the content is not base64: %w", err)
		}
	default:
		return nil, writeFileOut{}, fmt.Errorf("the encoding %q is neither text nor base64", in.Encoding)
	}
	var perm fs.FileMode
	if in.Mode != "" {
		m, err := strconv.ParseUint(in.Mode, 8, 32)
		if err != nil || m > 0o777 {
			return nil, writeFileOut{}, fmt.Errorf("the mode %q is not permissions in octal, such as 0644", in.Mode)
		}
		perm = fs.FileMode(m)
	}
	if err := t.sb.WriteFile(ctx, p, strings.NewReader(string(data)), perm); err != nil {
		return nil, writeFileOut{}, err
	}
	return nil, writeFileOut{Path: p, Bytes: len(data)}, nil
}

type listDirectoryIn struct {
	Path string `json:"path,omitempty" jsonschema:"the directory, absolute or relative to the root (the root by default)"`
}

type entry struct {
	Name     string    `json:"name"`
	Type     string    `json:"type" jsonschema:"file, directory or symlink"`
	Size     int64     `json:"size"`
	Mode     string    `json:"mode"`
	Modified time.Time `json:"modified,omitzero"`
}

type listDirectoryOut struct {
	Path      string  `json:"path"`
	Entries   []entry `json:"entries"`
	Truncated bool    `json:"truncated,omitempty" jsonschema:"the directory holds more entries than answered"`
}

func (t *tools) listDirectory(ctx context.Context, _ *mcp.CallToolRequest, in listDirectoryIn) (*mcp.CallToolResult, listDirectoryOut, error) {
	p, err := t.path(in.Path)
	if err != nil {
		return nil, listDirectoryOut{}, err
	}
	dir, err := t.sb.ReadDir(ctx, p)
	if err != nil {
		return nil, listDirectoryOut{}, err
	}
	out := listDirectoryOut{Path: p, Entries: []entry{}}
	if len(dir) > t.maxEntries {
		dir, out.Truncated = dir[:t.maxEntries], true
	}
	for _, d := range dir {
		e := entry{Name: d.Name(), Type: "file"}
		switch {
		case d.IsDir():
			e.Type = "directory"
		case d.Type()&fs.ModeSymlink != 0:
			e.Type = "symlink"
		}
		if info, err := d.Info(); err == nil {
			e.Size, e.Mode, e.Modified = info.Size(), info.Mode().String(), info.ModTime()
		}
		out.Entries = append(out.Entries, e)
	}
	return nil, out, nil
}
