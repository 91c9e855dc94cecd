package pipeline

import (
	"errors"
	"io"
	"net/http"
	"net/url"

	"github.com/blaxel-go/blaxel/internal/redact"
)

// checkedHeadLen is how much of the start of a JSON body is kept, to quote in a DecodeError.
const checkedHeadLen = 128

// checkedBody is the body of a successful answer that announced JSON. It hands the bytes to
// whoever reads the body (the generated decoder) as they come, while a jsonShape watches them
// go by: the body is read once, not once to check and once more to decode. The read that
// shows the body is not JSON, or that it ended before its value did, fails with a
// *DecodeError; what it reads through, a boundedBody, refuses a body past the limit and
// turns a connection that fails midway into a *url.Error without credentials.
type checkedBody struct {
	body    *boundedBody
	check   jsonShape
	head    [checkedHeadLen]byte
	headLen int
	more    bool // bytes came after the head
	shape   byte // what the JSON must begin with: '{', '[', or 0 for any value
	hasBody bool // the document declares a JSON body: an empty one is an error
	req     *http.Request
	resp    *http.Response
	redact  *redact.Redactor
	err     error
}

// newCheckedBody wraps the body of a 2xx answer that announced JSON, to be checked against
// what the document declares for the request's operation.
func newCheckedBody(req *http.Request, resp *http.Response, r *redact.Redactor, limit int64, shape AnswerShape) *checkedBody {
	b := &checkedBody{body: &boundedBody{body: resp.Body, req: req, resp: resp, redact: r, limit: limit}, req: req, resp: resp, redact: r}
	b.shape, b.hasBody = shape(OperationOf(req))
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
	case err != nil: // past the limit, or the connection's *url.Error, redacted
		b.err = err
		return n, b.err
	}
	return n, err
}

func (b *checkedBody) Close() error { return b.body.Close() }

func (b *checkedBody) decodeError(cause error) *DecodeError {
	return NewDecodeError(b.req, b.resp, b.quoted(), cause, b.redact)
}

// quoted is the start of the body that an error may quote, redacted then cut.
func (b *checkedBody) quoted() []byte {
	return b.redact.Bounded(b.head[:b.headLen], checkedHeadLen, b.more)
}

// DecodeFailure turns a failure to read a 2xx answer into a *DecodeError, unless it already is
// one or is the connection's *url.Error.
func (p *Pipeline) DecodeFailure(resp *http.Response, cause error) error {
	var decodeErr *DecodeError
	var urlErr *url.Error
	if errors.As(cause, &decodeErr) || errors.As(cause, &urlErr) {
		return cause
	}
	var head []byte
	if b, ok := resp.Body.(*checkedBody); ok {
		head = b.quoted()
	}
	if !errors.Is(cause, ErrNotDeclared) {
		cause = errors.New(p.Redact.Text(cause.Error()))
	}
	return NewDecodeError(resp.Request, resp, head, cause, p.Redact)
}
