package main

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
)

// TestSignalWhileCheckingOutputs: a SIGTERM while trace or replay checks
// its output paths (the first thing it does) is a signal before the
// command started like any other: the command is not run, seccomp-gen
// exits 143, replay's report says so (not_run), and no file is left in the
// output's directory. Before, the signals were caught only after that
// check, and SIGTERM then ended seccomp-gen at once, with no report and no
// status of its own (72 of 200 SIGTERMs sent 5-45 ms after the start of a
// replay, found by an audit). The check is held where it opens the
// existing output (a fanotify permission event) and the signal is sent
// then.
func TestSignalWhileCheckingOutputs(t *testing.T) {
	testutil.RequireRoot(t) // fanotify permission events; the recorder
	dir := t.TempDir()
	prof := filepath.Join(dir, "p.json")
	if _, stderr, code := sg(t, dir, "generate", "-o", prof, genTrace(t, "workload.yaml")); code != 0 {
		t.Fatalf("generate: exit %d %s", code, stderr)
	}
	ran := filepath.Join(dir, "ran")
	for _, mode := range []string{"trace", "replay", "replay --enforce"} {
		t.Run(mode, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			const old = "the previous output\n"
			if err := os.WriteFile(out, []byte(old), 0o644); err != nil {
				t.Fatal(err)
			}
			args := []string{"trace", "-o", out}
			if mode != "trace" {
				args = append(strings.Fields(mode), "-p", prof, "--report", "json", "-o", out)
			}
			hold := holdOpens(t, out)
			p := startSGEnv(t, false, goStart, append(args, "--", "/bin/touch", ran)...)
			if pid := hold.next(t); pid != p.cmd.Process.Pid {
				t.Fatalf("%s was opened by pid %d, not seccomp-gen (%d)", out, pid, p.cmd.Process.Pid)
			}
			if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			// Pending while the open is held (the thread the kernel
			// chose for it waits for the answer): it is delivered as
			// the open returns.
			hold.allow(t)
			hold.close() // the test's own reads of out are not held
			if err := waitDone(p.cmd, 20*time.Second); err != nil {
				t.Fatal(err)
			}
			rest := p.rest()
			if _, err := os.Stat(ran); err == nil {
				t.Errorf("the command ran")
				os.Remove(ran)
			}
			if code := p.cmd.ProcessState.ExitCode(); code != 143 || !strings.Contains(rest, "interrupted before the command started: it was not run") {
				t.Errorf("exit %d (%v), want 143 and 'interrupted before the command started'; stderr:\n%s", code, p.cmd.ProcessState, rest)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if mode == "trace" {
				if string(data) != old {
					t.Errorf("trace wrote %s:\n%s", out, data)
				}
			} else {
				var v struct {
					NotRun   bool `json:"not_run"`
					ExitCode *int `json:"exit_code"`
				}
				if err := json.Unmarshal(data, &v); err != nil || !v.NotRun || v.ExitCode == nil || *v.ExitCode != 143 {
					t.Errorf("the report does not say the command was not run (%v):\n%s", err, data)
				}
			}
			ents, _ := os.ReadDir(filepath.Dir(out))
			if len(ents) != 1 {
				var names []string
				for _, e := range ents {
					names = append(names, e.Name())
				}
				t.Errorf("files in the output's directory: %v, want only %s", names, filepath.Base(out))
			}
		})
	}
}

// openHold holds every open of a file (fanotify FAN_OPEN_PERM) until the
// test allows it.
type openHold struct {
	fan int
	fd  int32 // the event to answer, -1 for none
}

// holdOpens holds the opens of path until the test ends (closing the group
// allows whatever is still held).
func holdOpens(t *testing.T, path string) *openHold {
	t.Helper()
	fan, err := unix.FanotifyInit(unix.FAN_CLASS_CONTENT|unix.FAN_CLOEXEC|unix.FAN_NONBLOCK, unix.O_RDONLY|unix.O_LARGEFILE)
	if err != nil {
		testutil.SkipOrFail(t, "fanotify permission events (CONFIG_FANOTIFY_ACCESS_PERMISSIONS): "+err.Error())
	}
	h := &openHold{fan: fan, fd: -1}
	t.Cleanup(h.close)
	if err := unix.FanotifyMark(fan, unix.FAN_MARK_ADD, unix.FAN_OPEN_PERM, unix.AT_FDCWD, path); err != nil {
		testutil.SkipOrFail(t, "fanotify_mark FAN_OPEN_PERM: "+err.Error())
	}
	return h
}

// close ends the hold: opens go on unheld.
func (h *openHold) close() {
	if h.fan >= 0 {
		unix.Close(h.fan)
		h.fan = -1
	}
}

// next waits for the next open and returns the PID of the process that
// opened the file, held in open(2) until allow.
func (h *openHold) next(t *testing.T) int {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	buf := make([]byte, 4096)
	for {
		n, err := unix.Read(h.fan, buf)
		if errors.Is(err, unix.EAGAIN) && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
			continue
		}
		if err != nil {
			t.Fatalf("no open within 20 s: %v", err)
		}
		// struct fanotify_event_metadata: event_len, vers, reserved,
		// metadata_len, mask (u64), fd, pid.
		if n < 24 || buf[4] != unix.FANOTIFY_METADATA_VERSION {
			t.Fatalf("fanotify event of %d bytes, version %d", n, buf[4])
		}
		h.fd = int32(binary.NativeEndian.Uint32(buf[16:]))
		return int(int32(binary.NativeEndian.Uint32(buf[20:])))
	}
}

// allow lets the held open go on.
func (h *openHold) allow(t *testing.T) {
	t.Helper()
	var resp [8]byte // struct fanotify_response: fd, response
	binary.NativeEndian.PutUint32(resp[0:], uint32(h.fd))
	binary.NativeEndian.PutUint32(resp[4:], unix.FAN_ALLOW)
	if _, err := unix.Write(h.fan, resp[:]); err != nil {
		t.Fatalf("fanotify response: %v", err)
	}
	unix.Close(int(h.fd))
	h.fd = -1
}

// TestHoldEarly: run holds trace's and replay's signals on a goroutine as
// it begins (holdEarly); the RunE's heldSignals takes that channel, which
// has caught the signals since, and a second heldSignals holds its own.
func TestHoldEarly(t *testing.T) {
	if startedIgnored(syscall.SIGHUP) {
		t.Skip("SIGHUP is ignored in this test process (nohup?): heldSignals leaves it so")
	}
	ctx, release := holdEarly(t.Context())
	defer release()
	h, _ := ctx.Value(earlyHoldKey{}).(*earlyHold)
	if h == nil {
		t.Fatal("holdEarly's context carries no hold")
	}
	<-h.done
	// Caught before any RunE asks: the signal waits in the channel.
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	sigs := heldSignals(ctx)
	defer stopSignals(sigs)
	if sigs != h.sigs {
		t.Fatal("heldSignals did not take the signals held early")
	}
	select {
	case s := <-sigs:
		if s != syscall.SIGHUP {
			t.Errorf("caught %v, want SIGHUP", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the SIGHUP sent before the RunE was not caught")
	}
	again := heldSignals(ctx)
	defer stopSignals(again)
	if again == sigs {
		t.Error("the early hold was taken twice")
	}
}
