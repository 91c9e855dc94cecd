package pipeline

import (
	"fmt"

	"github.com/blaxel-go/blaxel/internal/redact"
)

// NewClientRedactor is the redactor of a client built with spec, which it refuses when one
// of its secrets is too short to be redacted.
func NewClientRedactor(spec CredentialSpec) (*redact.Redactor, error) {
	if err := checkSecretLengths(spec); err != nil {
		return nil, err
	}
	return redact.New(spec.APIKey, spec.ClientSecret, spec.AccessToken, spec.RefreshToken), nil
}

// checkSecretLengths refuses a configured credential shorter than redact.MinSecretLen.
func checkSecretLengths(spec CredentialSpec) error {
	for _, s := range []struct{ what, value string }{
		{"API key", spec.APIKey}, {"client secret", spec.ClientSecret},
		{"access token", spec.AccessToken}, {"refresh token", spec.RefreshToken},
	} {
		if s.value != "" && len(s.value) < redact.MinSecretLen {
			return fmt.Errorf("blaxel: the %s from %s is shorter than %d characters: that is no Blaxel credential", s.what, spec.From, redact.MinSecretLen)
		}
	}
	return nil
}
