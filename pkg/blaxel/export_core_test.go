package blaxel

import "net/http"

// Accessors for the external tests of the client's core.

func CoreRunURL(c *Client) string           { return c.p.RunURL }
func CoreWorkspace(c *Client) string        { return c.p.Workspace }
func CoreHTTPClient(c *Client) *http.Client { return c.p.HTTP }
