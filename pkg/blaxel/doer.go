package blaxel

import (
	"encoding/json"
	"io"
	"net/http"
)

// maxErrorBody caps how much of an error answer is read and kept.
const maxErrorBody = 1 << 20

// apiDoer is what the generated client sends its requests through: the pipeline's http.Client,
// plus the rule that a non-2xx answer is an error, so that err == nil means success.
type apiDoer struct {
	http *http.Client
}

func (d apiDoer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.http.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp, nil
	}
	defer resp.Body.Close()
	return nil, newAPIError(req, resp)
}

// newAPIError reads the start of an error answer and decodes Blaxel's error body when it is one.
func newAPIError(req *http.Request, resp *http.Response) *APIError {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	e := &APIError{StatusCode: resp.StatusCode, Method: req.Method, URL: redactURL(req.URL), Body: body}
	var plain struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &plain) == nil {
		e.Code, e.Message = plain.Error, plain.Message
	}
	return e
}
