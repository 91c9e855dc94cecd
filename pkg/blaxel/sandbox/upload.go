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

	"github.com/blaxel-go/blaxel/gen/sandboxapi"
	"github.com/blaxel-go/blaxel/internal/option"
	"github.com/blaxel-go/blaxel/internal/pipeline"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// Defaults of WriteFile: a file larger than one part goes up in parts, a few at a time, so
// that content read as a stream holds at most DefaultUploadConcurrency parts (8 MiB) in
// memory whatever its size; at most 10,000 parts make a file (20 GiB with the default size:
// see WithPartSize).
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

// WithUploadConcurrency sets how many parts are sent at once (DefaultUploadConcurrency by
// default); content read as a stream (see WriteFile) holds at most that many parts in memory.
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
// permissions perm (0 leaves the sandbox's 0644). Content that fits in one part (see
// WithPartSize) goes in a single request (a multipart form, permissions first, which the
// sandbox requires); a larger one through the multipart upload API, parts in parallel, each
// checked against the MD5 the sandbox answers for it.
//
// A reader that can be read at an offset, an io.ReaderAt and io.Seeker such as
// *bytes.Reader, *strings.Reader or *io.SectionReader, is sent from where it is without
// being copied; so is a regular *os.File (any reader with a Stat method) that holds more than
// one part from its offset, and whose size by Stat is its end by Seek. The content is from
// the reader's current offset to the end it has when WriteFile begins, read at offsets (parts
// at once, and again when a request is retried) and never after WriteFile returns. Its bytes
// must stay as they are meanwhile: a file that shrinks fails the write with an error that
// says so, bytes added past the end are not sent. After a success the reader is at that end,
// as a reader read to its end would be; after a failure it is where it was, so that the same
// call may be tried again.
//
// Any other reader (a pipe, a network stream, a *bytes.Buffer, an empty or small file, a
// file of /proc or /sys whose end by Seek is not its content) is read once, as a stream,
// into buffers of the client's own: memory holds at most a few parts, never the whole file,
// and content smaller than a part about its own size. After a failure it is left wherever
// reading stopped. Wrapping a reader as struct{ io.Reader }{r} hides its other methods, so
// that it is read as a stream: a type that embeds an *os.File and has a Read of its own
// needs it, or its ReadAt is used and its Read bypassed.
//
// An upload that fails or whose ctx ends is aborted, so that nothing is left behind in the
// sandbox's memory: once ctx has ended, WriteFile returns at once and the abort goes on in
// the background for at most 10 seconds. The write is not atomic: a reader may see the old
// file until the upload completes, and a single request cut off halfway leaves no file.
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
	if err := option.Apply(&set, opts); err != nil {
		return err
	}
	if perm&^fs.ModePerm != 0 {
		return fmt.Errorf("blaxel: WriteFile: the mode %v has more than permission bits", perm)
	}
	u := &upload{s: s, path: p, name: name, perm: perm, set: set}
	src, err := sourceAtOf(r, int64(set.partSize))
	if err != nil {
		return pathError("write", name, err)
	}
	if src != nil {
		return u.writeAt(ctx, src)
	}
	return u.writeStream(ctx, r)
}

// upload is one WriteFile in progress.
type upload struct {
	s    *Sandbox
	path string // absolute and clean
	name string // as the caller gave it, for errors
	perm fs.FileMode
	set  writeSettings

	// Of writeStream only:
	buffers   int         // how many part buffers may exist
	pool      chan []byte // the part buffers given back
	mu        sync.Mutex
	allocated int
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
func (u *upload) single(ctx context.Context, content formContent) error {
	var fields [][2]string
	if perm := u.permissions(); perm != "" {
		fields = append(fields, [2]string{"permissions", perm})
	}
	form := newFormBody(fields, path.Base(u.path), content)
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

// sendFunc sends every part of the upload id, and returns them in order with their total size.
type sendFunc func(ctx context.Context, id string) ([]sandboxapi.MultipartPartInfo, int64, error)

// multipart opens an upload, sends its parts with send and completes it. Whatever goes wrong
// after the upload is opened, it is aborted.
func (u *upload) multipart(ctx context.Context, send sendFunc) (err error) {
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

	parts, total, err := send(ctx, id)
	if err != nil {
		return err
	}
	return u.complete(ctx, id, parts, total)
}

// sendPart sends one part and checks the etag the sandbox answers, the MD5 of what it
// stored, against sum, the MD5 of what was sent. The body is replayable: the pipeline may
// send the PUT again, which replaces the part with the same bytes.
func (u *upload) sendPart(ctx context.Context, id string, number int, content formContent, sum func() ([md5.Size]byte, error)) (string, error) {
	// The MD5 is computed while the part travels: the sandbox computes its own meanwhile.
	type result struct {
		sum [md5.Size]byte
		err error
	}
	sums := make(chan result, 1)
	go func() {
		s, err := sum()
		sums <- result{s, err}
	}()
	stored, err := u.putPart(ctx, id, number, content)
	summed := <-sums
	if summed.err != nil { // the content could not be read: say why, whatever the PUT did
		return "", fmt.Errorf("part %d: %w", number, summed.err)
	}
	if err != nil {
		return "", fmt.Errorf("part %d: %w", number, err)
	}
	want := hex.EncodeToString(summed.sum[:])
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
func (u *upload) putPart(ctx context.Context, id string, number int, content formContent) (*sandboxapi.MultipartUploadPartResponse, error) {
	form := newFormBody(nil, path.Base(u.path), content)
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

// formContent is the file of a form: its size, and how to read it from its start, as often
// as the pipeline needs (a retry sends the body again).
type formContent struct {
	size int64
	open func() io.Reader
}

// chunksContent is content held in chunks of memory, read without being copied.
func chunksContent(chunks [][]byte) formContent {
	var size int64
	for _, c := range chunks {
		size += int64(len(c))
	}
	return formContent{size: size, open: func() io.Reader {
		if len(chunks) == 1 {
			return bytes.NewReader(chunks[0])
		}
		readers := make([]io.Reader, len(chunks))
		for i, c := range chunks {
			readers[i] = bytes.NewReader(c)
		}
		return io.MultiReader(readers...)
	}}
}

// formBody is a multipart/form-data body holding some text fields, then one file: the body is
// read from the fields' encoding, the content and the closing boundary, as often as the
// pipeline needs it.
type formBody struct {
	contentType string
	head, tail  []byte
	content     formContent
}

func newFormBody(fields [][2]string, fileName string, content formContent) formBody {
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
	return formBody{contentType: w.FormDataContentType(), head: head, tail: bytes.Clone(buf.Bytes()), content: content}
}

func (f formBody) reader() io.Reader {
	// Read only: net/http drains a body after its Content-Length, and an io.WriterTo (as
	// io.MultiReader is) would take a 32 KiB buffer of its own for that, at each request.
	return struct{ io.Reader }{io.MultiReader(bytes.NewReader(f.head), f.content.open(), bytes.NewReader(f.tail))}
}

// attach makes the request's body replayable and of a known length.
func (f formBody) attach(req *http.Request) {
	req.ContentLength = int64(len(f.head)+len(f.tail)) + f.content.size
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(f.reader()), nil }
	req.Body, _ = req.GetBody()
}
