package sandboxfake_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
)

// run starts a command line, waits for it, and returns its stdout, stderr and exit code.
func (b *box) run(command string) (stdout, stderr string, code int) {
	b.t.Helper()
	p := object(b.t, b.call(sbxRequest{method: "POST", path: "/process",
		json: map[string]any{"command": command, "waitForCompletion": true}}, 200))
	return p["stdout"].(string), p["stderr"].(string), int(p["exitCode"].(float64))
}

// step is a command line and what it must print and exit with.
type step struct {
	command, stdout, stderr string
	code                    int
}

func (b *box) steps(steps []step) {
	b.t.Helper()
	for _, s := range steps {
		stdout, stderr, code := b.run(s.command)
		if stdout != s.stdout || stderr != s.stderr || code != s.code {
			b.t.Errorf("%s: stdout %q stderr %q exit %d, want %q %q %d", s.command, stdout, stderr, code, s.stdout, s.stderr, s.code)
		}
	}
}

// The file tools act on the sandbox's files, with coreutils' messages and exit codes.
func TestFileTools(t *testing.T) {
	b := newBox(t)
	b.steps([]step{
		{"mkdir -p /w/a/b", "", "", 0},
		{"mkdir /w/a", "", "mkdir: cannot create directory '/w/a': File exists\n", 1},
		{"mkdir /x/y", "", "mkdir: cannot create directory '/x/y': No such file or directory\n", 1},
		{"mkdir", "", "mkdir: missing operand\n", 1},
		{"touch /w/a/b/empty", "", "", 0},
		{"touch /nope/f", "", "touch: cannot touch '/nope/f': No such file or directory\n", 1},
		{"ls /w /w/a", "/w:\na\n\n/w/a:\nb\n", "", 0},
		{"ls /w/missing", "", "ls: cannot access '/w/missing': No such file or directory\n", 2},
		{"ls -z", "", "ls: invalid option -- 'z'\nTry 'ls --help' for more information.\n", 2},
	})
	b.writeFile("/w/src.txt", "one\ntwo\nthree\n")
	b.steps([]step{
		{"cp /w/src.txt /w/a", "", "", 0}, // into the directory
		{"cat /w/a/src.txt", "one\ntwo\nthree\n", "", 0},
		{"ls /w/a/src.txt", "/w/a/src.txt\n", "", 0},
		{"cp /w/a /w/c", "", "cp: -r not specified; omitting directory '/w/a'\n", 1},
		{`cp -r "/w/a" "/w/c"`, "", "", 0}, // quoted, as the TypeScript SDK sends it
		{"ls /w/c /w/c/b", "/w/c:\nb\nsrc.txt\n\n/w/c/b:\nempty\n", "", 0},
		{"cp -r /w/a /w/a/b", "", "cp: cannot copy a directory, '/w/a', into itself, '/w/a/b/a'\n", 1},
		{"cp /w/missing /w/z", "", "cp: cannot stat '/w/missing': No such file or directory\n", 1},
		{"cp /etc/hostname /w/h", "", "cp: cannot stat '/etc/hostname': No such file or directory\n", 1}, // never the host's
		{"cp /w/src.txt", "", "cp: missing destination file operand after '/w/src.txt'\n", 1},
		{"cp /w/src.txt /w/a/src.txt /w/src.txt", "", "cp: target '/w/src.txt' is not a directory\n", 1},
		{"mv /w/src.txt /w/moved.txt", "", "", 0},
		{"cat /w/src.txt", "", "cat: /w/src.txt: No such file or directory\n", 1},
		{"mv /w/missing /w/q", "", "mv: cannot stat '/w/missing': No such file or directory\n", 1},
		{"mv /w/c /w/c/b", "", "mv: cannot move '/w/c' to a subdirectory of itself, '/w/c/b/c'\n", 1},
		{"mv /w/c /w/d", "", "", 0},
		{"ls /w", "a\nd\nmoved.txt\n", "", 0},
		{"head -n 2 /w/moved.txt", "one\ntwo\n", "", 0},
		{"head -1 /w/moved.txt", "one\n", "", 0},
		{"head /w/missing", "", "head: cannot open '/w/missing' for reading: No such file or directory\n", 1},
		{"head -n x /w/moved.txt", "", "head: invalid number of lines: 'x'\n", 1},
		{"wc -l /w/moved.txt", "3 /w/moved.txt\n", "", 0},
		{"wc -c /w/moved.txt", "14 /w/moved.txt\n", "", 0},
		{"wc /w/moved.txt", " 3  3 14 /w/moved.txt\n", "", 0},
		{"wc -l /w/missing", "", "wc: /w/missing: No such file or directory\n", 1},
		{"rm /w/a", "", "rm: cannot remove '/w/a': Is a directory\n", 1},
		{"rm -rf /w/a", "", "", 0},
		{"rm /w/a", "", "rm: cannot remove '/w/a': No such file or directory\n", 1},
		{"rm -f /w/a", "", "", 0},
		{"rm /w/moved.txt", "", "", 0},
		{"ls /w", "d\n", "", 0},
	})
}

// A command line is a list: && runs on success, || on failure, ; always; cd moves the rest.
func TestCommandLists(t *testing.T) {
	b := newBox(t)
	b.steps([]step{
		{"mkdir -p /s && touch /s/t && ls /s", "t\n", "", 0},
		{"false && echo no; echo yes", "yes\n", "", 0},
		{"false || echo fallback", "fallback\n", "", 0},
		{"true || echo skipped && echo then", "then\n", "", 0},
		{"cat /none && echo no", "", "cat: /none: No such file or directory\n", 1},
		{"cd /s && pwd && ls", "/s\nt\n", "", 0},
		{"cd /none; pwd", "/blaxel\n", "sh: cd: can't cd to /none: No such file or directory\n", 0},
		{"exit 3; echo after", "", "", 3},
		{"echo 'a && b'", "a && b\n", "", 0},
		{`sh -c 'mkdir -p "/q r" && cp -r /s "/q r" && ls "/q r/s"'`, "t\n", "", 0},
		{"bash -lc 'echo in bash'", "in bash\n", "", 0},
		{"echo a && && echo b", "", "sh: syntax error: && with no command before it\n", 2},
		{"echo a &&", "", "sh: syntax error: && with no command after it\n", 2},
		{"sh script.sh", "", "sh: the fake runs only sh -c 'COMMANDS'\n", 2},
	})
}

// A command scripted with HandleCommand is found before a built-in of its name, on its own
// and in lists.
func TestScriptedCommandsComeBeforeBuiltins(t *testing.T) {
	b := newBox(t)
	b.srv.HandleCommand("cp", func(_ context.Context, p *blaxeltest.Process) int {
		fmt.Fprintln(p.Stdout, "scripted", p.Args[1:])
		return 0
	})
	b.steps([]step{
		{"cp a b", "scripted [a b]\n", "", 0},
		{"sh -c 'echo first && cp -r x y'", "first\nscripted [-r x y]\n", "", 0},
	})
}
