package controlplane_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxeltest"
	"github.com/blaxel-go/blaxel/pkg/blaxeltest/internal/faketest"
)

func TestAccessTokensAreSignedJWTsThatSayWhenTheyExpire(t *testing.T) {
	clk := faketest.NewClock()
	srv := blaxeltest.NewServer(t, blaxeltest.WithClock(clk.Now), blaxeltest.WithTokenTTL(time.Hour),
		blaxeltest.WithAPIKey("the-key"))
	token := faketest.Send(t, srv, faketest.Request{Method: "POST", Path: "/oauth/token",
		Body:   map[string]any{"grant_type": "client_credentials"},
		Header: map[string]string{"Authorization": "Basic " + faketest.Basic("my-client", "secret")},
	}).MustStatus(t, http.StatusOK).Str("access_token")

	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("the access token %q is not a JWT", token)
	}
	var header, claims map[string]any
	for i, v := range []*map[string]any{&header, &claims} {
		raw, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil || json.Unmarshal(raw, v) != nil {
			t.Fatalf("part %d of the token is not base64url JSON: %q", i, parts[i])
		}
	}
	if header["alg"] != "HS256" || header["typ"] != "JWT" {
		t.Errorf("header %v", header)
	}
	if exp, _ := claims["exp"].(float64); int64(exp) != clk.Now().Add(time.Hour).Unix() {
		t.Errorf("exp %v, want %d", claims["exp"], clk.Now().Add(time.Hour).Unix())
	}
	if claims["sub"] != "my-client" {
		t.Errorf("sub %v, want the client id", claims["sub"])
	}

	bearer := func(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }
	faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes", Header: bearer(token)}).MustStatus(t, http.StatusOK)

	// A token whose claims were changed, to live longer, is not the server's.
	claims["exp"] = clk.Now().Add(100 * time.Hour).Unix()
	forged, _ := json.Marshal(claims)
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(forged) + "." + parts[2]
	faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes", Header: bearer(tampered)}).MustStatus(t, http.StatusUnauthorized)

	// Nor is a token of another server, signed with another key.
	other := blaxeltest.NewServer(t, blaxeltest.WithClock(clk.Now), blaxeltest.WithAPIKey("the-key"))
	faketest.Send(t, other, faketest.Request{Method: "GET", Path: "/sandboxes", Header: bearer(token)}).MustStatus(t, http.StatusUnauthorized)

	clk.Advance(time.Hour)
	a := faketest.Send(t, srv, faketest.Request{Method: "GET", Path: "/sandboxes", Header: bearer(token)}).MustStatus(t, http.StatusUnauthorized)
	if !strings.Contains(string(a.Raw), "expired") {
		t.Errorf("an expired token is refused with %s", a.Raw)
	}
}
