package pipeline

import (
	"errors"
	"strconv"
)

// jsonShape checks, in constant time per chunk, what can be told of a JSON body from its
// first and last bytes that are not whitespace: that it begins like a JSON value and ends the
// way that value must end ('{' with '}', '[' with ']', a string with its quote, a number with
// a digit). An HTML page sent under a JSON content type fails at its first byte, and a body
// cut short almost always ends in the middle of something.
//
// The check never refuses valid JSON, and leaves the rest of the syntax to the decoder, which
// reads every byte anyway: checking each byte here as well would cost a tenth of the time of
// decoding a large listing, to improve only the error of a garbled body.
type jsonShape struct {
	seen        bool // any byte at all
	first, last byte // the first and the last byte that are not whitespace; 0 before one
	lastTwice   bool // the last one is not the first one
}

// errUnexpectedEnd is the message encoding/json gives for a value cut short.
var errUnexpectedEnd = errors.New("unexpected end of JSON input")

func isJSONSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

// write notes the next chunk, and fails as soon as the body cannot begin a JSON value.
func (s *jsonShape) write(p []byte) error {
	if len(p) == 0 {
		return nil
	}
	s.seen = true
	i := 0
	if s.first == 0 {
		for i < len(p) && isJSONSpace(p[i]) {
			i++
		}
		if i == len(p) {
			return nil
		}
		s.first, s.last = p[i], p[i]
		if !beginsValue(s.first) {
			return errors.New("invalid character " + strconv.QuoteRune(rune(s.first)) + " looking for beginning of value")
		}
		i++
	}
	for j := len(p) - 1; j >= i; j-- {
		if !isJSONSpace(p[j]) {
			s.last, s.lastTwice = p[j], true
			break
		}
	}
	return nil
}

// end reports whether the body ended the way its value must. An empty body is accepted: what
// it means is left to the caller.
func (s *jsonShape) end() error {
	if !s.seen {
		return nil
	}
	closing := s.lastTwice
	switch s.first {
	case '{':
		closing = closing && s.last == '}'
	case '[':
		closing = closing && s.last == ']'
	case '"':
		closing = closing && s.last == '"'
	case 't', 'f':
		closing = closing && s.last == 'e'
	case 'n':
		closing = closing && s.last == 'l'
	default: // a number, or nothing but whitespace
		closing = s.first != 0 && '0' <= s.last && s.last <= '9'
	}
	if !closing {
		return errUnexpectedEnd
	}
	return nil
}

func beginsValue(c byte) bool {
	switch c {
	case '{', '[', '"', 't', 'f', 'n', '-':
		return true
	}
	return '0' <= c && c <= '9'
}
