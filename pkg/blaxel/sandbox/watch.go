package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"path"
	"strings"

	"github.com/blaxel-go/blaxel/gen/sandboxapi"
	"github.com/blaxel-go/blaxel/internal/option"
	"github.com/blaxel-go/blaxel/internal/pipeline"
)

// FileEvent is a change under a watched directory.
type FileEvent struct {
	// Op is what happened: "CREATE", "WRITE", "REMOVE", "RENAME" or "CHMOD", several joined
	// by "|" when they coincide (see Has).
	Op   string
	Path string // the entry's absolute path
}

// Has reports whether the event includes op, such as "WRITE".
func (e FileEvent) Has(op string) bool {
	for part := range strings.SplitSeq(e.Op, "|") {
		if strings.EqualFold(strings.TrimSpace(part), op) {
			return true
		}
	}
	return false
}

// WatchOption tunes Watch.
type WatchOption func(*watchSettings) error

type watchSettings struct {
	recursive bool
	ignore    []string
}

// WatchRecursive watches the whole tree below the directory, not only its own entries.
func WatchRecursive() WatchOption {
	return func(s *watchSettings) error {
		s.recursive = true
		return nil
	}
}

// WatchIgnore drops the events whose path contains one of the substrings (node_modules,
// .git...). A substring cannot hold a comma, which separates them on the wire.
func WatchIgnore(substrings ...string) WatchOption {
	return func(s *watchSettings) error {
		for _, sub := range substrings {
			if sub == "" || strings.Contains(sub, ",") {
				return fmt.Errorf("blaxel: WatchIgnore: %q is empty or holds a comma", sub)
			}
		}
		s.ignore = append(s.ignore, substrings...)
		return nil
	}
}

// Watch yields the changes made under the directory dir, which must exist, until ctx ends
// or the caller stops. Events made while no stream is open are lost: the sandbox keeps none.
// A failure of the stream, the sandbox's own error inside it included (a
// *blaxel.StreamError), is the last value; so is the end of ctx, as an error that matches
// ctx.Err() (errors.Is(err, context.Canceled) after a cancel).
func (s *Sandbox) Watch(ctx context.Context, dir string, opts ...WatchOption) iter.Seq2[FileEvent, error] {
	return func(yield func(FileEvent, error) bool) {
		var set watchSettings
		if err := option.Apply(&set, opts); err != nil {
			yield(FileEvent{}, err)
			return
		}
		p, err := sandboxPath(dir)
		if err != nil {
			yield(FileEvent{}, err)
			return
		}
		if set.recursive {
			p = path.Join(p, "**")
		}
		var params *sandboxapi.WatchFilesystemParams
		if len(set.ignore) > 0 {
			ignore := strings.Join(set.ignore, ",")
			params = &sandboxapi.WatchFilesystemParams{Ignore: &ignore}
		}
		resp, err := s.api.ClientInterface.WatchFilesystem(ctx, p, params)
		if err != nil {
			if ctx.Err() != nil {
				err = s.ended(ctx)
			}
			yield(FileEvent{}, pathError("watch", dir, err))
			return
		}
		defer resp.Body.Close()
		lines := pipeline.NewLines(resp.Body)
		for {
			line, err := lines.ReadLine()
			if err != nil {
				switch {
				case ctx.Err() != nil:
					err = s.ended(ctx)
				case errors.Is(err, io.EOF):
					err = errors.New("the sandbox ended the stream")
				}
				yield(FileEvent{}, pathError("watch", dir, err))
				return
			}
			line = bytes.TrimSpace(line)
			if len(line) == 0 || pipeline.IsKeepalive(line) {
				continue
			}
			var ev sandboxapi.FileEvent
			if err := json.Unmarshal(line, &ev); err != nil {
				continue // not an event: nothing this client knows how to read
			}
			if ev.Error != nil && *ev.Error != "" {
				yield(FileEvent{}, s.streamError(resp.Request, *ev.Error))
				return
			}
			if ev.Op == "" && ev.Name == "" {
				continue
			}
			full := ev.Path
			if ev.Name != "" {
				full = path.Join(ev.Path, ev.Name)
			}
			if !yield(FileEvent{Op: ev.Op, Path: full}, nil) {
				return
			}
		}
	}
}
