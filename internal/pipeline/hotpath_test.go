package pipeline

import (
	"context"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/internal/redact"
	"golang.org/x/oauth2"
)

// countingSource hands out tokens that live for ttl by the clock now, counting its calls.
type countingSource struct {
	calls atomic.Int32
	ttl   time.Duration
	now   func() time.Time
}

func (s *countingSource) token(context.Context) (*oauth2.Token, error) {
	n := s.calls.Add(1)
	return &oauth2.Token{AccessToken: "token-number-" + string(rune('0'+n)), TokenType: "Bearer", Expiry: s.now().Add(s.ttl)}, nil
}

func TestValidTokenIsReadWithoutAskingAgain(t *testing.T) {
	src := &countingSource{ttl: time.Hour, now: time.Now}
	c := newTokenCredential(nil, src, true, earlyExpiry, redact.New(), time.Now, nil)
	first, gen, err := c.authorization(context.Background())
	if err != nil || len(first) != 1 || first[0] != "Bearer token-number-1" {
		t.Fatalf("%v %v", first, err)
	}
	for range 100 {
		h, g, err := c.authorization(context.Background())
		if err != nil || &h[0] != &first[0] || g != gen {
			t.Fatalf("%v %d %v", h, g, err)
		}
	}
	if n := src.calls.Load(); n != 1 {
		t.Fatalf("the source was asked %d times", n)
	}
	if strings.Contains(c.redact.Text("echo: token-number-1"), "token-number-1") {
		t.Fatal("the token was not learned by the redactor")
	}
	// After the server refused it, the next request gets a new token.
	if !c.renew(gen) {
		t.Fatal("renew refused")
	}
	h, g, err := c.authorization(context.Background())
	if err != nil || h[0] != "Bearer token-number-2" || g == gen || src.calls.Load() != 2 {
		t.Fatalf("after renew: %v %d %v, %d calls", h, g, err, src.calls.Load())
	}
}

// IsLoopback parses without allocating, and agrees with net.ParseIP on which hosts are
// loopback (an address with a zone is not taken for one).
func TestLoopbackCheckAgreesWithNetParseIP(t *testing.T) {
	for _, host := range []string{"127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1", "0:0:0:0:0:0:0:1", "10.0.0.1", "::",
		"example.com", "128.0.0.1", "fe80::1", "::1%lo", "0x7f.1", "127.0.0.1.nip.io", ""} {
		ip := net.ParseIP(host)
		if want := ip != nil && ip.IsLoopback(); IsLoopback(host) != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", host, !want, want)
		}
	}
	for _, host := range []string{"localhost", "LOCALHOST", "LocalHost"} {
		if !IsLoopback(host) {
			t.Errorf("IsLoopback(%q) = false", host)
		}
	}
	if n := testing.AllocsPerRun(100, func() { IsLoopback("127.0.0.1") }); n != 0 {
		t.Errorf("%v allocations", n)
	}
}
