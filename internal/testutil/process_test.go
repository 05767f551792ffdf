package testutil

import (
	"os/exec"
	"testing"
)

// Hold's pidfd follows the process it was taken for: Alive until it
// exits, no longer after; Kill ends it; HoldExe leaves a process that runs
// another executable alone.
func TestHold(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep: " + err.Error())
	}
	cmd := exec.Command(sleep, "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	p := Hold(t, cmd.Process.Pid)
	if !p.Alive() {
		t.Fatal("a running process is not Alive")
	}
	if q := HoldExe(t, cmd.Process.Pid, "/nonexistent/other"); q.Alive() {
		t.Error("HoldExe held a process that runs another executable")
	}
	p.Kill()
	<-exited // reaped: its number is free for another process now
	if p.Alive() {
		t.Error("a killed process is still Alive")
	}
	p.Kill() // through the pidfd: reaches nothing, whatever took the number
}
