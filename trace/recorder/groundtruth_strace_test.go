package recorder_test

// The strace side of the ground-truth tests: a parser for the output of
//
//	strace -f -n -e quiet=attach,exit -o FILE CMD
//
// that turns it into the set of (ABI, syscall number) pairs the workload
// entered, with the name strace printed.
//
// Why these options: -f follows every fork, vfork, clone and thread; -n
// prints the syscall number the kernel saw (x32 numbers keep bit 30), so we
// never have to map names back to numbers; -e quiet=attach,exit drops the
// attach and "+++ exited" noise but, unlike -qq, keeps the personality
// messages ("[ Process PID=N runs in 32 bit mode. ]") that say which table
// (x86_64, i386 or x32) the following syscalls of PID N go through.

import (
	"bufio"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/abi"
	"github.com/seccomp-gen/seccomp-gen/scmp"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// abiCall is one syscall of one ABI: what a trace file records per entry.
type abiCall struct {
	Arch string
	Nr   int
}

func (c abiCall) String() string { return fmt.Sprintf("%s:%d", c.Arch, c.Nr) }

// straceSeen is what strace reported for one abiCall.
type straceSeen struct {
	Name  string // as strace printed it; "" for syscall_0x... (unknown to strace)
	Count int    // syscall entries
	Line  int    // first line, for error messages
	Text  string // that line
}

// straceResult is a parsed strace log.
type straceResult struct {
	Calls map[abiCall]*straceSeen
	PIDs  map[int]bool // every process or thread strace showed
}

// sortedCalls returns the keys of Calls in (arch, nr) order.
func (r *straceResult) sortedCalls() []abiCall {
	out := make([]abiCall, 0, len(r.Calls))
	for c := range r.Calls {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Arch != out[j].Arch {
			return out[i].Arch < out[j].Arch
		}
		return out[i].Nr < out[j].Nr
	})
	return out
}

var (
	// "1234 " (strace -o FILE) or "[pid  1234] " (strace to a terminal);
	// absent when a single process is traced without -f.
	stracePIDPrefix = regexp.MustCompile(`^(?:\[pid\s+(\d+)\]|(\d+))\s+`)
	// "[  39] " or "[1073741863] " from -n; "[????] " when strace could not
	// fetch the number.
	straceNrPrefix = regexp.MustCompile(`^\[\s*(\d+|\?+)\]\s+`)
	stracePers     = regexp.MustCompile(`^\[ Process PID=(\d+) runs in (64 bit|32 bit|x32) mode\. \]$`)
	straceCall     = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)\(`)
	straceResumed  = regexp.MustCompile(`^<\.\.\. ([A-Za-z_][A-Za-z0-9_]*) resumed>`)
)

// parseStrace reads an strace log written with -f -n (see above). Lines it
// does not understand are errors: a silently skipped line could hide a
// syscall the recorder must have seen.
func parseStrace(r io.Reader) (*straceResult, error) {
	res := &straceResult{Calls: map[abiCall]*straceSeen{}, PIDs: map[int]bool{}}
	// strace keeps a personality per traced task. A task it has not seen
	// before starts in strace's current personality, that of the task it
	// handled last (a fork child of a 32-bit process prints no message of
	// its own), so we track both.
	mode := map[int]string{}
	current := "x86_64"
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	lineNo := 0
	for sc.Scan() {
		lineNo++
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "strace: ") {
			// strace's own diagnostics ("strace: Process 12 attached").
			continue
		}
		rest := line
		pid := 0
		if m := stracePIDPrefix.FindStringSubmatch(rest); m != nil {
			p := m[1] + m[2]
			n, err := strconv.Atoi(p)
			if err != nil {
				return nil, fmt.Errorf("strace line %d: pid %q: %w", lineNo, p, err)
			}
			pid = n
			rest = rest[len(m[0]):]
		}
		if _, ok := mode[pid]; !ok {
			mode[pid] = current
		}
		res.PIDs[pid] = true
		current = mode[pid]
		nr, known := -1, false
		if m := straceNrPrefix.FindStringSubmatch(rest); m != nil {
			if !strings.HasPrefix(m[1], "?") {
				n, err := strconv.Atoi(m[1])
				if err != nil {
					return nil, fmt.Errorf("strace line %d: syscall number %q: %w", lineNo, m[1], err)
				}
				nr, known = n, true
			}
			rest = rest[len(m[0]):]
		}
		switch {
		case strings.HasPrefix(rest, "[ Process PID="):
			m := stracePers.FindStringSubmatch(rest)
			if m == nil {
				return nil, fmt.Errorf("strace line %d: unknown personality message: %s", lineNo, line)
			}
			p, _ := strconv.Atoi(m[1])
			arch := map[string]string{"64 bit": "x86_64", "32 bit": "x86", "x32": "x32"}[m[2]]
			mode[p] = arch
			current = arch
			res.PIDs[p] = true
		case strings.HasPrefix(rest, "+++ "), strings.HasPrefix(rest, "--- "):
			// "+++ exited with 0 +++", "+++ killed by SIGKILL +++",
			// "+++ superseded by execve in pid N +++", and signals
			// ("--- SIGCHLD {...} ---", "--- stopped by SIGSTOP ---"):
			// no syscall entry.
		case strings.HasPrefix(rest, "<... "):
			// The second half of a call printed "<unfinished ...>"
			// earlier; its entry was counted then.
			if straceResumed.FindStringSubmatch(rest) == nil {
				return nil, fmt.Errorf("strace line %d: unknown resumed line: %s", lineNo, line)
			}
		default:
			m := straceCall.FindStringSubmatch(rest)
			if m == nil {
				return nil, fmt.Errorf("strace line %d: not a syscall: %s", lineNo, line)
			}
			name := m[1]
			if !known && strings.HasPrefix(name, "syscall_0x") {
				// "[???] syscall_0xffffffffffffffff(": a number strace
				// cannot print in -n's column (syscall(-1)); seccomp
				// sees its low 32 bits.
				v, err := strconv.ParseUint(strings.TrimPrefix(name, "syscall_0x"), 16, 64)
				if err != nil {
					return nil, fmt.Errorf("strace line %d: syscall number %q: %w", lineNo, name, err)
				}
				nr = int(int32(uint32(v)))
			} else if !known {
				return nil, fmt.Errorf("strace line %d: no syscall number (run strace with -n): %s", lineNo, line)
			}
			if strings.HasPrefix(name, "syscall_0x") {
				name = "" // strace's table does not know this number
			}
			arch := mode[pid]
			if abi.IsX32Nr(uint32(nr)) {
				// strace switches to x32 mode for these itself; be
				// robust to a missing message all the same.
				arch = "x32"
			}
			c := abiCall{arch, nr}
			s := res.Calls[c]
			if s == nil {
				s = &straceSeen{Name: name, Line: lineNo, Text: line}
				res.Calls[c] = s
			} else if s.Name != name {
				return nil, fmt.Errorf("strace line %d: %s named both %q (line %d) and %q", lineNo, c, s.Name, s.Line, name)
			}
			s.Count++
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("strace log: %w", err)
	}
	return res, nil
}

func TestParseStrace(t *testing.T) {
	type want map[string]string // "arch:nr" -> name
	tests := []struct {
		name string
		log  string
		want want
		pids []int
	}{{
		name: "plain and failing calls",
		log: `11719 [  59] execve("./int80", ["./int80"], 0x7fffe886ad00 /* 39 vars */) = 0
11719 [  21] access("/etc/ld.so.preload", R_OK) = -1 ENOENT (No such file or directory)
11719 [   3] close(-1)                  = -1 EBADF (Bad file descriptor)
11719 [   3] close(3)                   = 0
11719 [ 231] exit_group(0)              = ?
`,
		want: want{"x86_64:59": "execve", "x86_64:21": "access", "x86_64:3": "close", "x86_64:231": "exit_group"},
		pids: []int{11719},
	}, {
		name: "int 0x80 from a 64-bit process switches personality both ways",
		log: `11719 [  39] getpid()                   = 11719
11719 [  39] [ Process PID=11719 runs in 32 bit mode. ]
11719 [  20] getpid()                   = 11719
11719 [  64] getppid()                  = 11716
11719 [  64] [ Process PID=11719 runs in 64 bit mode. ]
11719 [ 110] getppid()                  = 11716
11719 [ 110] [ Process PID=11719 runs in 32 bit mode. ]
11719 [ 199] getuid32()                 = 0
11719 [ 199] [ Process PID=11719 runs in 64 bit mode. ]
11719 [ 231] exit_group(0)              = ?
`,
		want: want{"x86_64:39": "getpid", "x86:20": "getpid", "x86:64": "getppid", "x86_64:110": "getppid", "x86:199": "getuid32", "x86_64:231": "exit_group"},
		pids: []int{11719},
	}, {
		name: "fork child of a 32-bit process inherits strace's personality",
		log: `12590 [  59] execve("./f32", ["./f32"], 0x7ffc6c1053c0 /* 39 vars */) = 0
12590 [  59] [ Process PID=12590 runs in 32 bit mode. ]
12590 [ 120] clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0xf7edd5a8) = 12591
12590 [ 114] wait4(12591,  <unfinished ...>
12591 [  64] getppid()                  = 12590
12591 [ 252] exit_group(0)              = ?
12590 [ 114] <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 12591
12590 [ 114] --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=12591, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---
12590 [ 252] exit_group(0)              = ?
`,
		want: want{"x86_64:59": "execve", "x86:120": "clone", "x86:114": "wait4", "x86:64": "getppid", "x86:252": "exit_group"},
		pids: []int{12590, 12591},
	}, {
		name: "x32 numbers carry bit 30",
		log: `11725 [  11] [ Process PID=11725 runs in x32 mode. ]
11725 [1073741863] getpid()             = -1 ENOSYS (Function not implemented)
11725 [1073741926] [ Process PID=11725 runs in 64 bit mode. ]
11725 [ 231] exit_group(0)              = ?
`,
		want: want{"x32:1073741863": "getpid", "x86_64:231": "exit_group"},
		pids: []int{11725},
	}, {
		name: "x32 bit without a personality message",
		log:  "7 [1073741863] getpid()             = -1 ENOSYS (Function not implemented)\n",
		want: want{"x32:1073741863": "getpid"},
		pids: []int{7},
	}, {
		name: "unfinished and resumed calls count once, in the right thread",
		log: `11737 [ 435] clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD, child_tid=0x7fb683b3f910, parent_tid=0x7fb683b3f910, exit_signal=0, stack=0x7fb68333f000, stack_size=0x7fff00, tls=0x7fb683b3f640} => {parent_tid=[11738]}, 88) = 11738
11738 [ 334] rseq(0x7fb683b3ffe0, 0x20, 0, 0x53053053 <unfinished ...>
11737 [  14] rt_sigprocmask(SIG_SETMASK, [],  <unfinished ...>
11738 [ 334] <... rseq resumed>)        = 0
11737 [  14] <... rt_sigprocmask resumed>NULL, 8) = 0
11738 [ 140] getpriority(PRIO_PROCESS, 0) = 20
11738 [  60] exit(0)                    = ?
11738 +++ exited with 0 +++
11737 [ 231] exit_group(0)              = ?
11737 +++ exited with 0 +++
`,
		want: want{"x86_64:435": "clone3", "x86_64:334": "rseq", "x86_64:14": "rt_sigprocmask", "x86_64:140": "getpriority", "x86_64:60": "exit", "x86_64:231": "exit_group"},
		pids: []int{11737, 11738},
	}, {
		name: "syscalls strace cannot name",
		log: `11744 [ 457] syscall_0x1c9(0, 0, 0, 0xffffffffffffffff, 0x7fbc510b06d0, 0x7ffe9e2a9038) = -1 EINVAL (Invalid argument)
11744 [ 462] syscall_0x1ce(0x1, 0x1, 0xffffffffffffffff, 0x7ffe9e2a9038, 0x7ffe9e2a9038, 0x7ffe9e2a9038) = -1 EINVAL (Invalid argument)
11744 [???] syscall_0xffffffffffffffff(0x7ffe3806dfe8, 0x7ffe3806dff8, 0x55fd77b15dd8, 0, 0x7f08f02736d0, 0x7ffe3806dfe8) = -1 ENOSYS (Function not implemented)
`,
		want: want{"x86_64:457": "", "x86_64:462": "", "x86_64:-1": ""},
		pids: []int{11744},
	}, {
		name: "signals, kills, execve by a thread, strace's own notes, terminal pid prefix",
		log: `[pid   300] [  62] kill(301, SIGKILL) = 0
[pid   301] --- stopped by SIGSTOP ---
[pid   301] +++ killed by SIGKILL +++
[pid   300] [  15] rt_sigreturn({mask=[]}) = 0
302 [  59] execve("/bin/true", ["true"], 0x7ffd /* 3 vars */ <unfinished ...>
300 +++ superseded by execve in pid 302 +++
300 [  59] <... execve resumed>) = 0
strace: Process 303 attached
300 [ 219] restart_syscall(<... resuming interrupted clock_nanosleep ...>) = 0
300 [ 230] clock_nanosleep(CLOCK_REALTIME, 0, {tv_sec=0, tv_nsec=200000000},  <unfinished ...>) = ?

`,
		want: want{"x86_64:62": "kill", "x86_64:15": "rt_sigreturn", "x86_64:59": "execve", "x86_64:219": "restart_syscall", "x86_64:230": "clock_nanosleep"},
		pids: []int{300, 301, 302},
	}, {
		name: "a single process without -f has no pid prefix",
		log:  "[  39] getpid()                   = 11719\n+++ exited with 0 +++\n",
		want: want{"x86_64:39": "getpid"},
		pids: []int{0},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := parseStrace(strings.NewReader(tt.log))
			if err != nil {
				t.Fatal(err)
			}
			got := want{}
			for c, s := range res.Calls {
				got[c.String()] = s.Name
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("calls:\n got %v\nwant %v", got, tt.want)
			}
			var pids []int
			for p := range res.PIDs {
				pids = append(pids, p)
			}
			sort.Ints(pids)
			if !reflect.DeepEqual(pids, tt.pids) {
				t.Errorf("pids: got %v, want %v", pids, tt.pids)
			}
		})
	}
}

func TestParseStraceCounts(t *testing.T) {
	log := `5 [   3] close(3) = 0
5 [   3] close(4 <unfinished ...>
6 [   3] close(5) = 0
5 [   3] <... close resumed>) = 0
`
	res, err := parseStrace(strings.NewReader(log))
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Calls[abiCall{"x86_64", 3}]; got == nil || got.Count != 3 || got.Line != 1 {
		t.Fatalf("close: got %+v, want 3 entries first seen on line 1", got)
	}
}

func TestParseStraceErrors(t *testing.T) {
	tests := []struct{ name, log, want string }{
		{"no -n", "12 getpid() = 12\n", "no syscall number"},
		{"garbage", "12 [  39] )))\n", "not a syscall"},
		{"unknown personality", "12 [  39] [ Process PID=12 runs in 16 bit mode. ]\n", "unknown personality"},
		{"bad resumed", "12 [  39] <... >) = 0\n", "unknown resumed"},
		{"unknown number", "12 [????] getpid() = 12\n", "no syscall number"},
		{"two names for one number", "1 [  39] getpid() = 1\n1 [  39] getppid() = 1\n", "named both"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseStrace(strings.NewReader(tt.log))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got error %v, want one containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
}

// TestCompareWithStrace shows that the ground-truth comparison fails for
// the recorder bugs it is there to catch.
func TestCompareWithStrace(t *testing.T) {
	log := `10 [  59] execve("./w", ["./w"], 0x7ffd /* 3 vars */) = 0
10 [  39] getpid()                   = 10
10 [  39] [ Process PID=10 runs in 32 bit mode. ]
10 [  20] getpid()                   = 10
10 [  20] [ Process PID=10 runs in 64 bit mode. ]
10 [ 435] clone3({flags=CLONE_VM|CLONE_THREAD, exit_signal=0}, 88) = 11
11 [ 140] getpriority(PRIO_PROCESS, 0) = 20
11 [ 219] restart_syscall(<... resuming interrupted clock_nanosleep ...>) = 0
11 [ 462] syscall_0x1ce(0x1, 0x1, 0xffffffffffffffff) = -1 EINVAL (Invalid argument)
10 [ 231] exit_group(0)              = ?
`
	st, err := parseStrace(strings.NewReader(log))
	if err != nil {
		t.Fatal(err)
	}
	name := func(arch string, nr int) string { n, _ := scmp.Name(arch, nr); return n }
	good := func() []trace.Syscall {
		var out []trace.Syscall
		for _, c := range []abiCall{{"x86_64", 59}, {"x86_64", 39}, {"x86", 20}, {"x86_64", 435}, {"x86_64", 140}, {"x86_64", 462}, {"x86_64", 231}} {
			out = append(out, trace.Syscall{Arch: c.Arch, Nr: c.Nr, Name: name(c.Arch, c.Nr), Count: 1})
		}
		return out
	}
	without := func(nr int) []trace.Syscall {
		var out []trace.Syscall
		for _, s := range good() {
			if s.Nr != nr {
				out = append(out, s)
			}
		}
		return out
	}
	tests := []struct {
		name                      string
		syscalls                  []trace.Syscall
		missing, misnamed, extras []string // prefixes of the reported lines
	}{{
		name:     "complete trace",
		syscalls: good(),
	}, {
		name:     "worker thread not followed",
		syscalls: without(140),
		missing:  []string{"x86_64:140 getpriority"},
	}, {
		name:     "the command's own execve escaped",
		syscalls: without(59),
		missing:  []string{"x86_64:59 execve"},
	}, {
		name:     "number libseccomp cannot name dropped",
		syscalls: without(462),
		missing:  []string{"x86_64:462 (no name)"},
	}, {
		name: "int 0x80 recorded as a native call",
		syscalls: append(without(20), trace.Syscall{Arch: "x86_64", Nr: 20, Name: "writev", Count: 1},
			trace.Syscall{Arch: "x86_64", Nr: 39, Name: "getpid", Count: 1}),
		missing: []string{"x86:20 getpid"},
		extras:  []string{"x86_64:20 writev"},
	}, {
		name: "i386 number named from the x86_64 table",
		syscalls: func() []trace.Syscall {
			s := good()
			for i := range s {
				if s[i].Arch == "x86" {
					s[i].Name = "writev"
				}
			}
			return s
		}(),
		misnamed: []string{`x86:20 named "writev"`},
	}, {
		name: "a name for a number libseccomp cannot name",
		syscalls: func() []trace.Syscall {
			s := good()
			for i := range s {
				if s[i].Nr == 462 && s[i].Name == "" {
					s[i].Name = "mseal"
				}
			}
			return s
		}(),
		misnamed: func() []string {
			if name("x86_64", 462) != "" {
				return nil // this libseccomp knows mseal
			}
			return []string{`x86_64:462 named "mseal"`}
		}(),
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := compareWithStrace(st, &trace.File{Syscalls: tt.syscalls})
			check := func(what string, got, want []string) {
				t.Helper()
				ok := len(got) == len(want)
				for i := 0; ok && i < len(want); i++ {
					ok = strings.HasPrefix(got[i], want[i])
				}
				if !ok {
					t.Errorf("%s: got %q, want lines starting with %q", what, got, want)
				}
			}
			check("missing", r.Missing, tt.missing)
			check("misnamed", r.Misnamed, tt.misnamed)
			check("extra", r.Extra, tt.extras)
			if len(r.Excluded) != 1 || !strings.HasPrefix(r.Excluded[0], "x86_64:219 restart_syscall") {
				t.Errorf("excluded: got %q, want restart_syscall only", r.Excluded)
			}
		})
	}
}
