package interpreter

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"

	"github.com/blaxel-go/blaxel/internal/pipeline"
)

// Context is a kernel of its own in the Jupyter server: the runs given InContext share its
// variables and imports, apart from every other context's.
type Context struct {
	ID       string
	Language string // as the server reports it; "" when it did not
	Cwd      string // the working directory, as the server reports it; "" when it did not
}

// CreateContext starts a context: a kernel for language ("" for the server's default,
// Python) in the working directory cwd ("" for the server's default). It is sent once.
func (i *Interpreter) CreateContext(ctx context.Context, language, cwd string) (*Context, error) {
	body := map[string]string{}
	if language != "" {
		body["language"] = language
	}
	if cwd != "" {
		body["cwd"] = cwd
	}
	resp, err := i.post(ctx, "/contexts", body)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, tooLarge, err := pipeline.ReadAtMost(ctx, resp.Body, 1<<20)
	if err != nil {
		return nil, errorf("reading the new context: %w", i.p.Redact.URLError(err))
	}
	var answer struct {
		ID        string `json:"id"`
		ContextID string `json:"context_id"` // the other spelling some servers use
		Language  string `json:"language"`
		Cwd       string `json:"cwd"`
	}
	if tooLarge || json.Unmarshal(data, &answer) != nil || answer.ID == "" && answer.ContextID == "" {
		return nil, pipeline.NewDecodeError(resp.Request, resp, i.p.Redact.Bounded(data, pipeline.MaxErrorBody, false),
			errors.New("no context id in the answer"), i.p.Redact)
	}
	c := &Context{ID: answer.ID, Language: answer.Language, Cwd: answer.Cwd}
	if c.ID == "" {
		c.ID = answer.ContextID
	}
	return c, nil
}

// DeleteContext shuts the context's kernel down; what it held is lost. A context that is no
// longer there is an *blaxel.APIError matching blaxel.ErrNotFound.
func (i *Interpreter) DeleteContext(ctx context.Context, c *Context) error {
	if c == nil || c.ID == "" {
		return errors.New("blaxel: interpreter.DeleteContext: the context has no id")
	}
	resp, err := i.send(ctx, http.MethodDelete, "/contexts/"+url.PathEscape(c.ID), nil)
	if err != nil {
		return err
	}
	pipeline.Discard(resp)
	return nil
}
