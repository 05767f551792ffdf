package runtimetest_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/seccomp-gen/seccomp-gen/emit/cbpf"
	"github.com/seccomp-gen/seccomp-gen/internal/proctree"
	"github.com/seccomp-gen/seccomp-gen/internal/runtimetest"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/scmp"
)

// TestRuncStubAsLoaded reads back the filter runc 1.1.5 installs in a
// container (PTRACE_SECCOMP_GET_FILTER) and runs it in the interpreter:
// on every ABI the profile covers, for each number it names, the numbers
// around the highest one and numbers beyond libseccomp's table, the filter
// answers what policy.Runtimes says runc answers. The x86 side needs no
// 32-bit program, so runc's stub is checked there on kernels that run
// none. The profile names shmdt and socket, which libseccomp resolves on
// x86 to pseudo numbers: runc's stub ignores them, so it answers ENOSYS
// for shmdt (398, above every other x86 name here).
func TestRuncStubAsLoaded(t *testing.T) {
	requireRuntimes(t)
	b := noNewPrivsBundle(t)
	src := filepath.Join(t.TempDir(), "pause.c")
	if err := os.WriteFile(src, []byte("#include <unistd.h>\nint main(void) { pause(); return 0; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("gcc", "-static", "-O2", "-o", filepath.Join(b.Rootfs, "pause"), src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	b.SetArgs("/pause")
	p := &policy.Policy{DefaultAction: policy.ActErrno, Arches: []string{"x86_64", "x86"}, Rules: []policy.Rule{
		rule(allowR, nil, strings.Join(append(baseNames, "pause"), " ")),
		rule(allowR, nil, "shmdt socket getuid")}}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	b.SetSeccomp(ociSeccomp(t, p))
	prog := runcFilter(t, b)

	for _, c := range []struct {
		arch  string
		audit uint32
	}{{"x86_64", cbpf.AuditArchX86_64}, {"x86", cbpf.AuditArchI386}} {
		hi := p.HighestNamed(c.arch, resolveX86)
		max, err := scmp.MaxNr(c.arch)
		if err != nil {
			t.Fatal(err)
		}
		// -1 and 0x80000005: probes with the high bits set, which runc's
		// stub compares unsigned, -1 (the x32 bit set) only where the
		// profile covers x32.
		nrs := []int{hi, hi + 1, max, max + 1, 1000, -1, int(int32(-0x7ffffffb))}
		for _, r := range p.Rules {
			for _, n := range r.Names {
				if nr, err := scmp.Number(c.arch, n); err == nil {
					nrs = append(nrs, nr)
				}
			}
		}
		slices.Sort(nrs)
		for _, nr := range slices.Compact(nrs) {
			name, _ := scmp.Name(c.arch, nr)
			want := p.Runtimes(c.arch, nr, name, [6]uint64{}, resolveX86).Runc
			r, err := prog.Run(cbpf.Data{Nr: int32(nr), Arch: c.audit})
			if err != nil {
				t.Fatal(err)
			}
			got := policy.Verdict{Action: r.Action, Errno: uint(r.Data)}
			if outcome(c.arch, nr, got) != outcome(c.arch, nr, want) {
				t.Errorf("%s %d (%s): runc's filter answers %s, policy.Runtimes says %s (highest named %d)",
					c.arch, nr, name, got.Text(), want.Text(), hi)
			}
		}
	}
}

// runcFilter starts the bundle under runc (its process waits in pause)
// and returns the one seccomp filter runc installed.
func runcFilter(t *testing.T, b *runtimetest.Bundle) cbpf.Program {
	t.Helper()
	if err := b.Write(); err != nil {
		t.Fatal(err)
	}
	id := "sg-stub-" + strconv.Itoa(os.Getpid())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	defer exec.Command("runc", "delete", "-f", id).Run()
	out, err := os.Create(filepath.Join(b.Dir, "create.out"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	create := exec.CommandContext(ctx, "runc", "create", "--bundle", b.Dir, id)
	create.Stdout, create.Stderr = out, out
	if err := create.Run(); err != nil {
		msg, _ := os.ReadFile(out.Name())
		t.Fatalf("runc create: %v\n%s", err, msg)
	}
	if msg, err := exec.CommandContext(ctx, "runc", "start", id).CombinedOutput(); err != nil {
		t.Fatalf("runc start: %v\n%s", err, msg)
	}
	state, err := exec.CommandContext(ctx, "runc", "state", id).Output()
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Pid int `json:"pid"`
	}
	if err := json.Unmarshal(state, &st); err != nil || st.Pid <= 0 {
		t.Fatalf("runc state: %v\n%s", err, state)
	}
	// The filter is installed just before execve: wait for the process
	// to carry it.
	for {
		status, err := os.ReadFile("/proc/" + strconv.Itoa(st.Pid) + "/status")
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := proctree.StatusField(string(status), "Seccomp_filters:"); n != "0" {
			if n != "1" {
				t.Fatalf("the container's process has %s seccomp filters, want runc's alone", n)
			}
			break
		}
		if ctx.Err() != nil {
			t.Fatal("the container's process never had a seccomp filter")
		}
		time.Sleep(20 * time.Millisecond)
	}

	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := unix.PtraceAttach(st.Pid); err != nil {
		t.Fatal(err)
	}
	defer unix.PtraceDetach(st.Pid)
	var ws unix.WaitStatus
	if _, err := unix.Wait4(st.Pid, &ws, unix.WALL, nil); err != nil {
		t.Fatal(err)
	}
	n, _, errno := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_SECCOMP_GET_FILTER, uintptr(st.Pid), 0, 0, 0, 0)
	if errno != 0 {
		t.Fatalf("PTRACE_SECCOMP_GET_FILTER: %v", errno)
	}
	buf := make([]byte, int(n)*cbpf.InstructionSize)
	if _, _, errno := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_SECCOMP_GET_FILTER, uintptr(st.Pid), 0, uintptr(unsafe.Pointer(&buf[0])), 0, 0); errno != 0 {
		t.Fatalf("PTRACE_SECCOMP_GET_FILTER: %v", errno)
	}
	prog, err := cbpf.Parse(buf)
	if err != nil {
		t.Fatal(err)
	}
	return prog
}
