package redact

import (
	"strings"
	"testing"
)

// BenchmarkRedact redacts 1 MiB texts as error bodies come: a JSON error body, an HTML page,
// and texts built to defeat the scanners, with a Redactor that knows the most secrets it
// remembers. `go test -bench Redact ./internal/redact` prints the time per MiB.
func BenchmarkRedact(b *testing.B) {
	r := New("bl_key_R3l1ab1l1tyK3yZx81q", "cs_S3cr3tV4lu3Jq92mfp")
	for _, s := range adversarialSecrets() {
		r.Learn(s)
	}
	texts := adversarialTexts()
	texts["HTML page"] = "<html><body><h1>502 Bad Gateway</h1><p>The server, " + "an upstream, returned an invalid answer.</p></body></html>\n"
	for name, unit := range texts {
		text := []byte(strings.Repeat(unit, (1<<20)/len(unit)+1)[:1<<20])
		b.Run(strings.ReplaceAll(name, " ", "-"), func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				r.Bounded(text, 1<<20, false)
			}
		})
	}
}
