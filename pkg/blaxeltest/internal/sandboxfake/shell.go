package sandboxfake

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// The real server runs every command line with sh -c. The fake reads a line as a list of
// simple commands joined by &&, || and ; (no pipes, redirections or expansions), and runs
// each one through the same lookup: a function given to HandleCommand first, then a built-in,
// else "command not found". cd changes the directory of the commands after it.

// simpleCommand is one command of a list, with the operator that joins it to the one before
// ("" for the first).
type simpleCommand struct {
	op    string
	words []string
}

// parseList cuts a command line at the list operators that stand outside quotes, and each
// piece into words. A line without operators is one command.
func parseList(line string) ([]simpleCommand, error) {
	var list []simpleCommand
	op, start := "", 0
	cut := func(end int, next string) error {
		words, err := splitWords(line[start:end])
		if err != nil {
			return err
		}
		if len(words) > 0 {
			list = append(list, simpleCommand{op: op, words: words})
			op = next
			return nil
		}
		switch {
		case next == "&&" || next == "||":
			return fmt.Errorf("%s with no command before it", next)
		case op == "&&" || op == "||":
			return fmt.Errorf("%s with no command after it", op)
		}
		op = next // an empty command between two ; is nothing
		return nil
	}
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case c == '\'':
			end := strings.IndexByte(line[i+1:], '\'')
			if end < 0 {
				return nil, errUnterminatedQuote
			}
			i += end + 1
		case c == '"':
			for i++; i < len(line) && line[i] != '"'; i++ {
				if line[i] == '\\' {
					i++
				}
			}
			if i >= len(line) {
				return nil, errUnterminatedQuote
			}
		case c == '\\':
			i++
		case c == ';' || c == '\n':
			if err := cut(i, ";"); err != nil {
				return nil, err
			}
			start = i + 1
		case (c == '&' || c == '|') && i+1 < len(line) && line[i+1] == c:
			if err := cut(i, line[i:i+2]); err != nil {
				return nil, err
			}
			i++
			start = i + 1
		}
	}
	if err := cut(len(line), ""); err != nil {
		return nil, err
	}
	return list, nil
}

// forLine returns the words of a command line and the function that runs it: the command of
// its first word, or for a list, one that runs each of its commands in turn.
func (c *commandSet) forLine(line string) ([]string, CommandFunc) {
	args, err := splitWords(line)
	if err != nil {
		return args, syntaxErrorCommand(err)
	}
	list, err := parseList(line)
	if err != nil {
		return args, syntaxErrorCommand(err)
	}
	if len(list) == 1 && list[0].words[0] != "cd" {
		return list[0].words, c.lookup(list[0].words)
	}
	return args, func(ctx context.Context, p *Process) int { return c.runList(ctx, p, list) }
}

// runList runs a list as sh does: a command after && runs when the status so far is 0,
// after || when it is not, after ; always; the list's status is the last one's. exit ends
// the list.
func (c *commandSet) runList(ctx context.Context, p *Process, list []simpleCommand) int {
	status, dir := 0, p.WorkingDir
	for _, cmd := range list {
		if cmd.op == "&&" && status != 0 || cmd.op == "||" && status == 0 {
			continue
		}
		if ctx.Err() != nil {
			return status
		}
		one := *p
		one.Args, one.WorkingDir = cmd.words, dir
		if cmd.words[0] == "cd" {
			status = changeDir(&one, &dir)
			continue
		}
		status = c.lookup(cmd.words)(ctx, &one)
		if cmd.words[0] == "exit" {
			return status
		}
	}
	return status
}

// changeDir is cd: it moves dir to the directory its operand names (the process's working
// directory stands for the home directory).
func changeDir(p *Process, dir *string) int {
	target := *dir
	switch len(p.Args) {
	case 1:
	case 2:
		target = p.path(p.Args[1])
	default:
		fmt.Fprintln(p.Stderr, "sh: cd: too many arguments")
		return 2
	}
	info, err := p.sb.fs.stat(target)
	if err == nil && !info.dir {
		err = errNotDir
	}
	if err != nil {
		fmt.Fprintf(p.Stderr, "sh: cd: can't cd to %s: %s\n", p.Args[1], errText(err))
		return 2
	}
	*dir = target
	return 0
}

var errNotDir = errors.New("not a directory")

// shCommand is sh -c 'LIST' (bash -c too, with other flags beside c): the list runs as a
// command line would.
func (c *commandSet) shCommand(ctx context.Context, p *Process) int {
	if len(p.Args) < 3 || !strings.HasPrefix(p.Args[1], "-") || !strings.Contains(p.Args[1], "c") {
		fmt.Fprintf(p.Stderr, "%s: the fake runs only %s -c 'COMMANDS'\n", p.Args[0], p.Args[0])
		return 2
	}
	list, err := parseList(p.Args[2])
	if err != nil {
		fmt.Fprintf(p.Stderr, "%s: syntax error: %v\n", p.Args[0], err)
		return 2
	}
	return c.runList(ctx, p, list)
}
