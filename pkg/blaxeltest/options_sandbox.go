package blaxeltest

import (
	"errors"
	"fmt"
	"path"
	"strings"
	"time"
)

// WithSandboxFileDir keeps the contents of the sandboxes' files under dir instead of in
// memory: the server makes a directory of its own inside dir, stores every file there under
// a random name that no sandbox path can choose, and removes it when it closes. Uploads are
// then streamed to disk, so that a big file costs the server little memory. Give a test's
// t.TempDir(), or os.TempDir().
func WithSandboxFileDir(dir string) Option {
	return func(c *config) error {
		if strings.TrimSpace(dir) == "" {
			return errors.New("blaxeltest: WithSandboxFileDir: the directory is empty")
		}
		c.sandbox.FileDir = dir
		return nil
	}
}

// WithSandboxWorkDir sets the directory that relative sandbox paths, and processes started
// without a working directory, start from. The default is /blaxel, as in Blaxel's images.
func WithSandboxWorkDir(dir string) Option {
	return func(c *config) error {
		if !strings.HasPrefix(dir, "/") {
			return fmt.Errorf("blaxeltest: WithSandboxWorkDir: %q is not an absolute path", dir)
		}
		c.sandbox.WorkDir = path.Clean(dir)
		return nil
	}
}

// WithSandboxSecond sets how long one second lasts inside the sandboxes: the unit of
// `sleep N`, of a process's timeout and keepAlive deadline, and of the keepalive periods of
// the streams (5 s for exec streams, 30 s for log and watch streams). Tests shorten it, e.g.
// to 10ms, to see timeouts and keepalives without waiting for them. The default is
// time.Second.
func WithSandboxSecond(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("blaxeltest: WithSandboxSecond: %v is not a positive duration", d)
		}
		c.sandbox.Second = d
		return nil
	}
}

// WithSandboxEdgeTimeout sets how long the edge in front of the sandboxes waits for a byte of
// an answer before it gives up: an answer that has not started by then is replaced by the
// edge's HTML 504 while the sandbox goes on with the request (a process keeps running), and a
// stream that stays silent that long is cut. The real edge waits about 60 s, the default;
// 0 never gives up. It is a real duration, not scaled by WithSandboxSecond.
func WithSandboxEdgeTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("blaxeltest: WithSandboxEdgeTimeout: %v is negative", d)
		}
		c.sandbox.EdgeTimeout = d
		return nil
	}
}

// WithSandboxQuirks sets which oddities of the real sandbox server the sandboxes reproduce.
// The default is AllQuirks, so that clients meet in tests what they will meet for real;
// WithSandboxQuirks(0) answers as the documentation says instead.
func WithSandboxQuirks(q Quirk) Option {
	return func(c *config) error {
		if q&^AllQuirks != 0 {
			return fmt.Errorf("blaxeltest: WithSandboxQuirks: %#x holds unknown quirks", uint(q&^AllQuirks))
		}
		c.sandbox.Quirks = q
		return nil
	}
}

// WithSandboxLogLimit sets how many bytes of output a process keeps per log (stdout, stderr,
// and both combined) for its logs and for the replay of a log stream; older output is dropped
// behind a truncation marker, as the real server drops the head of its log files. Live
// streams get everything whatever the limit. The default is 32 MiB, the real limit.
func WithSandboxLogLimit(n int64) Option {
	return func(c *config) error {
		if n < 4096 {
			return fmt.Errorf("blaxeltest: WithSandboxLogLimit: %d is below 4096 bytes", n)
		}
		c.sandbox.LogLimit = n
		return nil
	}
}

// WithSlowSandboxStart makes a new sandbox answer the edge's 503 on its own address until it
// is DEPLOYED (see WithDeployDelay), to test a client against a platform slow to start
// sandboxes. Without it, a sandbox answers as soon as it is created, DEPLOYING or not, as
// Blaxel's do.
func WithSlowSandboxStart() Option {
	return func(c *config) error {
		c.sandbox.SlowStart = true
		return nil
	}
}
