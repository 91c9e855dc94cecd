package sandboxfake

import (
	"net/http"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/fault"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/wire"
)

// Config is what the sandboxes are made with: what the server's options set, then what the
// server wires them to.
type Config struct {
	FileDir     string        // where file contents go; "" keeps them in memory
	WorkDir     string        // the directory relative paths start from
	Second      time.Duration // how long one second of the sandbox lasts
	EdgeTimeout time.Duration // how long the edge waits for a byte; 0 never gives up
	Quirks      Quirk
	LogLimit    int64 // bytes of output a process keeps per log
	// SlowStart makes a sandbox answer the edge's 503 until the control plane has it DEPLOYED;
	// without it a new sandbox answers at once, as the platform's do.
	SlowStart bool

	Platform Platform // the control plane in front of the sandboxes
	Faults   *fault.Table
	Log      *wire.Log
	Now      func() time.Time
	Report   func(format string, args ...any) // tells of answers that break the document
	Closing  <-chan struct{}                  // closed when the server stops
}

// Platform is what the sandboxes ask of the control plane in front of them.
type Platform interface {
	// Sandbox looks a sandbox up: its creation number and status.
	Sandbox(workspace, name string) (seq int64, status string, ok bool)
	// PreviewTokenValid reports whether token is a live preview token of the sandbox.
	PreviewTokenValid(workspace, sandbox, token string) bool
	// Access returns the gateway's error code for a credential refused in workspace, "" if
	// the call may go on.
	Access(r *http.Request, workspace string) string
}

// DefaultConfig is the sandboxes as Blaxel makes them.
func DefaultConfig() Config {
	return Config{
		WorkDir:     "/blaxel",
		Second:      time.Second,
		EdgeTimeout: 60 * time.Second,
		Quirks:      AllQuirks,
		LogLimit:    32 << 20,
	}
}
