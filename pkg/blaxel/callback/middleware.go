package callback

import (
	"errors"
	"net/http"
)

// Middleware guards next with the verifier: a request that fails Verify gets 401 Unauthorized
// (413 Request Entity Too Large for a body past the limit) with the reason as plain text, and
// never reaches next; one that passes reaches it with its body intact.
func (v *Verifier) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := v.Verify(r); err != nil {
			status := http.StatusUnauthorized
			if errors.Is(err, ErrBodyTooLarge) {
				status = http.StatusRequestEntityTooLarge
			}
			http.Error(w, err.Error(), status)
			return
		}
		next.ServeHTTP(w, r)
	})
}
