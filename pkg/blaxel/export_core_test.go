package blaxel

import "net/http"

// Accessors for the external tests of the client's core.

func CoreRunURL(c *Client) string           { return c.runURL }
func CoreWorkspace(c *Client) string        { return c.workspace }
func CoreHTTPClient(c *Client) *http.Client { return c.http }
