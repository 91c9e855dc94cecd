package controlplane

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
)

// tokenSigner signs the access tokens the server issues: JSON Web Tokens (HS256) whose claims
// say when they expire, as Blaxel's do, so that clients reading exp work. The key is made per
// server, so that a token of one server is never taken by another.
type tokenSigner struct{ key []byte }

func newTokenSigner() tokenSigner {
	key := make([]byte, 32)
	_, _ = rand.Read(key) // crypto/rand.Read never fails
	return tokenSigner{key: key}
}

// jwtHeader is the header of every token, encoded once.
var jwtHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))

// sign makes a token for subject, issued at now and expiring at expires.
func (s tokenSigner) sign(subject, id string, now, expires time.Time) string {
	claims, _ := json.Marshal(map[string]any{
		"iss": "blaxeltest",
		"sub": subject,
		"jti": id,
		"iat": now.Unix(),
		"exp": expires.Unix(),
	})
	unsigned := jwtHeader + "." + base64.RawURLEncoding.EncodeToString(claims)
	return unsigned + "." + s.signature(unsigned)
}

// signed reports whether token is a token this server signed.
func (s tokenSigner) signed(token string) bool {
	i := strings.LastIndexByte(token, '.')
	if i < 0 || strings.Count(token, ".") != 2 {
		return false
	}
	return hmac.Equal([]byte(token[i+1:]), []byte(s.signature(token[:i])))
}

func (s tokenSigner) signature(unsigned string) string {
	mac := hmac.New(sha256.New, s.key)
	mac.Write([]byte(unsigned))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}
