package sandbox

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/blaxel-go/blaxel/internal/pipeline"
)

// The starts of the output events of an exec stream as the sandbox writes them (Go's encoder,
// fields in this order). An event that fits in the read buffer is read whole and decoded with
// encoding/json, so that every rule about events (keepalives, notices) applies to it; a longer
// output event, a replayed line of megabytes say, is decoded as it is read and its data
// written out in pieces, so that it costs a buffer rather than the line, its decoding and a
// copy. Keepalives and notices are short: none of them is long. A long event of any other
// shape is read whole, up to pipeline.MaxLine.
var (
	stdoutEventStart = []byte(`{"type":"stdout","data":"`)
	stderrEventStart = []byte(`{"type":"stderr","data":"`)
)

// outputFlush is how much decoded output is gathered before it is written out.
const outputFlush = 32 << 10

// longOutputEvent tells, once the next event is whole in the read buffer or fills it, whether
// it is an output event longer than the buffer, and of which stream.
func longOutputEvent(br *bufio.Reader) (LogStream, bool) {
	for {
		b, _ := br.Peek(br.Buffered())
		if bytes.IndexByte(b, '\n') >= 0 {
			return "", false
		}
		if len(b) == br.Size() {
			break
		}
		if _, err := br.Peek(len(b) + 1); err != nil {
			return "", false // the whole-line reading reports it
		}
	}
	b, _ := br.Peek(len(stdoutEventStart))
	switch {
	case bytes.Equal(b, stdoutEventStart):
		return LogStdout, true
	case bytes.Equal(b, stderrEventStart):
		return LogStderr, true
	}
	return "", false
}

// copyOutputEvent reads an output event that longOutputEvent recognised, writing its
// data to out as it is decoded, then checks that the event ends there. A write error of the
// caller's writer is returned as it is; anything wrong with the stream is a *brokenStream.
func (o *runOutput) copyOutputEvent(br *bufio.Reader, lines *pipeline.Lines, stream LogStream) error {
	_, _ = br.Discard(len(stdoutEventStart)) // both starts have the same length
	var err error
	o.scratch, err = decodeJSONString(br, o.scratch[:0], func(p []byte) error { return o.writeBytes(stream, p) })
	if err != nil {
		return err
	}
	rest, err := lines.ReadLine()
	if err != nil {
		return &brokenStream{unexpectedEOF(err)}
	}
	if string(bytes.TrimSpace(rest)) != "}" {
		return &brokenStream{fmt.Errorf("an output event goes on after its data with %.40q", rest)}
	}
	return nil
}

// decodeJSONString decodes a JSON string whose opening quote was read, up to and including
// its closing quote, handing the decoded bytes to emit in pieces of about outputFlush bytes
// gathered in buf, which it returns for reuse. Like encoding/json, it turns an unpaired
// surrogate into U+FFFD.
func decodeJSONString(br *bufio.Reader, buf []byte, emit func([]byte) error) ([]byte, error) {
	for {
		if br.Buffered() == 0 {
			if _, err := br.Peek(1); err != nil {
				return buf, &brokenStream{unexpectedEOF(err)}
			}
		}
		window, _ := br.Peek(br.Buffered())
		i := len(window)
		for _, c := range []byte{'"', '\\', '\n'} {
			if j := bytes.IndexByte(window[:i], c); j >= 0 {
				i = j
			}
		}
		buf = append(buf, window[:i]...)
		_, _ = br.Discard(i)
		if len(buf) >= outputFlush {
			if err := emit(buf); err != nil {
				return buf, err
			}
			buf = buf[:0]
		}
		if i == len(window) {
			continue
		}
		switch window[i] {
		case '"':
			_, _ = br.Discard(1)
			if len(buf) > 0 {
				return buf, emit(buf)
			}
			return buf, nil
		case '\n':
			return buf, &brokenStream{errors.New("an output event ends inside its data")}
		}
		var err error
		if buf, err = unescape(br, buf); err != nil {
			return buf, &brokenStream{err}
		}
	}
}

// unescape decodes the escape sequence the reader is at, appending it to buf.
func unescape(br *bufio.Reader, buf []byte) ([]byte, error) {
	b, _ := br.Peek(2)
	if len(b) < 2 {
		return buf, errors.New("an output event ends inside an escape sequence")
	}
	var c byte
	switch b[1] {
	case '"', '\\', '/':
		c = b[1]
	case 'b':
		c = '\b'
	case 'f':
		c = '\f'
	case 'n':
		c = '\n'
	case 'r':
		c = '\r'
	case 't':
		c = '\t'
	case 'u':
	default:
		return buf, fmt.Errorf("an output event holds the invalid escape %q", b)
	}
	if c != 0 {
		_, _ = br.Discard(2)
		return append(buf, c), nil
	}
	b, _ = br.Peek(12) // \uXXXX, and the second half of a surrogate pair if there is one
	r, ok := hex4(b, 0)
	if !ok {
		return buf, fmt.Errorf("an output event holds the invalid escape %.6q", b)
	}
	n := 6
	if utf16.IsSurrogate(r) {
		pair := utf8.RuneError
		if low, ok := hex4(b, 6); ok {
			pair = utf16.DecodeRune(r, low)
		}
		if pair != utf8.RuneError {
			n = 12
		}
		r = pair
	}
	_, _ = br.Discard(n)
	return utf8.AppendRune(buf, r), nil
}

// hex4 reads the \uXXXX at b[at:].
func hex4(b []byte, at int) (rune, bool) {
	if len(b) < at+6 || b[at] != '\\' || b[at+1] != 'u' {
		return 0, false
	}
	v := hexValue(b[at+2 : at+6])
	return rune(v), v >= 0
}

// hexValue is the value of four hex digits, -1 if they are not.
func hexValue(b []byte) int {
	v := 0
	for _, c := range b {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		v = v<<4 | int(c)
	}
	return v
}

func unexpectedEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
