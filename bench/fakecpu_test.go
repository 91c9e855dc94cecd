package bench

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"sync/atomic"
)

// fakePID is the process of the sandbox fake while a sandbox benchmark runs, 0 otherwise: its
// CPU time is reported beside the benchmark's own, so that a figure of time can be read
// against the work both processes did on the same cores.
var fakePID atomic.Int64

// clockTicks is the unit of the CPU times in /proc/<pid>/stat: USER_HZ, 100 on Linux.
const clockTicks = 100

// fakeCPU is the CPU time the fake's process has used, user and system, in nanoseconds; false
// when there is no fake, or no /proc to read it from.
func fakeCPU() (int64, bool) {
	pid := fakePID.Load()
	if pid == 0 {
		return 0, false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// The fields after the command's name, which is in parentheses and may hold spaces:
	// state is the first of them, utime the 12th and stime the 13th.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, false
	}
	fields := bytes.Fields(stat[i+1:])
	if len(fields) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(string(fields[11]), 10, 64)
	stime, err2 := strconv.ParseInt(string(fields[12]), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return (utime + stime) * (1e9 / clockTicks), true
}
