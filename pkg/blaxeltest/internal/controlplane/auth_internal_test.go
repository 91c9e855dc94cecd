package controlplane

import (
	"net/http"
	"testing"
	"time"
)

func TestIssuingATokenForgetsTheExpiredOnes(t *testing.T) {
	c := newCredentials(Config{TokenTTL: time.Minute})
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	issue := func() {
		r, _ := http.NewRequest(http.MethodPost, "http://fake/v0/oauth/token", nil)
		r.SetBasicAuth("id", "secret")
		if rep := c.issue(r, tokenRequest{GrantType: "client_credentials"}, now); rep.Status != http.StatusOK {
			t.Fatalf("issue: %d %s", rep.Status, rep.Body)
		}
	}
	issue()
	issue()
	now = now.Add(time.Minute)
	issue()
	if len(c.tokens) != 1 {
		t.Errorf("%d access tokens held, want only the live one", len(c.tokens))
	}
}
