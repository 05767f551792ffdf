// Command measure finds which syscalls an OCI runtime issues after it has
// installed a container's seccomp filter and before (and including) execve
// of the entrypoint: the runtime baselines shipped in profiles/.
//
// Method: the container's entrypoint is a tiny static program whose only
// syscall is exit_group. Its profile allows exit_group plus every syscall
// found so far and logs everything else (SCMP_ACT_LOG), so each logged
// syscall shows up as an "audit: type=1326 ... syscall=N" line in the kernel
// log (/dev/kmsg). The kernel rate-limits those lines (printk_ratelimit: 10
// per 5 s), so the search iterates: every run adds what it logged to the
// allow list, and waits out the rate limit when lines were suppressed,
// until -runs consecutive runs log nothing new. Both noNewPrivileges modes
// are measured.
//
// Run as root:  go run ./internal/runtimetest/measure -runtime runc -runs 25
// and again with -create (create then start, as engines run containers).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/seccomp-gen/seccomp-gen/internal/runtimetest"
	"github.com/seccomp-gen/seccomp-gen/scmp"
)

// exitProg is the entrypoint: getcpu (the marker, see measure) then
// exit_group(0), and nothing else.
const exitProg = `void _start(void){ __asm__ volatile("mov $309,%eax\n xor %edi,%edi\n xor %esi,%esi\n xor %edx,%edx\n syscall\n mov $231,%eax\n xor %edi,%edi\n syscall"); }`

// markerNr is getcpu, which the entrypoint issues after execve and no
// runtime calls as a syscall: its audit line proves the run's lines were
// not rate-limited away.
const markerNr = 309

// createStart runs containers by create and start (-create).
var createStart bool

var auditRe = regexp.MustCompile(`type=1326 .* comm="([^"]*)" .* arch=c000003e syscall=(\d+) `)

func main() {
	rt := flag.String("runtime", "runc", "runc or crun")
	runs := flag.Int("runs", 25, "consecutive runs that must log nothing new")
	flag.BoolVar(&createStart, "create", false, "run containers by create then start (as engines do) instead of run")
	flag.Parse()
	if err := run(*rt, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "measure:", err)
		os.Exit(1)
	}
}

func run(rt string, runs int) error {
	dir, err := os.MkdirTemp("", "sg-measure-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	b, err := runtimetest.NewBundle(dir)
	if err != nil {
		return err
	}
	src := filepath.Join(dir, "exit.c")
	if err := os.WriteFile(src, []byte(exitProg), 0o644); err != nil {
		return err
	}
	if out, err := exec.Command("gcc", "-static", "-nostdlib", "-O2", "-o", filepath.Join(b.Rootfs, "sg-exit"), src).CombinedOutput(); err != nil {
		return fmt.Errorf("gcc: %w: %s", err, out)
	}
	b.SetArgs("/sg-exit")
	for _, nnp := range []bool{true, false} {
		b.SetNoNewPrivileges(nnp)
		found, total, err := measure(b, rt, runs)
		if err != nil {
			return fmt.Errorf("noNewPrivileges=%v: %w", nnp, err)
		}
		names := make([]string, 0, len(found))
		for nr := range found {
			n, ok := scmp.Name("x86_64", nr)
			if !ok {
				n = "#" + strconv.Itoa(nr)
			}
			names = append(names, n)
		}
		sort.Strings(names)
		mode := "run"
		if createStart {
			mode = "create+start"
		}
		fmt.Printf("# %s %s noNewPrivileges=%v: %d complete runs, the last %d found nothing new: %s\n", rt, mode, nnp, total, runs, strings.Join(names, " "))
	}
	return nil
}

func measure(b *runtimetest.Bundle, rt string, runs int) (map[int]bool, int, error) {
	found := map[int]bool{}
	quiet, total, valid := 0, 0, 0
	for quiet < runs {
		if total > 400 {
			return nil, total, errors.New("no fixpoint after 400 runs")
		}
		allow := []string{"exit_group"}
		for nr := range found {
			if n, ok := scmp.Name("x86_64", nr); ok {
				allow = append(allow, n)
			}
		}
		prof, _ := json.Marshal(map[string]any{
			"defaultAction": "SCMP_ACT_LOG",
			"architectures": []string{"SCMP_ARCH_X86_64"},
			"syscalls":      []map[string]any{{"names": allow, "action": "SCMP_ACT_ALLOW"}},
		})
		b.SetSeccomp(prof)
		kmsg, err := os.Open("/dev/kmsg")
		if err != nil {
			return nil, total, err
		}
		if _, err := kmsg.Seek(0, io.SeekEnd); err != nil {
			kmsg.Close()
			return nil, total, err
		}
		var res runtimetest.Result
		if createStart {
			res, err = b.CreateStart(context.Background(), rt)
		} else {
			res, err = b.Run(context.Background(), rt)
		}
		total++
		if err != nil || res.ExitCode != 0 {
			kmsg.Close()
			return nil, total, fmt.Errorf("run: %w %v", err, res)
		}
		time.Sleep(50 * time.Millisecond)
		lines := readAvailable(kmsg)
		if os.Getenv("MEASURE_DEBUG") != "" {
			fmt.Fprintf(os.Stderr, "run %d: %q\n", total, lines)
		}
		kmsg.Close()
		news, suppressed, marker := 0, false, false
		seen := map[int]bool{}
		for _, l := range lines {
			if strings.Contains(l, "callbacks suppressed") && strings.Contains(l, "kauditd") {
				suppressed = true
			}
			m := auditRe.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			nr, _ := strconv.Atoi(m[2])
			if m[1] == "sg-exit" && nr == markerNr {
				marker = true
				continue
			}
			if m[1] == "runc:[2:INIT]" || m[1] == "crun" {
				seen[nr] = true
			}
		}
		// Without the marker, or after a suppression notice, lines of this
		// run may be missing: keep what it found, but do not count it as a
		// quiet run, and wait out the rate-limit interval.
		for nr := range seen {
			if !found[nr] {
				found[nr] = true
				news++
			}
		}
		complete := marker && !suppressed
		if complete {
			valid++
		}
		switch {
		case news > 0:
			quiet = 0
		case complete:
			quiet++
		}
		if suppressed || !marker {
			time.Sleep(5500 * time.Millisecond)
		}
	}
	return found, valid, nil
}

// readAvailable reads the kernel log records that are there now.
func readAvailable(f *os.File) []string {
	fd := int(f.Fd())
	_ = syscall.SetNonblock(fd, true)
	var out []string
	buf := make([]byte, 8192)
	for {
		n, err := syscall.Read(fd, buf)
		if n <= 0 || err != nil {
			if errors.Is(err, syscall.EPIPE) { // overwritten records
				continue
			}
			break
		}
		out = append(out, string(buf[:n]))
	}
	return out
}
