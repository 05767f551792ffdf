package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	mobyseccomp "github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"gopkg.in/yaml.v3"

	"github.com/seccomp-gen/seccomp-gen/emit/cbpf"
)

// Targets of issue 11.
const (
	targetGenPrograms = 9    // of 10 programs' test sets pass with --widen
	targetGenShare    = 0.35 // profile size at most this share of Docker's default
)

// genSpec is the file bench/generalization/programs.yaml (its header says
// what each field means).
type genSpec struct {
	Programs []genProgram `yaml:"programs"`
}

type genProgram struct {
	Name    string   `yaml:"name"`
	Ready   bool     `yaml:"ready"`
	Need    []string `yaml:"need,flow"`
	Version string   `yaml:"version"`
	Setup   string   `yaml:"setup"`
	Server  string   `yaml:"server"`
	Train   []genRun `yaml:"train"`
	Test    []genRun `yaml:"test"`
}

type genRun struct {
	Run    string `yaml:"run"`
	Check  string `yaml:"check"`
	Client string `yaml:"client"`
}

// genShort are the programs of the short mode.
var genShort = []string{"sqlite3", "tar-xz"}

func genSpecPath() (string, error) {
	for _, d := range []string{"bench/generalization", "generalization"} {
		p := filepath.Join(d, "programs.yaml")
		if _, err := os.Stat(p); err == nil {
			return filepath.Abs(p)
		}
	}
	return "", errors.New("bench/generalization/programs.yaml not found: run from the module root")
}

func loadGenSpec() ([]genProgram, error) {
	path, err := genSpecPath()
	if err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s genSpec
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for _, p := range s.Programs {
		if p.Name == "" || len(p.Train) == 0 || len(p.Test) == 0 {
			return nil, fmt.Errorf("%s: program %q needs a name, train and test runs", path, p.Name)
		}
	}
	return s.Programs, nil
}

// selectPrograms keeps the programs named in only (all when empty).
func selectPrograms(all []genProgram, only []string) ([]genProgram, error) {
	if len(only) == 0 {
		return all, nil
	}
	var out []genProgram
	for _, n := range only {
		found := false
		for _, p := range all {
			if p.Name == n {
				out = append(out, p)
				found = true
			}
		}
		if !found {
			var names []string
			for _, p := range all {
				names = append(names, p.Name)
			}
			return nil, fmt.Errorf("-programs %s: unknown (known: %s)", n, strings.Join(names, ", "))
		}
	}
	return out, nil
}

// genEnv is where one program's runs happen.
type genEnv struct {
	dir  string // the program's work directory
	in   string // $IN
	port int
	host string
	env  []string
	srv  *exec.Cmd
	runs int
}

// genPath is the PATH of every run: the system's tools and Go, not a
// user's shims (pyenv and the like).
const genPath = "/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// resolvableHost returns a name of this machine other than localhost that
// the resolver answers, so that clients go through it.
func resolvableHost() string {
	if h, err := os.Hostname(); err == nil && h != "" && h != "localhost" {
		if addrs, err := net.LookupHost(h); err == nil && len(addrs) > 0 {
			return h
		}
	}
	return "localhost"
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// prepare makes the program's directories, runs its setup and starts its
// server. close stops the server.
func prepare(base string, p genProgram, log io.Writer) (*genEnv, error) {
	for _, n := range p.Need {
		if _, err := exec.LookPath(n); err != nil {
			return nil, fmt.Errorf("%s is not installed (make deps installs it)", n)
		}
	}
	// nginx's workers run as nobody: the directories must be readable.
	if err := os.Chmod(base, 0o755); err != nil {
		return nil, err
	}
	e := &genEnv{dir: filepath.Join(base, p.Name), host: resolvableHost()}
	e.in = filepath.Join(e.dir, "in")
	home := filepath.Join(e.dir, "home")
	// The runs' temporary files stay in the program's directory: a
	// profile that denies unlink makes gcc leave its cc*.s files behind
	// (272 per go build of a cgo package), and /tmp is not ours to fill.
	tmp := filepath.Join(e.dir, "tmp")
	for _, d := range []string{e.in, home, tmp} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	var err error
	if e.port, err = freePort(); err != nil {
		return nil, err
	}
	gocache := os.Getenv("GOCACHE")
	if gocache == "" {
		if out, err := exec.Command("go", "env", "GOCACHE").Output(); err == nil {
			gocache = strings.TrimSpace(string(out))
		}
	}
	e.env = []string{"PATH=" + genPath, "HOME=" + home, "TMPDIR=" + tmp, "LC_ALL=C", "TERM=dumb",
		"IN=" + e.in, "PORT=" + strconv.Itoa(e.port), "HOST=" + e.host,
		"GOCACHE=" + gocache, "GOPATH=" + filepath.Join(e.dir, "gopath"), "GOTOOLCHAIN=local",
		"GOPROXY=off", "GOFLAGS=-buildvcs=false", "GONOSUMDB=*", "GOTELEMETRY=off"}
	if p.Setup != "" {
		cmd := exec.Command("/bin/sh", "-ec", p.Setup)
		cmd.Dir, cmd.Env = e.in, e.env
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("setup: %w: %s", err, lastLine(string(out)))
		}
	}
	if p.Server != "" {
		e.srv = exec.Command("/bin/sh", "-c", p.Server)
		e.srv.Dir, e.srv.Env = e.in, e.env
		e.srv.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := e.srv.Start(); err != nil {
			return nil, fmt.Errorf("server: %w", err)
		}
		if err := waitPort(e.port, 10*time.Second); err != nil {
			e.close()
			return nil, fmt.Errorf("server: %w", err)
		}
	}
	return e, nil
}

func (e *genEnv) close() {
	if e.srv != nil && e.srv.Process != nil {
		syscall.Kill(-e.srv.Process.Pid, syscall.SIGKILL)
		e.srv.Wait()
		e.srv = nil
	}
}

func waitPort(port int, limit time.Duration) error {
	end := time.Now().Add(limit)
	for time.Now().Before(end) {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("nothing listens on 127.0.0.1:%d after %s", port, limit)
}

// runResult is what one run did.
type runResult struct {
	ok     bool
	why    string // why it failed
	denied []string
}

// run runs r under prefix (seccomp-gen trace or replay ... --) in a fresh
// directory. status reads the command's exit status from what the prefix
// wrote (nil: the prefix's own exit status).
func (e *genEnv) run(prefix []string, r genRun, status func() (int, []string, error)) runResult {
	e.runs++
	dir := filepath.Join(e.dir, fmt.Sprintf("run%d", e.runs))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return runResult{why: err.Error()}
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	argv := append(append([]string{}, prefix...), "/bin/sh", "-c", r.Run)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir, cmd.Env = dir, e.env
	// seccomp-gen forwards the first SIGTERM to the command and kills its
	// whole tree on the second: a SIGKILL would leave the command running.
	cmd.Cancel = func() error {
		cmd.Process.Signal(syscall.SIGTERM)
		time.Sleep(2 * time.Second)
		return cmd.Process.Signal(syscall.SIGTERM)
	}
	cmd.WaitDelay = 15 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return runResult{why: err.Error()}
	}
	clientErr := ""
	if r.Client != "" {
		if err := waitPort(e.port, 15*time.Second); err != nil {
			clientErr = err.Error()
			cmd.Process.Signal(syscall.SIGTERM)
		} else {
			cctx, ccancel := context.WithTimeout(ctx, time.Minute)
			c := exec.CommandContext(cctx, "/bin/sh", "-c", r.Client)
			c.Dir, c.Env = dir, e.env
			c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			c.Cancel = func() error { return syscall.Kill(-c.Process.Pid, syscall.SIGKILL) }
			if o, err := c.CombinedOutput(); err != nil {
				clientErr = fmt.Sprintf("client: %v: %s", err, lastLine(string(o)))
				if cctx.Err() != nil {
					clientErr = "client timed out"
				}
				// the server may still run: stop it
				cmd.Process.Signal(syscall.SIGTERM)
			}
			ccancel()
		}
	}
	werr := cmd.Wait()
	res := runResult{ok: true}
	code := cmd.ProcessState.ExitCode()
	if werr != nil && code < 0 {
		return runResult{why: werr.Error() + ": " + lastLine(out.String())}
	}
	if status != nil {
		c, denied, err := status()
		if err != nil {
			return runResult{why: err.Error() + ": " + lastLine(out.String())}
		}
		code, res.denied = c, denied
	}
	switch {
	case ctx.Err() != nil:
		res.ok, res.why = false, "timed out"
	case code != 0:
		res.ok, res.why = false, fmt.Sprintf("exit %d: %s", code, lastLine(out.String()))
	case clientErr != "":
		res.ok, res.why = false, clientErr
	}
	if res.ok && r.Check != "" {
		c := exec.Command("/bin/sh", "-c", r.Check)
		c.Dir, c.Env = dir, e.env
		if o, err := c.CombinedOutput(); err != nil {
			res.ok, res.why = false, fmt.Sprintf("check %q: %v %s", r.Check, err, lastLine(string(o)))
		}
	}
	return res
}

// trace records r into file.
func (e *genEnv) trace(bin, file string, r genRun) runResult {
	return e.run([]string{bin, "trace", "-o", file, "--"}, r, nil)
}

// replayReport is the part of `replay --report json` the benchmark reads.
type replayReport struct {
	ExitCode int `json:"exit_code"`
	Missing  []struct {
		Name   string `json:"name"`
		Detail string `json:"detail"`
	} `json:"missing"`
}

// replay runs r under profile with `replay --enforce` and returns the
// command's own status and the syscalls the filter denied ("name (EPERM)").
func (e *genEnv) replay(bin, profile string, r genRun) runResult {
	rep := filepath.Join(e.dir, fmt.Sprintf("replay%d.json", e.runs+1))
	// --allow-unknown-syscalls: Docker's default names syscalls newer than
	// libseccomp 2.5.4; runc and crun drop them too.
	prefix := []string{bin, "replay", "--enforce", "--allow-unknown-syscalls", "-p", profile, "--report", "json", "-o", rep, "--"}
	return e.run(prefix, r, func() (int, []string, error) {
		raw, err := os.ReadFile(rep)
		if err != nil {
			return 0, nil, fmt.Errorf("replay wrote no report: %w", err)
		}
		var rr replayReport
		if err := json.Unmarshal(raw, &rr); err != nil {
			return 0, nil, fmt.Errorf("replay report: %w", err)
		}
		var denied []string
		for _, m := range rr.Missing {
			answer := "EPERM"
			if strings.Contains(m.Detail, "ENOSYS") {
				answer = "ENOSYS"
			} else if !strings.Contains(m.Detail, "EPERM") {
				answer = m.Detail
			}
			denied = append(denied, m.Name+" ("+answer+")")
		}
		return rr.ExitCode, denied, nil
	})
}

// genVariant is one profile of a program and how its test runs fared.
type genVariant struct {
	file    string
	allowed int // x86_64 syscalls the compiled filter allows
	pass    int
	denied  map[string]bool
	fails   []string
	err     error
}

type genRow struct {
	p         genProgram
	version   string
	err       error
	def, wide *genVariant
	kinds     *genVariant // generate --widen=kinds
	nofb      *genVariant // generate --no-fallbacks: what the fallback table adds
	docker    *genVariant
	fallbacks []string
}

// widenAvailable says whether the seccomp-gen binary has generate --widen.
func widenAvailable(bin string) bool {
	out, _ := exec.Command(bin, "generate", "--help").CombinedOutput()
	return bytes.Contains(out, []byte("--widen"))
}

// kindsAvailable says whether it has generate --widen=kinds.
func kindsAvailable(bin string) bool {
	out, _ := exec.Command(bin, "generate", "--help").CombinedOutput()
	return bytes.Contains(out, []byte("--widen=kinds"))
}

// dockerProfileJSON writes moby's default profile (default capabilities)
// as an OCI linux.seccomp object.
func dockerProfileJSON(file string) error {
	spec := &specs.Spec{Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{
		Bounding: dockerCaps, Effective: dockerCaps, Permitted: dockerCaps,
	}}}
	ls, err := mobyseccomp.GetDefaultProfile(spec)
	if err != nil {
		return fmt.Errorf("docker default profile: %w", err)
	}
	raw, err := json.MarshalIndent(ls, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(file, raw, 0o644)
}

// allowedCount compiles a profile with generate's bpf writer... for
// generated profiles it is the filter `generate --format bpf` makes of the
// same traces; see genProfile.
func countAllowed(bpfFile string) (int, error) {
	data, err := os.ReadFile(bpfFile)
	if err != nil {
		return 0, err
	}
	prog, err := cbpf.Parse(data)
	if err != nil {
		return 0, err
	}
	st, err := analyze(prog)
	return st.Allowed, err
}

// genProfile runs generate (with extra flags) on traces, as JSON and as a
// compiled filter, and returns the JSON file, the allowed count and
// generate's report.
func genProfile(bin, dir, name string, extra []string, traces []string) (string, int, string, error) {
	file := filepath.Join(dir, name+".json")
	args := append(append([]string{"generate"}, extra...), "-o", file)
	out, err := exec.Command(bin, append(args, traces...)...).CombinedOutput()
	if err != nil {
		return "", 0, "", fmt.Errorf("generate: %w: %s", err, lastLine(string(out)))
	}
	bpf := filepath.Join(dir, name+".bpf")
	args = append(append([]string{"generate"}, extra...), "--format", "bpf", "-o", bpf)
	if o, err := exec.Command(bin, append(args, traces...)...).CombinedOutput(); err != nil {
		return "", 0, "", fmt.Errorf("generate --format bpf: %w: %s", err, lastLine(string(o)))
	}
	n, err := countAllowed(bpf)
	return file, n, string(out), err
}

func fallbackLines(report string) []string {
	var out []string
	for _, l := range strings.Split(report, "\n") {
		if strings.Contains(l, "answered ENOSYS (not EPERM)") {
			name, _, _ := strings.Cut(strings.TrimPrefix(l, "generate: "), ":")
			out = append(out, name)
		}
	}
	return out
}

func programVersion(p genProgram, env []string) string {
	if p.Version == "" {
		return ""
	}
	cmd := exec.Command("/bin/sh", "-c", p.Version)
	cmd.Env = env
	out, _ := cmd.CombinedOutput()
	return strings.TrimRight(strings.Join(strings.Fields(strings.ReplaceAll(strings.TrimSpace(string(out)), "\n", "; ")), " "), "; ")
}

// evaluate records the training runs of p, generates its profiles and
// replays its test runs under each.
func (b *bench) evaluate(p genProgram, widen, kinds bool, docker string, dockerAllowed int) *genRow {
	row := &genRow{p: p}
	e, err := prepare(b.genDir, p, b.log)
	if err != nil {
		row.err = err
		return row
	}
	defer e.close()
	row.version = programVersion(p, e.env)
	var traces []string
	for i, r := range p.Train {
		f := filepath.Join(e.dir, fmt.Sprintf("train%d.yaml", i+1))
		if _, err := os.Stat(f); err == nil && b.reuse {
			traces = append(traces, f)
			continue
		}
		res := e.trace(b.bin, f, r)
		if !res.ok {
			row.err = fmt.Errorf("training run %d: %s", i+1, res.why)
			return row
		}
		traces = append(traces, f)
	}
	// With -work, the test runs are also recorded once (testN.yaml): what
	// they issue next to what training saw, for working on generate.
	if b.reuse {
		for i, r := range p.Test {
			f := filepath.Join(e.dir, fmt.Sprintf("test%d.yaml", i+1))
			if _, err := os.Stat(f); err == nil {
				continue
			}
			if res := e.trace(b.bin, f, r); !res.ok {
				b.logf("bench: %s: test run %d traced: %s", p.Name, i+1, res.why)
			}
		}
	}
	variants := []struct {
		v     **genVariant
		extra []string
		on    bool
	}{{&row.def, nil, true}, {&row.wide, []string{"--widen"}, widen}, {&row.nofb, []string{"--no-fallbacks"}, true}, {&row.kinds, []string{"--widen=kinds"}, kinds}}
	for i, vv := range variants {
		if !vv.on {
			continue
		}
		v := &genVariant{denied: map[string]bool{}}
		*vv.v = v
		var report string
		v.file, v.allowed, report, v.err = genProfile(b.bin, e.dir, []string{"default", "widen", "nofallbacks", "kinds"}[i], vv.extra, traces)
		if i == 0 {
			row.fallbacks = fallbackLines(report)
		}
	}
	row.docker = &genVariant{file: docker, allowed: dockerAllowed, denied: map[string]bool{}}
	for _, v := range []*genVariant{row.def, row.wide, row.kinds, row.nofb, row.docker} {
		if v == nil || v.err != nil {
			continue
		}
		for i, r := range p.Test {
			res := e.replay(b.bin, v.file, r)
			for _, d := range res.denied {
				v.denied[d] = true
			}
			if res.ok {
				v.pass++
			} else {
				why := res.why
				if len(res.denied) > 0 {
					why += " [denied: " + strings.Join(res.denied, ", ") + "]"
				}
				v.fails = append(v.fails, fmt.Sprintf("test %d: %s", i+1, why))
			}
		}
	}
	return row
}

// generalization is the bench section of issue 11.
func (b *bench) generalization(w *strings.Builder) error {
	all, err := loadGenSpec()
	if err != nil {
		return err
	}
	only := b.programs
	if len(only) == 0 && b.short {
		only = genShort
	}
	progs, err := selectPrograms(all, only)
	if err != nil {
		return err
	}
	widen := widenAvailable(b.bin)
	kinds := kindsAvailable(b.bin)
	docker := filepath.Join(b.dir, "docker-default.json")
	if err := dockerProfileJSON(docker); err != nil {
		return err
	}
	dockerAllowed, err := dockerDefaultAllowed()
	if err != nil {
		return err
	}
	var rows []*genRow
	for _, p := range progs {
		b.logf("bench: generalization: %s", p.Name)
		rows = append(rows, b.evaluate(p, widen, kinds, docker, dockerAllowed))
	}

	fmt.Fprintf(w, "Per program, a scripted training set of runs is recorded with `seccomp-gen trace` and turned into a profile with `seccomp-gen generate` (default flags: baselines runc and crun, the fallback table); a *different* scripted test set (other inputs, sizes, host names, new packages, concurrency: [bench/generalization/programs.yaml](bench/generalization/programs.yaml)) is run under it with `seccomp-gen replay --enforce`. A test run passes when the command exits 0 and its check passes. Sizes are the x86_64 syscalls the compiled filter allows (arguments 0), against Docker's default (moby's, default capabilities: %d). Docker's default is the reference; `--no-fallbacks` is the default profile without the fallback table (profiles/fallbacks.yaml), to show what the table adds.\n\n", dockerAllowed)
	widenCol := "not available"
	if widen {
		widenCol = ""
	}
	fmt.Fprintf(w, "| program | version | train / test runs | profile syscalls: default (--widen; --widen=kinds) | share of Docker's | tests pass: default | tests pass: --widen | tests pass: --widen=kinds | tests pass: Docker default | tests pass: --no-fallbacks | denied in the default profile's failing test runs |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
	var totTest, totDef, totDocker, progsDef, progsDocker, sizeOK, sized int
	var totNofb, progsNofb int
	// Per widening mode: test runs passed, programs passed, profiles
	// sized and within the share, programs passed with such a profile.
	type modeTot struct{ tests, progs, sized, small, both int }
	var wt, kt modeTot
	small := func(v *genVariant) bool { return float64(v.allowed)/float64(dockerAllowed) <= targetGenShare }
	for _, r := range rows {
		if r.err != nil {
			fmt.Fprintf(w, "| %s | %s | | NOT MEASURED: %s | | | | | | | |\n", r.p.Name, r.version, oneLine(r.err))
			b.miss = append(b.miss, "generalization "+r.p.Name+": not measured")
			continue
		}
		n := len(r.p.Test)
		totTest += n
		cell := func(v *genVariant, tot, progs *int) string {
			if v == nil {
				return widenCol
			}
			if v.err != nil {
				return "NOT MEASURED: " + oneLine(v.err)
			}
			*tot += v.pass
			if v.pass == n {
				*progs++
			}
			return fmt.Sprintf("%d/%d", v.pass, n)
		}
		size := fmt.Sprint(r.def.allowed)
		share := float64(r.def.allowed) / float64(dockerAllowed)
		shareCell := fmt.Sprintf("%.0f%%", 100*share)
		if r.def.err == nil {
			sized++
			if share <= targetGenShare {
				sizeOK++
			}
		}
		var extra, extraShare []string
		for _, m := range []struct {
			v *genVariant
			t *modeTot
		}{{r.wide, &wt}, {r.kinds, &kt}} {
			if m.v == nil || m.v.err != nil {
				continue
			}
			m.t.sized++
			if small(m.v) {
				m.t.small++
				if m.v.pass == n {
					m.t.both++
				}
			}
			extra = append(extra, fmt.Sprint(m.v.allowed))
			extraShare = append(extraShare, fmt.Sprintf("%.0f%%", 100*float64(m.v.allowed)/float64(dockerAllowed)))
		}
		if len(extra) > 0 {
			size += " (" + strings.Join(extra, "; ") + ")"
			shareCell += " (" + strings.Join(extraShare, "; ") + ")"
		}
		def := cell(r.def, &totDef, &progsDef)
		nofb := cell(r.nofb, &totNofb, &progsNofb)
		wide := cell(r.wide, &wt.tests, &wt.progs)
		kind := cell(r.kinds, &kt.tests, &kt.progs)
		dock := cell(r.docker, &totDocker, &progsDocker)
		var denied []string
		if r.def != nil && len(r.def.fails) > 0 {
			for d := range r.def.denied {
				denied = append(denied, d)
			}
			sort.Strings(denied)
		}
		fmt.Fprintf(w, "| %s | %s | %d / %d | %s | %s | %s | %s | %s | %s | %s | %s |\n", r.p.Name, r.version, len(r.p.Train), n,
			size, shareCell, def, wide, kind, dock, nofb, strings.Join(denied, ", "))
	}
	pct := func(a, b int) string {
		if b == 0 {
			return "-"
		}
		return fmt.Sprintf("%d/%d (%.0f%%)", a, b, 100*float64(a)/float64(b))
	}
	modeCell := func(on bool, m modeTot) string {
		if !on {
			return widenCol
		}
		return pct(m.tests, totTest) + fmt.Sprintf("; %d/%d programs", m.progs, len(rows))
	}
	wideShare := ""
	if widen {
		wideShare = fmt.Sprintf(" (--widen %d/%d", wt.small, wt.sized)
		if kinds {
			wideShare += fmt.Sprintf("; kinds %d/%d", kt.small, kt.sized)
		}
		wideShare += ")"
	}
	fmt.Fprintf(w, "| **total** | | | | %d/%d programs ≤ %.0f%%%s | %s; %d/%d programs | %s | %s | %s; %d/%d programs | %s; %d/%d programs | |\n",
		sizeOK, sized, 100*targetGenShare, wideShare, pct(totDef, totTest), progsDef, len(rows), modeCell(widen, wt), modeCell(kinds, kt), pct(totDocker, totTest), progsDocker, len(rows),
		pct(totNofb, totTest), progsNofb, len(rows))

	// Failing runs, so that the table can be checked.
	var notes []string
	for _, r := range rows {
		if r.err != nil {
			continue
		}
		if len(r.fallbacks) > 0 {
			notes = append(notes, fmt.Sprintf("- %s: the default profile answers %s ENOSYS through the fallback table", r.p.Name, strings.Join(r.fallbacks, ", ")))
		}
		for _, v := range []struct {
			name string
			v    *genVariant
		}{{"default", r.def}, {"--widen", r.wide}, {"--widen=kinds", r.kinds}, {"Docker default", r.docker}, {"--no-fallbacks", r.nofb}} {
			if v.v == nil {
				continue
			}
			for _, f := range v.v.fails {
				notes = append(notes, fmt.Sprintf("- %s under %s: %s", r.p.Name, v.name, oneLine(errors.New(f))))
			}
		}
	}
	if len(notes) > 0 {
		fmt.Fprintf(w, "\n%s\n", strings.Join(notes, "\n"))
	}

	// Targets.
	scale := len(rows)
	need := (targetGenPrograms*scale + 9) / 10
	fmt.Fprintf(w, "\nTargets (issue 11):\n\n")
	var t string
	if widen {
		t = b.target(wt.progs >= need, fmt.Sprintf("generalization: at least %d of %d programs' test sets pass with --widen (%d do)", need, scale, wt.progs))
		fmt.Fprintf(w, "- %s: at least %d of %d programs' test sets pass with --widen (%d do)\n", t, need, scale, wt.progs)
	} else {
		t = b.target(false, fmt.Sprintf("generalization: at least %d of %d programs' test sets pass with --widen (--widen not available in this build; the default profile passes %d)", need, scale, progsDef))
		fmt.Fprintf(w, "- %s: at least %d of %d programs' test sets pass with --widen: --widen is not available in this build (the default profile's test sets pass for %d)\n", t, need, scale, progsDef)
	}
	t = b.target(sizeOK == sized && sized > 0, fmt.Sprintf("generalization: every default profile at most %.0f%% of Docker's default (%d of %d are)", 100*targetGenShare, sizeOK, sized))
	fmt.Fprintf(w, "- %s: every default profile at most %.0f%% of Docker's default (%d of %d are)\n", t, 100*targetGenShare, sizeOK, sized)
	for _, m := range []struct {
		name string
		on   bool
		t    modeTot
	}{{"--widen", widen, wt}, {"--widen=kinds", kinds, kt}} {
		if !m.on {
			continue
		}
		t = b.target(m.t.small == m.t.sized && m.t.sized > 0, fmt.Sprintf("generalization: every %s profile at most %.0f%% of Docker's default (%d of %d are)", m.name, 100*targetGenShare, m.t.small, m.t.sized))
		fmt.Fprintf(w, "- %s: every %s profile at most %.0f%% of Docker's default (%d of %d are)\n", t, m.name, 100*targetGenShare, m.t.small, m.t.sized)
		t = b.target(m.t.both >= need, fmt.Sprintf("generalization: at least %d of %d programs' test sets pass with %s with profiles at most %.0f%% of Docker's default, both at once (%d do)", need, scale, m.name, 100*targetGenShare, m.t.both))
		fmt.Fprintf(w, "- %s: at least %d of %d programs' test sets pass with %s with a profile at most %.0f%% of Docker's default, both at once (%d do)\n", t, need, scale, m.name, 100*targetGenShare, m.t.both)
	}
	// The section can be spliced into a file of another run (-only
	// generalization -o): it says which binary and machine it is from.
	fmt.Fprintf(w, "\nMachine: %s (%s), %s, %s; seccomp-gen %s; %s.\n", runtime.GOARCH, b.cpu, kernelRelease(), firstLine("ldd", "--version"), b.rev, time.Now().UTC().Format("2006-01-02"))
	return nil
}

func kernelRelease() string {
	var u syscall.Utsname
	if syscall.Uname(&u) != nil {
		return "kernel unknown"
	}
	var s []byte
	for _, c := range u.Release {
		if c == 0 {
			break
		}
		s = append(s, byte(c))
	}
	return "kernel " + string(s)
}
