package sandboxfake_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// term is a raw connection to the fake's terminal.
type term struct {
	t    *testing.T
	conn *websocket.Conn
	seen strings.Builder
}

func dialTerminal(t *testing.T, b *box, query string) *term {
	t.Helper()
	url := strings.Replace(b.url, "http://", "ws://", 1) + "/terminal/ws?" + query
	conn, _, err := websocket.Dial(t.Context(), url, &websocket.DialOptions{
		HTTPHeader: http.Header{"X-Blaxel-Authorization": {"Bearer test-key"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.CloseNow() })
	return &term{t: t, conn: conn}
}

func (tm *term) send(typ, data string, cols, rows int) {
	tm.t.Helper()
	msg, _ := json.Marshal(map[string]any{"type": typ, "data": data, "cols": cols, "rows": rows})
	if err := tm.conn.Write(tm.t.Context(), websocket.MessageText, msg); err != nil {
		tm.t.Fatal(err)
	}
}

// until reads output frames until what was seen ends with want; the deadline guards a hang.
func (tm *term) until(want string) string {
	tm.t.Helper()
	ctx, cancel := context.WithTimeout(tm.t.Context(), 30*time.Second)
	defer cancel()
	for !strings.HasSuffix(tm.seen.String(), want) {
		_, msg, err := tm.conn.Read(ctx)
		if err != nil {
			tm.t.Fatalf("waiting for %q: %v (seen %q)", want, err, tm.seen.String())
		}
		var f struct{ Type, Data string }
		if err := json.Unmarshal(msg, &f); err != nil || f.Type != "output" {
			tm.t.Fatalf("frame %s", msg)
		}
		tm.seen.WriteString(f.Data)
	}
	out := tm.seen.String()
	tm.seen.Reset()
	return out
}

func TestTheTerminalIsALineDisciplineInFrontOfCommands(t *testing.T) {
	b := newBox(t)
	tm := dialTerminal(t, b, "cols=90&rows=20")
	tm.until("$ ")
	tm.send("input", "echo typo\x7f\x7f\x7f\x7fok\r", 0, 0)
	if got := tm.until("ok\r\n$ "); got != "echo typo\b \b\b \b\b \b\b \bok\r\nok\r\n$ " {
		t.Errorf("backspace: %q", got)
	}
	// Lines typed while a command runs wait for it; Ctrl-C kills it and drops them.
	tm.send("input", "sleep 1000\recho never\r", 0, 0)
	tm.until("echo never\r\n")
	tm.send("input", "\x03", 0, 0)
	tm.until("^C\r\n$ ")
	tm.send("input", "cd /tmp\rpwd\r", 0, 0)
	tm.until("pwd\r\n/tmp\r\n$ ")
	tm.send("input", "cd nowhere\r", 0, 0)
	tm.until("cd: nowhere: No such file or directory\r\n$ ")
	if n := b.srv.CommandStarts("ws", "box", "echo never"); n != 0 {
		t.Errorf("a line dropped by Ctrl-C ran %d times", n)
	}

	// Without an upgrade, the route says what it is.
	resp := b.do(sbxRequest{path: "/terminal/ws"})
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("plain GET: %d", resp.StatusCode)
	}
}
