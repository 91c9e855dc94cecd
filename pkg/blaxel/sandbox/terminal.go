package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/coder/websocket"

	"github.com/blaxel-go/blaxel/internal/option"
	"github.com/blaxel-go/blaxel/internal/pipeline"
)

// TerminalOption tunes Terminal.
type TerminalOption func(*terminalConfig) error

type terminalConfig struct {
	cols, rows      int
	shell, dir, sid string
}

// WithTerminalSize opens the terminal with cols columns and rows rows (the server's default
// is 80×24). Resize changes it later.
func WithTerminalSize(cols, rows int) TerminalOption {
	return func(c *terminalConfig) error {
		if err := checkTerminalSize(cols, rows); err != nil {
			return fmt.Errorf("blaxel: WithTerminalSize: %w", err)
		}
		c.cols, c.rows = cols, rows
		return nil
	}
}

// WithShell runs shell ("/bin/bash", "zsh") in a new terminal session instead of the
// sandbox's default shell.
func WithShell(shell string) TerminalOption {
	return func(c *terminalConfig) error {
		if strings.TrimSpace(shell) == "" {
			return errors.New("blaxel: WithShell: the shell is empty")
		}
		c.shell = shell
		return nil
	}
}

// WithTerminalDir starts a new terminal session's shell in dir.
func WithTerminalDir(dir string) TerminalOption {
	return func(c *terminalConfig) error {
		if strings.TrimSpace(dir) == "" {
			return errors.New("blaxel: WithTerminalDir: the directory is empty")
		}
		c.dir = dir
		return nil
	}
}

// WithTerminalSession attaches to the terminal session id ("default" unless given): the
// sandbox keeps a session's shell running between connections, and a new connection first
// gets what the session printed before.
func WithTerminalSession(id string) TerminalOption {
	return func(c *terminalConfig) error {
		if strings.TrimSpace(id) == "" {
			return errors.New("blaxel: WithTerminalSession: the id is empty")
		}
		c.sid = id
		return nil
	}
}

func checkTerminalSize(cols, rows int) error {
	if cols < 1 || rows < 1 || cols > 65535 || rows > 65535 {
		return fmt.Errorf("%d×%d is not a terminal size (1 to 65535 each way)", cols, rows)
	}
	return nil
}

// terminalFrame is one message of the terminal's WebSocket, either way.
type terminalFrame struct {
	Type string `json:"type"` // input, resize (to the sandbox); output, error (from it)
	Data string `json:"data,omitempty"`
	Cols int    `json:"cols,omitempty"`
	Rows int    `json:"rows,omitempty"`
}

// Terminal is a shell in the sandbox behind a pseudo-terminal, as Blaxel's console shows it:
// Read returns what the terminal prints (escape sequences included), Write types into it.
// Get one with [Sandbox.Terminal]. It is safe for concurrent use: typically one goroutine
// reads while another writes.
type Terminal struct {
	conn   *websocket.Conn
	ctx    context.Context // the terminal's life: Terminal's ctx
	redact func(string) string
	stop   func() bool

	readMu  sync.Mutex
	pending []byte // output received and not yet read
}

// Terminal connects to a terminal of the sandbox (GET /terminal/ws, a WebSocket on the
// handle's pipeline, credential included), in the session "default" unless
// WithTerminalSession names another. ctx bounds the terminal's whole life, not only the
// connection: when it ends, the connection closes. Close detaches: the session's shell goes
// on in the sandbox, and a later Terminal with the same session finds it.
//
// A message of the terminal larger than the client's response limit (WithMaxResponseBytes,
// 64 MiB by default) ends the connection with an error.
func (s *Sandbox) Terminal(ctx context.Context, opts ...TerminalOption) (*Terminal, error) {
	var cfg terminalConfig
	if err := option.Apply(&cfg, opts); err != nil {
		return nil, err
	}
	q := url.Values{}
	if cfg.cols > 0 {
		q.Set("cols", strconv.Itoa(cfg.cols))
		q.Set("rows", strconv.Itoa(cfg.rows))
	}
	if cfg.shell != "" {
		q.Set("shell", cfg.shell)
	}
	if cfg.dir != "" {
		q.Set("workingDir", cfg.dir)
	}
	if cfg.sid != "" {
		q.Set("sessionId", cfg.sid)
	}
	u := *s.base
	u.Path += "/terminal/ws"
	if u.RawPath != "" {
		u.RawPath += "/terminal/ws"
	}
	u.RawQuery = q.Encode()
	hc := *s.p.Client(s.dest)
	hc.Timeout = 0 // the WebSocket library refuses one: ctx bounds the handshake
	conn, resp, err := websocket.Dial(ctx, u.String(), &websocket.DialOptions{HTTPClient: &hc})
	if err != nil {
		if resp != nil && resp.StatusCode >= 300 && resp.Request != nil {
			return nil, s.terminalRefusal(ctx, resp)
		}
		return nil, fmt.Errorf("blaxel: terminal of sandbox %q: %w", s.name, s.p.Redact.URLError(err))
	}
	conn.SetReadLimit(s.p.MaxBody)
	t := &Terminal{conn: conn, ctx: ctx, redact: s.p.Redact.Text}
	t.stop = context.AfterFunc(ctx, func() { _ = conn.CloseNow() })
	return t, nil
}

// terminalRefusal turns a refused handshake into the *blaxel.APIError the handle's other
// calls give, from the status and the start of the body the WebSocket library kept.
func (s *Sandbox) terminalRefusal(ctx context.Context, resp *http.Response) error {
	if ctx.Err() != nil {
		return fmt.Errorf("blaxel: terminal of sandbox %q: %w", s.name, context.Cause(ctx))
	}
	if resp.Body == nil {
		resp.Body = http.NoBody
	}
	return pipeline.NewAPIError(resp.Request, resp, s.p.Redact)
}

// Read reads what the terminal printed, waiting for it. It returns io.EOF once the sandbox
// closed the connection normally, and the sandbox's own message when it reported an error
// (a shell that could not start, say).
func (t *Terminal) Read(p []byte) (int, error) {
	t.readMu.Lock()
	defer t.readMu.Unlock()
	for len(t.pending) == 0 {
		if t.ctx.Err() != nil {
			return 0, fmt.Errorf("blaxel: terminal: %w", context.Cause(t.ctx))
		}
		typ, data, err := t.conn.Read(t.ctx)
		if err != nil {
			return 0, t.readError(err)
		}
		if typ != websocket.MessageText {
			continue
		}
		var f terminalFrame
		if json.Unmarshal(data, &f) != nil {
			continue // not a frame of the protocol: nothing a terminal shows
		}
		switch f.Type {
		case "output":
			t.pending = append(t.pending, f.Data...)
		case "error":
			_ = t.conn.Close(websocket.StatusNormalClosure, "")
			return 0, fmt.Errorf("blaxel: terminal: the sandbox reported: %s", t.redact(f.Data))
		}
	}
	n := copy(p, t.pending)
	t.pending = t.pending[n:]
	if len(t.pending) == 0 {
		t.pending = nil
	}
	return n, nil
}

func (t *Terminal) readError(err error) error {
	if s := websocket.CloseStatus(err); s == websocket.StatusNormalClosure || s == websocket.StatusGoingAway {
		return io.EOF
	}
	if t.ctx.Err() != nil {
		return fmt.Errorf("blaxel: terminal: %w", context.Cause(t.ctx))
	}
	return fmt.Errorf("blaxel: terminal: %s", t.redact(err.Error()))
}

// Write types p into the terminal, as keys pressed: "ls\r" runs ls, "\x03" is Ctrl-C. The
// text goes as a JSON string: bytes that are not UTF-8 become U+FFFD.
func (t *Terminal) Write(p []byte) (int, error) {
	if err := t.send(terminalFrame{Type: "input", Data: string(p)}); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Resize tells the terminal its new size, as a window resized does.
func (t *Terminal) Resize(cols, rows int) error {
	if err := checkTerminalSize(cols, rows); err != nil {
		return fmt.Errorf("blaxel: terminal: Resize: %w", err)
	}
	return t.send(terminalFrame{Type: "resize", Cols: cols, Rows: rows})
}

func (t *Terminal) send(f terminalFrame) error {
	if t.ctx.Err() != nil { // the connection is closing: nothing more goes out
		return fmt.Errorf("blaxel: terminal: %w", context.Cause(t.ctx))
	}
	data, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("blaxel: terminal: %w", err)
	}
	if err := t.conn.Write(t.ctx, websocket.MessageText, data); err != nil {
		if t.ctx.Err() != nil {
			return fmt.Errorf("blaxel: terminal: %w", context.Cause(t.ctx))
		}
		return fmt.Errorf("blaxel: terminal: %s", t.redact(err.Error()))
	}
	return nil
}

// Close closes the connection; the session's shell goes on in the sandbox.
func (t *Terminal) Close() error {
	t.stop()
	if err := t.conn.Close(websocket.StatusNormalClosure, ""); err != nil && websocket.CloseStatus(err) == -1 &&
		!errors.Is(err, net.ErrClosed) && t.ctx.Err() == nil {
		return fmt.Errorf("blaxel: terminal: %s", t.redact(err.Error()))
	}
	return nil
}
