package blaxel

import "net/url"

// secretQueryParams are query parameters that carry a credential.
var secretQueryParams = []string{"bl_preview_token", "token", "access_token", "api_key"}

// redactURL renders u without a password or any credential in its query.
func redactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	if c.User != nil {
		c.User = url.User("REDACTED")
	}
	q := c.Query()
	changed := false
	for _, name := range secretQueryParams {
		if q.Has(name) {
			q.Set(name, "REDACTED")
			changed = true
		}
	}
	if changed {
		c.RawQuery = q.Encode()
	}
	return c.Redacted()
}
