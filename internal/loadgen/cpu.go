package loadgen

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// CPU time is the figure that survives a shared machine: calls per second
// fall when other work takes the cores, but the processor time one call
// costs stays nearly the same. The floor's and the service's CPU per call,
// measured in the same round, give the ratio the two would reach on cores
// of their own.

// ProcessCPU is the processor time (user + system) this process used so far.
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// PidCPU is the processor time the process pid used so far, read from
// /proc/<pid>/stat (0 when it cannot be read).
func PidCPU(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The command name in parentheses may hold spaces; fields count from
	// the last ')'. utime and stime are fields 14 and 15.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(u+st) * time.Second / clockTicks
}

// clockTicks is USER_HZ, 100 on every Linux platform Go supports.
const clockTicks = 100

// CPU is the processor time redis-server used so far.
func (r *Redis) CPU() time.Duration {
	return PidCPU(r.cmd.Process.Pid)
}
