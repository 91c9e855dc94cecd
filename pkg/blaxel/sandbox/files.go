package sandbox

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/blaxel-go/blaxel/gen/sandboxapi"
	"github.com/blaxel-go/blaxel/internal/pipeline"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// sandboxPath makes a path absolute and clean before it is sent. The sandbox reads a path
// that reaches it without an encoded slash as relative to its working directory, and one
// that starts with "tree" as a tree route: the generated client percent-encodes the whole
// parameter, slashes included, so an absolute path is always read as that path. A relative
// path is taken from the root ("src/a.go" is "/src/a.go"); ".." is resolved here, never
// above the root; "~" is not expanded.
func sandboxPath(p string) (string, error) {
	switch {
	case p == "":
		return "", errors.New("blaxel: the sandbox path is empty")
	case strings.IndexByte(p, 0) >= 0:
		return "", fmt.Errorf("blaxel: the sandbox path %q contains a NUL byte", p)
	}
	return path.Clean("/" + p), nil
}

// notExist marks a sandbox's 404 for a path, so that errors.Is(err, fs.ErrNotExist) holds
// (what io/fs, http.FS and os-minded callers test) while errors.As still finds the *blaxel.APIError.
type notExist struct{ err error }

func (e notExist) Error() string        { return e.err.Error() }
func (e notExist) Unwrap() error        { return e.err }
func (e notExist) Is(target error) bool { return target == fs.ErrNotExist }

// pathError wraps an error of the sandbox about a path in an *fs.PathError.
func pathError(op, p string, err error) error {
	if errors.Is(err, blaxel.ErrNotFound) {
		err = notExist{err}
	}
	return &fs.PathError{Op: op, Path: p, Err: err}
}

// errIsDir is the error of reading a directory's bytes.
var errIsDir = errors.New("is a directory")

// downloadEditor asks ReadPath for the raw bytes, however the file is named.
func downloadEditor(_ context.Context, r *http.Request) error {
	r.Header.Set("Accept", "application/octet-stream")
	return nil
}

// Open streams a file's bytes (ReadPath in download mode): nothing is held in memory. The
// caller must close the reader; Close reads what little may be left of the answer (a few
// KiB, for at most a moment), so that the connection serves the next request, unless a Read
// is under way: a Close from another goroutine stops that Read at once. A missing file is an
// error that matches fs.ErrNotExist.
func (s *Sandbox) Open(ctx context.Context, name string) (_ io.ReadCloser, err error) {
	ctx, op := s.p.StartOperation(ctx, "sandbox.Open")
	defer func() { op.End(err) }()
	return s.open(ctx, "open", name, "")
}

// OpenRange streams length bytes of a file from offset (to its end when length is
// negative), with an HTTP Range request. A range that starts past the end reads nothing.
// The answer must be the range asked for: a 206 whose Content-Range names other bytes (or
// none) is an error, and so is a body longer or shorter than its Content-Range; a 200 (the
// whole file, when the sandbox ignores ranges) is cut to the range here.
func (s *Sandbox) OpenRange(ctx context.Context, name string, offset, length int64) (_ io.ReadCloser, err error) {
	ctx, op := s.p.StartOperation(ctx, "sandbox.OpenRange")
	defer func() { op.End(err) }()
	if offset < 0 {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fmt.Errorf("negative offset %d", offset)}
	}
	if length == 0 {
		return io.NopCloser(strings.NewReader("")), nil
	}
	asked := byteRange{start: offset, end: -1}
	if length > 0 && length <= math.MaxInt64-offset { // beyond, the range runs to the end
		asked.end = offset + length - 1
	}
	body, err := s.open(ctx, "open", name, asked.header())
	if err != nil {
		var apiErr *blaxel.APIError
		if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusRequestedRangeNotSatisfiable {
			return io.NopCloser(strings.NewReader("")), nil
		}
		return nil, err
	}
	rc := body.(*download)
	switch rc.status {
	case http.StatusPartialContent:
		n, err := checkContentRange(asked, rc.contentRange)
		if err != nil {
			rc.body.Close()
			return nil, pathError("open", name, err)
		}
		rc.Reader = &exactBody{r: rc.body, left: n}
		rc.size = n
	case http.StatusOK:
		// The range was not honoured: the whole file came, skip to the range here.
		if offset > 0 {
			if _, err := io.CopyN(io.Discard, rc.body, offset); err != nil && !errors.Is(err, io.EOF) {
				rc.body.Close()
				return nil, pathError("open", name, err)
			}
			if rc.size >= 0 {
				rc.size = max(rc.size-offset, 0)
			}
		}
		if asked.end >= 0 {
			rc.Reader = io.LimitReader(rc.body, length)
			if rc.size > length {
				rc.size = length
			}
		}
	default:
		rc.body.Close()
		return nil, pathError("open", name, fmt.Errorf("the sandbox answered %d to a range request", rc.status))
	}
	rc.name = name
	return rc, nil
}

// download is an open file's body.
type download struct {
	io.Reader
	body         io.ReadCloser // finished on Close (see pipeline.Finishing)
	status       int
	size         int64  // the Content-Length, -1 when unknown
	contentRange string // of a 206
	name         string // for the errors of a ranged read, "" otherwise
}

func (d *download) Read(p []byte) (int, error) {
	n, err := d.Reader.Read(p)
	if err != nil && d.name != "" && !errors.Is(err, io.EOF) {
		err = pathError("read", d.name, err)
	}
	return n, err
}

// Close reads what little may be left of the body before closing it (see
// pipeline.Finishing): a caller who read the size it expected, or the end of a range cut
// from a whole file, leaves the connection to the next request. A Close during a Read (from
// another goroutine, to stop it) closes the body at once.
func (d *download) Close() error { return d.body.Close() }

func (s *Sandbox) open(ctx context.Context, op, name, byteRange string) (io.ReadCloser, error) {
	p, err := sandboxPath(name)
	if err != nil {
		return nil, err
	}
	raw := true
	params := &sandboxapi.ReadPathParams{Download: &raw}
	if byteRange != "" {
		params.Range = &byteRange
	}
	resp, err := s.api.ClientInterface.ReadPath(ctx, p, params, downloadEditor)
	if err != nil {
		return nil, pathError(op, name, err)
	}
	if resp.Header.Get("Content-Disposition") == "" && pipeline.IsJSON(resp.Header.Get("Content-Type")) {
		// Not the download of a file: a directory answers its listing whatever was asked.
		return s.listingOrJSON(resp, op, name)
	}
	body := pipeline.Finishing(resp.Body)
	return &download{Reader: body, body: body, status: resp.StatusCode, size: resp.ContentLength,
		contentRange: resp.Header.Get("Content-Range")}, nil
}

// maxListing caps what is read of a JSON answer that may be a directory listing.
const maxListing = 64 << 20

// listingOrJSON reads a JSON answer to a download: a directory's listing is the error
// errIsDir; anything else is the file's own content.
func (s *Sandbox) listingOrJSON(resp *http.Response, op, name string) (io.ReadCloser, error) {
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxListing+1))
	if err != nil {
		return nil, pathError(op, name, err)
	}
	if len(body) > maxListing {
		return nil, pathError(op, name, errors.New("the sandbox answered a JSON document instead of the file's bytes"))
	}
	var shape map[string]json.RawMessage
	if json.Unmarshal(body, &shape) == nil && shape["files"] != nil && shape["subdirectories"] != nil && shape["content"] == nil {
		return nil, &fs.PathError{Op: op, Path: name, Err: errIsDir}
	}
	return &download{Reader: bytes.NewReader(body), body: http.NoBody, status: resp.StatusCode, size: int64(len(body))}, nil
}

// ReadFile returns a file's bytes, read in download mode (binary content is safe).
func (s *Sandbox) ReadFile(ctx context.Context, name string) (_ []byte, err error) {
	ctx, op := s.p.StartOperation(ctx, "sandbox.ReadFile")
	defer func() { op.End(err) }()
	rc, err := s.Open(ctx, name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var buf bytes.Buffer
	if d, ok := rc.(*download); ok && d.size > 0 && d.size < 1<<30 {
		buf.Grow(int(d.size))
	}
	if _, err := buf.ReadFrom(rc); err != nil {
		return nil, pathError("read", name, err)
	}
	return buf.Bytes(), nil
}

// FileInfo describes a file or directory of a sandbox; Sys returns the sandboxapi.File of a
// file (its owner and group), nil for a directory. The API reports neither the mode nor the
// time of a directory: its Mode is fs.ModeDir alone and its ModTime the zero time.
type fileInfo struct {
	name    string
	size    int64
	mode    fs.FileMode
	modTime time.Time
	sys     any
}

func (fi *fileInfo) Name() string               { return fi.name }
func (fi *fileInfo) Size() int64                { return fi.size }
func (fi *fileInfo) Mode() fs.FileMode          { return fi.mode }
func (fi *fileInfo) ModTime() time.Time         { return fi.modTime }
func (fi *fileInfo) IsDir() bool                { return fi.mode.IsDir() }
func (fi *fileInfo) Sys() any                   { return fi.sys }
func (fi *fileInfo) Type() fs.FileMode          { return fi.mode.Type() }
func (fi *fileInfo) Info() (fs.FileInfo, error) { return fi, nil }
func (fi *fileInfo) String() string             { return fs.FormatFileInfo(fi) }

func fileInfoOf(f sandboxapi.File) *fileInfo {
	f.Name = path.Base(cmp.Or(f.Name, f.Path))
	mode := fs.FileMode(0)
	if v, err := strconv.ParseUint(f.Permissions, 8, 32); err == nil {
		// The sandbox prints Go's fs.FileMode in octal: type bits included (a symlink is 1000000777).
		mode = fs.FileMode(v)
	}
	return &fileInfo{name: f.Name, size: f.Size, mode: mode, modTime: f.LastModified, sys: f}
}

func dirInfoOf(name string) *fileInfo {
	return &fileInfo{name: name, mode: fs.ModeDir}
}

// errNotDir is the error of listing a file.
var errNotDir = errors.New("not a directory")

// ReadDir lists a directory, one level, sorted by name. A path that is not a directory is
// an error; one that does not exist matches fs.ErrNotExist.
func (s *Sandbox) ReadDir(ctx context.Context, name string) (_ []fs.DirEntry, err error) {
	ctx, op := s.p.StartOperation(ctx, "sandbox.ReadDir")
	defer func() { op.End(err) }()
	dir, err := s.listing(ctx, "readdir", name)
	if errors.Is(err, blaxel.ErrBadRequest) {
		// The sandbox says "not a directory" for a file and for nothing at all alike.
		var apiErr *blaxel.APIError
		errors.As(err, &apiErr)
		if _, statErr := s.Stat(ctx, name); errors.Is(statErr, fs.ErrNotExist) {
			return nil, &fs.PathError{Op: "readdir", Path: name, Err: notExist{apiErr}}
		} else if statErr == nil {
			return nil, &fs.PathError{Op: "readdir", Path: name, Err: errNotDir}
		}
	}
	if err != nil {
		return nil, err
	}
	listed, _ := sandboxPath(name)
	entries := make([]fs.DirEntry, 0, len(dir.Files)+len(dir.Subdirectories))
	for _, f := range dir.Files {
		base, err := entryName(listed, f.Name, f.Path)
		if err != nil {
			return nil, &fs.PathError{Op: "readdir", Path: name, Err: err}
		}
		f.Name = base
		entries = append(entries, fileInfoOf(f))
	}
	for _, d := range dir.Subdirectories {
		base, err := entryName(listed, d.Name, d.Path)
		if err != nil {
			return nil, &fs.PathError{Op: "readdir", Path: name, Err: err}
		}
		entries = append(entries, dirInfoOf(base))
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return entries, nil
}

// entryName is the name of an entry of the directory dir, as its listing gives it (its name,
// or else the last element of its path). A name that could not be an entry of dir (empty,
// "." or "..", with a "/" or a NUL, or a path elsewhere than in dir) is refused: a walk that
// joined it to dir would list dir itself, its parent or another place, without end.
func entryName(dir, name, full string) (string, error) {
	if name == "" && full != "" && !strings.HasSuffix(full, "/") && path.Dir(path.Clean(full)) == dir {
		name = path.Base(full)
	}
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00") {
		return "", fmt.Errorf("the sandbox listed an entry named %q, which cannot be an entry of a directory", name)
	}
	return name, nil
}

// listing reads one level of a directory (GetTree, which refuses a file rather than reading
// it, as ReadPath would).
func (s *Sandbox) listing(ctx context.Context, op, name string) (*sandboxapi.Directory, error) {
	p, err := sandboxPath(name)
	if err != nil {
		return nil, err
	}
	resp, err := s.api.GetTreeWithResponse(ctx, p)
	if err != nil {
		return nil, pathError(op, name, err)
	}
	dir, err := json200(s.p.Redact, resp.JSON200, resp.HTTPResponse, resp.Body)
	if err != nil {
		return nil, pathError(op, name, err)
	}
	return dir, nil
}

// Stat describes a file or directory, from its parent's listing (reading the path itself
// would read a file's whole content).
func (s *Sandbox) Stat(ctx context.Context, name string) (_ fs.FileInfo, err error) {
	ctx, op := s.p.StartOperation(ctx, "sandbox.Stat")
	defer func() { op.End(err) }()
	p, err := sandboxPath(name)
	if err != nil {
		return nil, err
	}
	if p == "/" {
		return dirInfoOf("/"), nil
	}
	dir, err := s.listing(ctx, "stat", path.Dir(p))
	if errors.Is(err, blaxel.ErrBadRequest) || errors.Is(err, blaxel.ErrNotFound) {
		// The parent is missing, or is a file: either way nothing is at the path.
		var apiErr *blaxel.APIError
		errors.As(err, &apiErr)
		return nil, &fs.PathError{Op: "stat", Path: name, Err: notExist{apiErr}}
	}
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			pe.Path = name
		}
		return nil, err
	}
	base := path.Base(p)
	for _, f := range dir.Files {
		if path.Base(cmp.Or(f.Name, f.Path)) == base {
			return fileInfoOf(f), nil
		}
	}
	for _, d := range dir.Subdirectories {
		if path.Base(cmp.Or(d.Name, d.Path)) == base {
			return dirInfoOf(base), nil
		}
	}
	return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
}

// MkdirAll creates a directory and its missing parents (perm 0 leaves the sandbox's 0755).
func (s *Sandbox) MkdirAll(ctx context.Context, name string, perm fs.FileMode) (err error) {
	ctx, op := s.p.StartOperation(ctx, "sandbox.MkdirAll")
	defer func() { op.End(err) }()
	p, err := sandboxPath(name)
	if err != nil {
		return err
	}
	isDir := true
	body := sandboxapi.FileRequest{IsDirectory: &isDir}
	if perm.Perm() != 0 {
		mode := fmt.Sprintf("%04o", perm.Perm())
		body.Permissions = &mode
	}
	if _, err := s.api.WritePathWithResponse(ctx, p, body); err != nil {
		return pathError("mkdir", name, err)
	}
	return nil
}

// Remove deletes a file or an empty directory.
func (s *Sandbox) Remove(ctx context.Context, name string) (err error) {
	ctx, op := s.p.StartOperation(ctx, "sandbox.Remove")
	defer func() { op.End(err) }()
	p, err := sandboxPath(name)
	if err != nil {
		return err
	}
	if _, err := s.api.DeletePathWithResponse(ctx, p, nil); err != nil {
		return pathError("remove", name, err)
	}
	return nil
}

// RemoveAll deletes a path and everything below it; a path that does not exist is not an
// error. The root is refused: a path such as "../.." that cleans to it would wipe the sandbox.
func (s *Sandbox) RemoveAll(ctx context.Context, name string) (err error) {
	ctx, op := s.p.StartOperation(ctx, "sandbox.RemoveAll")
	defer func() { op.End(err) }()
	p, err := sandboxPath(name)
	if err != nil {
		return err
	}
	if p == "/" {
		return &fs.PathError{Op: "removeall", Path: name, Err: errors.New("refusing to remove the root of the sandbox")}
	}
	recursive := true
	if _, err := s.api.DeletePathWithResponse(ctx, p, &sandboxapi.DeletePathParams{Recursive: &recursive}); err != nil {
		if errors.Is(err, blaxel.ErrNotFound) {
			return nil
		}
		return pathError("removeall", name, err)
	}
	return nil
}

// Find walks the tree under dir for names matching params.Patterns (globs), 20 by default.
func (s *Sandbox) Find(ctx context.Context, dir string, params *sandboxapi.FindFilesParams) (_ *sandboxapi.FindResponse, err error) {
	ctx, op := s.p.StartOperation(ctx, "sandbox.Find")
	defer func() { op.End(err) }()
	p, err := sandboxPath(dir)
	if err != nil {
		return nil, err
	}
	resp, err := s.api.FindFilesWithResponse(ctx, p, params)
	if err != nil {
		return nil, pathError("find", dir, err)
	}
	return json200(s.p.Redact, resp.JSON200, resp.HTTPResponse, resp.Body)
}

// Search calls the sandbox's fuzzy search (filesystem-search) and returns its answer as it
// is. What the sandbox does with it, as its server of August 2026 does: it walks dir
// (skipping hidden entries and params.ExcludeDirs, node_modules, vendor, .git and the like
// by default), ranks every entry's path relative to dir by a fuzzy match (fzf's, case
// insensitive) against the query, which is the path it was given, dir itself, and answers
// the best params.MaxResults (20 by default). It ignores params.Patterns. Since this
// client sends dir as an absolute path, that query matches hardly any relative path: to
// select files by name, use Find, whose Patterns are globs.
func (s *Sandbox) Search(ctx context.Context, dir string, params *sandboxapi.SearchFilesParams) (_ *sandboxapi.FuzzySearchResponse, err error) {
	ctx, op := s.p.StartOperation(ctx, "sandbox.Search")
	defer func() { op.End(err) }()
	p, err := sandboxPath(dir)
	if err != nil {
		return nil, err
	}
	resp, err := s.api.SearchFilesWithResponse(ctx, p, params)
	if err != nil {
		return nil, pathError("search", dir, err)
	}
	return json200(s.p.Redact, resp.JSON200, resp.HTTPResponse, resp.Body)
}

// Grep searches the text of the files under dir for params.Query (case-insensitive and 100
// matches unless params say otherwise).
func (s *Sandbox) Grep(ctx context.Context, dir string, params sandboxapi.GrepFilesParams) (_ *sandboxapi.ContentSearchResponse, err error) {
	ctx, op := s.p.StartOperation(ctx, "sandbox.Grep")
	defer func() { op.End(err) }()
	if params.Query == "" {
		return nil, errors.New("blaxel: Grep: the query is empty")
	}
	p, err := sandboxPath(dir)
	if err != nil {
		return nil, err
	}
	resp, err := s.api.GrepFilesWithResponse(ctx, p, &params)
	if err != nil {
		return nil, pathError("grep", dir, err)
	}
	return json200(s.p.Redact, resp.JSON200, resp.HTTPResponse, resp.Body)
}
