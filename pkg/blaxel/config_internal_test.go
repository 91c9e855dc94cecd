package blaxel

import (
	"encoding/base64"
	"testing"
)

func TestParseClientCredentials(t *testing.T) {
	for raw, want := range map[string][2]string{
		base64.StdEncoding.EncodeToString([]byte("id:se:cret")):    {"id", "se:cret"},
		base64.RawStdEncoding.EncodeToString([]byte("id:secret1")): {"id", "secret1"},
		"plain-id:plain-secret":                                    {"plain-id", "plain-secret"},
	} {
		id, secret, err := parseClientCredentials(raw)
		if err != nil || id != want[0] || secret != want[1] {
			t.Errorf("%q: %q %q %v", raw, id, secret, err)
		}
	}
	for _, raw := range []string{"bm8tY29sb24=", ":secret", "id:", "%%%", base64.StdEncoding.EncodeToString([]byte{0xff, ':', 0xfe})} {
		if _, _, err := parseClientCredentials(raw); err == nil {
			t.Errorf("%q accepted", raw)
		}
	}
}

func TestLoopbackHosts(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "LOCALHOST": true, "api.localhost": true, "127.0.0.1": true, "127.8.9.10": true, "::1": true,
		"localhost.example.com": false, "10.0.0.1": false, "api.blaxel.ai": false, "": false,
	} {
		if got := isLoopback(host); got != want {
			t.Errorf("%q: %v", host, got)
		}
	}
}
