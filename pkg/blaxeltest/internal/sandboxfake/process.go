package sandboxfake

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"path"
	"time"
)

// Process is a process of a sandbox as the function scripting its command sees it (see
// HandleCommand). Its fields are what the request to start it said; they must not be changed.
type Process struct {
	Workspace  string            // the sandbox's workspace
	Sandbox    string            // the sandbox's name
	Name       string            // the process's name, given or made up
	PID        string            // the process's id, digits
	Command    string            // the command line as sent
	Args       []string          // the words of the command (of a list, the one running); Args[0] names it
	Env        map[string]string // the environment sent with the command, nil when none
	WorkingDir string            // the directory the process runs in, absolute
	Stdout     io.Writer         // what the process prints; each Write is one chunk of output
	Stderr     io.Writer

	sb   *sandbox
	proc *proc
}

// ReadFile reads a file of the sandbox; a relative name starts from the working directory.
func (p *Process) ReadFile(name string) ([]byte, error) {
	return p.sb.fs.readFile(p.path(name))
}

// WriteFile writes a file of the sandbox, making its parents; a relative name starts from
// the working directory. Watchers of the directory see the change.
func (p *Process) WriteFile(name string, data []byte, perm fs.FileMode) error {
	return p.sb.fs.writeFile(p.path(name), bytes.NewReader(data), perm)
}

// Listen opens a port: the sandbox's network routes list it for this process, and a start
// that waits for it (waitForPorts) is satisfied.
func (p *Process) Listen(port int) {
	p.sb.procs.listen(p.proc, port)
}

// Sleep waits for n seconds of the sandbox (see WithSandboxSecond), or until ctx ends.
func (p *Process) Sleep(ctx context.Context, n float64) error {
	t := time.NewTimer(time.Duration(n * float64(p.sb.host.cfg.Second)))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

func (p *Process) path(name string) string {
	name = formatPath(name)
	if path.IsAbs(name) {
		return path.Clean(name)
	}
	return path.Join(p.WorkingDir, name)
}

func (p *Process) open(name string) (io.ReadCloser, error) {
	r, _, err := p.sb.fs.open(p.path(name))
	return r, err
}
