// Command gostart is the attach section's floor for a Go program's own
// start (bench/run.go): it prints start_ns=CLOCK_REALTIME first thing in
// main, like the getpid workload's stamp mode, and exits. It links libc
// through cgo and is built with make build's flags (static), as
// seccomp-gen is, its heap in huge pages too (internal/hugeheap) and its
// code mapped at its start where internal/prefault chooses it, so that
// launch to its main is the process start (exec, libc's start-up, the Go
// runtime) any Go tracer pays before it can do anything; seccomp-gen's own
// start adds its package initializers and its size to it. The bench also
// builds it with -tags nohugeheap (gostart-4k), the Go runtime's default.
package main

// static int gostart_cgo(void) { return 0; }
import "C"

import (
	"os"
	"strconv"
	"time"

	_ "github.com/seccomp-gen/seccomp-gen/internal/hugeheap"
	_ "github.com/seccomp-gen/seccomp-gen/internal/prefault"
)

func main() {
	ns := time.Now().UnixNano()
	_ = C.gostart_cgo()
	_, _ = os.Stdout.WriteString("start_ns=" + strconv.FormatInt(ns, 10) + "\n")
}
