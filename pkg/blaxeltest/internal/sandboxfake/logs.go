package sandboxfake

import (
	"bytes"
	"sync"
)

// chunkSize is the most output one event carries: the real server reads its log files 4 KiB
// at a time and sends what each read got.
const chunkSize = 4096

// truncationMarker starts a log whose head was dropped.
const truncationMarker = "[... truncated, see the process log file for the full output ...]\n"

// procOutput is what a process printed: each stream's text, the combined log as the real
// server's log file holds it (every piece of a line written prefixed by its stream, in the
// order written), and the readers that follow the output live. Safe for concurrent use.
type procOutput struct {
	write                    sync.Mutex // serialises writers, so that the logs and the live readers agree on order
	mu                       sync.Mutex // guards what follows, for readers
	stdout, stderr, combined tailBuffer
	subs                     map[*logSub]struct{}
	ended                    bool // the process is over: later writes are dropped
}

// logEvent is output as a live reader receives it: a chunk of one stream, or a notice the
// server writes (stop, kill, restart), which has no stream.
type logEvent struct {
	stream string // "stdout", "stderr", or "" for a notice
	data   []byte
}

// logSub is a live reader of a process's output.
type logSub struct {
	events chan logEvent
	gone   chan struct{} // closed by the reader when it stops reading
}

// subBacklog is how many events a live reader may fall behind before the process's writes
// wait for it, as the real server's writes wait on a slow connection.
const subBacklog = 256

func newProcOutput(limit int64) *procOutput {
	return &procOutput{
		stdout: tailBuffer{limit: limit}, stderr: tailBuffer{limit: limit}, combined: tailBuffer{limit: limit},
		subs: map[*logSub]struct{}{},
	}
}

// add writes a chunk of one stream ("stdout" or "stderr") to the logs and to the live readers.
func (o *procOutput) add(stream string, data []byte) bool {
	o.write.Lock()
	defer o.write.Unlock()
	for len(data) > 0 {
		n := min(len(data), chunkSize)
		chunk := bytes.Clone(data[:n])
		data = data[n:]
		subs, ok := o.record(stream, chunk)
		if !ok {
			return false
		}
		deliver(subs, logEvent{stream: stream, data: chunk})
	}
	return true
}

// record keeps a chunk in the logs and returns the live readers to give it to.
func (o *procOutput) record(stream string, chunk []byte) ([]*logSub, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.ended {
		return nil, false
	}
	if stream == "stdout" {
		o.stdout.add(chunk)
	} else {
		o.stderr.add(chunk)
	}
	prefix := []byte(stream + ":")
	for rest := chunk; len(rest) > 0; {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i+1], rest[i+1:]
		} else {
			rest = nil
		}
		o.combined.add(prefix)
		o.combined.add(line)
	}
	return o.subList(), true
}

// notice writes a message of the server's own: to stdout's log, and raw to live readers.
func (o *procOutput) notice(msg string) {
	o.write.Lock()
	defer o.write.Unlock()
	o.mu.Lock()
	o.stdout.add([]byte(msg))
	subs := o.subList()
	o.mu.Unlock()
	deliver(subs, logEvent{data: []byte(msg)})
}

// end drops whatever the process writes from now on.
func (o *procOutput) end() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.ended = true
}

func (o *procOutput) subList() []*logSub {
	out := make([]*logSub, 0, len(o.subs))
	for s := range o.subs {
		out = append(out, s)
	}
	return out
}

func deliver(subs []*logSub, ev logEvent) {
	for _, s := range subs {
		select {
		case s.events <- ev:
		case <-s.gone:
		}
	}
}

// attach adds a live reader and returns the combined log so far (what a new reader replays
// first): nothing is written between the two, so no output is lost or sent twice.
func (o *procOutput) attach() (*logSub, []byte, bool) {
	o.write.Lock()
	defer o.write.Unlock()
	o.mu.Lock()
	defer o.mu.Unlock()
	s := &logSub{events: make(chan logEvent, subBacklog), gone: make(chan struct{})}
	o.subs[s] = struct{}{}
	return s, bytes.Clone(o.combined.data), o.combined.dropped
}

// detach removes a live reader; writers no longer wait for it.
func (o *procOutput) detach(s *logSub) {
	close(s.gone)
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.subs, s)
}

// tails returns the last n bytes of stdout and of stderr, each behind the truncation marker
// when cut.
func (o *procOutput) tails(n int) (stdout, stderr string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.stdout.tail(n), o.stderr.tail(n)
}

// tailBuffer keeps the last limit bytes written to it (a little more, so that dropping the
// head happens now and then rather than on every write).
type tailBuffer struct {
	data    []byte
	limit   int64
	dropped bool
}

func (b *tailBuffer) add(p []byte) {
	b.data = append(b.data, p...)
	if over := int64(len(b.data)) - b.limit; over > b.limit/4 {
		b.data = bytes.Clone(b.data[over:])
		b.dropped = true
	}
}

// tail returns the last n bytes, behind the truncation marker when anything is left out.
func (b *tailBuffer) tail(n int) string {
	if len(b.data) <= n && !b.dropped {
		return string(b.data)
	}
	return truncationMarker + string(b.data[max(0, len(b.data)-n):])
}
