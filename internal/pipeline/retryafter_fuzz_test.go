package pipeline

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzRetryAfter checks the Retry-After parser on any header value: a wait is never negative,
// a number of seconds is taken as it is up to a day and capped there, and a value it cannot
// read stands for a wait longer than any policy's, never for a short one.
func FuzzRetryAfter(f *testing.F) {
	for _, seed := range []string{
		"0", "1", "120", "86400", "86401", "-1", "+5", " 7 ", "1.5", "1e3", "99999999999999999999",
		"Wed, 21 Oct 2015 07:28:00 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994",
		"Fri, 31 Dec 9999 23:59:59 GMT", "", "soon", "\x00",
	} {
		f.Add(seed, int64(1445412480))
	}
	f.Fuzz(func(t *testing.T, value string, nowUnix int64) {
		now := time.Unix(nowUnix%(1<<40), 0)
		h := http.Header{}
		h.Set("Retry-After", value)
		d, ok := retryAfter(h, now)
		if !ok {
			if d != 0 || strings.TrimSpace(value) != "" {
				t.Fatalf("%q: ignored, giving %v", value, d)
			}
			return
		}
		if d < 0 {
			t.Fatalf("%q: negative wait %v", value, d)
		}
		secs, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
		if err == nil && secs >= 0 {
			want := time.Duration(min(secs, 86400)) * time.Second
			if d != want {
				t.Fatalf("%q: %v, want %v", value, d, want)
			}
		}
		if _, derr := http.ParseTime(strings.TrimSpace(value)); (err != nil || secs < 0) && derr != nil && d != unreadableRetryAfter {
			t.Fatalf("%q cannot be read, yet gave the wait %v", value, d)
		}
	})
}
