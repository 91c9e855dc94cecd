package pipeline

import (
	"io"
	"net/http"
	"testing"
)

type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

// A 101 is kept, connection and all, only for a request that asked for an upgrade.
func TestSwitchingProtocolsIsKeptForAnUpgradeOnly(t *testing.T) {
	for _, upgrade := range []bool{false, true} {
		req, _ := http.NewRequest(http.MethodGet, "https://sbx.test/terminal/ws", nil)
		if upgrade {
			req.Header.Set("Connection", "Upgrade")
			req.Header.Set("Upgrade", "websocket")
		}
		body := &closeRecorder{}
		resp := informationalAsFinal(&http.Response{StatusCode: http.StatusSwitchingProtocols, Body: body, Request: req})
		if kept := resp.Body == body && !body.closed; kept != upgrade {
			t.Errorf("upgrade %v: body kept %v", upgrade, kept)
		}
		early := &closeRecorder{}
		if resp := informationalAsFinal(&http.Response{StatusCode: http.StatusEarlyHints, Body: early, Request: req}); resp.Body != http.NoBody || !early.closed {
			t.Errorf("upgrade %v: a final 103 was kept", upgrade)
		}
	}
}
