package callback_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/blaxel-go/blaxel/pkg/blaxel/callback"
)

const secret = "s3cret-of-the-trigger"

var sent = time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC)

func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

func newVerifier(t *testing.T, opts ...callback.Option) *callback.Verifier {
	t.Helper()
	v, err := callback.NewVerifier(secret, append([]callback.Option{callback.WithClock(fixedClock(sent.Add(time.Minute)))}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// signed is a callback request as Blaxel sends it, signed with key at time at.
func signed(key, body string, at time.Time) *http.Request {
	r := httptest.NewRequest("POST", "/done", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set(callback.SignatureHeader, callback.Sign(key, []byte(body)))
	r.Header.Set(callback.TimestampHeader, strconv.FormatInt(at.Unix(), 10))
	return r
}

const payload = `{"status_code":200,"response_body":"{\"answer\":42}","response_length":13,"timestamp":1788264000}`

func TestVerifyAcceptsASignedCallbackAndKeepsItsBody(t *testing.T) {
	r := signed(secret, payload, sent)
	body, err := newVerifier(t).Verify(r)
	if err != nil {
		t.Fatal(err)
	}
	if string(body) != payload {
		t.Errorf("Verify returned %q", body)
	}
	again, err := io.ReadAll(r.Body)
	if err != nil || string(again) != payload {
		t.Errorf("the body left for the handler is %q, %v", again, err)
	}
}

func TestVerifyRefuses(t *testing.T) {
	tests := []struct {
		name string
		req  func() *http.Request
		want error
	}{
		{"wrong secret", func() *http.Request { return signed("another", payload, sent) }, callback.ErrBadSignature},
		{"tampered body", func() *http.Request {
			r := signed(secret, payload, sent)
			r.Body = io.NopCloser(strings.NewReader(strings.Replace(payload, "200", "500", 1)))
			return r
		}, callback.ErrBadSignature},
		{"stale timestamp", func() *http.Request { return signed(secret, payload, sent.Add(-5*time.Minute)) }, callback.ErrStale},
		{"timestamp from the future", func() *http.Request { return signed(secret, payload, sent.Add(7*time.Minute)) }, callback.ErrStale},
		{"timestamp not in seconds", func() *http.Request {
			r := signed(secret, payload, sent)
			r.Header.Set(callback.TimestampHeader, sent.Format(time.RFC3339))
			return r
		}, callback.ErrBadTimestamp},
		{"no signature", func() *http.Request {
			r := signed(secret, payload, sent)
			r.Header.Del(callback.SignatureHeader)
			return r
		}, callback.ErrMissingSignature},
		{"no timestamp", func() *http.Request {
			r := signed(secret, payload, sent)
			r.Header.Del(callback.TimestampHeader)
			return r
		}, callback.ErrMissingTimestamp},
		{"signature without its prefix", func() *http.Request {
			r := signed(secret, payload, sent)
			r.Header.Set(callback.SignatureHeader, strings.TrimPrefix(r.Header.Get(callback.SignatureHeader), "sha256="))
			return r
		}, callback.ErrBadSignature},
		{"signature not hex", func() *http.Request {
			r := signed(secret, payload, sent)
			r.Header.Set(callback.SignatureHeader, "sha256=zz")
			return r
		}, callback.ErrBadSignature},
	}
	v := newVerifier(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.Verify(tt.req())
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), callback.Sign(secret, []byte(payload))[7:]) {
				t.Errorf("the error tells a secret: %v", err)
			}
		})
	}
}

func TestVerifyBoundsTheBody(t *testing.T) {
	v := newVerifier(t, callback.WithMaxBody(64))
	big := strings.Repeat("x", 65)
	if _, err := v.Verify(signed(secret, big, sent)); !errors.Is(err, callback.ErrBodyTooLarge) {
		t.Fatalf("a body past the limit: %v", err)
	}
	if _, err := v.Verify(signed(secret, big[:64], sent)); err != nil {
		t.Fatalf("a body at the limit: %v", err)
	}
}

func TestMaxAgeIsConfigurable(t *testing.T) {
	v := newVerifier(t, callback.WithMaxAge(30*time.Second))
	if _, err := v.Verify(signed(secret, payload, sent)); !errors.Is(err, callback.ErrStale) {
		t.Fatalf("a minute old with 30 s allowed: %v", err)
	}
}

func TestNewVerifierRefusesBadSettings(t *testing.T) {
	for name, build := range map[string]func() (*callback.Verifier, error){
		"empty secret":  func() (*callback.Verifier, error) { return callback.NewVerifier("") },
		"zero max age":  func() (*callback.Verifier, error) { return callback.NewVerifier(secret, callback.WithMaxAge(0)) },
		"zero max body": func() (*callback.Verifier, error) { return callback.NewVerifier(secret, callback.WithMaxBody(0)) },
		"nil clock":     func() (*callback.Verifier, error) { return callback.NewVerifier(secret, callback.WithClock(nil)) },
	} {
		if v, err := build(); err == nil || v != nil {
			t.Errorf("%s: NewVerifier = %v, %v", name, v, err)
		}
	}
}

func TestMiddleware(t *testing.T) {
	var got string
	h := newVerifier(t, callback.WithMaxBody(1024)).Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = string(b)
	}))
	for _, tt := range []struct {
		name string
		req  *http.Request
		want int
	}{
		{"signed", signed(secret, payload, sent), http.StatusOK},
		{"wrong secret", signed("another", payload, sent), http.StatusUnauthorized},
		{"too large", signed(secret, strings.Repeat("x", 2048), sent), http.StatusRequestEntityTooLarge},
	} {
		got = ""
		w := httptest.NewRecorder()
		h.ServeHTTP(w, tt.req)
		if w.Code != tt.want {
			t.Errorf("%s: status %d, want %d", tt.name, w.Code, tt.want)
		}
		if reached := got != ""; reached != (tt.want == http.StatusOK) {
			t.Errorf("%s: the handler reached = %v with body %q", tt.name, reached, got)
		}
	}
}
