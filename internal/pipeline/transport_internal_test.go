package pipeline

import (
	"errors"
	"net/http"
	"net/url"
	"testing"
)

// net/http copies every header but Authorization and cookies to a redirect's request; the
// policy drops the other credential headers when the redirect leaves the origin.
func TestRedirectPolicyDropsCredentialHeadersAcrossOrigins(t *testing.T) {
	first := &http.Request{URL: &url.URL{Scheme: "https", Host: "api.blaxel.ai", Path: "/v0/x"}}
	for _, tc := range []struct {
		target string
		keep   bool
	}{
		{"https://api.blaxel.ai/v0/y", true},
		{"https://api.blaxel.ai:8443/v0/y", false},
		{"http://api.blaxel.ai/v0/y", false},
		{"https://evil.example/v0/y", false},
		{"https://sub.api.blaxel.ai/v0/y", false},
	} {
		u, _ := url.Parse(tc.target)
		next := &http.Request{URL: u, Header: http.Header{
			"X-Blaxel-Authorization": {"Bearer k"}, "X-Blaxel-Preview-Token": {"p"}, "X-Api-Key": {"k"}, "X-Blaxel-Workspace": {"ws"}}}
		if err := redirectPolicy(nil)(next, []*http.Request{first}); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"X-Blaxel-Authorization", "X-Blaxel-Preview-Token", "X-Api-Key"} {
			if kept := next.Header.Get(name) != ""; kept != tc.keep {
				t.Errorf("%s: %s kept %v, want %v", tc.target, name, kept, tc.keep)
			}
		}
		if next.Header.Get("X-Blaxel-Workspace") != "ws" {
			t.Errorf("%s: the workspace was dropped", tc.target)
		}
	}
}

func TestRedirectPolicyKeepsTheCallersPolicyAndTheLimit(t *testing.T) {
	first := &http.Request{URL: &url.URL{Scheme: "https", Host: "h"}}
	next := &http.Request{URL: &url.URL{Scheme: "https", Host: "h"}, Header: http.Header{}}
	stop := errors.New("no redirects")
	if err := redirectPolicy(func(*http.Request, []*http.Request) error { return stop })(next, []*http.Request{first}); err != stop {
		t.Fatalf("caller's policy not applied: %v", err)
	}
	via := make([]*http.Request, 10)
	for i := range via {
		via[i] = first
	}
	if err := redirectPolicy(nil)(next, via); err == nil {
		t.Fatal("no limit on redirects")
	}
}
