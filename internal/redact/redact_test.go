package redact

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"runtime"
	"strings"
	"testing"
)

func TestRedactPatterns(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"access_token":"abc","n":1}`, `{"access_token":"REDACTED","n":1}`},
		{`{"access\u005ftoken" : "abc"}`, `{"access\u005ftoken" : "REDACTED"}`},
		{`{"credentials":{"a":"b"},"tokens_used":12,"password":null}`, `{"credentials":"REDACTED","tokens_used":12,"password":null}`},
		{`{"refresh_token":"cut sho`, `{"refresh_token":"REDACTED"`},
		{`<pre>"apiKey": "k-1", "msg": "a: b"</pre>`, `<pre>"apiKey": "REDACTED", "msg": "a: b"</pre>`},
		{`{"message":"see \"token\": x"}`, `{"message":"see \"token\": x"}`},
		{"Authorization: Bearer abcdef.123", "Authorization: Bearer REDACTED"},
		{"basic\tdXNlcjpwYXNz and Bearer abc", "basic\tREDACTED and Bearer abc"},
		{"mybearer abcdefgh", "mybearer abcdefgh"},
		{"x eyJhbGci.eyJzdWIi.c2ln y", "x REDACTED y"},
		{"eyJeyJeyJ.no", "eyJeyJeyJ.no"},
		{"GET /x?a=1&token=abc&b=2 api_key=k9 xapikey=no", "GET /x?a=1&token=REDACTED&b=2 api_key=REDACTED xapikey=no"},
		{"nothing to see here", "nothing to see here"},
	} {
		if got := redactPatterns(tc.in); got != tc.want {
			t.Errorf("%q:\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
	clean := strings.Repeat("a plain sentence: with colons = and quotes \" ", 100)
	if n := testing.AllocsPerRun(10, func() { redactPatterns(clean) }); n != 0 {
		t.Errorf("a text without credentials costs %v allocations", n)
	}
}

// A known secret is found in every form a server may echo it in.
func TestSecretForms(t *testing.T) {
	const key = "bl_key/R3l+1ab=1l:1ty!<Q9x>&"
	const idSecret = "sa-client-0f3cx:cs_S3cr3tV4lu3Jq92mfp"
	basic := base64.StdEncoding.EncodeToString([]byte(idSecret))
	r := New(key)
	r.Learn("Basic " + basic)
	for _, form := range []string{
		key, strings.ReplaceAll(key, "/", `\/`), url.QueryEscape(key), url.PathEscape(key),
		`bl_key/R3l+1ab=1l:1ty!\u003cQ9x\u003e\u0026`, `bl_key\/R3l+1ab=1l:1ty!\u003cQ9x\u003e\u0026`,
		basic, strings.TrimRight(basic, "="), base64.RawURLEncoding.EncodeToString([]byte(idSecret)),
	} {
		if got := r.Text("echo [" + form + "] end"); got != "echo [REDACTED] end" {
			t.Errorf("%q became %q", form, got)
		}
	}
}

// Redacted, then cut: wherever the cut falls in a secret, no part of it is kept.
func TestBoundedNeverKeepsAPartOfASecret(t *testing.T) {
	const key = "p@ss:w0rd!x7q9zk2m" // characters that dropPartialWord alone would not drop
	r := New(key)
	const start = 100
	raw := []byte(strings.Repeat(" ", start) + key + strings.Repeat(" ", 100))
	for limit := start - 2; limit <= start+len(key)+2; limit++ {
		for _, window := range []int{len(raw), limit} { // all of it seen, or only up to the cut
			out := r.Bounded(raw[:window], limit, window < len(raw))
			if len(out) > limit {
				t.Fatalf("cut at %d: %d bytes kept", limit, len(out))
			}
			for k := 3; k <= len(key); k++ {
				if strings.Contains(string(out), key[:k]) {
					t.Fatalf("cut at %d, window %d: %q holds %q", limit, window, out[start-2:], key[:k])
				}
			}
		}
	}
	// Nothing is dropped from a text that was not cut.
	if out := r.Bounded([]byte("short text"), 100, false); string(out) != "short text" {
		t.Errorf("%q", out)
	}
}

// Redaction is linear: on texts built to defeat a scanner (runs of what almost matches), 8
// times the text costs no more allocations, and at most 8 times the bytes, and the bytes
// stay within a few times the text's size. BenchmarkRedact measures the time.
func TestRedactionIsLinear(t *testing.T) {
	r := New(adversarialSecrets()...)
	for name, unit := range adversarialTexts() {
		small, large := strings.Repeat(unit, (64<<10)/len(unit)), strings.Repeat(unit, (512<<10)/len(unit))
		allocsSmall := testing.AllocsPerRun(3, func() { r.Text(small) })
		allocsLarge := testing.AllocsPerRun(3, func() { r.Text(large) })
		bytesSmall, bytesLarge := allocatedBy(func() { r.Text(small) }), allocatedBy(func() { r.Text(large) })
		if allocsLarge > allocsSmall+8 || bytesLarge > 8*bytesSmall+64<<10 || bytesLarge > uint64(8*len(large)) {
			t.Errorf("%s: %v allocations, %d bytes for 64 KiB; %v, %d for 512 KiB", name, allocsSmall, bytesSmall, allocsLarge, bytesLarge)
		}
	}
}

func allocatedBy(f func()) uint64 {
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	f()
	runtime.ReadMemStats(&m1)
	return m1.TotalAlloc - m0.TotalAlloc
}

// adversarialSecrets are 64 learned tokens sharing prefixes, the most a Redactor remembers.
func adversarialSecrets() []string {
	var out []string
	for i := range maxLearned {
		out = append(out, "at_"+strings.Repeat("x", 20)+string(rune('a'+i%26))+string(rune('a'+i/26)))
	}
	return out
}

// adversarialTexts are units that, repeated, almost match each pattern at every byte.
func adversarialTexts() map[string]string {
	return map[string]string{
		"prefixes of secrets": "at_xxxxxxxxxxxxxxxxxxxx ",
		"JWT starts":          "eyJeyJeyJeyJ.",
		"colons after quotes": `"a":"b":`,
		"escaped quotes":      `"\\\"token\":`,
		"secret keys":         `{"token":"v"}`,
		"bearer words":        "Bearer Bearer bearer ",
		"equals":              "token=&token=api_key==",
		"JSON error body":     `{"error":"not_found","code":404,"message":"no sandbox named box-1 in workspace ws"}` + "\n",
	}
}

// The error of a request whose wrapped error quotes a secret keeps what errors.Is matches,
// but errors.As cannot reach the error that would print the secret.
func TestRedactedErrorKeepsIsButNotAs(t *testing.T) {
	r := New("k3y-value-99")
	inner := &net.OpError{Op: "read", Net: "tcp", Err: fmt.Errorf("server said k3y-value-99: %w", io.ErrUnexpectedEOF)}
	err := r.URLError(&url.Error{Op: "Get", URL: "https://h.test/x?token=abc123", Err: inner})
	if text := err.Error(); strings.Contains(text, "k3y-value-99") || strings.Contains(text, "abc123") {
		t.Errorf("error text %q", text)
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Error("errors.Is no longer sees the cause")
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		t.Errorf("errors.As reached the unredacted error: %v", opErr)
	}
	if clean := errors.New("no secret here"); r.Err(clean) != clean {
		t.Error("an error without a secret was wrapped")
	}
}
