package sandboxfake

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/wire"
)

// blobs keeps the contents of the sandboxes' files (and of multipart parts) under ids that
// the store makes up, so that nothing a client sends, a path least of all, decides where
// bytes are kept.
type blobs interface {
	// put stores what r yields and returns its id and size; on error nothing is kept.
	put(r io.Reader) (id string, size int64, err error)
	// concat stores the blobs parts one after the other as a new blob, without reading them
	// through the caller, and returns its id and size; the parts stay. On error nothing is kept.
	concat(parts []string) (id string, size int64, err error)
	// open reads a blob from its start.
	open(id string) (io.ReadSeekCloser, error)
	// remove forgets a blob; readers that opened it keep reading it.
	remove(id string)
	// close forgets every blob.
	close() error
}

// errNoBlob is what open answers for an id the store does not have.
var errNoBlob = errors.New("blaxeltest: no such content")

// memBlobs keeps contents in memory, in chunks of a fixed size, so that storing a file costs
// about its size (reading it whole into one growing slice would cost up to twice as much).
// A chunk is never written once stored, so blobs made by concat share their parts' chunks.
type memBlobs struct {
	mu    sync.Mutex
	items map[string][][]byte
}

// memChunk is the size of the chunks of memBlobs; a file's last chunk is cut to fit.
const memChunk = 64 << 10

func newMemBlobs() *memBlobs { return &memBlobs{items: map[string][][]byte{}} }

func (m *memBlobs) put(r io.Reader) (string, int64, error) {
	var chunks [][]byte
	var size int64
	for {
		buf := make([]byte, memChunk)
		n, err := fill(r, buf)
		if n > 0 {
			if n < memChunk {
				buf = bytes.Clone(buf[:n])
			}
			chunks = append(chunks, buf)
			size += int64(n)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", 0, err
		}
	}
	id := wire.RandomHex(16)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.items[id] = chunks
	return id, size, nil
}

// fill reads into buf until it is full or r fails. Unlike io.ReadFull it passes on an
// io.ErrUnexpectedEOF of r's own (a request body cut off) instead of making one of a short
// last read: a file cut off is an error, not a shorter file.
func fill(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func (m *memBlobs) open(id string) (io.ReadSeekCloser, error) {
	m.mu.Lock()
	chunks, ok := m.items[id]
	m.mu.Unlock()
	if !ok {
		return nil, errNoBlob
	}
	return newChunkReader(chunks), nil
}

func (m *memBlobs) concat(parts []string) (string, int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var chunks [][]byte
	var size int64
	for _, part := range parts {
		c, ok := m.items[part]
		if !ok {
			return "", 0, errNoBlob
		}
		chunks = append(chunks, c...)
		for _, b := range c {
			size += int64(len(b))
		}
	}
	id := wire.RandomHex(16)
	m.items[id] = chunks
	return id, size, nil
}

func (m *memBlobs) remove(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.items, id)
}

func (m *memBlobs) close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	clear(m.items)
	return nil
}

// chunkReader reads and seeks over chunks of any sizes: those of a blob made by concat are
// its parts' chunks, each part's last one short.
type chunkReader struct {
	chunks [][]byte
	ends   []int64 // ends[i] is the offset just past chunks[i]
	off    int64
}

func newChunkReader(chunks [][]byte) *chunkReader {
	ends := make([]int64, len(chunks))
	var end int64
	for i, c := range chunks {
		end += int64(len(c))
		ends[i] = end
	}
	return &chunkReader{chunks: chunks, ends: ends}
}

func (c *chunkReader) size() int64 {
	if len(c.ends) == 0 {
		return 0
	}
	return c.ends[len(c.ends)-1]
}

func (c *chunkReader) Read(p []byte) (int, error) {
	i, _ := slices.BinarySearch(c.ends, c.off+1) // the first chunk that ends after off
	if i == len(c.chunks) {
		return 0, io.EOF
	}
	start := c.ends[i] - int64(len(c.chunks[i]))
	n := copy(p, c.chunks[i][c.off-start:])
	c.off += int64(n)
	return n, nil
}

func (c *chunkReader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		offset += c.off
	case io.SeekEnd:
		offset += c.size()
	}
	if offset < 0 {
		return 0, errors.New("blaxeltest: seek before the start")
	}
	c.off = offset
	return offset, nil
}

func (c *chunkReader) Close() error { return nil }

type nopSeekCloser struct{ io.ReadSeeker }

func (nopSeekCloser) Close() error { return nil }

// dirBlobs keeps contents in files of a directory the server made for itself, named by random
// ids and reached through an os.Root, so that no name can lead outside the directory.
type dirBlobs struct {
	dir  string
	root *os.Root
}

// newDirBlobs makes a new directory inside parent to keep contents in.
func newDirBlobs(parent string) (*dirBlobs, error) {
	dir, err := os.MkdirTemp(parent, "blaxeltest-files-")
	if err != nil {
		return nil, fmt.Errorf("blaxeltest: make the file directory: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("blaxeltest: open the file directory: %w", err)
	}
	return &dirBlobs{dir: dir, root: root}, nil
}

func (d *dirBlobs) put(r io.Reader) (string, int64, error) {
	id := wire.RandomHex(16)
	f, err := d.root.OpenFile(id, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return "", 0, err
	}
	// Through a buffer of its own: a big upload never sits in memory, and the small reads a
	// multipart body gives become few writes.
	w := bufio.NewWriterSize(f, 256<<10)
	n, err := io.Copy(w, r)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = d.root.Remove(id)
		return "", 0, err
	}
	return id, n, nil
}

func (d *dirBlobs) open(id string) (io.ReadSeekCloser, error) {
	f, err := d.root.Open(id)
	if errors.Is(err, os.ErrNotExist) {
		return nil, errNoBlob
	}
	return f, err
}

// concat copies each part into the new file file to file, so that the kernel moves the bytes
// (copy_file_range on Linux) instead of this process reading and writing them.
func (d *dirBlobs) concat(parts []string) (string, int64, error) {
	id := wire.RandomHex(16)
	f, err := d.root.OpenFile(id, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return "", 0, err
	}
	var size int64
	for _, part := range parts {
		var n int64
		n, err = d.copyTo(f, part)
		size += n
		if err != nil {
			break
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = d.root.Remove(id)
		return "", 0, err
	}
	return id, size, nil
}

// copyTo appends the blob id to f.
func (d *dirBlobs) copyTo(f *os.File, id string) (int64, error) {
	src, err := d.root.Open(id)
	if errors.Is(err, os.ErrNotExist) {
		return 0, errNoBlob
	}
	if err != nil {
		return 0, err
	}
	defer src.Close()
	return io.Copy(f, src)
}

func (d *dirBlobs) remove(id string) { _ = d.root.Remove(id) }

func (d *dirBlobs) close() error {
	err := d.root.Close()
	if rerr := os.RemoveAll(d.dir); err == nil {
		err = rerr
	}
	return err
}
