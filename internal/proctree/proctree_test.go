package proctree

import (
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// tree starts a shell with three levels of sleeping descendants and returns
// it once all of them exist.
func tree(t *testing.T) *exec.Cmd {
	t.Helper()
	dir := t.TempDir()
	ready := dir + "/ready"
	// sh -> (sh -> sleep, sleep), sleep
	sh := exec.Command("/bin/sh", "-c", `sh -c 'sleep 100 & sleep 100 & wait' & sleep 100 & touch "$1"; wait`, "sh", ready)
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sh.Process.Kill(); sh.Wait() })
	for i := 0; i < 500; i++ {
		if _, err := os.Stat(ready); err == nil && comms(Descendants(sh.Process.Pid)) == "sh sleep sleep sleep" {
			return sh
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("the tree did not come up: descendants %v", Descendants(sh.Process.Pid))
	return nil
}

// comms returns the sorted command names of live (not zombie) pids.
func comms(pids []int) string {
	var c []string
	for _, p := range pids {
		if st := state("/proc/" + strconv.Itoa(p) + "/stat"); st == 0 || st == 'Z' {
			continue
		}
		b, _ := os.ReadFile("/proc/" + strconv.Itoa(p) + "/comm")
		c = append(c, strings.TrimSpace(string(b)))
	}
	sort.Strings(c)
	return strings.Join(c, " ")
}

func TestDescendants(t *testing.T) {
	sh := tree(t)
	d := Descendants(sh.Process.Pid)
	if comms(d) != "sh sleep sleep sleep" {
		t.Fatalf("descendants %v: %s", d, comms(d))
	}
	if c := Children(sh.Process.Pid); comms(c) != "sh sleep" {
		t.Errorf("children %v: %s, want sh and sleep", c, comms(c))
	}
	if Descendants(1<<22+1) != nil {
		t.Errorf("a missing pid has descendants")
	}
}

func TestKill(t *testing.T) {
	sh := tree(t)
	all := append([]int{sh.Process.Pid}, Descendants(sh.Process.Pid)...)
	n, err := Kill(sh.Process.Pid, time.Second)
	if err != nil || n != 5 {
		t.Fatalf("Kill: %d, %v; want 5 processes", n, err)
	}
	err = sh.Wait()
	if ws, ok := sh.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("shell: %v, want killed by SIGKILL", err)
	}
	// The others were reparented to init (or a subreaper) and reaped there.
	deadline := time.Now().Add(5 * time.Second)
	for _, p := range all[1:] {
		for state("/proc/"+strconv.Itoa(p)+"/stat") != 0 && state("/proc/"+strconv.Itoa(p)+"/stat") != 'Z' {
			if time.Now().After(deadline) {
				t.Fatalf("pid %d survived Kill", p)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	if _, err := Kill(sh.Process.Pid, time.Second); err == nil {
		t.Errorf("Kill of a reaped process: no error")
	}
}
