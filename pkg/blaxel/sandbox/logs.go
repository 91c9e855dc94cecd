package sandbox

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"

	"github.com/blaxel-go/blaxel/gen/sandboxapi"
	"github.com/blaxel-go/blaxel/internal/pipeline"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// LogStream says which output of a process a LogChunk comes from.
type LogStream string

const (
	LogStdout LogStream = "stdout"
	LogStderr LogStream = "stderr"
	LogOther  LogStream = "" // the sandbox's own notices before any output, such as a truncation notice
)

// LogChunk is a piece of a process's output: raw bytes, a line or part of one (at most 64
// KiB), with its final "\n" when it ends a line. Logs reuses the memory of Data: it is valid
// until the next iteration, as bufio.Scanner's tokens are; copy what you keep. Following a
// log of any size holds about 200 KiB.
type LogChunk struct {
	Stream LogStream
	Data   []byte
}

// Logs follows the output of a process from its start: first what it has printed so far,
// then live, ending when the process ends. It reconnects after a dropped connection (within
// the client's retry budget) without yielding a byte twice. When ctx ends, or the sandbox
// reports an error inside the stream (an unknown process, say), the last value holds the
// error.
//
// Lines may be of any length: one longer than 64 KiB comes in several chunks. The sandbox
// labels output ("stdout:", "stderr:") per read of up to 4 KiB, not per line, so a label
// comes wherever a read ended, in the middle of a line too: such labels are removed, and
// therefore so is text of the output itself that reads "stdout:" or "stderr:" in the middle
// of a line (the stream cannot tell them apart; at the start of a line, and right after a
// label, it is kept). A line without a label is given the stream of the label before it. The
// sandbox's notices of a stop or a kill ("[Process is being forcefully killed]") are
// removed as keepalives are; the "\n" that comes before a notice stays when it ends a line
// the process left unfinished. Logs that start while the process has a line unfinished
// see a "\n" after it: the sandbox ends each line of the output it replays. Once the sandbox's log of the process exceeds its cap (32 MiB), a reconnection can
// no longer line up with what was already yielded and may repeat or skip a little.
func (s *Sandbox) Logs(ctx context.Context, name string) iter.Seq2[LogChunk, error] {
	return func(yield func(LogChunk, error) bool) {
		if err := pipeline.CheckName("process", name); err != nil {
			yield(LogChunk{}, err)
			return
		}
		f := &logFollower{}
		failures := 0
		for {
			progressed, err := s.followLogs(ctx, name, f, yield)
			if f.stopped {
				return
			}
			if progressed {
				failures = 0
			}
			var streamErr *blaxel.StreamError
			switch {
			case ctx.Err() != nil:
				yield(LogChunk{}, fmt.Errorf("blaxel: %s: logs: %w", s.subject("process", name), contextError(ctx)))
				return
			case errors.As(err, &streamErr):
				yield(LogChunk{}, err)
				return
			case err == nil:
				// The stream ends when the process does, and also at the first failure of one
				// that restarts: ask which.
				proc, perr := s.Process(ctx, name)
				if perr != nil {
					yield(LogChunk{}, perr)
					return
				}
				if proc.Status != sandboxapi.ProcessResponseStatusRunning {
					return
				}
				if progressed {
					continue
				}
				// Ended with nothing new while the process runs: reconnect after a pause, as
				// after a break, rather than at once and without end.
				err = errLogStreamEnded
			}
			var apiErr *blaxel.APIError
			if errors.As(err, &apiErr) && !pipeline.RetryableStatus(apiErr.StatusCode) {
				yield(LogChunk{}, err)
				return
			}
			failures++
			if err := s.p.Retry(ctx, failures, err); err != nil {
				yield(LogChunk{}, fmt.Errorf("blaxel: %s: logs: the stream broke %d times: %w", s.subject("process", name), failures, err))
				return
			}
		}
	}
}

// errLogStreamEnded is a log stream that ended with no new output while its process still
// runs: treated as a break, so that reconnecting pauses and gives up in the end.
var errLogStreamEnded = errors.New("the log stream ended with no new output while the process runs")

// logFollower is where a reading of the log stream stands, across reconnections: every
// connection replays the log from its start, so what was yielded before is counted and
// skipped.
type logFollower struct {
	lines   int       // whole lines yielded
	partial int       // bytes yielded of the line after them
	stream  LogStream // the label in force
	stopped bool      // the caller stopped the iteration
}

// logChunkSize is how much of its log files the sandbox reads at a time: each read goes out
// behind its own label, so a label can also start at that distance after another one, in
// the middle of a line.
const logChunkSize = 4096

var (
	stdoutLabel = []byte("stdout:")
	stderrLabel = []byte("stderr:")
	keepalive   = []byte(pipeline.KeepaliveLine + "\n")
)

// The sandbox's notices of a stop and of a kill. It writes them, each after a "\n", into the
// live streams of the process (an exec stream's stdout, the log stream without a label), not
// into its record: they are no output of the process.
var notices = [][]byte{[]byte("[Process is being gracefully terminated]\n"), []byte("[Process is being forcefully killed]\n")}

// isNotice recognises an exec stream's stdout event that is one of the notices.
func isNotice(data string) bool {
	for _, n := range notices {
		if len(data) == len(n)+1 && data[0] == '\n' && data[1:] == string(n) {
			return true
		}
	}
	return false
}

// maxLogChunk is the most a LogChunk holds: a longer line comes in several.
const maxLogChunk = 64 << 10

// followLogs reads one connection of the log stream, yielding what was not yielded yet. It
// returns nil when the stream ended cleanly, and whether it yielded anything.
//
// The stream is a sequence of labelled reads ("stdout:" or "stderr:" and up to 4 KiB) of
// the process's output, and unlabelled lines of the sandbox's own (keepalives, notices). A
// label is recognised at the start of a line, and anywhere after at least one byte of the
// read before it (a read is never empty); the bytes up to the next label belong to its
// stream. The labels and keepalives are
// removed; what is counted, to skip it after a reconnection, is the output alone.
func (s *Sandbox) followLogs(ctx context.Context, name string, f *logFollower, yield func(LogChunk, error) bool) (bool, error) {
	resp, err := s.api.ClientInterface.StreamProcessLogs(ctx, name)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	br := bufio.NewReaderSize(resp.Body, pipeline.StreamBuffer)
	if msg, ok := firstLineError(br); ok {
		return false, s.streamError(resp.Request, msg)
	}
	var (
		progressed bool
		line       int // this connection's whole lines so far
		offset     int // bytes of output read of the line after them
		segment    int // bytes read since the last label
		atStart    = true
		pending    = make([]byte, 0, maxLogChunk+logChunkSize+1) // output to yield, of f.stream, and a "\n"
	)
	// flush yields what is pending, with a "\n" when it ends a line.
	flush := func(newline bool) bool {
		if len(pending) == 0 && !newline {
			return true
		}
		// The chunk is pending itself, valid until the next iteration: no copy, no garbage.
		data := pending
		if newline {
			data = append(data, '\n') // within its capacity
		}
		pending = pending[:0]
		if !yield(LogChunk{Stream: f.stream, Data: data}, nil) {
			f.stopped = true
			return false
		}
		progressed = true
		f.partial += len(data)
		if newline {
			f.lines, f.partial = line+1, 0
		}
		return true
	}
	for {
		if atStart || segment == logChunkSize {
			if segment == logChunkSize {
				segment = 0 // a label or not, the next read starts here
			}
			// Deciding may wait for bytes that have not come yet: hand over what is ready first.
			if br.Buffered() < len(keepalive) && !flush(false) {
				return true, nil
			}
			if atStart && continuesWith(br, keepalive) {
				_, _ = br.Discard(len(keepalive)) // live only, never replayed: not counted
				continue
			}
			if atStart {
				if n := noticeAhead(br); n > 0 {
					_, _ = br.Discard(n) // live only too
					continue
				}
			}
			if stream := labelAhead(br); stream != LogOther {
				if stream != f.stream && !flush(false) {
					return true, nil
				}
				f.stream = stream
				_, _ = br.Discard(len(stdoutLabel))
				segment = 0
			}
		}
		// The output up to the end of the line, the next place a label may start, or the end
		// of what has arrived.
		if br.Buffered() == 0 {
			if !flush(false) {
				return true, nil
			}
			if _, err := br.Peek(1); err != nil {
				if errors.Is(err, io.EOF) {
					return progressed, nil
				}
				return progressed, err
			}
		}
		if !atStart && segment > 0 {
			// In mid-line, a label starts wherever a read of the sandbox's ended.
			if b, _ := br.Peek(1); b[0] == stdoutLabel[0] {
				if br.Buffered() < len(stdoutLabel) && !flush(false) {
					return true, nil
				}
				if stream := labelAhead(br); stream != LogOther {
					if stream != f.stream && !flush(false) {
						return true, nil
					}
					f.stream = stream
					_, _ = br.Discard(len(stdoutLabel))
					segment = 0
					continue
				}
			}
		}
		window, _ := br.Peek(min(logChunkSize-segment, br.Buffered()))
		n := len(window)
		newline := false
		if i := bytes.IndexByte(window, '\n'); i >= 0 {
			n, newline = i+1, true
		}
		if i := labelCandidate(window[:n]); i > 0 {
			n, newline = i, false // decided at the next turn, once its bytes are there
		}
		out := window[:n]
		if newline {
			out = out[:n-1]
		}
		// Skip what was yielded already: whole lines, then the bytes of the next one that were
		// yielded or are pending.
		switch {
		case line < f.lines:
			out = nil
		case line == f.lines:
			skip := min(max(f.partial+len(pending)-offset, 0), len(out))
			offset += len(out)
			out = out[skip:]
		}
		pending = append(pending, out...)
		_, _ = br.Discard(n)
		segment += n
		if newline {
			if line >= f.lines && !flush(true) {
				return true, nil
			}
			line++
			offset = 0
		} else if len(pending) >= maxLogChunk && !flush(false) {
			return true, nil
		}
		atStart = newline
	}
}

// labelAhead tells which stream's label the stream goes on with, LogOther for none.
func labelAhead(br *bufio.Reader) LogStream {
	switch {
	case continuesWith(br, stdoutLabel):
		return LogStdout
	case continuesWith(br, stderrLabel):
		return LogStderr
	}
	return LogOther
}

// noticeAhead tells the length of the notice of a stop or a kill that the stream goes on
// with, its leading "\n" included when it has one; 0 for none.
func noticeAhead(br *bufio.Reader) int {
	for _, n := range notices {
		if continuesWith(br, n) {
			return len(n)
		}
		if continuesWith(br, append([]byte{'\n'}, n...)) {
			return len(n) + 1
		}
	}
	return 0
}

// labelCandidate is the first place after the start of window where a label begins, or
// may begin in bytes that have not arrived yet; 0 for none.
func labelCandidate(window []byte) int {
	for i := 1; i < len(window); i++ {
		j := bytes.IndexByte(window[i:], stdoutLabel[0])
		if j < 0 {
			return 0
		}
		i += j
		rest := window[i:]
		if bytes.HasPrefix(rest, stdoutLabel) || bytes.HasPrefix(rest, stderrLabel) ||
			len(rest) < len(stdoutLabel) && (bytes.HasPrefix(stdoutLabel, rest) || bytes.HasPrefix(stderrLabel, rest)) {
			return i
		}
	}
	return 0
}

// continuesWith reports whether the stream goes on with want, reading no further than it
// takes to tell: a prefix that differs is known without waiting for more.
func continuesWith(br *bufio.Reader, want []byte) bool {
	for n := 1; n <= len(want); n++ {
		b, _ := br.Peek(n)
		if len(b) < n || b[n-1] != want[n-1] {
			return false
		}
	}
	return true
}

// firstLineError recognises the JSON error that the sandbox writes, inside a 200, into the
// stream of a process it cannot follow. Only what has arrived is looked at.
func firstLineError(br *bufio.Reader) (string, bool) {
	if b, err := br.Peek(1); err != nil || b[0] != '{' {
		return "", false
	}
	b, _ := br.Peek(br.Buffered())
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	return errorBody(b)
}

// errorBody reads the sandbox's {"error": "message"}.
func errorBody(b []byte) (string, bool) {
	var body struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(bytes.TrimSpace(b), &body) != nil || body.Error == "" {
		return "", false
	}
	return body.Error, true
}
