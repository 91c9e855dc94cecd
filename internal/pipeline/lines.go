package pipeline

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Read buffers: a log stream is read in bulk; an event stream's lines are short, and the
// rare long one (an exec's result) is assembled from several reads.
const (
	StreamBuffer = 64 << 10
	EventBuffer  = 4 << 10
)

// MaxLine bounds a line that ReadLine assembles whole: 64 MiB, far above any line of the
// API (an exec's result event, the longest, holds at most a few MiB), so that a stream that
// never ends its line cannot grow the heap without end. Readers that take a line in pieces
// (Next) have no such bound.
const MaxLine = 64 << 20

// ErrLineTooLong is the error of ReadLine for a line longer than MaxLine.
var ErrLineTooLong = fmt.Errorf("blaxel: a line of the stream is longer than %d MiB", MaxLine>>20)

// KeepaliveLine is what the sandbox writes into its text streams (and into the stdout of an
// exec stream) so that the edge does not cut an idle connection.
const KeepaliveLine = "[keepalive]"

// Lines reads line-oriented streams (the sandbox's NDJSON exec events, prefixed log
// lines and watch events; an agent's events, through lineReader) with no small limit on the
// length of a line (MaxLine for a whole one). bufio.Scanner would stop at its token limit:
// the last event of an exec, which embeds the output's tails twice encoded, easily passes 64
// KiB, and a process may print a megabyte without a newline.
type Lines struct {
	r    *bufio.Reader
	line []byte // the line being assembled by readLine, reused
}

// NewLines reads r through a buffer of EventBuffer bytes, or through r itself when it is a
// *bufio.Reader at least as large.
func NewLines(r io.Reader) *Lines {
	return &Lines{r: bufio.NewReaderSize(r, EventBuffer)}
}

// Next returns the next piece of the stream: the rest of a line, its "\n" removed (newline
// true), or as much of a longer line as the buffer holds (newline false). At the end of the
// stream it returns what is left of an unfinished line, then the error (io.EOF for a clean
// end). The piece is only valid until the next call.
func (l *Lines) Next() (piece []byte, newline bool, err error) {
	b, err := l.r.ReadSlice('\n')
	switch {
	case err == nil:
		return b[:len(b)-1], true, nil
	case errors.Is(err, bufio.ErrBufferFull):
		return b, false, nil
	case len(b) > 0:
		// An unfinished last line: hand it over now, and the error on the next call (the
		// body keeps answering it).
		return b, false, nil
	}
	return nil, false, err
}

// ReadLine returns the next whole line, of up to MaxLine bytes, without its "\n" (and without
// a "\r" before it). An unfinished last line is returned as a line, a final "\r" removed too;
// then the stream's error. A longer line is ErrLineTooLong.
// The line is only valid until the next call.
func (l *Lines) ReadLine() ([]byte, error) {
	l.line = l.line[:0]
	for {
		piece, newline, err := l.Next()
		if err != nil {
			if len(l.line) > 0 && errors.Is(err, io.EOF) {
				return bytes.TrimSuffix(l.line, []byte("\r")), nil
			}
			return nil, err
		}
		if newline && len(l.line) == 0 {
			return bytes.TrimSuffix(piece, []byte("\r")), nil // the usual case: no copy
		}
		if len(l.line)+len(piece) > MaxLine {
			return nil, ErrLineTooLong
		}
		if need := len(l.line) + len(piece); need > cap(l.line) {
			// Doubling, where append grows a large slice by a quarter: a long line then
			// allocates about twice its size in all, not five times.
			grown := make([]byte, len(l.line), min(max(2*cap(l.line), need), MaxLine))
			copy(grown, l.line)
			l.line = grown
		}
		l.line = append(l.line, piece...)
		if newline {
			return bytes.TrimSuffix(l.line, []byte("\r")), nil
		}
	}
}

// IsKeepalive reports whether a line of a text stream is the sandbox's keepalive.
func IsKeepalive(line []byte) bool {
	return string(bytes.TrimSpace(line)) == KeepaliveLine
}
