package redact

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

const Redacted = "REDACTED"

// isSecretQueryParam reports whether a query parameter carries a credential.
func isSecretQueryParam(name string) bool {
	switch strings.ToLower(name) {
	case "bl_preview_token", "token", "access_token", "refresh_token", "api_key", "apikey":
		return true
	}
	return false
}

// IsSecretHeader reports whether a header carries a credential: Authorization,
// X-Blaxel-Authorization, X-Blaxel-Preview-Token, cookies, and anything named like a token,
// secret or key.
func IsSecretHeader(name string) bool {
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

// URL renders u without a password or any credential in its query.
func URL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	if c.User != nil {
		c.User = url.User(Redacted)
	}
	if c.RawQuery != "" {
		q := c.Query()
		changed := false
		for name := range q {
			if isSecretQueryParam(name) {
				q.Set(name, Redacted)
				changed = true
			}
		}
		if changed {
			c.RawQuery = q.Encode()
		}
	}
	return c.String()
}

// Redactor knows the secrets of one client, so that it removes them wherever they appear, in
// every form a server may echo them in (see secretForms): the configured ones (API key,
// client secret, tokens from the file) and every credential the client has since obtained or
// sent (access tokens, preview tokens). Then it removes what the patterns of patterns.go
// recognise. Its methods accept a nil Redactor, which removes only the patterns.
//
// Every pass is linear in the text, whatever the number of secrets: a 1 MiB body is Redacted
// in milliseconds (BenchmarkRedact).
type Redactor struct {
	mu      sync.Mutex
	secrets []string // the configured ones, then the learned ones, oldest first
	fixed   int      // how many of secrets are configured, never forgotten
	match   atomic.Pointer[secretMatcher]
}

// MinSecretLen is the shortest credential the client accepts: a shorter value cannot be told
// apart from ordinary text, so it could not be kept out of errors and logs. Configured
// credentials and tokens shorter than this are refused (see checkSecretLengths).
const MinSecretLen = 6

// maxLearned bounds the credentials a Redactor remembers beyond the configured ones; the
// oldest is forgotten first (a token renewed every two hours needs a handful).
const maxLearned = 64

func New(secrets ...string) *Redactor {
	r := &Redactor{}
	for _, s := range secrets {
		if len(s) >= MinSecretLen && !slices.Contains(r.secrets, s) {
			r.secrets = append(r.secrets, s)
		}
	}
	r.fixed = len(r.secrets)
	r.match.Store(newSecretMatcher(r.secrets))
	return r
}

// learn adds a credential the client obtained or is about to send. A "Bearer " or "Basic "
// prefix is dropped.
func (r *Redactor) Learn(secret string) {
	if r == nil {
		return
	}
	if scheme, rest, ok := strings.Cut(secret, " "); ok && (strings.EqualFold(scheme, "bearer") || strings.EqualFold(scheme, "basic")) {
		secret = strings.TrimSpace(rest)
	}
	if len(secret) < MinSecretLen || r.match.Load().knows(secret) {
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
	r.match.Store(newSecretMatcher(r.secrets))
}

// learnRequest learns every credential a request carries in its headers or its query.
func (r *Redactor) LearnRequest(req *http.Request) {
	if r == nil {
		return
	}
	for name, values := range req.Header {
		if IsSecretHeader(name) {
			for _, v := range values {
				r.Learn(v)
			}
		}
	}
	if req.URL != nil && mayHoldSecretParam(req.URL.RawQuery) {
		for name, values := range req.URL.Query() {
			if isSecretQueryParam(name) {
				for _, v := range values {
					r.Learn(v)
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

// text removes every known secret, then every credential the patterns recognise.
func (r *Redactor) Text(s string) string {
	if r != nil {
		s = r.match.Load().replace(s)
	}
	return redactPatterns(s)
}

func (r *Redactor) URL(u *url.URL) string { return r.Text(URL(u)) }

// body redacts a whole body, keeping every byte that is not a credential as the server sent it.
func (r *Redactor) Body(b []byte) []byte {
	if len(b) == 0 {
		return b
	}
	s := string(b)
	if out := r.Text(s); out != s {
		return []byte(out)
	}
	return b
}

// overlapLen is how far past a cut the Redactor reads, so that a credential that starts
// before the cut is seen whole, and removed, before the text is cut.
const overlapLen = 4 << 10

// window is how many bytes to read of a text that is to be kept up to limit bytes: limit, and
// enough beyond it to see whole any secret that starts before limit.
func (r *Redactor) Window(limit int) int {
	longest := 0
	if r != nil {
		longest = r.match.Load().longest
	}
	return limit + max(overlapLen, longest)
}

// bounded redacts raw, then cuts it to at most limit bytes. Redacting first means that a
// credential straddling the cut is replaced whole rather than cut in two; what remains at the
// cut, when it falls inside a word, is dropped, as is anything that may be the start of a
// secret. more says that raw itself was cut from a longer text.
func (r *Redactor) Bounded(raw []byte, limit int, more bool) []byte {
	out := r.Body(raw)
	if len(out) > limit {
		cutInWord := isWordByte(out[limit-1]) && isWordByte(out[limit])
		out, more = out[:limit], true
		if cutInWord {
			out = dropPartialWord(out)
		}
	}
	if more {
		out = dropPartialWord(out)
		out = r.dropSecretStart(out)
	}
	return out
}

// boundedString is bounded for a text.
func (r *Redactor) BoundedString(raw []byte, limit int, more bool) string {
	return string(r.Bounded(raw, limit, more))
}

// dropSecretStart removes from the end of a cut text the longest part that begins a known
// secret in one of its forms: the rest of it was cut away, so the Redactor could not see it.
func (r *Redactor) dropSecretStart(b []byte) []byte {
	if r == nil {
		return b
	}
	cut := 0
	for _, form := range r.match.Load().forms {
		for k := min(len(form)-1, len(b)); k > cut; k-- {
			if string(b[len(b)-k:]) == form[:k] {
				cut = k
				break
			}
		}
	}
	return b[:len(b)-cut]
}

// dropPartialWord cuts a text that stops in the middle of a word back to the word's start, so
// that a credential cut in two cannot slip past the Redactor as a fragment.
func dropPartialWord(b []byte) []byte {
	end := len(b)
	for end > 0 && isWordByte(b[end-1]) {
		end--
	}
	return b[:end]
}

// isWordByte is a byte that can be part of a token, key or password.
func isWordByte(c byte) bool {
	return c >= 0x80 || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '~' ||
		c == '+' || c == '/' || c == '=' || c == '-' || c == '%' || c == '\\'
}

// header renders one header's values for a log, keeping the scheme of a credential.
func (r *Redactor) Header(name string, values []string) string {
	v := strings.Join(values, ", ")
	if !IsSecretHeader(name) {
		return r.Text(v)
	}
	if scheme, _, ok := strings.Cut(v, " "); ok && (strings.EqualFold(scheme, "bearer") || strings.EqualFold(scheme, "basic")) {
		return scheme + " " + Redacted
	}
	return Redacted
}

// urlError removes credentials from the error of a request: from the address that net/http
// puts in a *url.Error (it keeps query credentials such as bl_preview_token), and from the
// error it wraps, whose text may quote what a broken server sent (a status line, a header).
func (r *Redactor) URLError(err error) error {
	ue, ok := err.(*url.Error)
	if !ok {
		return r.Err(err)
	}
	address := Redacted
	if u, perr := url.Parse(ue.URL); perr == nil {
		address = r.URL(u)
	}
	return &url.Error{Op: ue.Op, URL: address, Err: r.Err(ue.Err)}
}

// error returns err, or, when its text holds a credential, an error with the Redacted text
// that still matches what err matches with errors.Is (context.DeadlineExceeded, io.EOF...).
// errors.As cannot reach err through it: the error found would print the credential.
func (r *Redactor) Err(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := r.Text(msg)
	if clean == msg {
		return err
	}
	return &redactedError{msg: clean, cause: err}
}

type redactedError struct {
	msg   string
	cause error
}

func (e *redactedError) Error() string { return e.msg }

func (e *redactedError) Is(target error) bool { return errors.Is(e.cause, target) }

// Timeout keeps what url.Error.Timeout reports.
func (e *redactedError) Timeout() bool {
	var t interface{ Timeout() bool }
	return errors.As(e.cause, &t) && t.Timeout()
}

// DropCredentialHeaders removes every header that carries a credential.
func DropCredentialHeaders(h http.Header) {
	for name := range h {
		if IsSecretHeader(name) {
			delete(h, name)
		}
	}
}
