package blaxeltest

import "errors"

// DefaultCallbackSecret is the secret the server signs the callbacks of background calls
// with, unless WithCallbackSecret gives another.
const DefaultCallbackSecret = "blaxeltest-callback-secret"

// backgroundConfig is what the options set for the background work of workloads.
type backgroundConfig struct {
	secret string
}

func (j backgroundConfig) callbackSecret() string {
	if j.secret == "" {
		return DefaultCallbackSecret
	}
	return j.secret
}

// WithCallbackSecret sets the secret the server signs the callbacks of background calls
// with (the X-Blaxel-Signature header, as package callback of the client checks it). An
// agent called with ?async=true whose spec has an enabled trigger of type http-async with a
// configuration.callbackUrl gets its answer posted there once the call ends.
func WithCallbackSecret(secret string) Option {
	return func(c *config) error {
		if secret == "" {
			return errors.New("blaxeltest: WithCallbackSecret: the secret is empty")
		}
		c.background.secret = secret
		return nil
	}
}
