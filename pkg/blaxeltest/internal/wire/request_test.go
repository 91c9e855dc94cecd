package wire

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"
)

func TestRequestLogKeepsTheLatestAndCountsEvery(t *testing.T) {
	l := NewLog(nil)
	l.limit = 3
	for i := range 20 {
		l.Count("", "", httptest.NewRequest(http.MethodGet, "/v0/x", nil))
		l.Add(Request{Path: strconv.Itoa(i)})
		if len(l.requests) > 2*l.limit {
			t.Fatalf("%d requests held after %d, limit %d", len(l.requests), i+1, l.limit)
		}
	}
	var paths []string
	for _, r := range l.All() {
		paths = append(paths, r.Path)
	}
	if want := []string{"17", "18", "19"}; !slices.Equal(paths, want) {
		t.Errorf("the log keeps %v, want %v", paths, want)
	}
	if n := l.AttemptsOf("*"); n != 20 {
		t.Errorf("%d attempts counted, want 20", n)
	}
}
