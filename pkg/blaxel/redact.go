package blaxel

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

const redacted = "REDACTED"

// isSecretQueryParam reports whether a query parameter carries a credential.
func isSecretQueryParam(name string) bool {
	switch strings.ToLower(name) {
	case "bl_preview_token", "token", "access_token", "refresh_token", "api_key", "apikey":
		return true
	}
	return false
}

// isSecretHeader reports whether a header carries a credential: Authorization,
// X-Blaxel-Authorization, X-Blaxel-Preview-Token, cookies, and anything named like a token,
// secret or key.
func isSecretHeader(name string) bool {
	switch name {
	case "User-Agent", "Blaxel-Version", "X-Blaxel-Workspace", "Content-Type", "Content-Length", "Accept":
		return false // what every request carries: answered without a search
	}
	for _, part := range []string{"authorization", "token", "secret", "cookie", "api-key", "apikey"} {
		if containsWordFold(name, part) {
			return true
		}
	}
	return false
}

// containsWordFold reports whether s contains the lower-case ASCII word part, in any case.
// For ASCII s, which header names are, it does what strings.Contains(strings.ToLower(s), part)
// does without allocating: it runs for the headers of every request.
func containsWordFold(s, part string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return strings.Contains(strings.ToLower(s), part)
		}
	}
	for i := 0; i+len(part) <= len(s); i++ {
		if s[i]|0x20 == part[0] && strings.EqualFold(s[i:i+len(part)], part) {
			return true
		}
	}
	return false
}

// redactURL renders u without a password or any credential in its query.
func redactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	if c.User != nil {
		c.User = url.User(redacted)
	}
	if c.RawQuery != "" {
		q := c.Query()
		changed := false
		for name := range q {
			if isSecretQueryParam(name) {
				q.Set(name, redacted)
				changed = true
			}
		}
		if changed {
			c.RawQuery = q.Encode()
		}
	}
	return c.String()
}

// Patterns of credentials in free text: JSON string fields named like a credential, bearer and
// basic credentials, JWTs, and credentials in query strings.
var (
	secretJSONField  = regexp.MustCompile(`(?i)("[a-z0-9_-]*(?:token|secret|password|apikey|api_key|credentials|authorization)[a-z0-9_-]*"\s*:\s*)"(?:[^"\\]|\\.)*"`)
	schemeCredential = regexp.MustCompile(`(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]{6,}`)
	jwtLike          = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`)
	secretQuery      = regexp.MustCompile(`(?i)(\b(?:bl_preview_token|access_token|refresh_token|api_key|apikey)=|[?&]token=)[^&\s"'<>]*`)
)

// redactText removes every credential the patterns recognise.
func redactText(s string) string {
	s = secretJSONField.ReplaceAllString(s, `$1"`+redacted+`"`)
	s = schemeCredential.ReplaceAllString(s, "${1}${2}"+redacted)
	s = jwtLike.ReplaceAllString(s, redacted)
	return secretQuery.ReplaceAllString(s, "${1}"+redacted)
}

// redactor also knows the secrets of one client, so that it removes them wherever they
// appear, whatever their shape: the configured ones (API key, client secret, tokens from the
// file) and every credential the client has since obtained or sent (access tokens, preview
// tokens), which a server may echo in a message, a header or an HTML page. Its methods accept
// a nil redactor, which removes only what the patterns recognise.
type redactor struct {
	mu      sync.RWMutex
	secrets []string // the configured ones, then the learned ones, oldest first
	fixed   int      // how many of secrets are configured, never forgotten
}

// minSecretLen keeps very short values from being treated as secrets: replacing every
// occurrence of a three-letter string would garble text without protecting anything.
const minSecretLen = 6

// maxLearned bounds the credentials a redactor remembers beyond the configured ones; the
// oldest is forgotten first (a token renewed every two hours needs a handful).
const maxLearned = 64

func newRedactor(secrets ...string) *redactor {
	r := &redactor{}
	for _, s := range secrets {
		if len(s) >= minSecretLen && !slices.Contains(r.secrets, s) {
			r.secrets = append(r.secrets, s)
		}
	}
	r.fixed = len(r.secrets)
	return r
}

// learn adds a credential the client obtained or is about to send. A "Bearer " or "Basic "
// prefix is dropped.
func (r *redactor) learn(secret string) {
	if r == nil {
		return
	}
	if scheme, rest, ok := strings.Cut(secret, " "); ok && (strings.EqualFold(scheme, "bearer") || strings.EqualFold(scheme, "basic")) {
		secret = strings.TrimSpace(rest)
	}
	if len(secret) < minSecretLen {
		return
	}
	r.mu.RLock()
	known := slices.Contains(r.secrets, secret)
	r.mu.RUnlock()
	if known {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if slices.Contains(r.secrets, secret) {
		return
	}
	if len(r.secrets)-r.fixed >= maxLearned {
		r.secrets = slices.Delete(r.secrets, r.fixed, r.fixed+1)
	}
	r.secrets = append(r.secrets, secret)
}

// learnRequest learns every credential a request carries in its headers or its query.
func (r *redactor) learnRequest(req *http.Request) {
	if r == nil {
		return
	}
	for name, values := range req.Header {
		if isSecretHeader(name) {
			for _, v := range values {
				r.learn(v)
			}
		}
	}
	if req.URL != nil && mayHoldSecretParam(req.URL.RawQuery) {
		for name, values := range req.URL.Query() {
			if isSecretQueryParam(name) {
				for _, v := range values {
					r.learn(v)
				}
			}
		}
	}
}

// mayHoldSecretParam tells, without parsing it, whether a query can name a parameter that
// isSecretQueryParam recognises: every such name contains "token" or "key", and only an
// escape or a non-ASCII letter that folds to ASCII could hide one.
func mayHoldSecretParam(rawQuery string) bool {
	for i := 0; i < len(rawQuery); i++ {
		if c := rawQuery[i]; c == '%' || c >= 0x80 {
			return true
		}
	}
	return containsWordFold(rawQuery, "token") || containsWordFold(rawQuery, "key")
}

func (r *redactor) text(s string) string {
	if r != nil {
		r.mu.RLock()
		for _, secret := range r.secrets {
			s = strings.ReplaceAll(s, secret, redacted)
		}
		r.mu.RUnlock()
	}
	return redactText(s)
}

func (r *redactor) url(u *url.URL) string { return r.text(redactURL(u)) }

// body redacts a body. A JSON body is decoded and every value under a key named like a
// credential is replaced, so that escapes such as "access\u005ftoken" cannot hide one from
// the patterns; the result is then passed through text like any other.
func (r *redactor) body(b []byte) []byte {
	if len(b) == 0 {
		return b
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) == nil && dec.Decode(new(any)) == io.EOF {
		if out, err := json.Marshal(redactJSON(v)); err == nil {
			b = out
		}
	}
	return []byte(r.text(string(b)))
}

// secretKey matches a JSON key that names a credential.
var secretKey = regexp.MustCompile(`(?i)token|secret|password|apikey|api_key|credentials|authorization`)

func redactJSON(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, val := range v {
			if secretKey.MatchString(k) {
				if _, isNumber := val.(json.Number); !isNumber && val != nil {
					v[k] = redacted
					continue
				}
			}
			v[k] = redactJSON(val)
		}
	case []any:
		for i := range v {
			v[i] = redactJSON(v[i])
		}
	}
	return v
}

// header renders one header's values for a log, keeping the scheme of a credential.
func (r *redactor) header(name string, values []string) string {
	v := strings.Join(values, ", ")
	if !isSecretHeader(name) {
		return r.text(v)
	}
	if scheme, _, ok := strings.Cut(v, " "); ok && (strings.EqualFold(scheme, "bearer") || strings.EqualFold(scheme, "basic")) {
		return scheme + " " + redacted
	}
	return redacted
}

// urlError rewrites the address that net/http puts in a *url.Error, which keeps query
// credentials such as bl_preview_token.
func (r *redactor) urlError(err error) error {
	ue, ok := err.(*url.Error)
	if !ok {
		return err
	}
	u, perr := url.Parse(ue.URL)
	if perr != nil {
		return &url.Error{Op: ue.Op, URL: redacted, Err: ue.Err}
	}
	return &url.Error{Op: ue.Op, URL: r.url(u), Err: ue.Err}
}

// dropCredentialHeaders removes every header that carries a credential.
func dropCredentialHeaders(h http.Header) {
	for name := range h {
		if isSecretHeader(name) {
			delete(h, name)
		}
	}
}
