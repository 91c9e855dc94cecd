package blaxel

import (
	"errors"
	"io"
	"net/http"
	"net/url"
)

// checkedHeadLen is how much of the start of a JSON body is kept, to quote in a DecodeError.
const checkedHeadLen = 128

// checkedBody is the body of a successful answer that announced JSON. It hands the bytes to
// whoever reads the body (the generated decoder) as they come, while a jsonShape watches them
// go by: the body is read once, not once to check and once more to decode. The read that
// shows the body is not JSON, or that it ended before its value did, fails with a
// *DecodeError; a connection that fails midway is a *url.Error without credentials.
type checkedBody struct {
	body    io.ReadCloser
	check   jsonShape
	head    [checkedHeadLen]byte
	headLen int
	more    bool // bytes came after the head
	shape   byte // what the JSON must begin with: '{', '[', or 0 for any value
	hasBody bool // the document declares a JSON body: an empty one is an error
	req     *http.Request
	resp    *http.Response
	redact  *redactor
	err     error
}

// newCheckedBody wraps the body of a 2xx answer that announced JSON, to be checked against
// what the document declares for the request's operation.
func newCheckedBody(req *http.Request, resp *http.Response, r *redactor) *checkedBody {
	b := &checkedBody{body: resp.Body, req: req, resp: resp, redact: r}
	b.shape, b.hasBody = answerShape(operationOf(req))
	return b
}

// errShape is why a JSON body of another kind than the declared one is refused.
var errShape = errors.New("the JSON is not of the kind openapi.yaml declares (an object or an array)")

func (b *checkedBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	n, err := b.body.Read(p)
	if n > 0 {
		kept := copy(b.head[b.headLen:], p[:n])
		b.headLen += kept
		b.more = b.more || kept < n
		if cerr := b.check.write(p[:n]); cerr != nil {
			b.err = b.decodeError(cerr)
			return n, b.err
		}
		if b.shape != 0 && b.check.first != 0 && b.check.first != b.shape {
			b.err = b.decodeError(errShape)
			return n, b.err
		}
	}
	switch {
	case err == io.EOF:
		if cerr := b.check.end(); cerr != nil {
			b.err = b.decodeError(cerr)
			return n, b.err
		}
		// An empty body is fine only where the document declares none; anywhere else the
		// generated decoder would fail on it without saying which call or what came.
		if !b.check.seen && b.hasBody {
			b.err = b.decodeError(errUnexpectedEnd)
			return n, b.err
		}
	case err != nil:
		b.err = b.redact.urlError(&url.Error{Op: b.req.Method, URL: b.req.URL.String(), Err: err})
		return n, b.err
	}
	return n, err
}

func (b *checkedBody) Close() error { return b.body.Close() }

func (b *checkedBody) decodeError(cause error) *DecodeError {
	return newDecodeError(b.req, b.resp, b.quoted(), cause, b.redact)
}

// quoted is the start of the body that an error may quote.
func (b *checkedBody) quoted() []byte {
	head := b.head[:b.headLen]
	if b.more {
		head = dropPartialWord(head)
	}
	return head
}

// dropPartialWord cuts a head that stops in the middle of a word back to the word's start, so
// that a credential cut in two cannot slip past the redactor as a fragment.
func dropPartialWord(head []byte) []byte {
	end := len(head)
	for end > 0 && isWordByte(head[end-1]) {
		end--
	}
	return head[:end]
}

// isWordByte is a byte that can be part of a token, key or password.
func isWordByte(c byte) bool {
	return c >= 0x80 || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '~' ||
		c == '+' || c == '/' || c == '=' || c == '-' || c == '%' || c == '\\'
}
