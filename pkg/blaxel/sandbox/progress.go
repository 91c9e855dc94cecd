package sandbox

import "io"

// ProgressFunc is told how a transfer goes: done bytes so far of total (-1 when the total is
// not known). It is called from the goroutine that reads, after each read that moved bytes,
// and should return quickly: the transfer waits for it.
type ProgressFunc func(done, total int64)

// WithProgress reports how much of the content WriteFile has taken from its reader, each
// byte once: a request sent again reads its bytes again, but they are not counted again. The
// total is the content's size when it is known (the size measured when WriteFile began for a
// reader read at offsets, see WriteFile, or the Len of a *bytes.Buffer), else -1. The count
// runs ahead of what the sandbox has stored by the parts in flight at most (see
// WithUploadConcurrency): the file is written when WriteFile returns nil. fn is called one
// call at a time, from whichever goroutine sends the bytes, and never after WriteFile
// returns. A nil fn reports nothing.
func WithProgress(fn ProgressFunc) WriteOption {
	return func(s *writeSettings) error {
		s.progress = fn
		return nil
	}
}

// ReadProgress wraps a reader from Open or OpenRange so that fn sees the bytes read so far
// and the total the sandbox announced (-1 when it did not); closing it closes rc. With a nil
// fn, rc is returned as it is.
//
//	rc, err := sb.Open(ctx, "/data/big.bin")
//	...
//	defer rc.Close()
//	_, err = io.Copy(dst, sandbox.ReadProgress(rc, func(done, total int64) { bar.Set(done, total) }))
func ReadProgress(rc io.ReadCloser, fn ProgressFunc) io.ReadCloser {
	if fn == nil || rc == nil {
		return rc
	}
	total := int64(-1)
	if d, ok := rc.(*download); ok && d.size >= 0 {
		total = d.size
	}
	return &progressReader{r: rc, closer: rc, fn: fn, total: total}
}

// progressReader counts what is read through it.
type progressReader struct {
	r      io.Reader
	closer io.Closer // nil for a reader that is not closed through the wrapper
	fn     ProgressFunc
	done   int64
	total  int64
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.done += int64(n)
		p.fn(p.done, p.total)
	}
	return n, err
}

func (p *progressReader) Close() error { return p.closer.Close() }

// newProgressReader counts what WriteFile reads from r as a stream; the total is r's Len
// when it has one (as *bytes.Buffer has: readers that can be read at an offset take the
// other path, see sourceAt), else -1.
func newProgressReader(r io.Reader, fn ProgressFunc) io.Reader {
	total := int64(-1)
	if l, ok := r.(interface{ Len() int }); ok {
		total = int64(l.Len())
	}
	return &progressReader{r: r, fn: fn, total: total}
}
