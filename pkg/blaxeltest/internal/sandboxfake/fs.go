package sandboxfake

import (
	"errors"
	"io"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// sandboxFS is the filesystem of one sandbox: a tree of directories and files in memory,
// whose contents are blobs (in memory, or in the server's file directory). Paths here are
// absolute and clean; turning what a request says into such a path is paths.go's
// job. Every change is told to the watchers. Safe for concurrent use.
type sandboxFS struct {
	mu      sync.RWMutex
	root    *fsNode
	blobs   blobs
	now     func() time.Time
	watches *watchHub
}

// fsNode is a directory or a file.
type fsNode struct {
	dir      bool
	perm     fs.FileMode // permission bits only
	mtime    time.Time
	size     int64
	blob     string // a file's contents, "" for an empty file
	children map[string]*fsNode
}

// fileInfo is what a stat answers.
type fileInfo struct {
	path  string
	dir   bool
	perm  fs.FileMode
	mtime time.Time
	size  int64
}

// mode is the file mode as the server prints it: the permission bits, and for a directory
// the directory bit too (octal "20000000755").
func (i fileInfo) mode() fs.FileMode {
	if i.dir {
		return i.perm | fs.ModeDir
	}
	return i.perm
}

func newSandboxFS(b blobs, now func() time.Time, dirs ...string) *sandboxFS {
	f := &sandboxFS{blobs: b, now: now, watches: newWatchHub()}
	f.root = &fsNode{dir: true, perm: 0o755, mtime: now(), children: map[string]*fsNode{}}
	for _, d := range dirs {
		_ = f.mkdirAll(d, 0o755)
	}
	return f
}

// split returns the names along an absolute clean path; none for "/".
func split(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// Linux's limits on names, which the real server meets through its kernel.
const (
	nameMax = 255  // bytes in one name
	pathMax = 4096 // bytes in a path, its terminating NUL included
)

// nameError refuses a path the kernel would: a name or the whole path too long.
func nameError(p string) error {
	if len(p) >= pathMax {
		return syscall.ENAMETOOLONG
	}
	for _, name := range split(p) {
		if len(name) > nameMax {
			return syscall.ENAMETOOLONG
		}
	}
	return nil
}

// lookup returns the node at p, nil when there is none. The caller holds f.mu.
func (f *sandboxFS) lookup(p string) (*fsNode, error) {
	if err := nameError(p); err != nil {
		return nil, err
	}
	n := f.root
	for _, name := range split(p) {
		if !n.dir {
			return nil, syscall.ENOTDIR
		}
		n = n.children[name]
		if n == nil {
			return nil, syscall.ENOENT
		}
	}
	return n, nil
}

func (f *sandboxFS) stat(p string) (fileInfo, error) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	n, err := f.lookup(p)
	if err != nil {
		return fileInfo{}, &fs.PathError{Op: "stat", Path: p, Err: err}
	}
	return n.info(p), nil
}

func (n *fsNode) info(p string) fileInfo {
	return fileInfo{path: p, dir: n.dir, perm: n.perm, mtime: n.mtime, size: n.size}
}

// list returns the entries of a directory sorted by name.
func (f *sandboxFS) list(p string) ([]fileInfo, error) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	n, err := f.lookup(p)
	if err == nil && !n.dir {
		err = syscall.ENOTDIR
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: p, Err: err}
	}
	out := make([]fileInfo, 0, len(n.children))
	for _, name := range slices.Sorted(maps.Keys(n.children)) {
		out = append(out, n.children[name].info(path.Join(p, name)))
	}
	return out, nil
}

// mkdirAll makes a directory and its missing parents with perm, as os.MkdirAll does.
func (f *sandboxFS) mkdirAll(p string, perm fs.FileMode) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, err := f.mkdirAllLocked(p, perm)
	return err
}

// mkdirAllLocked makes the directories along p and returns the last. The caller holds f.mu.
func (f *sandboxFS) mkdirAllLocked(p string, perm fs.FileMode) (*fsNode, error) {
	if err := nameError(p); err != nil {
		return nil, &fs.PathError{Op: "mkdir", Path: p, Err: err}
	}
	n, at := f.root, "/"
	for _, name := range split(p) {
		at = path.Join(at, name)
		child := n.children[name]
		if child == nil {
			child = &fsNode{dir: true, perm: perm.Perm(), mtime: f.now(), children: map[string]*fsNode{}}
			n.children[name] = child
			n.mtime = f.now()
			f.watches.emit("CREATE", at)
		} else if !child.dir {
			return nil, &fs.PathError{Op: "mkdir", Path: at, Err: syscall.ENOTDIR}
		}
		n = child
	}
	return n, nil
}

// writeFile stores what r yields as the file p, making its parents (0755) as needed. A new
// file gets perm; an existing one keeps its mode, as os.WriteFile does. The contents are
// streamed to the blob store before the file changes, so readers see the old contents until
// the new ones are whole; if r fails, the file is removed, as the real server removes the
// target of an interrupted upload.
func (f *sandboxFS) writeFile(p string, r io.Reader, perm fs.FileMode) error {
	return f.storeFile(p, perm, func() (string, int64, error) { return f.blobs.put(r) })
}

// concatFile stores the blobs parts one after the other as the file p, as writeFile does;
// the parts stay in the store.
func (f *sandboxFS) concatFile(p string, parts []string, perm fs.FileMode) error {
	return f.storeFile(p, perm, func() (string, int64, error) { return f.blobs.concat(parts) })
}

// storeFile makes the blob that store returns the contents of p, once p is known writable.
func (f *sandboxFS) storeFile(p string, perm fs.FileMode, store func() (id string, size int64, err error)) error {
	if err := f.checkWritable(p); err != nil {
		return err
	}
	id, size, err := store()
	if err != nil {
		_ = f.remove(p, false)
		return err
	}
	return f.attach(p, id, size, perm)
}

// checkWritable refuses early a write that could not succeed: p is a directory, or one of
// its parents is a file.
func (f *sandboxFS) checkWritable(p string) error {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if p == "/" {
		return &fs.PathError{Op: "open", Path: p, Err: syscall.EISDIR}
	}
	if err := nameError(p); err != nil {
		return &fs.PathError{Op: "open", Path: p, Err: err}
	}
	n := f.root
	for _, name := range split(p) {
		if !n.dir {
			return &fs.PathError{Op: "open", Path: p, Err: syscall.ENOTDIR}
		}
		if n = n.children[name]; n == nil {
			return nil
		}
	}
	if n.dir {
		return &fs.PathError{Op: "open", Path: p, Err: syscall.EISDIR}
	}
	return nil
}

// attach makes the blob id the contents of the file p.
func (f *sandboxFS) attach(p, id string, size int64, perm fs.FileMode) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	parent, err := f.mkdirAllLocked(path.Dir(p), 0o755)
	if err != nil {
		f.dropBlob(id)
		return err
	}
	name := path.Base(p)
	n := parent.children[name]
	if n != nil && n.dir {
		f.dropBlob(id)
		return &fs.PathError{Op: "open", Path: p, Err: syscall.EISDIR}
	}
	created := n == nil
	if created {
		n = &fsNode{perm: perm.Perm()}
		parent.children[name] = n
		parent.mtime = f.now()
		f.watches.emit("CREATE", p)
	}
	old := n.blob
	n.blob, n.size, n.mtime = id, size, f.now()
	if size == 0 { // an empty file needs no blob
		f.dropBlob(id)
		n.blob = ""
	}
	f.dropBlob(old)
	if !created || size > 0 { // truncating an existing file is a write too
		f.watches.emit("WRITE", p)
	}
	return nil
}

func (f *sandboxFS) dropBlob(id string) {
	if id != "" {
		f.blobs.remove(id)
	}
}

// chmod sets the permission bits of p.
func (f *sandboxFS) chmod(p string, perm fs.FileMode) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.lookup(p)
	if err != nil {
		return &fs.PathError{Op: "chmod", Path: p, Err: err}
	}
	if n.perm != perm.Perm() {
		n.perm = perm.Perm()
		f.watches.emit("CHMOD", p)
	}
	return nil
}

// open returns a reader of the file p from its start, and what stat says of it.
func (f *sandboxFS) open(p string) (io.ReadSeekCloser, fileInfo, error) {
	f.mu.RLock()
	n, err := f.lookup(p)
	var info fileInfo
	var id string
	if err == nil {
		info, id = n.info(p), n.blob
		if n.dir {
			err = syscall.EISDIR
		}
	}
	f.mu.RUnlock()
	if err != nil {
		return nil, fileInfo{}, &fs.PathError{Op: "open", Path: p, Err: err}
	}
	if id == "" {
		return nopSeekCloser{strings.NewReader("")}, info, nil
	}
	r, err := f.blobs.open(id)
	if errors.Is(err, errNoBlob) {
		// Replaced between the lookup and the open: read the file again.
		return f.open(p)
	}
	return r, info, err
}

// readFile returns the whole contents of p.
func (f *sandboxFS) readFile(p string) ([]byte, error) {
	r, _, err := f.open(p)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// remove deletes p: a file, an empty directory, or with recursive any directory.
func (f *sandboxFS) remove(p string, recursive bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p == "/" {
		return &fs.PathError{Op: "remove", Path: p, Err: syscall.EBUSY}
	}
	if err := nameError(p); err != nil {
		return &fs.PathError{Op: "remove", Path: p, Err: err}
	}
	parent, err := f.lookup(path.Dir(p))
	if err == nil && !parent.dir {
		err = syscall.ENOTDIR
	}
	if err != nil {
		return &fs.PathError{Op: "remove", Path: p, Err: err}
	}
	n := parent.children[path.Base(p)]
	switch {
	case n == nil:
		return &fs.PathError{Op: "remove", Path: p, Err: syscall.ENOENT}
	case n.dir && len(n.children) > 0 && !recursive:
		return &fs.PathError{Op: "remove", Path: p, Err: syscall.ENOTEMPTY}
	}
	f.removeTree(p, n)
	delete(parent.children, path.Base(p))
	parent.mtime = f.now()
	return nil
}

// removeTree drops the contents below n, deepest first, telling the watchers of each.
func (f *sandboxFS) removeTree(p string, n *fsNode) {
	for _, name := range slices.Sorted(maps.Keys(n.children)) {
		f.removeTree(path.Join(p, name), n.children[name])
	}
	f.dropBlob(n.blob)
	f.watches.emit("REMOVE", p)
}

// walk visits p and everything below it in lexical order, as filepath.WalkDir does: fn may
// answer fs.SkipDir to skip a directory. A missing p is reported to fn as its error.
func (f *sandboxFS) walk(p string, fn func(info fileInfo, err error) error) error {
	f.mu.RLock()
	n, err := f.lookup(p)
	f.mu.RUnlock()
	if err != nil {
		return fn(fileInfo{path: p}, &fs.PathError{Op: "lstat", Path: p, Err: err})
	}
	err = f.walkNode(p, n, fn)
	if errors.Is(err, fs.SkipDir) || errors.Is(err, fs.SkipAll) {
		return nil
	}
	return err
}

func (f *sandboxFS) walkNode(p string, n *fsNode, fn func(fileInfo, error) error) error {
	f.mu.RLock()
	info := n.info(p)
	var names []string
	var kids []*fsNode
	if n.dir {
		names = slices.Sorted(maps.Keys(n.children))
		for _, name := range names {
			kids = append(kids, n.children[name])
		}
	}
	f.mu.RUnlock()
	if err := fn(info, nil); err != nil {
		if errors.Is(err, fs.SkipDir) && info.dir {
			return nil
		}
		return err
	}
	for i, name := range names {
		if err := f.walkNode(path.Join(p, name), kids[i], fn); err != nil {
			return err
		}
	}
	return nil
}

// close forgets every file.
func (f *sandboxFS) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	var drop func(*fsNode)
	drop = func(n *fsNode) {
		f.dropBlob(n.blob)
		for _, c := range n.children {
			drop(c)
		}
	}
	drop(f.root)
	f.root = &fsNode{dir: true, perm: 0o755, children: map[string]*fsNode{}}
	f.watches.closeAll()
}
