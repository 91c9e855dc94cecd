package sandboxtools_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Every session of the in-process server ends with its client's: nothing is left running.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
