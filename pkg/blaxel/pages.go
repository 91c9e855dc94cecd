package blaxel

import (
	"context"
	"errors"
	"fmt"
	"iter"
)

// ErrRepeatedCursor ends a walk over pages when the server sends a cursor it has sent before:
// following it would read the same pages again without end.
var ErrRepeatedCursor = errors.New("blaxel: the listing sent a cursor it had already sent")

// page is one answer of a paginated listing, reduced to what walking needs.
type page[T any] struct {
	items []T
	next  string // meta.nextCursor; "" when absent
	more  bool   // meta.hasMore; true when absent, so that the cursor alone decides
}

// walkPages is the loop behind every generated <Op>All iterator. It fetches the first page with
// the caller's own cursor (start, possibly empty), then follows next cursors while the server
// says there is more. A page is fetched only when the consumer has taken every item before it,
// and only one page is held at a time.
func walkPages[T any](ctx context.Context, operation, start string, fetch func(ctx context.Context, cursor string) (page[T], error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		seen := map[string]struct{}{}
		if start != "" {
			seen[start] = struct{}{}
		}
		cursor := ""
		for {
			pg, err := fetch(ctx, cursor)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, item := range pg.items {
				if !yield(item, nil) {
					return
				}
			}
			if !pg.more || pg.next == "" {
				return
			}
			if _, again := seen[pg.next]; again {
				yield(zero, fmt.Errorf("%w (%s, after %d pages)", ErrRepeatedCursor, operation, len(seen)))
				return
			}
			seen[pg.next] = struct{}{}
			cursor = pg.next
		}
	}
}
