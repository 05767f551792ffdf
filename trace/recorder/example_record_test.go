package recorder_test

import (
	"context"
	"fmt"
	"os"

	"github.com/seccomp-gen/seccomp-gen/scmp"
	"github.com/seccomp-gen/seccomp-gen/trace"
	"github.com/seccomp-gen/seccomp-gen/trace/recorder"
)

// Record a command (as root) and write its trace; seccomp-gen exits with
// the command's status. This is what `seccomp-gen trace -o ls.trace.yaml
// -- ls /` does.
func ExampleRecord() {
	rec, err := recorder.Record(context.Background(), recorder.Options{
		Command: []string{"ls", "/"},
		Stdout:  os.Stdout,
		Stderr:  os.Stderr,
		Namer:   scmp.Tables{},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "trace:", err)
		return
	}
	if err := trace.WriteFile("ls.trace.yaml", rec.File); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	fmt.Printf("%d distinct syscalls, lost %d, exit status %d\n",
		len(rec.File.Syscalls), rec.File.Lost, rec.ExitStatus)
}
