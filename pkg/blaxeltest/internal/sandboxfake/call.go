package sandboxfake

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/wire"
)

// sbxCall is one request to a sandbox as its handler sees it.
type sbxCall struct {
	host   *Host
	sb     *sandbox
	route  *sbxRoute
	w      *edgeWriter
	r      *http.Request
	ctx    context.Context // ends when the client goes, the edge gives up, or the sandbox server restarts
	params map[string]string
	raw    string // the escaped path after the sandbox's address
}

// jsonLine encodes v as the sandbox server does (HTML characters escaped), with a newline.
func jsonLine(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// reply sends a prepared answer.
func (x *sbxCall) reply(rep wire.Reply) {
	for k, v := range rep.Header {
		x.w.Header()[k] = v
	}
	x.w.WriteHeader(rep.Status)
	_, _ = x.w.Write(rep.Body)
}

// json answers v as JSON.
func (x *sbxCall) json(status int, v any) {
	b, err := jsonLine(v)
	if err != nil {
		x.fail(http.StatusInternalServerError, err.Error())
		return
	}
	x.w.Header().Set("Content-Type", "application/json; charset=utf-8")
	x.w.WriteHeader(status)
	_, _ = x.w.Write(b[:len(b)-1])
}

// fail answers the sandbox server's error, {"error": message}.
func (x *sbxCall) fail(status int, message string) {
	x.reply(sandboxError(status, message))
}

// success answers the sandbox server's {"path", "message"}.
func (x *sbxCall) success(path, message string) {
	x.json(http.StatusOK, struct {
		Path    string `json:"path"`
		Message string `json:"message"`
	}{path, message})
}

// readJSON decodes the request body into v; an empty or malformed body is the error the
// sandbox server answers with 400.
func (x *sbxCall) readJSON(v any) error {
	dec := json.NewDecoder(io.LimitReader(x.r.Body, maxSandboxJSON))
	if err := dec.Decode(v); err != nil {
		return &badBody{err}
	}
	return nil
}

// badBody is a request body the server cannot read.
type badBody struct{ err error }

func (b *badBody) Error() string { return "invalid request body: " + b.err.Error() }

// multipartReader reads a multipart/form-data body through a large buffer, so that an upload
// costs few reads of the connection.
func (x *sbxCall) multipartReader() (*multipart.Reader, error) {
	mt, params, err := mime.ParseMediaType(x.r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return nil, http.ErrNotMultipart
	}
	if params["boundary"] == "" {
		return nil, http.ErrMissingBoundary
	}
	return multipart.NewReader(bufio.NewReaderSize(x.r.Body, 256<<10), params["boundary"]), nil
}

// fsParam is the path a filesystem route names, relative or absolute by the server's rule.
func (x *sbxCall) fsParam() string {
	return requestPath(x.params["path"], x.raw)
}

// query returns a query parameter.
func (x *sbxCall) query(name string) string { return x.r.URL.Query().Get(name) }

// lineStream is a streamed answer written a line (or a chunk) at a time.
type lineStream struct {
	x        *sbxCall
	validate func(line []byte) // checks a line against the document, nil for none
}

// startStream sends the status 200 and the headers at once, as the sandbox server does for
// its streams, and returns the stream to write.
func (x *sbxCall) startStream(contentType string, extra http.Header) *lineStream {
	h := x.w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Cache-Control", "no-cache")
	for k, v := range extra {
		h[k] = v
	}
	x.w.WriteHeader(http.StatusOK)
	x.w.Flush()
	return &lineStream{x: x, validate: x.host.lineValidator(x, contentType)}
}

// line writes b and flushes it to the client.
func (s *lineStream) line(b []byte) error {
	if s.validate != nil {
		s.validate(b)
	}
	if _, err := s.x.w.Write(b); err != nil {
		return err
	}
	s.x.w.Flush()
	return nil
}

// wantsEventStream reports whether an exec asks for the streaming mode.
func wantsEventStream(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "text/event-stream")
}
