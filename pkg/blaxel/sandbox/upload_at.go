package sandbox

import (
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/blaxel-go/blaxel/gen/sandboxapi"
	"github.com/blaxel-go/blaxel/internal/pipeline"
)

// errSourceReleased is what a request body still being read after WriteFile returned gets:
// the caller may reuse its reader's bytes from then on.
var errSourceReleased = errors.New("WriteFile has returned: its reader is no longer read")

// sourceAt is content WriteFile sends straight from the caller's reader, read at offsets
// instead of copied: the bytes from the reader's offset when WriteFile began to the end it
// had then. Every read goes through the guard mu, so that none reaches the reader once
// release has run: a transport may go on reading a request body after its answer came.
type sourceAt struct {
	r           io.ReaderAt
	seeker      io.Seeker
	start, size int64

	mu       sync.RWMutex // read-held by every read of r (and its progress report), held by release
	released bool

	progress *sourceProgress // nil without WithProgress
}

// sourceAtOf returns r as a sourceAt when it can be read at offsets: it is an io.ReaderAt and
// an io.Seeker whose offsets are the ReadAt offsets (as for *bytes.Reader, *strings.Reader,
// *io.SectionReader and *os.File), seeking tells its offset and end, and there is something
// to read. A reader with a Stat method (a file) must moreover be a regular file whose size
// by Stat is its end by Seek and which holds more than one part (partSize) from its offset:
// only then does reading at offsets pay (no part buffers), and a kernel's pseudo-file, which
// calls itself regular but whose end is not its content (0 in /proc, a page in /sys), is
// never that large. Else nil: the reader is read as a stream. The only error is a reader
// that could not be put back where it was after its end was measured.
func sourceAtOf(r io.Reader, partSize int64) (*sourceAt, error) {
	ra, ok := r.(io.ReaderAt)
	seeker, ok2 := r.(io.Seeker)
	if !ok || !ok2 {
		return nil, nil
	}
	statSize := int64(-1) // of a reader with no Stat method
	if f, ok := r.(interface{ Stat() (fs.FileInfo, error) }); ok {
		info, err := f.Stat()
		if err != nil || !info.Mode().IsRegular() {
			return nil, nil
		}
		statSize = info.Size()
	}
	start, err := seeker.Seek(0, io.SeekCurrent)
	if err != nil || start < 0 {
		return nil, nil
	}
	end, endErr := seeker.Seek(0, io.SeekEnd)
	if _, err := seeker.Seek(start, io.SeekStart); err != nil {
		return nil, fmt.Errorf("the reader could not be put back at its offset %d after its end was measured: %w", start, err)
	}
	size := end - start
	switch {
	case endErr != nil || size <= 0:
		return nil, nil // an empty stream costs nothing to read
	case statSize >= 0 && (statSize != end || size <= partSize):
		return nil, nil
	}
	return &sourceAt{r: ra, seeker: seeker, start: start, size: size}, nil
}

// read reads b at offset at of the part (at+len(b) <= part.n), and counts the bytes for the
// progress report when count is set.
func (s *sourceAt) read(b []byte, part *partAt, at int64, count bool) (int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.released {
		return 0, pipeline.Permanent(errSourceReleased)
	}
	off := part.off + at
	n, err := s.r.ReadAt(b, s.start+off)
	if n > 0 && count && s.progress != nil {
		s.progress.advance(&part.seen, at+int64(n))
	}
	switch {
	case n == len(b):
		return n, nil // a ReaderAt may give its last bytes with io.EOF
	case err == nil || errors.Is(err, io.EOF):
		err = fmt.Errorf("the content shrank while it was sent: it had %d bytes when WriteFile began, it has %d now",
			s.size, off+int64(n))
	default:
		err = fmt.Errorf("reading the content at offset %d: %w", s.start+off+int64(n), err)
	}
	// Not worth a retry: reading the same bytes again fails the same way.
	return n, pipeline.Permanent(err)
}

// release ends the reads of the caller's reader: it waits for those under way, and any later
// one fails. Then it leaves the reader at the content's end after a success, where it was
// before WriteFile otherwise, so that the caller may try again.
func (s *sourceAt) release(ok bool) error {
	s.mu.Lock()
	s.released = true
	s.mu.Unlock()
	at := s.start
	if ok {
		at += s.size
	}
	if _, err := s.seeker.Seek(at, io.SeekStart); err != nil {
		return fmt.Errorf("the reader could not be moved to offset %d: %w", at, err)
	}
	return nil
}

// partAt is the bytes [off, off+n) of a source: a part, or the whole content.
type partAt struct {
	src    *sourceAt
	off, n int64
	seen   int64 // how far its counted readings went, under src.progress.mu
}

// content reads the part from its start at each open, counting for the progress report only
// the bytes no earlier reading of the part took.
func (p *partAt) content() formContent {
	return formContent{size: p.n, open: func() io.Reader { return &sectionAt{part: p, count: true} }}
}

// sum is the MD5 of the part, read through a small buffer.
func (p *partAt) sum(ctx context.Context) ([md5.Size]byte, error) {
	var sum [md5.Size]byte
	h := md5.New()
	buf := make([]byte, min(p.n, 32<<10))
	for r := (&sectionAt{part: p}); ; {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		n, err := r.Read(buf)
		h.Write(buf[:n])
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return sum, err
		}
	}
	h.Sum(sum[:0])
	return sum, nil
}

// sectionAt is one reading of a part from its start.
type sectionAt struct {
	part  *partAt
	read  int64
	count bool // for the progress report
}

func (r *sectionAt) Read(b []byte) (int, error) {
	left := r.part.n - r.read
	if left <= 0 {
		return 0, io.EOF
	}
	if int64(len(b)) > left {
		b = b[:left]
	}
	n, err := r.part.src.read(b, r.part, r.read, r.count)
	r.read += int64(n)
	return n, err
}

// sourceProgress reports the bytes taken from a source once each, whichever reading of a
// part took them first.
type sourceProgress struct {
	mu          sync.Mutex
	fn          ProgressFunc
	done, total int64
}

// advance counts a part's bytes up to offset to, past those seen before.
func (p *sourceProgress) advance(seen *int64, to int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if to <= *seen {
		return
	}
	p.done += to - *seen
	*seen = to
	p.fn(p.done, p.total)
}

// writeAt writes the content of src: in a single request when it fits in a part, else in
// parts, each the body of its PUT and summed for its check straight from src.
func (u *upload) writeAt(ctx context.Context, src *sourceAt) (err error) {
	defer func() {
		if releaseErr := src.release(err == nil); releaseErr != nil {
			err = errors.Join(err, pathError("write", u.name, releaseErr))
		}
	}()
	if u.set.progress != nil {
		src.progress = &sourceProgress{fn: u.set.progress, total: src.size}
	}
	partSize := int64(u.set.partSize)
	if src.size <= partSize {
		whole := &partAt{src: src, n: src.size}
		return u.single(ctx, whole.content())
	}
	count := (src.size + partSize - 1) / partSize
	if count > maxParts {
		return pathError("write", u.name, fmt.Errorf("%d bytes make more than %d parts of %d bytes: give a larger WithPartSize", src.size, maxParts, partSize))
	}
	parts := make([]*partAt, count)
	for i := range parts {
		off := int64(i) * partSize
		parts[i] = &partAt{src: src, off: off, n: min(partSize, src.size-off)}
	}
	return u.multipart(ctx, func(ctx context.Context, id string) ([]sandboxapi.MultipartPartInfo, int64, error) {
		return u.sendPartsAt(ctx, id, parts, src.size)
	})
}

// sendPartsAt sends the parts, set.concurrency at a time, and returns them in order.
func (u *upload) sendPartsAt(ctx context.Context, id string, parts []*partAt, total int64) ([]sandboxapi.MultipartPartInfo, int64, error) {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(u.set.concurrency)
	infos := make([]sandboxapi.MultipartPartInfo, len(parts))
	for i, p := range parts {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			number := i + 1
			etag, err := u.sendPart(gctx, id, number, p.content(), func() ([md5.Size]byte, error) { return p.sum(gctx) })
			infos[i] = sandboxapi.MultipartPartInfo{PartNumber: &number, Etag: &etag}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, 0, pathError("write", u.name, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, 0, pathError("write", u.name, err)
	}
	return infos, total, nil
}
