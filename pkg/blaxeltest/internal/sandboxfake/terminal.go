package sandboxfake

import (
	"context"
	"encoding/json"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/wire"
)

// The terminal: GET /terminal/ws, a WebSocket of JSON frames {type, data, cols, rows}, as the
// real sandbox server serves Blaxel's console. Nothing runs on the host: the session's
// "shell" is a line discipline (echo, backspace, Ctrl-C) in front of the fake's scripted
// commands, each line run as a process of the sandbox, its output printed with "\r\n" line
// ends, then the prompt "$ ". `cd DIR` changes the session's directory; `exit` ends the
// session. Sessions outlive their connections: a new one replays what the session printed.

const (
	terminalPrompt = "$ "
	terminalReplay = 64 << 10 // bytes of a session's output replayed to a new connection
	terminalQueue  = 1024     // frames a connection may fall behind before it is dropped
)

// termFrame is one message of the terminal's WebSocket.
type termFrame struct {
	Type string `json:"type"`
	Data string `json:"data,omitempty"`
	Cols int    `json:"cols,omitempty"`
	Rows int    `json:"rows,omitempty"`
}

// terminals is the terminal sessions of one sandbox.
type terminals struct {
	mu       sync.Mutex
	sessions map[string]*termSession
}

// termSession is one terminal session: its line being typed, its foreground command, the
// tail of its output, and the connections that read it.
type termSession struct {
	sb *sandbox
	id string

	mu         sync.Mutex
	cwd, shell string
	cols, rows int
	tail       []byte
	subs       map[chan []byte]struct{}
	line       []rune
	queue      []string // lines typed while a command runs
	running    *proc
	over       bool
}

// session returns the session id, made when new (with its directory checked).
func (ts *terminals) session(sb *sandbox, id, shell, dir string, cols, rows int) (*termSession, bool, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if s := ts.sessions[id]; s != nil {
		return s, false, nil
	}
	cwd := sb.workDir
	if dir != "" {
		cwd = sb.abs(formatPath(dir))
		if info, err := sb.fs.stat(cwd); err != nil || !info.dir {
			return nil, false, &termError{"failed to start terminal: chdir " + cwd + ": no such file or directory"}
		}
	}
	if ts.sessions == nil {
		ts.sessions = map[string]*termSession{}
	}
	s := &termSession{sb: sb, id: id, cwd: cwd, shell: shell, cols: cols, rows: rows, subs: map[chan []byte]struct{}{}}
	s.tail = []byte(terminalPrompt)
	ts.sessions[id] = s
	return s, true, nil
}

func (ts *terminals) forget(s *termSession) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.sessions[s.id] == s {
		delete(ts.sessions, s.id)
	}
}

type termError struct{ msg string }

func (e *termError) Error() string { return e.msg }

// serveTerminal answers GET /terminal/ws behind the gate, logged under that route.
func (h *Host) serveTerminal(w http.ResponseWriter, r *http.Request, workspace, name string) {
	started := time.Now()
	rec := wire.NewRequest(r, h.cfg.Now())
	rec.Route = "GET /terminal/ws"
	defer h.cfg.Log.Done(rec, started)
	h.cfg.Log.Count("SandboxTerminal", rec.Route, r)
	sb, gate := h.gate(r, workspace, name)
	if sb == nil {
		rec.Status = wire.Write(w, gate)
		return
	}
	if r.Method != http.MethodGet || !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		rec.Status = wire.Write(w, sandboxError(http.StatusBadRequest, "the terminal is a WebSocket: GET with Upgrade: websocket"))
		return
	}
	q := r.URL.Query()
	cols, rows := querySize(q.Get("cols"), 80), querySize(q.Get("rows"), 24)
	id := q.Get("sessionId")
	if id == "" {
		id = "default"
	}
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true}) // any origin, as the real one
	if err != nil {
		return // Accept answered the client
	}
	rec.Status = http.StatusSwitchingProtocols
	conn.SetReadLimit(maxSandboxJSON)
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	defer context.AfterFunc(sb.run(), cancel)()
	s, isNew, err := sb.terms.session(sb, id, q.Get("shell"), q.Get("workingDir"), cols, rows)
	if err != nil {
		writeFrame(ctx, conn, termFrame{Type: "error", Data: err.Error()})
		_ = conn.Close(websocket.StatusNormalClosure, "")
		return
	}
	out, replay := s.subscribe()
	defer s.unsubscribe(out)
	if len(replay) > 0 && !writeFrame(ctx, conn, termFrame{Type: "output", Data: string(replay)}) {
		return
	}
	if !isNew {
		s.resize(cols, rows)
	}
	go func() {
		defer cancel()
		for {
			select {
			case data, ok := <-out:
				if !ok { // the session ended, or this connection fell too far behind
					_ = conn.Close(websocket.StatusNormalClosure, "")
					return
				}
				if !writeFrame(ctx, conn, termFrame{Type: "output", Data: string(data)}) {
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	for {
		_, msg, err := conn.Read(ctx)
		if err != nil {
			conn.CloseNow()
			return
		}
		var f termFrame
		if json.Unmarshal(msg, &f) != nil {
			continue // the real server skips what it cannot read
		}
		switch f.Type {
		case "input":
			s.input(f.Data)
		case "resize":
			if f.Cols > 0 && f.Rows > 0 {
				s.resize(f.Cols, f.Rows)
			}
		}
	}
}

func querySize(v string, def int) int {
	n, err := strconv.ParseUint(v, 10, 16)
	if err != nil || n == 0 {
		return def
	}
	return int(n)
}

func writeFrame(ctx context.Context, conn *websocket.Conn, f termFrame) bool {
	data, _ := json.Marshal(f)
	return conn.Write(ctx, websocket.MessageText, data) == nil
}

// subscribe adds a reader of the session's output and returns what it printed so far.
func (s *termSession) subscribe() (chan []byte, []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := make(chan []byte, terminalQueue)
	if s.over {
		close(ch)
		return ch, nil
	}
	s.subs[ch] = struct{}{}
	return ch, append([]byte(nil), s.tail...)
}

func (s *termSession) unsubscribe(ch chan []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.subs[ch]; ok {
		delete(s.subs, ch)
		close(ch)
	}
}

func (s *termSession) resize(cols, rows int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cols, s.rows = cols, rows
}

// printLocked sends output to every connection and keeps its tail. The caller holds s.mu.
func (s *termSession) printLocked(text string) {
	if text == "" || s.over {
		return
	}
	s.tail = append(s.tail, text...)
	if len(s.tail) > terminalReplay {
		s.tail = append([]byte(nil), s.tail[len(s.tail)-terminalReplay:]...)
	}
	for ch := range s.subs {
		select {
		case ch <- []byte(text):
		default: // too far behind: drop the connection rather than the session
			delete(s.subs, ch)
			close(ch)
		}
	}
}

// input is keys typed: echoed, and each line run once the one before is done.
func (s *termSession) input(data string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range data {
		switch {
		case r == '\r' || r == '\n':
			s.printLocked("\r\n")
			line := string(s.line)
			s.line = s.line[:0]
			if s.running != nil || len(s.queue) > 0 {
				s.queue = append(s.queue, line)
			} else {
				s.runLocked(line)
			}
		case r == 0x7f || r == 0x08:
			if len(s.line) > 0 {
				s.line = s.line[:len(s.line)-1]
				s.printLocked("\b \b")
			}
		case r == 0x03: // Ctrl-C
			s.printLocked("^C\r\n")
			s.line, s.queue = s.line[:0], nil
			if s.running != nil {
				_ = s.sb.procs.kill(s.running.pid)
			} else {
				s.printLocked(terminalPrompt)
			}
		case r >= 0x20:
			s.line = append(s.line, r)
			s.printLocked(string(r))
		}
	}
}

// runLocked runs a line: the session's builtins, or a process of the sandbox whose output
// is printed as it comes. The caller holds s.mu.
func (s *termSession) runLocked(line string) {
	words, _ := splitWords(line)
	switch {
	case len(words) == 0:
		s.printLocked(terminalPrompt)
		return
	case words[0] == "exit":
		s.endLocked()
		return
	case words[0] == "cd":
		target := homeDir
		if len(words) > 1 {
			target = words[1]
		}
		if !path.IsAbs(target) {
			target = path.Join(s.cwd, target)
		}
		target = path.Clean(target)
		if info, err := s.sb.fs.stat(target); err != nil || !info.dir {
			s.printLocked("cd: " + words[len(words)-1] + ": No such file or directory\r\n")
		} else {
			s.cwd = target
		}
		s.printLocked(terminalPrompt)
		return
	}
	env := map[string]string{"TERM": "xterm-256color", "COLUMNS": strconv.Itoa(s.cols), "LINES": strconv.Itoa(s.rows)}
	p, sub, err := s.sb.procs.start(startSpec{command: line, workingDir: s.cwd, env: env}, true)
	if err != nil {
		s.printLocked("sh: " + err.Error() + "\r\n" + terminalPrompt)
		return
	}
	s.running = p
	go s.follow(p, sub)
}

// follow prints a command's output until it ends, then runs the next line typed meanwhile.
func (s *termSession) follow(p *proc, sub *logSub) {
	defer p.out.detach(sub)
	show := func(ev logEvent) {
		if ev.stream == "" {
			return // the server's notices (a kill's) belong to the process's logs, not to a tty
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.printLocked(strings.ReplaceAll(string(ev.data), "\n", "\r\n"))
	}
	done := s.sb.procs.runDone(p)
follow:
	for {
		select {
		case ev := <-sub.events:
			show(ev)
		case <-done:
			break follow
		}
	}
	for ev, more := drainOne(sub); more; ev, more = drainOne(sub) {
		show(ev)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running = nil
	s.printLocked(terminalPrompt)
	for len(s.queue) > 0 && s.running == nil && !s.over {
		line := s.queue[0]
		s.queue = s.queue[1:]
		s.runLocked(line)
	}
}

// endLocked ends the session: its connections close, and the next one starts afresh.
func (s *termSession) endLocked() {
	s.over = true
	for ch := range s.subs {
		close(ch)
	}
	s.subs = map[chan []byte]struct{}{}
	s.sb.terms.forget(s)
}
