package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"path"

	"github.com/blaxel-go/blaxel/gen/sandboxapi"
)

// sandboxBaseline is what a careful programmer writes by hand against a sandbox's API: one
// shared http.Client, the credential and workspace headers, a streamed body each way, and a
// bufio.Reader for the streams (no line limit).
type sandboxBaseline struct {
	http *http.Client
	url  string // the sandbox's address
	auth string
}

func newSandboxBaseline(address string) *sandboxBaseline {
	return &sandboxBaseline{http: &http.Client{}, url: address, auth: "Bearer " + apiKey}
}

func (c *sandboxBaseline) do(req *http.Request) (*http.Response, error) {
	req.Header.Set("X-Blaxel-Authorization", c.auth)
	req.Header.Set("X-Blaxel-Workspace", workspace)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("%s %s: status %d", req.Method, req.URL.Path, resp.StatusCode)
	}
	return resp, nil
}

// put writes r to the file in one PUT of a multipart form, streamed with its length known.
func (c *sandboxBaseline) put(ctx context.Context, name string, r io.Reader, size int64) error {
	var head, tail bytes.Buffer
	mw := multipart.NewWriter(&head)
	if _, err := mw.CreateFormFile("file", path.Base(name)); err != nil {
		return err
	}
	headLen := head.Len()
	if err := mw.Close(); err != nil {
		return err
	}
	tail.Write(head.Bytes()[headLen:])
	head.Truncate(headLen)
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, c.url+"/filesystem/"+url.PathEscape(name),
		io.MultiReader(&head, r, &tail))
	if err != nil {
		return err
	}
	req.ContentLength = int64(headLen) + size + int64(tail.Len())
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.Body.Close()
}

// get downloads the file into w.
func (c *sandboxBaseline) get(ctx context.Context, name string, w io.Writer) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url+"/filesystem/"+url.PathEscape(name)+"?download=true", nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Accept", "application/octet-stream")
	resp, err := c.do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return io.Copy(w, resp.Body)
}

// run starts a command in the streaming mode and reads its events to the result.
func (c *sandboxBaseline) run(ctx context.Context, command, name string) (*sandboxapi.ProcessResponse, error) {
	body, err := json.Marshal(sandboxapi.ProcessRequest{Command: command, Name: &name})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url+"/process", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := c.do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	lines := bufio.NewReader(resp.Body)
	var line []byte
	for {
		line = line[:0]
		for {
			piece, err := lines.ReadSlice('\n')
			line = append(line, piece...)
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if err != nil {
				return nil, err
			}
			break
		}
		var ev struct {
			Type string `json:"type"`
			Data string `json:"data"`
		}
		if err := json.Unmarshal(line, &ev); err != nil {
			return nil, err
		}
		switch ev.Type {
		case "error":
			return nil, errors.New(ev.Data)
		case "result":
			// Read to the end of the body (the chunked encoding's last chunk), so that the
			// connection is reused.
			_, _ = io.Copy(io.Discard, lines)
			var p sandboxapi.ProcessResponse
			return &p, json.Unmarshal([]byte(ev.Data), &p)
		}
	}
}

// runWait starts a command and waits for its end in one JSON call (waitForCompletion), as a
// program does that wants neither live output nor protection from the edge's cut of long
// calls.
func (c *sandboxBaseline) runWait(ctx context.Context, command, name string) (*sandboxapi.ProcessResponse, error) {
	wait := true
	body, err := json.Marshal(sandboxapi.ProcessRequest{Command: command, Name: &name, WaitForCompletion: &wait})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url+"/process", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var p sandboxapi.ProcessResponse
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
		return nil, err
	}
	return &p, nil
}

// logs reads the log stream of a finished process to its end and returns the bytes of
// output in it. The sandbox labels each read of its log files ("stdout:" and up to 4 KiB): a
// label comes at the start of a line and after a full read, and is not output.
func (c *sandboxBaseline) logs(ctx context.Context, name string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url+"/process/"+url.PathEscape(name)+"/logs/stream", nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	const read = 4096
	lines := bufio.NewReaderSize(resp.Body, 64<<10)
	var n int64
	segment, start := 0, true
	for {
		if start || segment == read {
			segment = 0
			if b, _ := lines.Peek(7); bytes.Equal(b, []byte("stdout:")) || bytes.Equal(b, []byte("stderr:")) {
				_, _ = lines.Discard(7)
			}
		}
		b, err := lines.Peek(read - segment)
		if len(b) == 0 {
			if errors.Is(err, io.EOF) {
				return n, nil
			}
			return n, err
		}
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[:i+1]
		}
		start = b[len(b)-1] == '\n'
		n += int64(len(b))
		if start {
			n-- // the newline
		}
		segment += len(b)
		_, _ = lines.Discard(len(b))
	}
}
