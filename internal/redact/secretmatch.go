package redact

import (
	"cmp"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
)

// secretForms lists the ways a server may echo a secret: as it is; escaped in a JSON string
// (by encoders that escape HTML characters or "/", or not); percent-encoded in a query or a
// path; and, for base64 such as the Basic credential "id:secret", without its padding or in
// the URL-safe alphabet.
func secretForms(secret string) []string {
	forms := []string{secret, url.QueryEscape(secret), url.PathEscape(secret)}
	for _, html := range []bool{true, false} {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(html)
		if enc.Encode(secret) == nil {
			quoted := strings.TrimSuffix(b.String(), "\n")
			escaped := quoted[1 : len(quoted)-1]
			forms = append(forms, escaped, strings.ReplaceAll(escaped, "/", `\/`))
		}
	}
	if unpadded := strings.TrimRight(secret, "="); unpadded != secret {
		forms = append(forms, unpadded)
	}
	if strings.ContainsAny(secret, "+/") {
		urlSafe := strings.NewReplacer("+", "-", "/", "_").Replace(secret)
		forms = append(forms, urlSafe, strings.TrimRight(urlSafe, "="))
	}
	return forms
}

// secretMatcher finds every form of a set of secrets in one pass over a text. At each
// position, the four bytes there are hashed into a 65,536-bit filter: only where the filter
// says one of the forms may start is the position compared with them. The work is linear in
// the text, and a position costs a few instructions whatever the number of secrets.
type secretMatcher struct {
	filter  [1 << 10]uint64
	starts  map[uint32][]string // the forms by their first four bytes, longest first
	forms   []string            // every form, for dropSecretStart
	secrets map[string]bool     // the secrets themselves, for learn
	longest int                 // the length of the longest form
}

// prefixLen is how many bytes of a form the filter looks at; every form is longer.
const prefixLen = 4

func newSecretMatcher(secrets []string) *secretMatcher {
	m := &secretMatcher{starts: map[uint32][]string{}, secrets: map[string]bool{}}
	for _, s := range secrets {
		m.secrets[s] = true
		for _, form := range secretForms(s) {
			if len(form) < MinSecretLen || slices.Contains(m.forms, form) {
				continue
			}
			m.forms = append(m.forms, form)
			m.longest = max(m.longest, len(form))
			k := load4(form, 0)
			h := filterHash(k)
			m.filter[h>>6] |= 1 << (h & 63)
			m.starts[k] = append(m.starts[k], form)
		}
	}
	for k := range m.starts {
		slices.SortFunc(m.starts[k], func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	}
	return m
}

func load4(s string, i int) uint32 {
	return uint32(s[i]) | uint32(s[i+1])<<8 | uint32(s[i+2])<<16 | uint32(s[i+3])<<24
}

func filterHash(k uint32) uint32 { return (k * 0x9E3779B1) >> 16 }

// knows reports whether secret is one of the matcher's secrets.
func (m *secretMatcher) knows(secret string) bool { return m != nil && m.secrets[secret] }

// replace returns s with every form of every secret replaced, the longest form first where
// several start at the same place.
func (m *secretMatcher) replace(s string) string {
	if m == nil || len(m.forms) == 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for i := 0; i+prefixLen <= len(s); {
		k := load4(s, i)
		if h := filterHash(k); m.filter[h>>6]&(1<<(h&63)) != 0 {
			if n := m.matchAt(s[i:], k); n > 0 {
				if b.Len() == 0 {
					b.Grow(len(s))
				}
				b.WriteString(s[last:i])
				b.WriteString(Redacted)
				i += n
				last = i
				continue
			}
		}
		i++
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// matchAt is the length of the form that s starts with, or 0. Tokens of one issuer share long
// prefixes (the header of a JWT): their last byte tells them apart at once.
func (m *secretMatcher) matchAt(s string, k uint32) int {
	for _, form := range m.starts[k] {
		if n := len(form); n <= len(s) && s[n-1] == form[n-1] && s[:n] == form {
			return n
		}
	}
	return 0
}
