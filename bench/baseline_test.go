package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/blaxel-go/blaxel/gen"
	"github.com/blaxel-go/blaxel/pkg/blaxel"
)

// baseline is what a careful programmer writes by hand for the same calls: one shared
// http.Client, the three headers Blaxel needs with their values built once, a status check,
// and encoding/json decoding of the body into the gen types.
type baseline struct {
	http          *http.Client
	base          string // the control plane, e.g. http://127.0.0.1:1234/v0
	authorization string // "Bearer <key or token>"
}

// do sends req with Blaxel's headers and decodes a 200 answer into out.
func (c *baseline) do(req *http.Request, out any) error {
	req.Header.Set("Authorization", c.authorization)
	req.Header.Set("X-Blaxel-Workspace", workspace)
	req.Header.Set("Blaxel-Version", blaxel.APIVersion)
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: status %d", req.Method, req.URL.Path, resp.StatusCode)
	}
	// Reading the whole body, then decoding it, allocates less than a json.Decoder (which
	// grows its own buffer) and takes the same time: the stronger baseline of the two.
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	return json.Unmarshal(body, out)
}

func (c *baseline) getSandbox(ctx context.Context, name string) (*gen.Sandbox, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/sandboxes/"+url.PathEscape(name), nil)
	if err != nil {
		return nil, err
	}
	var s gen.Sandbox
	return &s, c.do(req, &s)
}

// listSandboxes reads one page; cursor "" asks for the first.
func (c *baseline) listSandboxes(ctx context.Context, limit int, cursor string) (*gen.SandboxList, error) {
	q := url.Values{"limit": {strconv.Itoa(limit)}}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/sandboxes?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	var page gen.SandboxList
	return &page, c.do(req, &page)
}

func (c *baseline) createSandbox(ctx context.Context, s gen.Sandbox) (*gen.Sandbox, error) {
	body, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/sandboxes", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	var created gen.Sandbox
	return &created, c.do(req, &created)
}

// walkSandboxes calls yield for every sandbox of the listing, a page of limit at a time,
// holding one page at a time.
func (c *baseline) walkSandboxes(ctx context.Context, limit int, yield func(*gen.Sandbox)) error {
	cursor := ""
	for {
		page, err := c.listSandboxes(ctx, limit, cursor)
		if err != nil {
			return err
		}
		for i := range page.Data {
			yield(&page.Data[i])
		}
		if page.Meta.HasMore == nil || !*page.Meta.HasMore || page.Meta.NextCursor == nil {
			return nil
		}
		cursor = *page.Meta.NextCursor
	}
}

// fetchToken exchanges the client credentials once, as a hand-written client does before its
// first call.
func (c *baseline) fetchToken(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/oauth/token",
		bytes.NewReader([]byte(`{"grant_type":"client_credentials"}`)))
	if err != nil {
		return err
	}
	req.SetBasicAuth(clientID, secret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || tok.AccessToken == "" {
		return fmt.Errorf("token request: status %d", resp.StatusCode)
	}
	c.authorization = "Bearer " + tok.AccessToken
	return nil
}
