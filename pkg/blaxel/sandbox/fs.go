package sandbox

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"path"
)

// FS returns the sandbox's files as an fs.FS rooted at the sandbox's "/": fs.WalkDir,
// fs.Glob, fs.Sub, http.FS and template.ParseFS then work on a sandbox. Every request it makes
// uses ctx. Files it opens stream their content and can Seek (each seek that moves opens a
// ranged download), which http.FileServer needs; it also implements fs.StatFS, fs.ReadDirFS
// and fs.ReadFileFS.
func (s *Sandbox) FS(ctx context.Context) fs.FS {
	return &sandboxFS{s: s, ctx: ctx}
}

type sandboxFS struct {
	s   *Sandbox
	ctx context.Context
}

// path turns an fs.FS name ("a/b", "." for the root) into the sandbox's absolute path.
func (f *sandboxFS) path(op, name string) (string, error) {
	if !fs.ValidPath(name) {
		return "", &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	return path.Join("/", name), nil
}

// named reports an error with the name the caller gave, as fs.FS implementations must.
func named(err error, name string) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return &fs.PathError{Op: pe.Op, Path: name, Err: pe.Err}
	}
	return err
}

func (f *sandboxFS) Open(name string) (fs.File, error) {
	info, p, err := f.stat("open", name)
	if err != nil {
		return nil, err
	}
	if info.IsDir() {
		return &sandboxDir{fsys: f, name: name, path: p, info: info}, nil
	}
	return &sandboxFile{fsys: f, name: name, path: p, info: info}, nil
}

func (f *sandboxFS) Stat(name string) (fs.FileInfo, error) {
	info, _, err := f.stat("stat", name)
	return info, err
}

func (f *sandboxFS) stat(op, name string) (*fileInfo, string, error) {
	p, err := f.path(op, name)
	if err != nil {
		return nil, "", err
	}
	info, err := f.s.Stat(f.ctx, p)
	if err != nil {
		return nil, "", named(err, name)
	}
	fi := *info.(*fileInfo)
	fi.name = path.Base(name) // "." for the root, as os.DirFS says
	return &fi, p, nil
}

func (f *sandboxFS) ReadDir(name string) ([]fs.DirEntry, error) {
	p, err := f.path("readdir", name)
	if err != nil {
		return nil, err
	}
	entries, err := f.s.ReadDir(f.ctx, p)
	return entries, named(err, name)
}

func (f *sandboxFS) ReadFile(name string) ([]byte, error) {
	p, err := f.path("readfile", name)
	if err != nil {
		return nil, err
	}
	data, err := f.s.ReadFile(f.ctx, p)
	return data, named(err, name)
}

// sandboxFile is an open file: its content is downloaded as it is read, from the offset.
type sandboxFile struct {
	fsys   *sandboxFS
	name   string
	path   string
	info   *fileInfo
	offset int64
	body   io.ReadCloser // the download in progress, nil before the first Read or after a Seek
	closed bool
}

func (f *sandboxFile) Stat() (fs.FileInfo, error) { return f.info, nil }

func (f *sandboxFile) Read(p []byte) (int, error) {
	if f.closed {
		return 0, &fs.PathError{Op: "read", Path: f.name, Err: fs.ErrClosed}
	}
	if f.body == nil {
		if f.offset >= f.info.size && f.info.size > 0 {
			return 0, io.EOF
		}
		var body io.ReadCloser
		var err error
		if f.offset == 0 {
			body, err = f.fsys.s.Open(f.fsys.ctx, f.path)
		} else {
			body, err = f.fsys.s.OpenRange(f.fsys.ctx, f.path, f.offset, -1)
		}
		if err != nil {
			return 0, named(err, f.name)
		}
		f.body = body
	}
	n, err := f.body.Read(p)
	f.offset += int64(n)
	if err != nil && !errors.Is(err, io.EOF) {
		err = &fs.PathError{Op: "read", Path: f.name, Err: err}
	}
	return n, err
}

// Seek moves the offset of the next Read; io.SeekEnd counts from the size the file had when
// it was opened.
func (f *sandboxFile) Seek(offset int64, whence int) (int64, error) {
	if f.closed {
		return 0, &fs.PathError{Op: "seek", Path: f.name, Err: fs.ErrClosed}
	}
	switch whence {
	case io.SeekCurrent:
		offset += f.offset
	case io.SeekEnd:
		offset += f.info.size
	case io.SeekStart:
	default:
		return 0, &fs.PathError{Op: "seek", Path: f.name, Err: fs.ErrInvalid}
	}
	if offset < 0 {
		return 0, &fs.PathError{Op: "seek", Path: f.name, Err: fs.ErrInvalid}
	}
	if offset != f.offset && f.body != nil {
		f.body.Close()
		f.body = nil
	}
	f.offset = offset
	return offset, nil
}

func (f *sandboxFile) Close() error {
	if f.closed {
		return &fs.PathError{Op: "close", Path: f.name, Err: fs.ErrClosed}
	}
	f.closed = true
	if f.body != nil {
		return f.body.Close()
	}
	return nil
}

// sandboxDir is an open directory; its entries are listed at the first ReadDir.
type sandboxDir struct {
	fsys    *sandboxFS
	name    string
	path    string
	info    *fileInfo
	entries []fs.DirEntry
	listed  bool
	closed  bool
}

func (d *sandboxDir) Stat() (fs.FileInfo, error) { return d.info, nil }

func (d *sandboxDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.name, Err: errIsDir}
}

// ReadDir returns the next n entries (all that are left when n <= 0), as fs.ReadDirFile
// says: at the end, io.EOF when n > 0.
func (d *sandboxDir) ReadDir(n int) ([]fs.DirEntry, error) {
	if d.closed {
		return nil, &fs.PathError{Op: "readdir", Path: d.name, Err: fs.ErrClosed}
	}
	if !d.listed {
		entries, err := d.fsys.s.ReadDir(d.fsys.ctx, d.path)
		if err != nil {
			return nil, named(err, d.name)
		}
		d.entries, d.listed = entries, true
	}
	if n <= 0 {
		rest := d.entries
		d.entries = nil
		return rest, nil
	}
	if len(d.entries) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(d.entries))
	next := d.entries[:n]
	d.entries = d.entries[n:]
	return next, nil
}

func (d *sandboxDir) Close() error {
	if d.closed {
		return &fs.PathError{Op: "close", Path: d.name, Err: fs.ErrClosed}
	}
	d.closed = true
	return nil
}
