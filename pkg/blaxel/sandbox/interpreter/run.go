package interpreter

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"strings"
	"time"

	"github.com/blaxel-go/blaxel/internal/option"
	"github.com/blaxel-go/blaxel/internal/pipeline"
)

// RunOption tunes Run and Exec. An option with an unusable value makes them fail before
// anything is sent.
type RunOption func(*runSettings) error

type runSettings struct {
	language  string
	contextID string
	env       map[string]string
	timeout   time.Duration
}

// WithLanguage runs the code in the default context of a language ("python", the server's
// default, "javascript", "r"...). It cannot be combined with InContext.
func WithLanguage(language string) RunOption {
	return func(s *runSettings) error {
		if strings.TrimSpace(language) == "" {
			return errors.New("blaxel: interpreter.WithLanguage: the language is empty")
		}
		s.language = language
		return nil
	}
}

// InContext runs the code in a context made by CreateContext, whose kernel keeps the state
// of the runs before. It cannot be combined with WithLanguage.
func InContext(c *Context) RunOption {
	return func(s *runSettings) error {
		if c == nil || c.ID == "" {
			return errors.New("blaxel: interpreter.InContext: the context has no id")
		}
		s.contextID = c.ID
		return nil
	}
}

// WithEnv sets a variable of the environment the code runs in, for this run.
func WithEnv(key, value string) RunOption {
	return func(s *runSettings) error {
		if key == "" || strings.ContainsAny(key, "=\x00") {
			return fmt.Errorf("blaxel: interpreter.WithEnv: %q is not a variable name", key)
		}
		if s.env == nil {
			s.env = map[string]string{}
		}
		s.env[key] = value
		return nil
	}
}

// WithTimeout gives up on the run after d, as a deadline on ctx would: the answer stops
// being read (the kernel may go on). Blaxel's SDKs wait 60 s by default; without this option
// only ctx bounds the run.
func WithTimeout(d time.Duration) RunOption {
	return func(s *runSettings) error {
		if d <= 0 {
			return fmt.Errorf("blaxel: interpreter.WithTimeout: %v is not positive", d)
		}
		s.timeout = d
		return nil
	}
}

// executeRequest is the body of POST /execute.
type executeRequest struct {
	Code      string            `json:"code"`
	ContextID *string           `json:"context_id"`
	Language  *string           `json:"language"`
	EnvVars   map[string]string `json:"env_vars"`
}

// Run sends code to the kernel and yields its outputs as they come: text printed on stdout
// and stderr, results, the error the code raised, the execution count. The iteration ends
// with the execution; a failure (the request refused, the connection lost, ctx ended) is
// the last value, with an error that matches errors.Is(err, ctx.Err()) when ctx ended. The
// code is sent once, never again.
//
// A line of the answer longer than the client's response limit (WithMaxResponseBytes, 64 MiB
// by default) ends the run with an error.
func (i *Interpreter) Run(ctx context.Context, code string, opts ...RunOption) iter.Seq2[Output, error] {
	return func(yield func(Output, error) bool) {
		var s runSettings
		if err := option.Apply(&s, opts); err != nil {
			yield(Output{}, err)
			return
		}
		if s.language != "" && s.contextID != "" {
			yield(Output{}, errors.New("blaxel: interpreter: WithLanguage and InContext cannot be combined: a context has its language"))
			return
		}
		if s.timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, s.timeout)
			defer cancel()
		}
		body := executeRequest{Code: code, EnvVars: s.env}
		if s.language != "" {
			body.Language = &s.language
		}
		if s.contextID != "" {
			body.ContextID = &s.contextID
		}
		resp, err := i.post(ctx, "/execute", body)
		if err != nil {
			yield(Output{}, err)
			return
		}
		defer resp.Body.Close()
		stop := context.AfterFunc(ctx, func() { resp.Body.Close() }) // a silent server must not outlast ctx
		defer stop()
		lines := pipeline.NewLines(resp.Body)
		var line []byte
		for {
			piece, newline, err := lines.Next()
			if err != nil {
				if errors.Is(err, io.EOF) {
					if len(bytes.TrimSpace(line)) > 0 {
						yield(parseOutput(line), nil)
					}
					return
				}
				if ctx.Err() != nil {
					err = context.Cause(ctx)
				}
				yield(Output{}, errorf("reading the execution's answer: %w", i.p.Redact.URLError(err)))
				return
			}
			line = append(line, piece...)
			if int64(len(line)) > i.p.MaxBody {
				yield(Output{}, errorf("a line of the execution's answer is longer than the client's limit: %w (%d bytes)", pipeline.ErrResponseTooLarge, i.p.MaxBody))
				return
			}
			if !newline {
				continue
			}
			trimmed := bytes.TrimSpace(line)
			if len(trimmed) > 0 && !yield(parseOutput(trimmed), nil) {
				return
			}
			line = line[:0]
		}
	}
}

// Exec runs code as Run does and returns its outputs gathered. Code that raised is not an
// error: Execution.Error holds what it raised.
func (i *Interpreter) Exec(ctx context.Context, code string, opts ...RunOption) (*Execution, error) {
	var e Execution
	var size int64
	for out, err := range i.Run(ctx, code, opts...) {
		if err != nil {
			return nil, err
		}
		if size += int64(len(out.Raw)); size > i.p.MaxBody {
			return nil, errorf("the execution's outputs pass the client's limit: %w (%d bytes); use Run to read them as they come", pipeline.ErrResponseTooLarge, i.p.MaxBody)
		}
		e.add(out)
	}
	return &e, nil
}

// post sends a JSON body to path below the Jupyter server, once; any answer but a 2xx is an
// *blaxel.APIError.
func (i *Interpreter) post(ctx context.Context, path string, body any) (*http.Response, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return nil, errorf("%w", err)
	}
	return i.send(ctx, http.MethodPost, path, bytes.NewReader(data))
}

func (i *Interpreter) send(ctx context.Context, method, path string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, i.base+path, body)
	if err != nil {
		return nil, errorf("%w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := i.http.Do(req)
	if err != nil {
		return nil, i.p.Redact.URLError(err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		defer resp.Body.Close()
		return nil, pipeline.NewAPIError(req, resp, i.p.Redact)
	}
	return resp, nil
}
