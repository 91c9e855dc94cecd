//go:build !unix

package bench

// processCPU is not measured here: the benchmarks then report wall time only.
func processCPU() (int64, bool) { return 0, false }
