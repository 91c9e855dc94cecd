package redact

import (
	"net/url"
	"strings"
	"testing"
)

func TestSecretHeaderNames(t *testing.T) {
	reference := func(name string) bool {
		n := strings.ToLower(name)
		for _, part := range []string{"authorization", "token", "secret", "cookie", "api-key", "apikey"} {
			if strings.Contains(n, part) {
				return true
			}
		}
		return false
	}
	for _, name := range []string{
		"Authorization", "X-Blaxel-Authorization", "authorization", "X-Blaxel-Preview-Token", "Cookie", "Set-Cookie",
		"X-Api-Key", "APIKEY", "X-Client-Secret", "User-Agent", "Blaxel-Version", "X-Blaxel-Workspace", "Content-Type",
		"Accept", "X-Request-Id", "Tok", "", "X-Api\u212Aey", "\u212A",
	} {
		if got, want := IsSecretHeader(name), reference(name); got != want {
			t.Errorf("IsSecretHeader(%q) = %v, want %v", name, got, want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { IsSecretHeader("X-Blaxel-Preview-Token"); IsSecretHeader("X-Request-Id") }); n != 0 {
		t.Errorf("%v allocations", n)
	}
}

func FuzzSecretQueryPrecheck(f *testing.F) {
	for _, q := range []string{"limit=2", "token=x", "bl_preview_token=a&b=c", "API_KEY=1", "%74oken=1", "api_\u212Aey=1", "cursor=abc"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		values, _ := url.ParseQuery(raw)
		for name := range values {
			if isSecretQueryParam(name) && !mayHoldSecretParam(raw) {
				t.Fatalf("%q holds %q, which the precheck misses", raw, name)
			}
		}
	})
}
