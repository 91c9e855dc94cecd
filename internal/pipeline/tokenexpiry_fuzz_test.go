package pipeline

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/internal/redact"
)

// FuzzJWTExpiry reads the exp claim of arbitrary tokens. It must never panic; a token that is
// not a JWT with a usable exp gives the zero time (used until the server refuses it); and no
// claim may yield an expiry before 1970, which would make a valid token look long expired.
func FuzzJWTExpiry(f *testing.F) {
	for _, seed := range []string{
		`{"exp":1893456000}`, `{"exp":1893456000.5}`, `{"exp":"1893456000"}`, `{"exp":-5}`, `{"exp":0}`,
		`{"exp":1e300}`, `{"exp":9223372036854775807}`, `{"exp":null}`, `{}`, `[]`, `not json`,
		`{"exp":1893456000,"exp":1}`,
	} {
		f.Add(seed, "")
	}
	f.Add("", "opaque-token-without-dots")
	f.Add("", "a.b.c")
	f.Add("", "eyJ.eyJleHAiOjE4OTM0NTYwMDB9==.sig")
	f.Fuzz(func(t *testing.T, claims, raw string) {
		token := raw
		if token == "" {
			token = "eyJhbGciOiJub25lIn0." + base64.RawURLEncoding.EncodeToString([]byte(claims)) + ".sig"
		}
		exp := jwtExpiry(token)
		if exp.IsZero() {
			return
		}
		if exp.Before(time.Unix(1, 0)) {
			t.Fatalf("token %q: expiry %v is before 1970", token, exp)
		}
	})
}

// FuzzTokenAnswer feeds arbitrary answers of /oauth/token to the client. A success must carry
// a non-empty access token whose expiry is either unknown or in the future; a failure must
// quote neither the client secret nor any token the answer held.
func FuzzTokenAnswer(f *testing.F) {
	f.Add(200, "application/json", []byte(`{"access_token":"tok-abcdefgh","expires_in":7200,"token_type":"Bearer","refresh_token":"ref-abcdefgh"}`))
	f.Add(200, "application/json", []byte(`{"access_token":"tok-abcdefgh","expires_in":10000000000}`))
	f.Add(200, "application/json", []byte(`{"access_token":"tok-abcdefgh","expires_in":-1}`))
	f.Add(200, "application/json", []byte(`{"access_token":"tok-abcdefgh","expires_in":"7200"}`))
	f.Add(200, "application/json", []byte(`{"access\u005ftoken":"tok-abcdefgh","expires_in":"x"}`))
	f.Add(200, "application/json", []byte(`{"access_token":""}`))
	f.Add(200, "text/html", []byte(`<html>login</html>`))
	f.Add(400, "application/json", []byte(`{"error":"invalid_client","message":"bad secret `+fuzzSecret+`"}`))
	f.Add(500, "application/json", []byte(`{"error":"boom","access_token":"tok-abcdefgh"}`))
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte) {
		if status < 100 || status > 999 {
			status = 200
		}
		answer := func(*http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {contentType}},
				Body: io.NopCloser(strings.NewReader(string(body))), ContentLength: int64(len(body))}, nil
		}
		e := &tokenEndpoint{url: "https://api.test/v0/oauth/token",
			client: &http.Client{Transport: roundTripFunc(answer)}, userAgent: "fuzz", redact: redact.New(fuzzSecret)}
		src := &clientCredentialsSource{endpoint: e, basic: base64.StdEncoding.EncodeToString([]byte("id:" + fuzzSecret))}
		start := time.Now()
		tok, err := src.token(context.Background())
		if err == nil {
			if tok.AccessToken == "" {
				t.Fatal("a token without access_token")
			}
			if !tok.Expiry.IsZero() && tok.Expiry.Before(start) {
				t.Fatalf("expiry %v is in the past for %s", tok.Expiry, body)
			}
			return
		}
		text := err.Error()
		if strings.Contains(text, fuzzSecret) {
			t.Fatalf("the error holds the client secret: %s", text)
		}
		var held struct {
			AccessToken  string `json:"access_token"`
			RefreshToken string `json:"refresh_token"`
		}
		_ = json.Unmarshal(body, &held) // what a lenient reader would take from the answer
		for _, secret := range []string{held.AccessToken, held.RefreshToken} {
			if len(secret) >= redact.MinSecretLen && strings.Contains(text, secret) {
				t.Fatalf("the error quotes a token of the answer: %s", text)
			}
		}
		var apiErr *APIError
		var decErr *DecodeError
		if !errors.As(err, &apiErr) && !errors.As(err, &decErr) {
			t.Fatalf("untyped error: %v", err)
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
