package sandboxfake

import (
	"encoding/json"
	"net/http"
	"path"
	"strings"
	"sync"
)

// fileEvent is one line of a watch stream, named as fsnotify names its operations.
type fileEvent struct {
	Op    string  `json:"op"`
	Name  string  `json:"name"`
	Path  string  `json:"path"`
	Error *string `json:"error"`
}

// watchHub tells the watchers of a sandbox about the changes of its filesystem. Safe for
// concurrent use.
type watchHub struct {
	mu       sync.Mutex
	watchers map[*watcher]struct{}
}

// watcher is one watch stream: a directory, alone or with everything below it.
type watcher struct {
	dir       string
	recursive bool
	ignore    []string // substrings of the paths whose events are not sent
	events    chan fileEvent
	closed    chan struct{} // closed when the sandbox goes away
}

// watchBacklog is how many events a watcher holds for a slow client; more are dropped, as
// an inotify queue drops what overflows it.
const watchBacklog = 1024

func newWatchHub() *watchHub { return &watchHub{watchers: map[*watcher]struct{}{}} }

func (h *watchHub) add(dir string, recursive bool, ignore []string) *watcher {
	w := &watcher{dir: dir, recursive: recursive, ignore: ignore,
		events: make(chan fileEvent, watchBacklog), closed: make(chan struct{})}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.watchers[w] = struct{}{}
	return w
}

func (h *watchHub) remove(w *watcher) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.watchers, w)
}

// emit tells every watcher that sees p about op on it. It never blocks.
func (h *watchHub) emit(op, p string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	ev := fileEvent{Op: op, Name: path.Base(p), Path: path.Dir(p)}
	for w := range h.watchers {
		if !w.sees(p) {
			continue
		}
		select {
		case w.events <- ev:
		default: // the client is too slow: the event is lost
		}
	}
}

// sees reports whether an event on p reaches the watcher: p is the directory itself or in
// it, or below it for a recursive watch, and matches no ignore pattern.
func (w *watcher) sees(p string) bool {
	inside := p == w.dir || path.Dir(p) == w.dir ||
		(w.recursive && strings.HasPrefix(p, strings.TrimSuffix(w.dir, "/")+"/"))
	if !inside {
		return false
	}
	for _, pattern := range w.ignore {
		if pattern != "" && strings.Contains(p, pattern) {
			return false
		}
	}
	return true
}

func (h *watchHub) closeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for w := range h.watchers {
		close(w.closed)
		delete(h.watchers, w)
	}
}

// watchDirectory streams the changes of a directory as JSON lines until the client goes: a
// path ending in /** watches everything below the directory too, and ignore is a comma list
// of substrings of the paths to leave out. The directory must exist.
func watchDirectory(x *sbxCall) {
	p := x.fsParam()
	recursive := false
	if strings.HasSuffix(p, "/**") {
		recursive = true
		if p = strings.TrimSuffix(p, "/**"); p == "" {
			p = "/"
		}
	}
	var ignore []string
	if q := x.r.URL.Query().Get("ignore"); q != "" {
		ignore = strings.Split(q, ",")
	}
	abs := x.sb.abs(p)
	if info, err := x.sb.fs.stat(abs); err != nil || !info.dir {
		x.fail(http.StatusBadRequest, "path is not a directory")
		return
	}
	w := x.sb.fs.watches.add(abs, recursive, ignore)
	defer x.sb.fs.watches.remove(w)
	stream := x.startStream("text/plain; charset=utf-8", http.Header{"X-Accel-Buffering": {"no"}})
	keepalive, stop := x.textKeepalive()
	defer stop()
	for {
		select {
		case ev := <-w.events:
			line, _ := json.Marshal(ev)
			if stream.line(append(line, '\n')) != nil {
				return
			}
		case <-keepalive:
			if stream.line([]byte("[keepalive]\n")) != nil {
				return
			}
		case <-w.closed:
			return
		case <-x.ctx.Done():
			return
		}
	}
}
