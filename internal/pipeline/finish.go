package pipeline

import (
	"io"
	"net/http"
	"time"
)

// What Finish reads of an answer's leftovers, at most: a few KiB, for a moment. The end of
// a chunked body, or the trailer of a gzip stream, normally follows its data at once; a body
// that has more to say, or says nothing more for a while, is not worth its connection.
const (
	finishLen  = 4 << 10
	finishWait = 250 * time.Millisecond
)

// Finish closes an answer's body once what is left of it has been read, through r (the body
// itself, or a reader in front of it that may hold some of it already). An HTTP/1 connection
// whose body is closed before its end is closed with it, and the next request dials a new
// one (through an edge, a TLS handshake too); a body read to its end hands its connection
// back to the pool. A reader stops at the end of what it wants (a JSON value, a result event,
// a known size) without knowing whether the body's end has come: Finish reads on, at most
// finishLen bytes for at most finishWait, and then closes the body whether it ended or not.
// It returns the error of closing the body.
func Finish(r io.Reader, body io.Closer) error {
	t := time.AfterFunc(finishWait, func() { _ = body.Close() })
	_, _ = io.CopyN(io.Discard, r, finishLen)
	t.Stop()
	return body.Close()
}

// Finishing is body with a Close that finishes it (see Finish): for an answer handed to a
// caller, who may stop reading it before its end and close it.
func Finishing(body io.ReadCloser) io.ReadCloser {
	if body == nil || body == http.NoBody {
		return body
	}
	return &finishingBody{body}
}

type finishingBody struct{ io.ReadCloser }

func (b *finishingBody) Close() error { return Finish(b.ReadCloser, b.ReadCloser) }
