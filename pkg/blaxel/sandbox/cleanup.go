package sandbox

import (
	"context"
	"time"
)

// cleanupTimeout bounds a clean-up request: the abort of a multipart upload that failed or
// whose context ended, the kill that WithKillOnCancel sends. It runs apart from the call's
// context, since it is most often needed once that context has ended.
const cleanupTimeout = 10 * time.Second

// cleanUp sends a clean-up request with do and waits for it while ctx lasts. Once ctx has
// ended (before or meanwhile), cleanUp returns nil at once and the request goes on in the
// background on its own, for at most cleanupTimeout; its failure is then in the client's
// log alone.
func cleanUp(ctx context.Context, do func(context.Context) error) error {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	done := make(chan error, 1)
	go func() {
		defer cancel()
		done <- do(cctx)
	}()
	if ctx.Err() != nil {
		return nil
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return nil
	}
}
