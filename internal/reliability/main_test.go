package reliability

import (
	"flag"
	"fmt"
	"os"
	"testing"
)

var summary = flag.Bool("summary", false, "print the suite's figures after the run")

// TestMain runs the suite, then scans everything the clients logged and every error they
// returned for the credentials the suite used: a single hit fails the run.
func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	hits := audit.scan()
	for _, h := range hits {
		fmt.Fprintln(os.Stderr, "credential leak:", h)
	}
	if len(hits) > 0 && code == 0 {
		code = 1
	}
	if *summary {
		audit.print(os.Stdout, len(hits))
	}
	os.Exit(code)
}
