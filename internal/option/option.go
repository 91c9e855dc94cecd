// Package option applies the functional options of the module's packages: each option is a
// function of its package's settings that may refuse a value with an error.
package option

// Apply applies opts to s in order, passing over nil options, and stops at the first error,
// which it returns.
func Apply[S any, O ~func(*S) error](s *S, opts []O) error {
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(s); err != nil {
			return err
		}
	}
	return nil
}
