package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sampleOutput = `goos: linux
goarch: amd64
pkg: github.com/blaxel-go/blaxel/bench
cpu: AMD EPYC
BenchmarkGetSandbox/client-2      	    2000	     94000 ns/op	   92000 cpu-ns/op	   18000 B/op	     270 allocs/op
BenchmarkGetSandbox/baseline-2    	    2000	     80000 ns/op	   80000 cpu-ns/op	   16000 B/op	     260 allocs/op
BenchmarkWalkSandboxes/items=10000/client-2  	3	 400000000 ns/op	80000000 B/op	 1650000 allocs/op
BenchmarkWalkSandboxes/items=10000/baseline-2	3	 400000000 ns/op	80000000 B/op	 1650000 allocs/op
BenchmarkConcurrentGetSandbox/client    	   20000	     50000 ns/op	   20000 B/op	     280 allocs/op	 1.000 tokens
BenchmarkConcurrentGetSandbox/baseline  	   20000	     40000 ns/op	   20000 B/op	     280 allocs/op
BenchmarkConcurrentGetSandbox/client-2  	   20000	     30000 ns/op	   20000 B/op	     280 allocs/op
BenchmarkConcurrentGetSandbox/baseline-2	   20000	     30000 ns/op	   20000 B/op	     280 allocs/op
BenchmarkOnlyClient/client-2      	    2000	     94000 ns/op	   18000 B/op	     270 allocs/op
BenchmarkNoMem/client-2           	    2000	     94000 ns/op
BenchmarkNoMem/baseline-2         	    2000	     94000 ns/op
BenchmarkGetSandbox/client-2      	    2000	     88000 ns/op	   84000 cpu-ns/op	   18000 B/op	     270 allocs/op
BenchmarkGetSandbox/baseline-2    	    2000	     80000 ns/op	   80000 cpu-ns/op	   16000 B/op	     260 allocs/op
BenchmarkGetSandbox/client-2      	    2000	     99000 ns/op	   94500 cpu-ns/op	   18000 B/op	     270 allocs/op
BenchmarkGetSandbox/baseline-2    	    2000	     90000 ns/op	   90000 cpu-ns/op	   16000 B/op	     260 allocs/op
PASS
ok  	github.com/blaxel-go/blaxel/bench	12.3s
`

func TestRatios(t *testing.T) {
	var out bytes.Buffer
	if err := run(nil, strings.NewReader(sampleOutput), &out); err != nil {
		t.Fatal(err)
	}
	// GetSandbox: run ratios 1.175, 1.1, 1.1 for time, whose median is 1.1; 1.15, 1.05, 1.05
	// for CPU time. Only GetSandbox reports its CPU time.
	want := `cpu GetSandbox-2 1.050

ratio GetSandbox-2 time=1.100 bytes=1.125 allocs=1.038
ratio WalkSandboxes/items=10000-2 time=1.000 bytes=1.000 allocs=1.000
ratio ConcurrentGetSandbox time=1.250 bytes=1.000 allocs=1.000
ratio ConcurrentGetSandbox-2 time=1.000 bytes=1.000 allocs=1.000
`
	if out.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", out.String(), want)
	}
}

func TestRatioOfMediansWhenRunsDiffer(t *testing.T) {
	input := `BenchmarkX/client-2  1  300 ns/op  10 B/op  1 allocs/op
BenchmarkX/client-2  1  100 ns/op  10 B/op  1 allocs/op
BenchmarkX/client-2  1  200 ns/op  10 B/op  1 allocs/op
BenchmarkX/baseline-2  1  100 ns/op  0 B/op  0 allocs/op
`
	var out bytes.Buffer
	if err := run(nil, strings.NewReader(input), &out); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "ratio X-2 time=2.000 bytes=+Inf allocs=+Inf\n" {
		t.Fatalf("got %q", got)
	}
}

func TestFilesAndErrors(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.txt"), filepath.Join(dir, "b.txt")
	if err := os.WriteFile(a, []byte("BenchmarkX/client 1 2 ns/op 0 B/op 0 allocs/op\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b, []byte("BenchmarkX/baseline 1 1 ns/op 0 B/op 0 allocs/op\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run([]string{a, b}, nil, &out); err != nil || out.String() != "ratio X time=2.000 bytes=1.000 allocs=1.000\n" {
		t.Fatalf("got %q, %v", out.String(), err)
	}
	if err := run(nil, strings.NewReader("PASS\n"), &out); err == nil {
		t.Fatal("no error for an input without pairs")
	}
	if err := run([]string{filepath.Join(dir, "missing")}, nil, &out); err == nil {
		t.Fatal("no error for a missing file")
	}
}
