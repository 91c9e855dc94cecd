package wire

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
)

// Bearer returns the credential of a request: X-Blaxel-Authorization, else Authorization.
func Bearer(r *http.Request) string {
	for _, h := range []string{"X-Blaxel-Authorization", "Authorization"} {
		v := strings.TrimSpace(r.Header.Get(h))
		if v == "" {
			continue
		}
		scheme, rest, spaced := strings.Cut(v, " ")
		switch {
		case strings.EqualFold(scheme, "Bearer"):
			return strings.TrimSpace(rest)
		case !spaced:
			return v // a bare key
		}
		return "" // another scheme, e.g. Basic, is no credential here
	}
	return ""
}

// RandomHex returns n random bytes, hex-encoded.
func RandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// DecodeJSON decodes one JSON value, numbers kept as json.Number, and refuses anything but
// white space after it, as json.Unmarshal would.
func DecodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if err := dec.Decode(new(any)); !errors.Is(err, io.EOF) {
		return nil, errors.New("something follows the JSON value")
	}
	return v, nil
}
