//go:build unix

package main

import (
	"runtime"
	"syscall"
)

// peakRSS is the most resident memory the process has used, from the kernel's account.
func peakRSS() (int64, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return ru.Maxrss, true // bytes there
	}
	return ru.Maxrss << 10, true // KiB elsewhere
}
