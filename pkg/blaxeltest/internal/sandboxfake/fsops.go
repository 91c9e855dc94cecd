package sandboxfake

import (
	"io/fs"
	"os"
	"path"
	"strings"
	"syscall"
)

// The operations of the file built-ins (mkdir, touch, mv) that the request handlers do not
// need: each acts as the system call of its name would, with its errors.

// parentLocked returns the directory that holds p. The caller holds f.mu.
func (f *sandboxFS) parentLocked(op, p string) (*fsNode, error) {
	if err := nameError(p); err != nil {
		return nil, &fs.PathError{Op: op, Path: p, Err: err}
	}
	parent, err := f.lookup(path.Dir(p))
	if err == nil && !parent.dir {
		err = syscall.ENOTDIR
	}
	if err != nil {
		return nil, &fs.PathError{Op: op, Path: p, Err: err}
	}
	return parent, nil
}

// mkdir makes the directory p, whose parent must exist, as mkdir(2) does.
func (f *sandboxFS) mkdir(p string, perm fs.FileMode) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p == "/" {
		return &fs.PathError{Op: "mkdir", Path: p, Err: syscall.EEXIST}
	}
	parent, err := f.parentLocked("mkdir", p)
	if err != nil {
		return err
	}
	name := path.Base(p)
	if parent.children[name] != nil {
		return &fs.PathError{Op: "mkdir", Path: p, Err: syscall.EEXIST}
	}
	parent.children[name] = &fsNode{dir: true, perm: perm.Perm(), mtime: f.now(), children: map[string]*fsNode{}}
	parent.mtime = f.now()
	f.watches.emit("CREATE", p)
	return nil
}

// touch sets the modification time of p to now, or creates it empty (0644) when its parent
// exists.
func (f *sandboxFS) touch(p string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n, err := f.lookup(p); err == nil {
		n.mtime = f.now()
		f.watches.emit("CHMOD", p) // a change of attributes, as the kernel reports one
		return nil
	}
	parent, err := f.parentLocked("open", p)
	if err != nil {
		return err
	}
	parent.children[path.Base(p)] = &fsNode{perm: 0o644, mtime: f.now()}
	parent.mtime = f.now()
	f.watches.emit("CREATE", p)
	return nil
}

// rename moves the file or directory from to the path to, replacing what is there when
// rename(2) would: a file by a file, an empty directory by a directory.
func (f *sandboxFS) rename(from, to string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	fail := func(err error) error { return &os.LinkError{Op: "rename", Old: from, New: to, Err: err} }
	if from == "/" || to == "/" {
		return fail(syscall.EBUSY)
	}
	oldParent, err := f.parentLocked("rename", from)
	if err != nil {
		return fail(unwrapPath(err))
	}
	n := oldParent.children[path.Base(from)]
	if n == nil {
		return fail(syscall.ENOENT)
	}
	if from == to {
		return nil
	}
	if n.dir && strings.HasPrefix(to, from+"/") {
		return fail(syscall.EINVAL)
	}
	newParent, err := f.parentLocked("rename", to)
	if err != nil {
		return fail(unwrapPath(err))
	}
	if old := newParent.children[path.Base(to)]; old != nil {
		switch {
		case old.dir && !n.dir:
			return fail(syscall.EISDIR)
		case !old.dir && n.dir:
			return fail(syscall.ENOTDIR)
		case old.dir && len(old.children) > 0:
			return fail(syscall.ENOTEMPTY)
		}
		f.removeTree(to, old)
	}
	delete(oldParent.children, path.Base(from))
	newParent.children[path.Base(to)] = n
	oldParent.mtime, newParent.mtime = f.now(), f.now()
	f.watches.emit("RENAME", from)
	f.watches.emit("CREATE", to)
	return nil
}

// unwrapPath is the cause of a *fs.PathError, or err.
func unwrapPath(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}
