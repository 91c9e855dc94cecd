package sandboxfake

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"syscall"
)

// The file tools of a shell, acting on the sandbox's own files and never on the host's: what
// Blaxel's SDKs run through a process to copy or move files (cp -r, mv...), and what a test's
// commands commonly use. Their messages and exit codes are coreutils' for the same failures.

// shellBuiltins adds the shell's tools to the built-ins.
func (c *commandSet) shellBuiltins() {
	for name, fn := range map[string]CommandFunc{
		"cp": cpCommand, "mv": mvCommand, "rm": rmCommand, "mkdir": mkdirCommand, "touch": touchCommand,
		"ls": lsCommand, "head": headCommand, "wc": wcCommand, "true": trueCommand, "false": falseCommand,
		"sh": c.shCommand, "bash": c.shCommand,
	} {
		c.byName[name] = fn
	}
}

func trueCommand(context.Context, *Process) int  { return 0 }
func falseCommand(context.Context, *Process) int { return 1 }

// flags cuts args into the one-letter options that allowed lists (clustered or not, up to
// "--") and the operands. An unknown option is reported as coreutils reports it.
func flags(p *Process, allowed string) (set map[byte]bool, operands []string, ok bool) {
	set = map[byte]bool{}
	args := p.Args[1:]
	for i, a := range args {
		if a == "--" {
			return set, append(operands, args[i+1:]...), true
		}
		if len(a) < 2 || a[0] != '-' {
			operands = append(operands, a)
			continue
		}
		for j := 1; j < len(a); j++ {
			if !strings.ContainsRune(allowed, rune(a[j])) {
				fmt.Fprintf(p.Stderr, "%s: invalid option -- '%c'\nTry '%s --help' for more information.\n", p.Args[0], a[j], p.Args[0])
				return nil, nil, false
			}
			set[a[j]] = true
		}
	}
	return set, operands, true
}

// stat is what the sandbox's file p (relative to the working directory) is.
func (p *Process) stat(name string) (fileInfo, error) { return p.sb.fs.stat(p.path(name)) }

func mkdirCommand(_ context.Context, p *Process) int {
	opts, dirs, ok := flags(p, "p")
	if !ok {
		return 1
	}
	if len(dirs) == 0 {
		fmt.Fprintln(p.Stderr, "mkdir: missing operand")
		return 1
	}
	code := 0
	for _, d := range dirs {
		var err error
		if opts['p'] {
			err = p.sb.fs.mkdirAll(p.path(d), 0o755)
			if errors.Is(err, syscall.ENOTDIR) {
				err = syscall.EEXIST // a file on the way: coreutils says the name exists
			}
		} else {
			err = p.sb.fs.mkdir(p.path(d), 0o755)
		}
		if err != nil {
			fmt.Fprintf(p.Stderr, "mkdir: cannot create directory '%s': %s\n", d, errText(err))
			code = 1
		}
	}
	return code
}

func touchCommand(_ context.Context, p *Process) int {
	_, files, ok := flags(p, "")
	if !ok {
		return 1
	}
	if len(files) == 0 {
		fmt.Fprintln(p.Stderr, "touch: missing file operand")
		return 1
	}
	code := 0
	for _, f := range files {
		if err := p.sb.fs.touch(p.path(f)); err != nil {
			fmt.Fprintf(p.Stderr, "touch: cannot touch '%s': %s\n", f, errText(err))
			code = 1
		}
	}
	return code
}

func rmCommand(_ context.Context, p *Process) int {
	opts, files, ok := flags(p, "rRfd")
	if !ok {
		return 1
	}
	force, recursive := opts['f'], opts['r'] || opts['R']
	if len(files) == 0 {
		if force {
			return 0
		}
		fmt.Fprintln(p.Stderr, "rm: missing operand")
		return 1
	}
	code := 0
	for _, f := range files {
		target := p.path(f)
		info, err := p.sb.fs.stat(target)
		switch {
		case err != nil && force && errors.Is(err, fs.ErrNotExist):
			continue
		case err == nil && info.dir && !recursive && !opts['d']:
			err = syscall.EISDIR
		case err == nil && target == "/":
			fmt.Fprintln(p.Stderr, "rm: it is dangerous to operate recursively on '/'")
			code = 1
			continue
		case err == nil:
			err = p.sb.fs.remove(target, recursive)
		}
		if err != nil {
			fmt.Fprintf(p.Stderr, "rm: cannot remove '%s': %s\n", f, errText(err))
			code = 1
		}
	}
	return code
}

// destinations pairs each source operand with where cp or mv puts it: into the last operand
// when it is a directory, else (one source only) at it.
func destinations(p *Process, operands []string) (sources, targets []string, ok bool) {
	tool := p.Args[0]
	switch len(operands) {
	case 0:
		fmt.Fprintf(p.Stderr, "%s: missing file operand\n", tool)
		return nil, nil, false
	case 1:
		fmt.Fprintf(p.Stderr, "%s: missing destination file operand after '%s'\n", tool, operands[0])
		return nil, nil, false
	}
	sources, dst := operands[:len(operands)-1], operands[len(operands)-1]
	info, err := p.stat(dst)
	into := err == nil && info.dir
	if !into && len(sources) > 1 {
		fmt.Fprintf(p.Stderr, "%s: target '%s' is not a directory\n", tool, dst)
		return nil, nil, false
	}
	for _, src := range sources {
		if into {
			targets = append(targets, path.Join(dst, path.Base(path.Clean(formatPath(src)))))
		} else {
			targets = append(targets, dst)
		}
	}
	return sources, targets, true
}

func cpCommand(_ context.Context, p *Process) int {
	opts, operands, ok := flags(p, "rRafpv")
	if !ok {
		return 1
	}
	sources, targets, ok := destinations(p, operands)
	if !ok {
		return 1
	}
	recursive := opts['r'] || opts['R'] || opts['a']
	code := 0
	for i, src := range sources {
		if msg := copyTree(p, src, targets[i], recursive); msg != "" {
			fmt.Fprintln(p.Stderr, "cp: "+msg)
			code = 1
		}
	}
	return code
}

// copyTree copies the file or directory src to dst; it returns what cp would say of a
// failure, "" for none.
func copyTree(p *Process, src, dst string, recursive bool) string {
	from, to := p.path(src), p.path(dst)
	info, err := p.sb.fs.stat(from)
	if err != nil {
		return fmt.Sprintf("cannot stat '%s': %s", src, errText(err))
	}
	existing, err := p.sb.fs.stat(to)
	exists := err == nil
	switch {
	case info.dir && !recursive:
		return fmt.Sprintf("-r not specified; omitting directory '%s'", src)
	case from == to:
		return fmt.Sprintf("'%s' and '%s' are the same file", src, dst)
	case info.dir && strings.HasPrefix(to, from+"/"):
		return fmt.Sprintf("cannot copy a directory, '%s', into itself, '%s'", src, dst)
	case info.dir && exists && !existing.dir:
		return fmt.Sprintf("cannot overwrite non-directory '%s' with directory '%s'", dst, src)
	case !info.dir && exists && existing.dir:
		return fmt.Sprintf("cannot overwrite directory '%s' with non-directory", dst)
	}
	if parent, err := p.sb.fs.stat(path.Dir(to)); err != nil || !parent.dir {
		if err == nil {
			err = syscall.ENOTDIR
		}
		kind := "regular file"
		if info.dir {
			kind = "directory"
		}
		return fmt.Sprintf("cannot create %s '%s': %s", kind, dst, errText(err))
	}
	if !info.dir {
		if err := copyFile(p, from, to, info.perm); err != nil {
			return fmt.Sprintf("cannot create regular file '%s': %s", dst, errText(err))
		}
		return ""
	}
	// A directory: what is in it now, then its copies, parents before children.
	var tree []fileInfo
	if err := p.sb.fs.walk(from, func(fi fileInfo, err error) error {
		if err == nil {
			tree = append(tree, fi)
		}
		return err
	}); err != nil {
		return fmt.Sprintf("cannot access '%s': %s", src, errText(err))
	}
	for _, fi := range tree {
		target := to + strings.TrimPrefix(fi.path, from)
		var err error
		if fi.dir {
			err = p.sb.fs.mkdirAll(target, fi.perm)
		} else {
			err = copyFile(p, fi.path, target, fi.perm)
		}
		if err != nil {
			return fmt.Sprintf("cannot create '%s': %s", path.Join(dst, strings.TrimPrefix(fi.path, from)), errText(err))
		}
	}
	return ""
}

func copyFile(p *Process, from, to string, perm fs.FileMode) error {
	r, _, err := p.sb.fs.open(from)
	if err != nil {
		return err
	}
	defer r.Close()
	return p.sb.fs.writeFile(to, r, perm)
}

func mvCommand(_ context.Context, p *Process) int {
	_, operands, ok := flags(p, "fnv")
	if !ok {
		return 1
	}
	sources, targets, ok := destinations(p, operands)
	if !ok {
		return 1
	}
	code := 0
	for i, src := range sources {
		err := p.sb.fs.rename(p.path(src), p.path(targets[i]))
		switch {
		case err == nil:
			continue
		case errors.Is(err, syscall.ENOENT):
			if _, serr := p.stat(src); serr != nil {
				fmt.Fprintf(p.Stderr, "mv: cannot stat '%s': %s\n", src, errText(serr))
			} else {
				fmt.Fprintf(p.Stderr, "mv: cannot move '%s' to '%s': %s\n", src, targets[i], errText(err))
			}
		case errors.Is(err, syscall.EINVAL):
			fmt.Fprintf(p.Stderr, "mv: cannot move '%s' to a subdirectory of itself, '%s'\n", src, targets[i])
		case errors.Is(err, syscall.EISDIR):
			fmt.Fprintf(p.Stderr, "mv: cannot overwrite directory '%s' with non-directory\n", targets[i])
		case errors.Is(err, syscall.ENOTDIR):
			fmt.Fprintf(p.Stderr, "mv: cannot overwrite non-directory '%s' with directory '%s'\n", targets[i], src)
		default:
			fmt.Fprintf(p.Stderr, "mv: cannot move '%s' to '%s': %s\n", src, targets[i], errText(err))
		}
		code = 1
	}
	return code
}

func lsCommand(_ context.Context, p *Process) int {
	opts, operands, ok := flags(p, "1aAlF")
	if !ok {
		return 2
	}
	if len(operands) == 0 {
		operands = []string{"."}
	}
	code := 0
	var files []fileInfo
	var fileNames, dirs []string
	for _, o := range operands {
		info, err := p.stat(o)
		switch {
		case err != nil:
			fmt.Fprintf(p.Stderr, "ls: cannot access '%s': %s\n", o, errText(err))
			code = 2
		case info.dir:
			dirs = append(dirs, o)
		default:
			files, fileNames = append(files, info), append(fileNames, o)
		}
	}
	for i, f := range files {
		lsEntry(p, f, fileNames[i], opts['l'])
	}
	for i, d := range dirs {
		if len(operands) > 1 {
			if i > 0 || len(files) > 0 {
				fmt.Fprintln(p.Stdout)
			}
			fmt.Fprintf(p.Stdout, "%s:\n", d)
		}
		entries, err := p.sb.fs.list(p.path(d))
		if err != nil {
			fmt.Fprintf(p.Stderr, "ls: cannot open directory '%s': %s\n", d, errText(err))
			code = 2
			continue
		}
		if opts['a'] {
			for _, dot := range []string{".", ".."} {
				info, _ := p.sb.fs.stat(path.Join(p.path(d), dot))
				lsEntry(p, info, dot, opts['l'])
			}
		}
		for _, e := range entries {
			if name := path.Base(e.path); opts['a'] || opts['A'] || !strings.HasPrefix(name, ".") {
				lsEntry(p, e, name, opts['l'])
			}
		}
	}
	return code
}

// lsEntry prints one name, or with long a line of ls -l.
func lsEntry(p *Process, info fileInfo, name string, long bool) {
	if !long {
		fmt.Fprintln(p.Stdout, name)
		return
	}
	size := info.size
	if info.dir {
		size = 4096
	}
	fmt.Fprintf(p.Stdout, "%s 1 root root %d %s %s\n", info.mode(), size, info.mtime.UTC().Format("Jan _2 15:04"), name)
}

func headCommand(_ context.Context, p *Process) int {
	lines, files := 10, []string(nil)
	args := p.Args[1:]
	for i := 0; i < len(args); i++ {
		a, value := args[i], ""
		switch {
		case a == "-n" && i+1 < len(args):
			i++
			value = args[i]
		case strings.HasPrefix(a, "-n"):
			value = a[2:]
		case len(a) > 1 && a[0] == '-' && a[1] >= '0' && a[1] <= '9':
			value = a[1:]
		case len(a) > 1 && a[0] == '-':
			fmt.Fprintf(p.Stderr, "head: invalid option -- '%c'\nTry 'head --help' for more information.\n", a[1])
			return 1
		default:
			files = append(files, a)
			continue
		}
		n, err := strconv.Atoi(value)
		if err != nil || n < 0 {
			fmt.Fprintf(p.Stderr, "head: invalid number of lines: '%s'\n", value)
			return 1
		}
		lines = n
	}
	if len(files) == 0 {
		fmt.Fprintln(p.Stderr, "head: the fake reads files only: name one")
		return 1
	}
	code := 0
	for i, f := range files {
		data, err := p.ReadFile(f)
		if err != nil {
			fmt.Fprintf(p.Stderr, "head: cannot open '%s' for reading: %s\n", f, errText(err))
			code = 1
			continue
		}
		if len(files) > 1 {
			if i > 0 {
				fmt.Fprintln(p.Stdout)
			}
			fmt.Fprintf(p.Stdout, "==> %s <==\n", f)
		}
		end := 0
		for n := 0; n < lines && end < len(data); n++ {
			next := bytes.IndexByte(data[end:], '\n')
			if next < 0 {
				end = len(data)
				break
			}
			end += next + 1
		}
		_, _ = p.Stdout.Write(data[:end])
	}
	return code
}

func wcCommand(_ context.Context, p *Process) int {
	opts, files, ok := flags(p, "lwcm")
	if !ok {
		return 1
	}
	if len(files) == 0 {
		fmt.Fprintln(p.Stderr, "wc: the fake reads files only: name one")
		return 1
	}
	if !opts['l'] && !opts['w'] && !opts['c'] && !opts['m'] {
		opts['l'], opts['w'], opts['c'] = true, true, true
	}
	type counts struct{ lines, words, bytes int }
	var rows []counts
	var names []string
	var total counts
	code := 0
	for _, f := range files {
		data, err := p.ReadFile(f)
		if err != nil {
			fmt.Fprintf(p.Stderr, "wc: %s: %s\n", f, errText(err))
			code = 1
			continue
		}
		c := counts{bytes.Count(data, []byte("\n")), len(bytes.Fields(data)), len(data)}
		rows, names = append(rows, c), append(names, f)
		total.lines, total.words, total.bytes = total.lines+c.lines, total.words+c.words, total.bytes+c.bytes
	}
	if len(rows) > 1 {
		rows, names = append(rows, total), append(names, "total")
	}
	columns := 0
	for _, on := range []bool{opts['l'], opts['w'], opts['c'] || opts['m']} {
		if on {
			columns++
		}
	}
	// coreutils pads every number to the width of the total size, unless one number of one
	// file is printed.
	width := len(strconv.Itoa(total.bytes))
	if columns == 1 && len(files) == 1 {
		width = 1
	}
	for i, c := range rows {
		var out []string
		if opts['l'] {
			out = append(out, fmt.Sprintf("%*d", width, c.lines))
		}
		if opts['w'] {
			out = append(out, fmt.Sprintf("%*d", width, c.words))
		}
		if opts['c'] || opts['m'] {
			out = append(out, fmt.Sprintf("%*d", width, c.bytes))
		}
		fmt.Fprintf(p.Stdout, "%s %s\n", strings.Join(out, " "), names[i])
	}
	return code
}
