package config

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/blaxel-go/blaxel/internal/pipeline"
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
		"localhost": true, "LOCALHOST": true, "127.0.0.1": true, "127.8.9.10": true, "::1": true,
		"api.localhost":         false, // net/http's proxy settings do not bypass it
		"localhost.example.com": false, "10.0.0.1": false, "api.blaxel.ai": false, "": false,
	} {
		if got := pipeline.IsLoopback(host); got != want {
			t.Errorf("%q: %v", host, got)
		}
	}
}

// An address that is refused is never quoted with its user information, which may hold a
// password, whether it parses or not.
func TestServerURLErrorsHideUserInformation(t *testing.T) {
	for _, raw := range []string{"ftp://user:hunter2secret@host", "https://u:p%zzsecret@host", "//user:hunter2secret@host/v0", "user:hunter2secret@host"} {
		_, err := ParseServerURL(raw)
		if err == nil {
			t.Errorf("%s: accepted", raw)
			continue
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: the error quotes the password: %v", raw, err)
		}
	}
	if _, err := ParseServerURL("ftp://user:pw@files.example"); err == nil || !strings.Contains(err.Error(), "files.example") || !strings.Contains(err.Error(), "ftp") {
		t.Errorf("the error does not name the scheme and host: %v", err)
	}
}
