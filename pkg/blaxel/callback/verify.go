package callback

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/blaxel-go/blaxel/internal/option"
)

// The headers Blaxel sends with a callback.
const (
	SignatureHeader = "X-Blaxel-Signature" // "sha256=" and the hex HMAC-SHA256 of the body
	TimestampHeader = "X-Blaxel-Timestamp" // when the callback was sent, in Unix seconds
)

const (
	// DefaultMaxAge is how far a callback's timestamp may be from the verifier's clock.
	DefaultMaxAge = 5 * time.Minute
	// DefaultMaxBody is the largest body a verifier reads. A callback carries the workload's
	// whole answer, so it is generous.
	DefaultMaxBody = 16 << 20
)

// signaturePrefix starts the value of SignatureHeader.
const signaturePrefix = "sha256="

// The reasons a callback is refused; Verify's errors match one of them with errors.Is.
var (
	ErrMissingSignature = errors.New("callback: no " + SignatureHeader + " header")
	ErrMissingTimestamp = errors.New("callback: no " + TimestampHeader + " header")
	ErrBadSignature     = errors.New("callback: the signature does not match the body")
	ErrBadTimestamp     = errors.New("callback: the timestamp is not Unix seconds")
	ErrStale            = errors.New("callback: the timestamp is too far from now")
	ErrBodyTooLarge     = errors.New("callback: the body is larger than allowed")
)

// Verifier checks callbacks signed with one secret. It is safe for concurrent use.
type Verifier struct {
	secret  []byte
	maxAge  time.Duration
	maxBody int64
	now     func() time.Time
}

// Option configures a Verifier.
type Option func(*Verifier) error

// WithMaxAge sets how far a callback's timestamp may be from now, in either direction
// (DefaultMaxAge unless given).
func WithMaxAge(d time.Duration) Option {
	return func(v *Verifier) error {
		if d <= 0 {
			return fmt.Errorf("callback: WithMaxAge: %v is not a positive duration", d)
		}
		v.maxAge = d
		return nil
	}
}

// WithMaxBody sets the largest body read, in bytes (DefaultMaxBody unless given).
func WithMaxBody(n int64) Option {
	return func(v *Verifier) error {
		if n <= 0 {
			return fmt.Errorf("callback: WithMaxBody: %d is not a positive size", n)
		}
		v.maxBody = n
		return nil
	}
}

// WithClock sets the clock the timestamps are compared with (time.Now unless given).
func WithClock(now func() time.Time) Option {
	return func(v *Verifier) error {
		if now == nil {
			return errors.New("callback: WithClock: the clock is nil")
		}
		v.now = now
		return nil
	}
}

// NewVerifier makes a verifier of callbacks signed with secret, the callbackSecret of the
// workload's trigger.
func NewVerifier(secret string, opts ...Option) (*Verifier, error) {
	if secret == "" {
		return nil, errors.New("callback: NewVerifier: the secret is empty")
	}
	v := &Verifier{secret: []byte(secret), maxAge: DefaultMaxAge, maxBody: DefaultMaxBody, now: time.Now}
	if err := option.Apply(v, opts); err != nil {
		return nil, err
	}
	return v, nil
}

// Verify checks a callback request: both headers present, the timestamp within the maximum
// age, the signature that of the body. It reads the body, at most the verifier's limit, and
// puts it back in r.Body for the handler; it returns it too. The error matches one of the
// package's Err values, and holds neither the secret nor the signature expected.
func (v *Verifier) Verify(r *http.Request) ([]byte, error) {
	signature := r.Header.Get(SignatureHeader)
	if signature == "" {
		return nil, ErrMissingSignature
	}
	timestamp := r.Header.Get(TimestampHeader)
	if timestamp == "" {
		return nil, ErrMissingTimestamp
	}
	body, err := v.readBody(r)
	if err != nil {
		return nil, err
	}
	if err := v.VerifyBody(body, signature, timestamp); err != nil {
		return nil, err
	}
	return body, nil
}

// VerifyBody checks a callback already read: body as received, signature and timestamp the
// values of SignatureHeader and TimestampHeader.
func (v *Verifier) VerifyBody(body []byte, signature, timestamp string) error {
	if signature == "" {
		return ErrMissingSignature
	}
	if timestamp == "" {
		return ErrMissingTimestamp
	}
	if int64(len(body)) > v.maxBody {
		return fmt.Errorf("%w (%d bytes)", ErrBodyTooLarge, v.maxBody)
	}
	sent, err := strconv.ParseInt(strings.TrimSpace(timestamp), 10, 64)
	if err != nil {
		return ErrBadTimestamp
	}
	if age := v.now().Sub(time.Unix(sent, 0)).Abs(); age > v.maxAge {
		return fmt.Errorf("%w: %v apart, %v allowed", ErrStale, age.Truncate(time.Second), v.maxAge)
	}
	got, ok := strings.CutPrefix(strings.TrimSpace(signature), signaturePrefix)
	if !ok {
		return fmt.Errorf("%w: the header does not start with %q", ErrBadSignature, signaturePrefix)
	}
	mac, err := hex.DecodeString(got)
	if err != nil || !hmac.Equal(mac, v.sum(body)) {
		return ErrBadSignature
	}
	return nil
}

// readBody reads the body up to the limit and puts it back in r.Body.
func (v *Verifier) readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return []byte{}, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, v.maxBody+1))
	_ = r.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("callback: reading the body: %w", err)
	}
	if int64(len(body)) > v.maxBody {
		return nil, fmt.Errorf("%w (%d bytes)", ErrBodyTooLarge, v.maxBody)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	return body, nil
}

func (v *Verifier) sum(body []byte) []byte {
	m := hmac.New(sha256.New, v.secret)
	m.Write(body)
	return m.Sum(nil)
}

// Sign returns the value of SignatureHeader for body under secret, as Blaxel computes it: for
// tests, and for a program that relays callbacks.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return signaturePrefix + hex.EncodeToString(m.Sum(nil))
}
