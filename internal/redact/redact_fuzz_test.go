package redact

import (
	"net/url"
	"strings"
	"testing"
)

// fuzzSecret stands for a credential the redactor knows.
const fuzzSecret = "fuzz-s3cret-7q2k9x"

// FuzzRedact checks the Redactor that every log line and error passes through: a secret the
// client knows never survives in a text, and a credential in a URL's query never survives in
// the URL as rendered, whatever surrounds them.
func FuzzRedact(f *testing.F) {
	f.Add("Authorization: Bearer "+fuzzSecret, fuzzSecret, "https://h.test/x?bl_preview_token="+fuzzSecret)
	f.Add(`{"token":"`+fuzzSecret+`"}`, fuzzSecret, "https://h.test/x?a=1&Token="+fuzzSecret+"&b=2")
	f.Add(fuzzSecret+fuzzSecret[:4], fuzzSecret, "https://u:"+fuzzSecret+"@h.test/")
	f.Add("eyJhbGciOi.eyJzdWIi."+fuzzSecret, fuzzSecret, "https://h.test/x?bl_preview_token="+fuzzSecret+";x=1")
	f.Add("plain text", "abcdef", "https://h.test/x?access_token=%zz"+fuzzSecret)
	f.Fuzz(func(t *testing.T, text, secret, rawURL string) {
		if len(secret) < MinSecretLen || strings.ContainsFunc(secret, func(r rune) bool {
			return (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' && r != '_'
		}) {
			return // secrets are long enough and share no letter with the replacement word
		}
		r := New(secret)
		if out := r.Text(text); strings.Contains(out, secret) {
			t.Fatalf("text: %q kept %q", out, secret)
		}
		u, err := url.Parse(rawURL)
		if err != nil {
			return
		}
		out := r.URL(u) // for people to read: it need not parse as a URL
		for pair := range strings.FieldsFuncSeq(u.RawQuery, func(c rune) bool { return c == '&' || c == ';' }) {
			key, value, _ := strings.Cut(pair, "=")
			if name, err := url.QueryUnescape(key); err != nil || !isSecretQueryParam(name) {
				continue
			}
			if len(value) >= MinSecretLen && strings.Count(rawURL, value) == 1 && strings.Contains(out, value) {
				t.Fatalf("url: %q kept the credential %q", out, value)
			}
		}
	})
}
