// Command gostart is the attach section's floor for a Go program's own
// start (bench/run.go): it prints start_ns=CLOCK_REALTIME first thing in
// main, like the getpid workload's stamp mode, and exits. It links libc
// through cgo and is built with make build's flags (static), as
// seccomp-gen is, so that launch to its main is the process start (exec,
// libc's start-up, the Go runtime) any Go tracer pays before it can do
// anything; seccomp-gen's own start adds its package initializers and its
// size to it.
package main

// static int gostart_cgo(void) { return 0; }
import "C"

import (
	"os"
	"strconv"
	"time"
)

func main() {
	ns := time.Now().UnixNano()
	_ = C.gostart_cgo()
	_, _ = os.Stdout.WriteString("start_ns=" + strconv.FormatInt(ns, 10) + "\n")
}
