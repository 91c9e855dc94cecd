package sandboxtools

import (
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/blaxel-go/blaxel/internal/option"
	"github.com/blaxel-go/blaxel/pkg/blaxel/sandbox"
)

// Defaults of the bounds; see the options.
const (
	DefaultMaxRead        = 256 << 10 // bytes of a file one read_file answers
	DefaultMaxOutput      = 64 << 10  // bytes of each output of a command that run_command answers
	DefaultMaxEntries     = 1000      // entries that list_directory answers, matches that searches answer
	DefaultCommandTimeout = 10 * time.Minute
)

// Option tunes the tools. An option with an unusable value makes NewServer, AddTools and
// NewTransport fail.
type Option func(*settings) error

type settings struct {
	root           string
	maxRead        int
	maxOutput      int
	maxEntries     int
	commandTimeout time.Duration
	readOnly       bool
}

// WithRoot confines the file tools to the directory dir (an absolute path): a relative path is
// taken from it, and one that leads outside it is refused. Commands start in it unless told
// otherwise. The root is "/" by default. It is a guard against a model's mistakes, not a
// boundary: a command may still reach any file, and a symbolic link may lead outside.
func WithRoot(dir string) Option {
	return func(s *settings) error {
		if !strings.HasPrefix(dir, "/") || strings.IndexByte(dir, 0) >= 0 {
			return fmt.Errorf("blaxel: sandboxtools.WithRoot: %q is not an absolute path", dir)
		}
		s.root = path.Clean(dir)
		return nil
	}
}

// WithMaxRead sets how many bytes of a file read_file answers at most (DefaultMaxRead by
// default); the answer then says where the next read starts.
func WithMaxRead(n int) Option {
	return func(s *settings) error {
		if n <= 0 {
			return fmt.Errorf("blaxel: sandboxtools.WithMaxRead: %d is not positive", n)
		}
		s.maxRead = n
		return nil
	}
}

// WithMaxOutput sets how many bytes of each of a command's outputs (standard output and
// standard error) run_command answers (DefaultMaxOutput by default): past it, the beginning
// and the end are kept, and the answer says how many bytes were left out.
func WithMaxOutput(n int) Option {
	return func(s *settings) error {
		if n <= 0 {
			return fmt.Errorf("blaxel: sandboxtools.WithMaxOutput: %d is not positive", n)
		}
		s.maxOutput = n
		return nil
	}
}

// WithMaxEntries sets how many entries list_directory, and how many matches search_text and
// find_files, answer at most (DefaultMaxEntries by default).
func WithMaxEntries(n int) Option {
	return func(s *settings) error {
		if n <= 0 {
			return fmt.Errorf("blaxel: sandboxtools.WithMaxEntries: %d is not positive", n)
		}
		s.maxEntries = n
		return nil
	}
}

// WithCommandTimeout sets how long run_command lets a command run (DefaultCommandTimeout by
// default), and the most a call may ask for: past it, the process is killed.
func WithCommandTimeout(d time.Duration) Option {
	return func(s *settings) error {
		if d <= 0 {
			return fmt.Errorf("blaxel: sandboxtools.WithCommandTimeout: %v is not positive", d)
		}
		s.commandTimeout = d
		return nil
	}
}

// WithReadOnly serves only the tools that change nothing: read_file, list_directory,
// search_text and find_files.
func WithReadOnly() Option {
	return func(s *settings) error {
		s.readOnly = true
		return nil
	}
}

func newSettings(opts []Option) (*settings, error) {
	s := &settings{root: "/", maxRead: DefaultMaxRead, maxOutput: DefaultMaxOutput,
		maxEntries: DefaultMaxEntries, commandTimeout: DefaultCommandTimeout}
	if err := option.Apply(s, opts); err != nil {
		return nil, err
	}
	return s, nil
}

// NewServer returns an MCP server, named after the sandbox, whose tools act on sb.
func NewServer(sb *sandbox.Sandbox, opts ...Option) (*mcp.Server, error) {
	if sb == nil {
		return nil, errors.New("blaxel: sandboxtools.NewServer: the sandbox is nil")
	}
	name := "blaxel-sandbox"
	if sb.Name() != "" {
		name += "-" + sb.Name()
	}
	server := mcp.NewServer(&mcp.Implementation{Name: name, Title: "Blaxel sandbox " + sb.Name(), Version: "1"}, nil)
	if err := AddTools(server, sb, opts...); err != nil {
		return nil, err
	}
	return server, nil
}

// AddTools adds the tools that act on sb to server.
func AddTools(server *mcp.Server, sb *sandbox.Sandbox, opts ...Option) error {
	if server == nil || sb == nil {
		return errors.New("blaxel: sandboxtools.AddTools: the server or the sandbox is nil")
	}
	s, err := newSettings(opts)
	if err != nil {
		return err
	}
	t := &tools{sb: sb, settings: s}
	readOnly := &mcp.ToolAnnotations{ReadOnlyHint: true}
	mcp.AddTool(server, &mcp.Tool{Name: "read_file", Annotations: readOnly, Description: fmt.Sprintf(
		"Reads a file of the sandbox, at most %d bytes from offset. Text comes as is, other content in base64; "+
			"when the file goes on, next_offset says where the next read starts.", s.maxRead)}, t.readFile)
	mcp.AddTool(server, &mcp.Tool{Name: "list_directory", Annotations: readOnly, Description: fmt.Sprintf(
		"Lists the entries of a directory of the sandbox (at most %d), sorted by name.", s.maxEntries)}, t.listDirectory)
	mcp.AddTool(server, &mcp.Tool{Name: "search_text", Annotations: readOnly, Description: "Finds the lines of the " +
		"files under a directory of the sandbox that hold a text (case-insensitive unless asked)."}, t.searchText)
	mcp.AddTool(server, &mcp.Tool{Name: "find_files", Annotations: readOnly, Description: "Finds the files and " +
		"directories under a directory of the sandbox whose names match glob patterns, such as *.go."}, t.findFiles)
	if s.readOnly {
		return nil
	}
	mcp.AddTool(server, &mcp.Tool{Name: "write_file", Annotations: &mcp.ToolAnnotations{IdempotentHint: true},
		Description: "Writes a file of the sandbox, replacing it, and creates its parent directories."}, t.writeFile)
	mcp.AddTool(server, &mcp.Tool{Name: "run_command", Description: fmt.Sprintf(
		"Runs a shell command in the sandbox to its end, and answers its exit code and output "+
			"(at most %d bytes of each stream: the beginning and the end). The command is killed after "+
			"timeout_seconds (at most %v).", s.maxOutput, s.commandTimeout)}, t.runCommand)
	return nil
}

// tools holds what the tools' handlers share.
type tools struct {
	sb *sandbox.Sandbox
	*settings
}

// path checks a path a tool was given and makes it absolute: relative to the root, and under it.
func (t *tools) path(p string) (string, error) {
	if strings.IndexByte(p, 0) >= 0 {
		return "", fmt.Errorf("the path %q contains a NUL byte", p)
	}
	if !strings.HasPrefix(p, "/") {
		p = t.root + "/" + p
	}
	p = path.Clean(p)
	if t.root != "/" && p != t.root && !strings.HasPrefix(p, t.root+"/") {
		return "", fmt.Errorf("the path %s is outside %s, the directory these tools may use", p, t.root)
	}
	return p, nil
}
