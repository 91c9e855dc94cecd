package sandbox

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"path"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/blaxel-go/blaxel/gen/sandboxapi"
	"github.com/blaxel-go/blaxel/internal/pipeline"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// Defaults of WriteFile: a file larger than one part goes up in parts, a few at a time, so
// that at most DefaultUploadConcurrency parts (8 MiB) are held in memory whatever the file's
// size; at most 10,000 parts make a file (20 GiB with the default size: see WithPartSize).
const (
	DefaultPartSize          = 2 << 20
	DefaultUploadConcurrency = 4
	maxParts                 = 10000 // the sandbox numbers parts from 1 to 10000
)

// WriteOption tunes WriteFile.
type WriteOption func(*writeSettings) error

type writeSettings struct {
	partSize    int
	concurrency int
	progress    ProgressFunc // nil for none: see WithProgress
}

// WithPartSize sets the size of an upload's parts (DefaultPartSize by default); a file of at
// most that size goes in a single request.
func WithPartSize(n int) WriteOption {
	return func(s *writeSettings) error {
		if n < 1<<10 || n > 1<<30 {
			return fmt.Errorf("blaxel: WithPartSize: %d is not between 1 KiB and 1 GiB", n)
		}
		s.partSize = n
		return nil
	}
}

// WithUploadConcurrency sets how many parts are read ahead and sent at once
// (DefaultUploadConcurrency by default); memory holds at most that many parts.
func WithUploadConcurrency(n int) WriteOption {
	return func(s *writeSettings) error {
		if n < 1 || n > 64 {
			return fmt.Errorf("blaxel: WithUploadConcurrency: %d is not between 1 and 64", n)
		}
		s.concurrency = n
		return nil
	}
}

// WriteFile writes what r yields to a file, creating its parent directories, with the
// permissions perm (0 leaves the sandbox's 0644). It streams: memory holds at most a few
// parts, never the whole file, and content smaller than a part about its own size. Content that fits in one part goes in a single request
// (a multipart form, permissions first, which the sandbox requires); a larger one through
// the multipart upload API, parts in parallel, each checked against the MD5 the sandbox
// answers for it. An upload that fails or whose ctx ends is aborted, so that nothing is left
// behind in the sandbox's memory: once ctx has ended, WriteFile returns at once and the abort
// goes on in the background for at most 10 seconds. The write is not atomic: a reader may see the old file
// until the upload completes, and a single request cut off halfway leaves no file.
func (s *Sandbox) WriteFile(ctx context.Context, name string, r io.Reader, perm fs.FileMode, opts ...WriteOption) (err error) {
	ctx, op := s.p.StartOperation(ctx, "sandbox.WriteFile")
	defer func() { op.End(err) }()
	p, err := sandboxPath(name)
	if err != nil {
		return err
	}
	if r == nil {
		return errors.New("blaxel: WriteFile: the reader is nil")
	}
	set := writeSettings{partSize: DefaultPartSize, concurrency: DefaultUploadConcurrency}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&set); err != nil {
			return err
		}
	}
	if perm&^fs.ModePerm != 0 {
		return fmt.Errorf("blaxel: WriteFile: the mode %v has more than permission bits", perm)
	}
	if set.progress != nil {
		r = newProgressReader(r, set.progress)
	}
	buffers := max(set.concurrency, 2) // two: the first parts are read before choosing
	u := &upload{s: s, path: p, name: name, perm: perm, set: set, buffers: buffers, pool: make(chan []byte, buffers)}
	head, n, err := u.readHead(r)
	if err != nil {
		return pathError("write", name, err)
	}
	if n < set.partSize {
		return u.single(ctx, head)
	}
	// A full first part: there may be more. Read the next before choosing.
	first := u.partOf(head)
	second, m, err := u.fill(r)
	if err != nil {
		return pathError("write", name, err)
	}
	if m == 0 {
		return u.single(ctx, [][]byte{first})
	}
	return u.multipart(ctx, r, first, second[:m])
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

// upload is one WriteFile in progress.
type upload struct {
	s    *Sandbox
	path string // absolute and clean
	name string // as the caller gave it, for errors
	perm fs.FileMode
	set  writeSettings

	buffers   int         // how many part buffers may exist
	pool      chan []byte // the part buffers given back
	mu        sync.Mutex
	allocated int
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

// permissions is the octal text the sandbox takes, "" for its default.
func (u *upload) permissions() string {
	if u.perm == 0 {
		return ""
	}
	return fmt.Sprintf("%04o", u.perm.Perm())
}

// single writes the whole content with one WritePath request. The body is replayable, so
// the pipeline may send this PUT again on a reset or a 5xx: it writes the same bytes.
func (u *upload) single(ctx context.Context, data [][]byte) error {
	var fields [][2]string
	if perm := u.permissions(); perm != "" {
		fields = append(fields, [2]string{"permissions", perm})
	}
	form := newFormBody(fields, path.Base(u.path), data)
	req, err := sandboxapi.NewWritePathRequestWithBody(u.s.server(), u.path, form.contentType, form.reader())
	if err != nil {
		return fmt.Errorf("blaxel: %w", err)
	}
	form.attach(req)
	resp, err := u.s.doer.Do(req.WithContext(ctx))
	if err != nil {
		return pathError("write", u.name, err)
	}
	pipeline.Discard(resp)
	return nil
}

// multipart sends the content in parts: first and second are already read, the rest comes
// from r. Whatever goes wrong after the upload is opened, it is aborted.
func (u *upload) multipart(ctx context.Context, r io.Reader, first, second []byte) (err error) {
	init := sandboxapi.MultipartInitiateRequest{}
	if perm := u.permissions(); perm != "" {
		init.Permissions = &perm
	}
	resp, err := u.s.api.InitiateMultipartUploadWithResponse(ctx, u.path, init)
	if err != nil {
		return pathError("write", u.name, err)
	}
	opened, err := json200(u.s.p.Redact, resp.JSON200, resp.HTTPResponse, resp.Body)
	if err != nil {
		return pathError("write", u.name, err)
	}
	if opened.UploadID == nil || *opened.UploadID == "" {
		return pathError("write", u.name, errors.New("the sandbox opened an upload without an id"))
	}
	id := *opened.UploadID
	defer func() {
		if err != nil {
			err = errors.Join(err, u.abort(ctx, id))
		}
	}()

	parts, total, err := u.sendParts(ctx, id, r, first, second)
	if err != nil {
		return err
	}
	return u.complete(ctx, id, parts, total)
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
			etag, err := u.sendPart(gctx, id, number, data)
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

// sendPart sends one part and checks the etag the sandbox answers, the MD5 of what it
// stored, against the MD5 of what was sent. The body is replayable: the pipeline may send the
// PUT again, which replaces the part with the same bytes.
func (u *upload) sendPart(ctx context.Context, id string, number int, data []byte) (string, error) {
	// The MD5 is computed while the part travels: the sandbox computes its own meanwhile.
	sums := make(chan [md5.Size]byte, 1)
	go func() { sums <- md5.Sum(data) }()
	stored, err := u.putPart(ctx, id, number, data)
	sum := <-sums
	if err != nil {
		return "", fmt.Errorf("part %d: %w", number, err)
	}
	want := hex.EncodeToString(sum[:])
	if stored.Etag == nil || !equalFoldASCII(*stored.Etag, want) {
		got := "none"
		if stored.Etag != nil {
			got = *stored.Etag
		}
		return "", fmt.Errorf("part %d: the sandbox stored MD5 %s, but %s was sent", number, got, want)
	}
	return want, nil
}

// putPart sends one part.
func (u *upload) putPart(ctx context.Context, id string, number int, data []byte) (*sandboxapi.MultipartUploadPartResponse, error) {
	form := newFormBody(nil, path.Base(u.path), [][]byte{data})
	req, err := sandboxapi.NewUploadPartRequestWithBody(u.s.server(), id, &sandboxapi.UploadPartParams{PartNumber: number}, form.contentType, form.reader())
	if err != nil {
		return nil, err
	}
	form.attach(req)
	resp, err := u.s.doer.Do(req.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	parsed, err := sandboxapi.ParseUploadPartResponse(resp)
	if err != nil {
		return nil, err
	}
	return json200(u.s.p.Redact, parsed.JSON200, parsed.HTTPResponse, parsed.Body)
}

// complete joins the parts. After an ambiguous failure, ListParts tells whether it happened
// (the upload is gone once completed); if not, completing again joins the same parts.
func (u *upload) complete(ctx context.Context, id string, parts []sandboxapi.MultipartPartInfo, total int64) error {
	body := sandboxapi.MultipartCompleteRequest{Parts: parts}
	for attempt := 1; ; attempt++ {
		traced, wrote := traceWrites(ctx)
		_, err := u.s.api.CompleteMultipartUploadWithResponse(traced, id, body)
		if err == nil {
			return nil
		}
		if attempt > 1 && errors.Is(err, blaxel.ErrNotFound) {
			return u.checkSize(ctx, total) // an earlier attempt completed it
		}
		if !mayHaveActed(ctx, err, wrote()) {
			return pathError("write", u.name, err)
		}
		if err := u.s.p.Retry(ctx, attempt, err); err != nil {
			return pathError("write", u.name, err)
		}
		if _, listErr := u.s.api.ListPartsWithResponse(ctx, id); errors.Is(listErr, blaxel.ErrNotFound) {
			return u.checkSize(ctx, total)
		} else if listErr != nil {
			return pathError("write", u.name, fmt.Errorf("%w; and listing the upload's parts failed: %w", err, listErr))
		}
	}
}

// checkSize confirms that an upload whose completion was not seen left a file of its size.
func (u *upload) checkSize(ctx context.Context, total int64) error {
	fi, err := u.s.Stat(ctx, u.path)
	if err != nil {
		return err
	}
	if fi.Size() != total {
		return pathError("write", u.name, fmt.Errorf("the upload's completion was not seen, and the file has %d bytes where %d were sent", fi.Size(), total))
	}
	return nil
}

// abort deletes an upload that will not be completed, even when ctx has ended: then in the
// background (see cleanUp), so that WriteFile returns at once.
func (u *upload) abort(ctx context.Context, id string) error {
	return cleanUp(ctx, func(ctx context.Context) error {
		if _, err := u.s.api.AbortMultipartUploadWithResponse(ctx, id); err != nil && !errors.Is(err, blaxel.ErrNotFound) {
			return fmt.Errorf("blaxel: the multipart upload %s to %s could not be aborted and is left in the sandbox: %w", id, u.path, err)
		}
		return nil
	})
}

func sortParts(parts []sandboxapi.MultipartPartInfo) {
	for i := 1; i < len(parts); i++ { // insertion sort: the parts arrive nearly in order
		for j := i; j > 0 && *parts[j].PartNumber < *parts[j-1].PartNumber; j-- {
			parts[j], parts[j-1] = parts[j-1], parts[j]
		}
	}
}

func equalFoldASCII(a, b string) bool {
	return len(a) == len(b) && bytes.EqualFold([]byte(a), []byte(b))
}

// formBody is a multipart/form-data body holding some text fields, then one file, whose
// bytes (in one or more chunks) are not copied: the body is read from the fields' encoding,
// the data and the closing boundary, as often as the pipeline needs it.
type formBody struct {
	contentType string
	head, tail  []byte
	data        [][]byte
}

func newFormBody(fields [][2]string, fileName string, data [][]byte) formBody {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, f := range fields {
		_ = w.WriteField(f[0], f[1]) // into a bytes.Buffer: no error
	}
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", multipart.FileContentDisposition("file", fileName))
	h.Set("Content-Type", "application/octet-stream")
	_, _ = w.CreatePart(h)
	head := bytes.Clone(buf.Bytes())
	buf.Reset()
	_ = w.Close()
	return formBody{contentType: w.FormDataContentType(), head: head, tail: bytes.Clone(buf.Bytes()), data: data}
}

func (f formBody) reader() io.Reader {
	readers := make([]io.Reader, 0, len(f.data)+2)
	readers = append(readers, bytes.NewReader(f.head))
	for _, c := range f.data {
		readers = append(readers, bytes.NewReader(c))
	}
	return io.MultiReader(append(readers, bytes.NewReader(f.tail))...)
}

// attach makes the request's body replayable and of a known length.
func (f formBody) attach(req *http.Request) {
	size := len(f.head) + len(f.tail)
	for _, c := range f.data {
		size += len(c)
	}
	req.ContentLength = int64(size)
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(f.reader()), nil }
	req.Body, _ = req.GetBody()
}
