package blaxel

import (
	"errors"
	"time"

	"github.com/blaxel-go/blaxel/internal/config"
)

// WithClock sets the clock by which the client tells when a token expires (and renews it)
// and how far away a Retry-After date is: time.Now by default. Tests give a clock of their own
// to pass a token's expiry without waiting for it. Waits themselves (between retries, for a
// deadline) still take real time.
func WithClock(now func() time.Time) Option {
	return func(s *config.Settings) error {
		if now == nil {
			return errors.New("blaxel: WithClock: the function is nil")
		}
		s.Pipeline.Now = now
		return nil
	}
}
