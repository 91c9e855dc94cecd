// Command benchratio reads the output of `go test -bench -benchmem` and prints, for every
// benchmark that has a client and a baseline sub-benchmark, how the client compares:
//
//	ratio <benchmark> time=<x> bytes=<y> allocs=<z>
//
// where each figure is client / baseline per operation, so 1.05 means 5% more. A benchmark
// named BenchmarkGetSandbox/client-2 pairs with BenchmarkGetSandbox/baseline-2 and is printed
// as GetSandbox-2 (the suffix is GOMAXPROCS; go test leaves it out for 1, and so does this).
// When a pair ran several times (-count, or several runs in one input), the ratio is the
// median of the ratios of the runs taken in order, which cancels the drift of a busy machine
// better than comparing two medians.
//
// When the benchmarks also report a cpu-ns/op metric (the process's CPU time per operation),
// its ratios are printed first, one "cpu <benchmark> <x>" line each: on a machine that other
// programs keep busy, they vary less than wall time.
//
// Usage: benchratio [file ...] (standard input when no file is given).
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchratio:", err)
		os.Exit(1)
	}
}

func run(files []string, stdin io.Reader, out io.Writer) error {
	var t table
	if len(files) == 0 {
		if err := t.read(stdin); err != nil {
			return err
		}
	}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		err = t.read(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	lines := t.ratios()
	if len(lines) == 0 {
		return errors.New("no benchmark with both a client and a baseline run, with -benchmem")
	}
	if cpu := t.cpuRatios(); len(cpu) > 0 {
		lines = append(append(cpu, ""), lines...)
	}
	for _, line := range lines {
		if _, err := fmt.Fprintln(out, line); err != nil {
			return err
		}
	}
	return nil
}

// sample is one run of one benchmark, per operation. cpu is 0 when not reported.
type sample struct {
	ns, bytes, allocs, cpu float64
}

// pair collects the runs of the two sides of one benchmark.
type pair struct {
	client, baseline []sample
}

// table holds every pair, in the order the benchmarks first appeared.
type table struct {
	order []string
	pairs map[string]*pair
}

func (t *table) read(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, side, s, ok := parseLine(sc.Text())
		if !ok {
			continue
		}
		if t.pairs == nil {
			t.pairs = map[string]*pair{}
		}
		p := t.pairs[name]
		if p == nil {
			p = &pair{}
			t.pairs[name] = p
			t.order = append(t.order, name)
		}
		if side == "client" {
			p.client = append(p.client, s)
		} else {
			p.baseline = append(p.baseline, s)
		}
	}
	return sc.Err()
}

// parseLine reads a result line such as
//
//	BenchmarkGetSandbox/client-2   5000   94093 ns/op   18062 B/op   277 allocs/op
//
// and returns the benchmark's name without its side ("GetSandbox-2"), the side ("client" or
// "baseline") and the figures. Lines without all three figures are not results it can use.
func parseLine(line string) (name, side string, s sample, ok bool) {
	fields := strings.Fields(line)
	if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
		return "", "", s, false
	}
	full := strings.TrimPrefix(fields[0], "Benchmark")
	procs := ""
	if i := strings.LastIndexByte(full, '-'); i > 0 {
		if _, err := strconv.Atoi(full[i+1:]); err == nil {
			full, procs = full[:i], full[i:]
		}
	}
	elems := strings.Split(full, "/")
	side = elems[len(elems)-1]
	if len(elems) < 2 || side != "client" && side != "baseline" {
		return "", "", s, false
	}
	name = strings.Join(elems[:len(elems)-1], "/") + procs
	found := 0
	for i := 2; i+1 < len(fields); i += 2 {
		v, err := strconv.ParseFloat(fields[i], 64)
		if err != nil {
			continue
		}
		switch fields[i+1] {
		case "ns/op":
			s.ns, found = v, found|1
		case "B/op":
			s.bytes, found = v, found|2
		case "allocs/op":
			s.allocs, found = v, found|4
		case "cpu-ns/op":
			s.cpu = v
		}
	}
	return name, side, s, found == 7
}

// ratios renders one line per benchmark with both sides.
func (t *table) ratios() []string {
	var lines []string
	for _, name := range t.order {
		p := t.pairs[name]
		if len(p.client) == 0 || len(p.baseline) == 0 {
			continue
		}
		lines = append(lines, fmt.Sprintf("ratio %s time=%.3f bytes=%.3f allocs=%.3f", name,
			p.ratio(func(s sample) float64 { return s.ns }),
			p.ratio(func(s sample) float64 { return s.bytes }),
			p.ratio(func(s sample) float64 { return s.allocs })))
	}
	return lines
}

// cpuRatios renders one line per benchmark whose runs all report their CPU time.
func (t *table) cpuRatios() []string {
	var lines []string
	for _, name := range t.order {
		p := t.pairs[name]
		if len(p.client) == 0 || len(p.baseline) == 0 ||
			slices.ContainsFunc(append(slices.Clone(p.client), p.baseline...), func(s sample) bool { return s.cpu == 0 }) {
			continue
		}
		lines = append(lines, fmt.Sprintf("cpu %s %.3f", name, p.ratio(func(s sample) float64 { return s.cpu })))
	}
	return lines
}

// ratio is the median of the run-by-run ratios when both sides ran as often, else the ratio
// of the medians.
func (p *pair) ratio(field func(sample) float64) float64 {
	if len(p.client) == len(p.baseline) {
		rs := make([]float64, len(p.client))
		for i := range p.client {
			rs[i] = divide(field(p.client[i]), field(p.baseline[i]))
		}
		return median(rs)
	}
	return divide(median(values(p.client, field)), median(values(p.baseline, field)))
}

func values(ss []sample, field func(sample) float64) []float64 {
	vs := make([]float64, len(ss))
	for i, s := range ss {
		vs[i] = field(s)
	}
	return vs
}

func median(vs []float64) float64 {
	vs = slices.Clone(vs)
	slices.Sort(vs)
	n := len(vs)
	if n%2 == 1 {
		return vs[n/2]
	}
	return (vs[n/2-1] + vs[n/2]) / 2
}

// divide treats 0/0 as 1: a benchmark that allocates nothing on either side is even.
func divide(a, b float64) float64 {
	if b == 0 {
		if a == 0 {
			return 1
		}
		return a / b // +Inf: the baseline allocated nothing where the client did
	}
	return a / b
}
