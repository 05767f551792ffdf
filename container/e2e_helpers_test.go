package container_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf/link"

	"github.com/seccomp-gen/seccomp-gen/container"
	"github.com/seccomp-gen/seccomp-gen/emit"
	"github.com/seccomp-gen/seccomp-gen/internal/runtimetest"
	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// setupSyscalls are what runc and crun issue while setting a container up
// and what busybox workloads never do: none may appear in a recording.
var setupSyscalls = []string{"mount", "pivot_root", "setns", "unshare", "umount2", "sethostname", "chroot", "capset", "setgroups", "keyctl"}

func requireRuntimes(t *testing.T, tools ...string) {
	t.Helper()
	runtimetest.Require(t, tools...)
}

// buildSG builds seccomp-gen once per test binary: the hook re-executes it.
func buildSG(t *testing.T) string { return runtimetest.Binary(t) }

func newBundle(t *testing.T) *runtimetest.Bundle {
	t.Helper()
	b, err := runtimetest.NewBundle(filepath.Join(t.TempDir(), "bundle"))
	if err != nil {
		t.Fatal(err)
	}
	b.SetReadonly(false)
	return b
}

// setHook sets the bundle's prestart hook and annotations (nil removes
// them).
func setHook(b *runtimetest.Bundle, hook []string, annotations map[string]string) {
	if hook == nil {
		delete(b.Config, "hooks")
		delete(b.Config, "annotations")
		return
	}
	b.Config["hooks"] = map[string]any{"prestart": []any{map[string]any{"path": hook[0], "args": append([]string{"seccomp-gen"}, hook[1:]...)}}}
	b.Config["annotations"] = annotations
}

// waitFile waits for the detached recorder to write path.
func waitFile(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path); err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s was not written within 20s", path)
}

// recorders lists the live hook-recorder processes of binary sg and the
// BPF link IDs they hold (from /proc/PID/fdinfo).
func recorders(t *testing.T, sg string) map[int][]int {
	t.Helper()
	out := map[int][]int{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		exe, _ := os.Readlink("/proc/" + e.Name() + "/exe")
		if exe != sg {
			continue
		}
		cmdline, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if !strings.Contains(string(cmdline), "hook-recorder") {
			continue
		}
		out[pid] = nil
		fds, _ := os.ReadDir("/proc/" + e.Name() + "/fd")
		for _, fd := range fds {
			target, _ := os.Readlink("/proc/" + e.Name() + "/fd/" + fd.Name())
			if target != "anon_inode:bpf_link" {
				continue
			}
			info, _ := os.ReadFile("/proc/" + e.Name() + "/fdinfo/" + fd.Name())
			for _, line := range strings.Split(string(info), "\n") {
				if v, ok := strings.CutPrefix(line, "link_id:"); ok {
					id, _ := strconv.Atoi(strings.TrimSpace(v))
					out[pid] = append(out[pid], id)
				}
			}
		}
	}
	return out
}

// waitNoRecorders fails unless every recorder of sg is gone within 10s.
func waitNoRecorders(t *testing.T, sg string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := recorders(t, sg)
		if len(r) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("recorder processes (PID: BPF link IDs) still running: %v", r)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// readProfile reads a written profile and its OCI seccomp object.
func readProfile(t *testing.T, path string) (*policy.Policy, json.RawMessage) {
	t.Helper()
	p, _, err := emit.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := emit.OCI(p)
	if err != nil {
		t.Fatal(err)
	}
	return p, obj
}

func traceNames(f *trace.File) map[string]bool {
	m := map[string]bool{}
	for _, s := range f.Syscalls {
		m[s.Name] = true
	}
	return m
}

// checkNoSetup fails when the trace or the profile holds runtime set-up
// syscalls.
func checkNoSetup(t *testing.T, f *trace.File, p *policy.Policy) {
	t.Helper()
	names := traceNames(f)
	for _, n := range setupSyscalls {
		if names[n] {
			t.Errorf("the trace holds the runtime's set-up syscall %s", n)
		}
		if v := p.Lookup(n); v.Action == policy.ActAllow && (n == "mount" || n == "pivot_root" || n == "setns" || n == "unshare" || n == "umount2" || n == "sethostname" || n == "chroot") {
			t.Errorf("the profile allows the runtime's set-up syscall %s", n)
		}
	}
	if !names["execve"] {
		t.Errorf("the trace misses the entrypoint's execve")
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

var _ = container.Annotation

func TestMain(m *testing.M) {
	// Prepared recorders (trace/recorder/record_pool.go) go to a pool of
	// this run's own, not /run/seccomp-gen/bpf.
	code := testutil.MainWithPrivatePool(m)
	runtimetest.RemoveBinary()
	os.Exit(code)
}

// liveLinks returns which of ids are BPF links the kernel still has
// (cilium/ebpf's link iterator walks every link on the machine).
func liveLinks(t *testing.T, ids []int) []int {
	t.Helper()
	want := map[int]bool{}
	for _, id := range ids {
		want[id] = true
	}
	var live []int
	it := new(link.Iterator)
	defer it.Close()
	for it.Next() {
		if want[int(it.ID)] {
			live = append(live, int(it.ID))
		}
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	return live
}
