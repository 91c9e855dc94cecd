package blaxeltest

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"
	"time"
)

func TestRequestLogKeepsTheLatestAndCountsEvery(t *testing.T) {
	l := newRequestLog()
	l.limit = 3
	for i := range 20 {
		l.count(nil, httptest.NewRequest(http.MethodGet, "/v0/x", nil))
		l.add(Request{Path: strconv.Itoa(i)})
		if len(l.requests) > 2*l.limit {
			t.Fatalf("%d requests held after %d, limit %d", len(l.requests), i+1, l.limit)
		}
	}
	var paths []string
	for _, r := range l.all() {
		paths = append(paths, r.Path)
	}
	if want := []string{"17", "18", "19"}; !slices.Equal(paths, want) {
		t.Errorf("the log keeps %v, want %v", paths, want)
	}
	if n := l.attemptsOf("*"); n != 20 {
		t.Errorf("%d attempts counted, want 20", n)
	}
}

func TestIssuingATokenForgetsTheExpiredOnes(t *testing.T) {
	cfg := defaultConfig()
	cfg.tokenTTL = time.Minute
	c := newCredentials(&cfg)
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	issue := func() {
		r, _ := http.NewRequest(http.MethodPost, "http://fake/v0/oauth/token", nil)
		r.SetBasicAuth("id", "secret")
		if rep := c.issue(r, tokenRequest{GrantType: "client_credentials"}, now); rep.status != http.StatusOK {
			t.Fatalf("issue: %d %s", rep.status, rep.body)
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
