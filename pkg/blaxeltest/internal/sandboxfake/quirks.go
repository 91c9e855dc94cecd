package sandboxfake

// Quirk is an oddity of the real sandbox server that the fake reproduces, where the server
// answers otherwise than its documentation says. Combine them with |.
type Quirk uint

const (
	// QuirkChunkPrefix prefixes live output in a log stream once per chunk the process
	// wrote, not once per line: the lines after the first of a chunk arrive unprefixed, and a
	// partial line can be glued to a chunk of the other stream. Without it, every line is
	// prefixed.
	QuirkChunkPrefix Quirk = 1 << iota

	// QuirkKeepaliveText makes log streams write a "[keepalive]" line every 30 s while the
	// process runs, and exec streams a stdout event holding "[keepalive]\n" as often.
	QuirkKeepaliveText

	// QuirkCompletedAtNull makes the listing of processes show completedAt as null for a
	// process that is still running, where reading one process shows "".
	QuirkCompletedAtNull

	// QuirkDigitsArePIDs takes an identifier made only of digits for a PID, never for a name,
	// so that a process named "123" cannot be found by its name.
	QuirkDigitsArePIDs

	// QuirkTreeCapture sends every path that starts with /filesystem/tree, such as
	// /filesystem/tree.txt, to the tree operations.
	QuirkTreeCapture

	// QuirkPermissionsFirst ignores the permissions field of a multipart/form-data file
	// upload unless it comes before the file part.
	QuirkPermissionsFirst

	// AllQuirks is every quirk: the fake answers as the real server does.
	AllQuirks = QuirkChunkPrefix | QuirkKeepaliveText | QuirkCompletedAtNull |
		QuirkDigitsArePIDs | QuirkTreeCapture | QuirkPermissionsFirst
)

// has reports whether every quirk of q is in the set.
func (set Quirk) has(q Quirk) bool { return set&q == q }
