package pipeline

import (
	"io"
	"net/http"
	"sync/atomic"
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
// The body must allow Close while a Read is under way, as net/http's do: that is how a read
// that says nothing more is cut short. It returns the error of closing the body, once.
func Finish(r io.Reader, body io.Closer) error {
	cut := make(chan error, 1)
	t := time.AfterFunc(finishWait, func() { cut <- body.Close() })
	_, _ = io.CopyN(io.Discard, r, finishLen)
	if !t.Stop() {
		return <-cut // the body was closed to end the read
	}
	return body.Close()
}

// Finishing is body with a Close that finishes it (see Finish): for an answer handed to a
// caller, who may stop reading it before its end and close it. Close may be called while a
// Read is under way, from another goroutine, to stop it: then the body is closed at once,
// not read, as it is when a Read has already failed or met the end.
func Finishing(body io.ReadCloser) io.ReadCloser {
	if body == nil || body == http.NoBody {
		return body
	}
	return &finishingBody{body: body}
}

// The state bits of a finishingBody.
const (
	bodyReading = 1 << iota // a Read is under way
	bodyEnded               // a Read returned an error (io.EOF included): nothing is left to finish
	bodyClosed              // Close was called: no Read starts any more
)

type finishingBody struct {
	body  io.ReadCloser
	state atomic.Int32
}

func (b *finishingBody) Read(p []byte) (int, error) {
	for {
		s := b.state.Load()
		if s&bodyClosed != 0 {
			return 0, http.ErrBodyReadAfterClose
		}
		if b.state.CompareAndSwap(s, s|bodyReading) {
			break
		}
	}
	n, err := b.body.Read(p)
	if err != nil {
		b.state.Or(bodyEnded)
	}
	b.state.And(^int32(bodyReading))
	return n, err
}

// Close finishes the body when no Read is under way and none failed; else it closes the
// body at once: reading it there would race with the Read under way and wait for it.
func (b *finishingBody) Close() error {
	for {
		s := b.state.Load()
		if s&bodyClosed != 0 {
			return b.body.Close()
		}
		if !b.state.CompareAndSwap(s, s|bodyClosed) {
			continue
		}
		if s&(bodyReading|bodyEnded) != 0 {
			return b.body.Close()
		}
		return Finish(b.body, b.body)
	}
}
