package sandbox

import (
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/blaxel-go/blaxel/gen/sandboxapi"
)

// writeStream writes what r yields, copied into buffers of its own: r can be read only once.
func (u *upload) writeStream(ctx context.Context, r io.Reader) error {
	if u.set.progress != nil {
		r = newProgressReader(r, u.set.progress)
	}
	u.buffers = max(u.set.concurrency, 2) // two: the first parts are read before choosing
	u.pool = make(chan []byte, u.buffers)
	head, n, err := u.readHead(r)
	if err != nil {
		return pathError("write", u.name, err)
	}
	if n < u.set.partSize {
		return u.single(ctx, chunksContent(head))
	}
	// A full first part: there may be more. Read the next before choosing.
	first := u.partOf(head)
	second, m, err := u.fill(r)
	if err != nil {
		return pathError("write", u.name, err)
	}
	if m == 0 {
		return u.single(ctx, chunksContent([][]byte{first}))
	}
	return u.multipart(ctx, func(ctx context.Context, id string) ([]sandboxapi.MultipartPartInfo, int64, error) {
		return u.sendParts(ctx, id, r, first, second[:m])
	})
}

// firstChunk is the size of the first read of WriteFile when the reader does not tell its
// length.
const firstChunk = 32 << 10

// readHead reads up to one part from r in chunks that double in size as they fill, the first
// of the reader's length when it tells it (as bytes.Reader, strings.Reader and bytes.Buffer
// do): small content takes memory of its size, not of a part.
func (u *upload) readHead(r io.Reader) ([][]byte, int, error) {
	size := firstChunk
	if l, ok := r.(interface{ Len() int }); ok {
		size = l.Len() + 1 // one more byte, to see the end without another read
	}
	var chunks [][]byte
	n := 0
	for n < u.set.partSize {
		c := make([]byte, min(max(size, 1), u.set.partSize-n))
		m, err := io.ReadFull(r, c)
		chunks, n = append(chunks, c[:m]), n+m
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return chunks, n, nil
		}
		if err != nil {
			return nil, 0, err
		}
		size = 2 * len(c)
	}
	return chunks, n, nil
}

// partOf makes the chunks of a full first part a part buffer: itself when it is one chunk,
// else a copy.
func (u *upload) partOf(chunks [][]byte) []byte {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.allocated++
	if len(chunks) == 1 {
		return chunks[0]
	}
	b := make([]byte, 0, u.set.partSize)
	for _, c := range chunks {
		b = append(b, c...)
	}
	return b
}

// buffer returns a part buffer: a free one, a new one while fewer than u.buffers exist, else
// the next one given back (which bounds the memory).
func (u *upload) buffer() []byte {
	select {
	case b := <-u.pool:
		return b
	default:
	}
	u.mu.Lock()
	if u.allocated < u.buffers {
		u.allocated++
		u.mu.Unlock()
		return make([]byte, u.set.partSize)
	}
	u.mu.Unlock()
	return <-u.pool
}

func (u *upload) release(b []byte) { u.pool <- b } // never blocks: the pool holds every buffer

// fill reads up to one part from r into a buffer.
func (u *upload) fill(r io.Reader) ([]byte, int, error) {
	b := u.buffer()
	n, err := io.ReadFull(r, b)
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = nil
	}
	return b, n, err
}

// sendParts sends every part, set.concurrency at a time, and returns them in order.
func (u *upload) sendParts(ctx context.Context, id string, r io.Reader, first, second []byte) ([]sandboxapi.MultipartPartInfo, int64, error) {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(u.set.concurrency)
	var (
		mu    sync.Mutex
		parts []sandboxapi.MultipartPartInfo
		total int64
	)
	send := func(number int, buf, data []byte) {
		g.Go(func() error {
			defer u.release(buf)
			etag, err := u.sendPart(gctx, id, number, chunksContent([][]byte{data}), func() ([md5.Size]byte, error) {
				return md5.Sum(data), nil
			})
			if err != nil {
				return err
			}
			mu.Lock()
			parts = append(parts, sandboxapi.MultipartPartInfo{PartNumber: &number, Etag: &etag})
			mu.Unlock()
			return nil
		})
	}
	send(1, first, first)
	send(2, second, second)
	total = int64(len(first) + len(second))
	last := len(second) < u.set.partSize
	for number := 3; !last; number++ {
		if gctx.Err() != nil {
			break
		}
		if number > maxParts {
			g.Go(func() error {
				return fmt.Errorf("more than %d parts of %d bytes: give a larger WithPartSize", maxParts, u.set.partSize)
			})
			break
		}
		buf, n, err := u.fill(r)
		if err != nil {
			u.release(buf)
			g.Go(func() error { return err })
			break
		}
		if n == 0 {
			u.release(buf)
			break
		}
		total += int64(n)
		last = n < u.set.partSize
		send(number, buf, buf[:n])
	}
	if err := g.Wait(); err != nil {
		return nil, 0, pathError("write", u.name, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, 0, pathError("write", u.name, err)
	}
	sortParts(parts)
	return parts, total, nil
}
