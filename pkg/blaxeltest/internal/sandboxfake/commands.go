package sandboxfake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"
	"sync"
)

// CommandFunc scripts a command of the sandboxes: it runs when a process whose first word is
// the command's name starts, writes the process's output to p.Stdout and p.Stderr, and
// returns its exit code. ctx ends when the process is stopped, killed, or the server closes.
// Nothing runs on the host: the function is all there is to the command.
type CommandFunc func(ctx context.Context, p *Process) int

// HandleCommand makes fn the command name of every sandbox. A command's name is looked up
// among the functions given here first, then among the built-ins, so fn replaces a built-in
// of that name; a name found in neither exits 127 with "command not found". A command line is
// a list of commands joined by &&, || and ; (see shell.go), each looked up so. The built-ins
// are echo, cat (of sandbox files), sleep N (in sandbox seconds, see WithSandboxSecond),
// exit N, pwd, true, false, cd (in a list), sh -c and the file tools of fileutils.go (cp, mv,
// rm, mkdir, touch, ls, head, wc), which act on the sandbox's files only.
func (h *Host) HandleCommand(name string, fn CommandFunc) {
	if name == "" || strings.ContainsAny(name, " \t\n") {
		h.report("HandleCommand: %q is not a command name (one word)", name)
		return
	}
	if fn == nil {
		h.report("HandleCommand: the function for %q is nil", name)
		return
	}
	h.commands.set(name, fn)
}

// commandSet holds the scripted commands. Safe for concurrent use.
type commandSet struct {
	mu     sync.RWMutex
	byName map[string]CommandFunc
}

func newCommandSet() *commandSet {
	c := &commandSet{byName: map[string]CommandFunc{
		"echo":  echoCommand,
		"cat":   catCommand,
		"sleep": sleepCommand,
		"exit":  exitCommand,
		"pwd":   pwdCommand,
	}}
	c.shellBuiltins()
	return c
}

func (c *commandSet) set(name string, fn CommandFunc) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byName[name] = fn
}

// lookup returns the function of a command line's first word, or one that says the command
// does not exist.
func (c *commandSet) lookup(args []string) CommandFunc {
	if len(args) == 0 {
		return func(context.Context, *Process) int { return 0 } // an empty command line does nothing
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if fn := c.byName[args[0]]; fn != nil {
		return fn
	}
	return notFoundCommand
}

// errUnterminatedQuote is what splitting a command line with an open quote answers.
var errUnterminatedQuote = errors.New("unterminated quoted string")

// splitWords cuts a command line into words as a shell would, with nothing executed or
// expanded: blanks separate words, single quotes keep everything, double quotes keep
// everything but backslash escapes of " \ $ `, and a backslash outside quotes keeps the next
// character. Operators such as && or | are words like any other.
func splitWords(line string) ([]string, error) {
	var words []string
	var word strings.Builder
	inWord := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, word.String())
				word.Reset()
				inWord = false
			}
		case c == '\'':
			end := strings.IndexByte(line[i+1:], '\'')
			if end < 0 {
				return nil, errUnterminatedQuote
			}
			word.WriteString(line[i+1 : i+1+end])
			i += end + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(line) && line[i] != '"'; i++ {
				if line[i] == '\\' && i+1 < len(line) && strings.IndexByte("\"\\$`", line[i+1]) >= 0 {
					i++
				}
				word.WriteByte(line[i])
			}
			if i >= len(line) {
				return nil, errUnterminatedQuote
			}
			inWord = true
		case c == '\\' && i+1 < len(line):
			i++
			if line[i] != '\n' { // a backslash before a newline joins the lines
				word.WriteByte(line[i])
			}
			inWord = true
		default:
			word.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, word.String())
	}
	return words, nil
}

func notFoundCommand(_ context.Context, p *Process) int {
	fmt.Fprintf(p.Stderr, "sh: %s: command not found\n", p.Args[0])
	return 127
}

// syntaxErrorCommand stands for a command line the shell cannot read.
func syntaxErrorCommand(err error) CommandFunc {
	return func(_ context.Context, p *Process) int {
		fmt.Fprintf(p.Stderr, "sh: syntax error: %v\n", err)
		return 2
	}
}

func echoCommand(_ context.Context, p *Process) int {
	args, newline := p.Args[1:], true
	if len(args) > 0 && args[0] == "-n" {
		args, newline = args[1:], false
	}
	out := strings.Join(args, " ")
	if newline {
		out += "\n"
	}
	_, _ = io.WriteString(p.Stdout, out)
	return 0
}

func catCommand(_ context.Context, p *Process) int {
	code := 0
	for _, name := range p.Args[1:] {
		r, err := p.open(name)
		if err != nil {
			fmt.Fprintf(p.Stderr, "cat: %s: %s\n", name, errText(err))
			code = 1
			continue
		}
		_, err = io.Copy(p.Stdout, r)
		_ = r.Close()
		if err != nil {
			return 1
		}
	}
	return code
}

func sleepCommand(ctx context.Context, p *Process) int {
	if len(p.Args) != 2 {
		fmt.Fprintln(p.Stderr, "sleep: usage: sleep SECONDS")
		return 1
	}
	n, err := strconv.ParseFloat(strings.TrimSuffix(p.Args[1], "s"), 64)
	if err != nil || n < 0 {
		fmt.Fprintf(p.Stderr, "sleep: invalid time interval '%s'\n", p.Args[1])
		return 1
	}
	if err := p.Sleep(ctx, n); err != nil {
		return 143 // ended by a signal, as a terminated sleep would
	}
	return 0
}

func exitCommand(_ context.Context, p *Process) int {
	if len(p.Args) < 2 {
		return 0
	}
	n, err := strconv.Atoi(p.Args[1])
	if err != nil {
		fmt.Fprintf(p.Stderr, "sh: exit: Illegal number: %s\n", p.Args[1])
		return 2
	}
	return n & 0xff
}

func pwdCommand(_ context.Context, p *Process) int {
	fmt.Fprintln(p.Stdout, p.WorkingDir)
	return 0
}

// errText is the part of a path error a shell tool prints: "No such file or directory".
func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	s := err.Error()
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
