package sandbox

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

// decodeAll runs decodeJSONString over the encoded string (its opening quote left out) read
// through a buffer of the smallest size, so that escapes straddle the buffer's refills.
func decodeAll(encoded string) (string, error) {
	br := bufio.NewReaderSize(strings.NewReader(encoded[1:]), 16)
	var out bytes.Buffer
	_, err := decodeJSONString(br, make([]byte, 0, 8), func(p []byte) error { out.Write(p); return nil })
	return out.String(), err
}

func TestDecodeJSONStringAgreesWithEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "é", "\n", "\t", "\"", "\\", "/", "<", "&", "\x00", "\x1f", "\u2028", "😀", "\xff", "z"}
	cases := []string{"", "plain", `"quoted"`, "😀😀"}
	for range 2000 {
		var b strings.Builder
		for range r.IntN(80) {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		cases = append(cases, b.String())
	}
	// Escapes written by hand, lone surrogates among them, as a decoder must take them.
	raw := []string{`"\ud83d\ude00"`, `"\ud83d"`, `"\ude00x"`, `"\ud83d\u0041"`, `"\u00E9\/\b\f\r"`, `"\ud83d\ud83d\ude00"`}
	for _, c := range cases {
		enc, _ := json.Marshal(c)
		raw = append(raw, string(enc))
	}
	for _, enc := range raw {
		var want string
		if err := json.Unmarshal([]byte(enc), &want); err != nil {
			t.Fatal(err)
		}
		got, err := decodeAll(enc + `}`)
		if err != nil || got != want {
			t.Fatalf("%s: decoded %q, %v; encoding/json says %q", enc, got, err, want)
		}
	}
}

func TestDecodeJSONStringRefusesBrokenStrings(t *testing.T) {
	for _, enc := range []string{`"no end`, `"cut \`, `"cut \u12`, `"bad \x"`, `"bad \u12g4"`, "\"a line\nends\""} {
		_, err := decodeAll(enc)
		var broken *brokenStream
		if !errors.As(err, &broken) {
			t.Errorf("%q: err = %v, want a broken stream", enc, err)
		}
	}
}
