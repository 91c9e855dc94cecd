package redact

import (
	"encoding/json"
	"slices"
	"strings"
	"unicode/utf8"
)

// The patterns below find credentials that no client knows, such as a token a server echoes
// from another request. Each is a scanner that looks at every byte a bounded number of times,
// so that a text of any size is Redacted in linear time; each returns its input, unchanged
// and without a copy, when it finds nothing.

// redactPatterns removes what every pattern recognises: JSON fields named like a credential,
// bearer and basic credentials, JWTs, and credentials in query strings.
func redactPatterns(s string) string {
	s = redactSecretFields(s)
	s = redactSchemeCredentials(s)
	s = redactJWTs(s)
	return redactQueryCredentials(s)
}

// edit collects the replacements of one pass over a text.
type edit struct {
	src  string
	b    strings.Builder
	last int
}

func (e *edit) replace(from, to int, with string) {
	if e.b.Len() == 0 {
		e.b.Grow(len(e.src))
	}
	e.b.WriteString(e.src[e.last:from])
	e.b.WriteString(with)
	e.last = to
}

func (e *edit) result() string {
	if e.last == 0 && e.b.Len() == 0 {
		return e.src
	}
	e.b.WriteString(e.src[e.last:])
	return e.b.String()
}

// secretFieldWords are the words that make a JSON key name a credential.
var secretFieldWords = []string{"token", "secret", "password", "apikey", "api_key", "credentials", "authorization"}

// maxKeyLen bounds how far back from a colon a key's opening quote is looked for.
const maxKeyLen = 256

// redactSecretFields replaces the value of every "key": value pair whose key names a
// credential, in JSON or in any text that quotes JSON: a string, an object or an array
// becomes "REDACTED"; numbers, booleans and null stay. A key written with escapes
// ("access\u005ftoken") is decoded first. A value cut short runs to the end of the text.
func redactSecretFields(s string) string {
	e := edit{src: s}
	for i := 0; i < len(s); i++ {
		k := strings.IndexByte(s[i:], ':')
		if k < 0 {
			break
		}
		if i += k; !secretKeyBefore(s, i) {
			continue
		}
		start := skipSpace(s, i+1)
		if start == len(s) {
			continue
		}
		var end int
		switch s[start] {
		case '"':
			end = stringEnd(s, start)
		case '{', '[':
			end = valueEnd(s, start)
		default:
			continue
		}
		e.replace(start, end, `"`+Redacted+`"`)
		i = end - 1
	}
	return e.result()
}

// secretKeyBefore reports whether the colon at s[colon] follows a quoted key that names a
// credential.
func secretKeyBefore(s string, colon int) bool {
	j := colon - 1
	for j >= 0 && isJSONSpace(s[j]) {
		j--
	}
	if j < 0 || s[j] != '"' || escaped(s, j) {
		return false
	}
	closing := j
	for j = closing - 1; j >= 0 && closing-j <= maxKeyLen; j-- {
		if s[j] == '"' && !escaped(s, j) {
			return namesSecret(s[j : closing+1])
		}
	}
	return false
}

// namesSecret reports whether a quoted key names a credential.
func namesSecret(quoted string) bool {
	key := quoted[1 : len(quoted)-1]
	if len(key) < len("token") { // the shortest word; an escaped key is longer than it reads
		return false
	}
	if strings.Contains(key, `\`) {
		return hasSecretWord(unescapeKey(quoted))
	}
	return hasSecretWord(key)
}

// unescapeKey decodes a quoted key written with escapes; "" when it is not a JSON string.
func unescapeKey(quoted string) string {
	var key string
	if json.Unmarshal([]byte(quoted), &key) != nil {
		return ""
	}
	return key
}

// hasSecretWord reports whether key contains one of secretFieldWords, in any case, in one pass.
func hasSecretWord(key string) bool {
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c >= utf8.RuneSelf {
			return slices.ContainsFunc(secretFieldWords, func(w string) bool { return strings.Contains(strings.ToLower(key), w) })
		}
		switch c | 0x20 {
		case 't', 's', 'p', 'a', 'c':
			for _, w := range secretFieldWords {
				if w[0] == c|0x20 && len(key)-i >= len(w) && strings.EqualFold(key[i:i+len(w)], w) {
					return true
				}
			}
		}
	}
	return false
}

// escaped reports whether the quote at s[i] is escaped by an odd number of backslashes.
func escaped(s string, i int) bool {
	n := 0
	for i--; i >= 0 && s[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

func skipSpace(s string, i int) int {
	for i < len(s) && isJSONSpace(s[i]) {
		i++
	}
	return i
}

// stringEnd is the index just after the JSON string that starts at s[start], or len(s).
func stringEnd(s string, start int) int {
	for i := start + 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(s)
}

// valueEnd is the index just after the object or array that starts at s[start], or len(s).
func valueEnd(s string, start int) int {
	depth := 0
	for i := start; i < len(s); i++ {
		switch s[i] {
		case '"':
			i = stringEnd(s, i) - 1
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return len(s)
}

// isIdentByte is a byte of a word for \b: a letter, a digit or an underscore.
func isIdentByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
}

// isCredentialByte is a byte of a bearer or basic credential (a JSON text may escape a slash).
func isCredentialByte(c byte) bool {
	return isIdentByte(c) || c == '.' || c == '~' || c == '+' || c == '/' || c == '=' || c == '-' || c == '\\'
}

// minCredentialLen is the shortest run after "Bearer " or "Basic " taken for a credential.
const minCredentialLen = 6

// redactSchemeCredentials replaces the credential after the words Bearer and Basic (in any
// case, followed by white space).
func redactSchemeCredentials(s string) string {
	e := edit{src: s}
	for i := 0; i < len(s); i++ {
		if s[i]|0x20 != 'b' || i > 0 && isIdentByte(s[i-1]) {
			continue
		}
		var n int
		switch {
		case len(s)-i >= 6 && strings.EqualFold(s[i:i+6], "bearer"):
			n = 6
		case len(s)-i >= 5 && strings.EqualFold(s[i:i+5], "basic"):
			n = 5
		default:
			continue
		}
		j := i + n
		for j < len(s) && (isJSONSpace(s[j]) || s[j] == '\f') {
			j++
		}
		if j == i+n {
			continue
		}
		end := j
		for end < len(s) && isCredentialByte(s[end]) {
			end++
		}
		if end-j >= minCredentialLen {
			e.replace(j, end, Redacted)
		}
		i = end - 1
	}
	return e.result()
}

// isBase64URLByte is a byte of a JWT's segments.
func isBase64URLByte(c byte) bool { return isIdentByte(c) || c == '-' }

// redactJWTs replaces every JWT: "eyJ", at least four more bytes, a dot, at least four
// bytes, a dot, and the signature.
func redactJWTs(s string) string {
	e := edit{src: s}
	for i := 0; i+3 <= len(s); {
		k := strings.Index(s[i:], "eyJ")
		if k < 0 {
			break
		}
		start := i + k
		first := runEnd(s, start+3, isBase64URLByte)
		end, ok := jwtRest(s, start, first)
		if !ok {
			// A JWT starting later inside the same run would end the same way: skip the run.
			i = max(first, start+1)
			continue
		}
		e.replace(start, end, Redacted)
		i = end
	}
	return e.result()
}

// jwtRest checks the second segment and the signature of a JWT whose first segment ends at first.
func jwtRest(s string, start, first int) (int, bool) {
	if first-start < 3+4 || first >= len(s) || s[first] != '.' {
		return 0, false
	}
	second := runEnd(s, first+1, isBase64URLByte)
	if second-first-1 < 4 || second >= len(s) || s[second] != '.' {
		return 0, false
	}
	return runEnd(s, second+1, isBase64URLByte), true
}

func runEnd(s string, i int, in func(byte) bool) int {
	for i < len(s) && in(s[i]) {
		i++
	}
	return i
}

// secretQueryNames are the query parameters named as a word of their own (\bname=); "token"
// counts only right after ? or &.
var secretQueryNames = []string{"bl_preview_token", "access_token", "refresh_token", "api_key", "apikey"}

// isQueryValueByte is a byte of a query value as it appears in a text.
func isQueryValueByte(c byte) bool {
	switch c {
	case '&', ' ', '\t', '\n', '\r', '\f', '\v', '"', '\'', '<', '>':
		return false
	}
	return true
}

// redactQueryCredentials replaces the value of every query parameter named like a credential.
func redactQueryCredentials(s string) string {
	e := edit{src: s}
	for i := 0; i < len(s); i++ {
		k := strings.IndexByte(s[i:], '=')
		if k < 0 {
			break
		}
		if i += k; !secretNameBefore(s, i) {
			continue
		}
		end := runEnd(s, i+1, isQueryValueByte)
		if end > i+1 {
			e.replace(i+1, end, Redacted)
		}
		i = end - 1
	}
	return e.result()
}

// secretNameBefore reports whether the = at s[eq] ends the name of a credential parameter.
func secretNameBefore(s string, eq int) bool {
	for _, name := range secretQueryNames {
		at := eq - len(name)
		if at >= 0 && strings.EqualFold(s[at:eq], name) && (at == 0 || !isIdentByte(s[at-1])) {
			return true
		}
	}
	at := eq - len("token")
	return at >= 1 && strings.EqualFold(s[at:eq], "token") && (s[at-1] == '?' || s[at-1] == '&')
}

// isJSONSpace is JSON's white space.
func isJSONSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }
