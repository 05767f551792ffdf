package emit

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	mobyseccomp "github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/scmp"
)

// The real profiles people bring (see testdata/profiles/README.md).
var (
	containersCommon = filepath.Join("..", "testdata", "profiles", "containers-common-0.50.1.json")
	mobyDefault      = filepath.Join("..", "testdata", "profiles", "moby-default-v0.2.4.json")
)

func readFixture(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// mobyResolved is what docker makes of a profile file for a container with
// the bounding set caps on this machine (moby's own resolver), read back
// through the OCI reader.
func mobyResolved(t *testing.T, data []byte, caps []string) *policy.Policy {
	t.Helper()
	spec := &specs.Spec{Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{Bounding: caps}}}
	ls, err := mobyseccomp.LoadProfile(string(data), spec)
	if err != nil {
		t.Fatalf("moby: %v", err)
	}
	out, err := json.Marshal(ls)
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := ParseWith("moby", out, ReadOptions{AllowUnknownSyscalls: true})
	if err != nil {
		t.Fatalf("moby's resolution read back: %v", err)
	}
	return p
}

// TestConditionalEntriesAsDockerResolvesThem reads the real containers-common
// and moby profiles for several capability sets and compares the policy with
// the one moby's resolver produces for the same container on this machine.
func TestConditionalEntriesAsDockerResolvesThem(t *testing.T) {
	sets := map[string][]string{
		"docker": DockerCaps,
		"podman": PodmanCaps,
		"none":   {},
		"all":    Capabilities,
		"admin":  append(slices.Clone(PodmanCaps), "CAP_SYS_ADMIN", "CAP_SYS_PTRACE"),
	}
	for _, file := range []string{containersCommon, mobyDefault} {
		data := readFixture(t, file)
		for name, caps := range sets {
			t.Run(filepath.Base(file)+"/"+name, func(t *testing.T) {
				got, format, err := ParseWith(file, data, ReadOptions{AllowUnknownSyscalls: true, Host: &Host{Caps: caps}})
				if file == containersCommon && !slices.Contains(caps, "CAP_AUDIT_WRITE") {
					// Without CAP_AUDIT_WRITE the file has socket rules
					// that libseccomp 2.5.4 miscompiles (seen by the
					// verifier): refused, as any such profile is.
					if err == nil || !strings.Contains(err.Error(), "(socket)") || !strings.Contains(err.Error(), "libseccomp") {
						t.Fatalf("error %v, want the socket rules refused as ambiguous", err)
					}
					return
				}
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if format != FormatDocker {
					t.Errorf("format %s, want docker", format)
				}
				for i := range got.Rules {
					got.Rules[i].Comment = "" // the OCI object has none
				}
				got.Canonicalize()
				want := mobyResolved(t, data, caps)
				for _, p := range []*policy.Policy{got, want} {
					for i := range p.Rules {
						if len(p.Rules[i].Args) == 0 {
							p.Rules[i].Args = nil
						}
					}
				}
				if !reflect.DeepEqual(got, want) {
					gj, _ := json.Marshal(got)
					wj, _ := json.Marshal(want)
					t.Errorf("policy differs from moby's resolution\n got: %s\nwant: %s", gj, wj)
				}
			})
		}
	}
}

// TestContainersCommonReadAsPodman checks the parts of containers-common's
// file that only podman reads (defaultErrno and errno names) and the caps
// that decide open_by_handle_at, chroot and bpf.
func TestContainersCommonReadAsPodman(t *testing.T) {
	data := readFixture(t, containersCommon)
	p, _, err := ParseWith(containersCommon, data, ReadOptions{})
	if err != nil {
		t.Fatalf("refused without --allow-unknown-syscalls: %v", err)
	}
	if p.DefaultErrno == nil || *p.DefaultErrno != 38 {
		t.Errorf("default errno %v, want ENOSYS (38)", p.DefaultErrno)
	}
	ans := func(name string, args ...uint64) (policy.Action, uint) {
		var a [6]uint64
		copy(a[:], args)
		v := p.EvalArch("x86_64", name, a)
		return v.Action, v.Errno
	}
	for _, tc := range []struct {
		name  string
		args  []uint64
		act   policy.Action
		errno uint
	}{
		{"open_by_handle_at", nil, policy.ActErrno, 1},     // no CAP_DAC_READ_SEARCH
		{"bpf", nil, policy.ActErrno, 1},                   // no CAP_SYS_ADMIN
		{"chroot", nil, policy.ActAllow, 0},                // CAP_SYS_CHROOT
		{"socket", []uint64{16, 3, 9}, policy.ActAllow, 0}, // CAP_AUDIT_WRITE
		{"socket", []uint64{2, 1, 0}, policy.ActAllow, 0},
		{"arch_prctl", nil, policy.ActAllow, 0},  // includes.arches amd64
		{"breakpoint", nil, policy.ActErrno, 38}, // includes.arches arm: left out (and unknown here)
		{"read", nil, policy.ActAllow, 0},
	} {
		act, errno := ans(tc.name, tc.args...)
		if act != tc.act || (act == policy.ActErrno && errno != tc.errno) {
			t.Errorf("%s%v: %s(%d), want %s(%d)", tc.name, tc.args, act, errno, tc.act, tc.errno)
		}
	}
}

func TestMinKernel(t *testing.T) {
	data := readFixture(t, mobyDefault)
	for _, tc := range []struct {
		kernel string
		want   policy.Action
	}{
		{"4.7.0", policy.ActErrno}, // ptrace is allowed from 4.8 on
		{"4.8.0-1-amd64", policy.ActAllow},
		{"6.1.0-18-amd64", policy.ActAllow},
	} {
		p, _, err := ParseWith(mobyDefault, data, ReadOptions{AllowUnknownSyscalls: true, Host: &Host{Kernel: tc.kernel}})
		if err != nil {
			t.Fatal(err)
		}
		if act := p.EvalArch("x86_64", "ptrace", [6]uint64{}).Action; act != tc.want {
			t.Errorf("kernel %s: ptrace %s, want %s", tc.kernel, act, tc.want)
		}
	}
}

// TestConditionalEntriesStrict: what docker or podman would never match,
// would refuse, or would read differently is an error naming the key.
func TestConditionalEntriesStrict(t *testing.T) {
	const head = `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["exit_group"],"action":"SCMP_ACT_ALLOW"},`
	for _, tc := range []struct{ name, doc, want string }{
		{"unknown cap", head + `{"names":["bpf"],"action":"SCMP_ACT_ALLOW","includes":{"caps":["CAP_SYS_ADMN"]}}]}`, `syscalls[1].includes.caps[0] "CAP_SYS_ADMN": unknown capability`},
		{"cap without prefix", head + `{"names":["bpf"],"action":"SCMP_ACT_ALLOW","excludes":{"caps":["SYS_ADMIN"]}}]}`, `excludes.caps[0] "SYS_ADMIN"`},
		{"seccomp arch name", head + `{"names":["arch_prctl"],"action":"SCMP_ACT_ALLOW","includes":{"arches":["x86_64"]}}]}`, `includes.arches[0] "x86_64": unknown architecture`},
		{"bad minKernel", head + `{"names":["ptrace"],"action":"SCMP_ACT_ALLOW","includes":{"minKernel":"4.8.1"}}]}`, `minKernel "4.8.1"`},
		{"zero minKernel", head + `{"names":["ptrace"],"action":"SCMP_ACT_ALLOW","includes":{"minKernel":"0.0"}}]}`, `minKernel "0.0"`},
		{"typo key", head + `{"names":["bpf"],"action":"SCMP_ACT_ALLOW","include":{"caps":["CAP_SYS_ADMIN"]}}]}`, `syscalls[1].include: unknown key`},
		{"typo filter key", head + `{"names":["bpf"],"action":"SCMP_ACT_ALLOW","includes":{"cap":["CAP_SYS_ADMIN"]}}]}`, `syscalls[1].includes.cap: unknown key`},
		{"unknown errno", head + `{"names":["bpf"],"action":"SCMP_ACT_ERRNO","errno":"EPREM"}]}`, `"EPREM": unknown errno name`},
		{"errno disagrees", head + `{"names":["bpf"],"action":"SCMP_ACT_ERRNO","errno":"EPERM","errnoRet":38}]}`, "disagree"},
		{"errno alone", head + `{"names":["bpf"],"action":"SCMP_ACT_ERRNO","errno":"ENOSYS"}]}`, `add "errnoRet": 38`},
		{"default errno alone", `{"defaultAction":"SCMP_ACT_ERRNO","defaultErrno":"ENOSYS","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}`, `add "defaultErrnoRet": 38`},
		{"errno on allow", head + `{"names":["bpf"],"action":"SCMP_ACT_ALLOW","errno":"EPERM"}]}`, "errnoRet is set but action SCMP_ACT_ALLOW"},
		{"config includes", `{"ociVersion":"1.0.2","linux":{"seccomp":` + head + `{"names":["bpf"],"action":"SCMP_ACT_ALLOW","includes":{"caps":["CAP_SYS_ADMIN"]}}]}}}`, "runc and crun ignore them"},
		{"config errno", `{"ociVersion":"1.0.2","linux":{"seccomp":` + head + `{"names":["bpf"],"action":"SCMP_ACT_ERRNO","errno":"EPERM"}]}}}`, "errno: runc and crun ignore it"},
		{"config archMap", `{"ociVersion":"1.0.2","linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","archMap":[{"architecture":"SCMP_ARCH_X86_64","subArchitectures":["SCMP_ARCH_X32"]}],"syscalls":[{"names":["getsid"],"action":"SCMP_ACT_ERRNO","errnoRet":13}]}}}`, "archMap: runc and crun ignore it"},
		{"config name", `{"ociVersion":"1.0.2","linux":{"seccomp":` + head + `{"name":"getsid","action":"SCMP_ACT_ERRNO","errnoRet":13}]}}}`, "syscalls[1].name: runc ignores the rule and crun refuses the config"},
		{"config default errno", `{"ociVersion":"1.0.2","linux":{"seccomp":{"defaultAction":"SCMP_ACT_ERRNO","defaultErrno":"ENOSYS","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}}}`, "defaultErrno: runc and crun ignore it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, _, err := Parse("p.json", []byte(tc.doc))
			if err == nil {
				t.Fatalf("accepted: %+v", p)
			}
			if !errors.Is(err, ErrInvalidProfile) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want an invalid profile error containing %q", err, tc.want)
			}
		})
	}
}

// TestOtherArchNames: in an archMap profile a name libseccomp knows only
// on other architectures is dropped, as runtimes here drop it; a name it
// knows nowhere stays an error, and so does any unknown name in a profile
// that lists its architectures.
func TestOtherArchNames(t *testing.T) {
	const archMap = `"archMap":[{"architecture":"SCMP_ARCH_X86_64","subArchitectures":["SCMP_ARCH_X86"]},{"architecture":"SCMP_ARCH_AARCH64","subArchitectures":["SCMP_ARCH_ARM"]}]`
	p, _, err := Parse("p.json", []byte(`{"defaultAction":"SCMP_ACT_ERRNO",`+archMap+`,"syscalls":[{"names":["read","breakpoint"],"action":"SCMP_ACT_ALLOW"}]}`))
	if err != nil {
		t.Fatalf("refused: %v", err)
	}
	if len(p.Rules) != 1 || !reflect.DeepEqual(p.Rules[0].Names, []string{"read"}) {
		t.Errorf("rules %+v, want read only", p.Rules)
	}
	for _, doc := range []string{
		`{"defaultAction":"SCMP_ACT_ERRNO",` + archMap + `,"syscalls":[{"names":["read","ptarce"],"action":"SCMP_ACT_ALLOW"}]}`,
		`{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["read","breakpoint"],"action":"SCMP_ACT_ALLOW"}]}`,
	} {
		var ue *UnknownSyscallsError
		if _, _, err := Parse("p.json", []byte(doc)); !errors.As(err, &ue) {
			t.Errorf("%s: error %v, want an *UnknownSyscallsError", doc, err)
		}
	}
}

func TestParseCaps(t *testing.T) {
	h, err := ParseCaps("sys_admin, CAP_NET_RAW,SYS_ADMIN")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"CAP_SYS_ADMIN", "CAP_NET_RAW"}; !reflect.DeepEqual(h.Caps, want) {
		t.Errorf("caps %v, want %v", h.Caps, want)
	}
	if h, err := ParseCaps("none"); err != nil || h.Caps == nil || len(h.Caps) != 0 {
		t.Errorf("none: %+v %v, want an empty, non-nil set", h, err)
	}
	if _, err := ParseCaps("CAP_SYS_ADMN"); err == nil {
		t.Error("a misspelt capability was accepted")
	}
	// Spaces around the value and its items, and empty items, are not
	// part of a name (they were: " docker" was CAP_ DOCKER, "a,,b" CAP_).
	if h, err := ParseCaps(" docker "); err != nil || !reflect.DeepEqual(h.Caps, DockerCaps) {
		t.Errorf(`" docker ": %+v %v, want Docker's set`, h, err)
	}
	if h, err := ParseCaps(" sys_admin,,net_raw, "); err != nil || !reflect.DeepEqual(h.Caps, []string{"CAP_SYS_ADMIN", "CAP_NET_RAW"}) {
		t.Errorf(`" sys_admin,,net_raw, ": %+v %v`, h, err)
	}
	for _, s := range []string{"", " , ,"} {
		if _, err := ParseCaps(s); err == nil || !strings.Contains(err.Error(), "no capability named") {
			t.Errorf("%q: %v, want: no capability named", s, err)
		}
	}
}

// FuzzParseCaps: any --caps value gives a set of known capabilities, each
// once, or an error; never a panic.
func FuzzParseCaps(f *testing.F) {
	for _, s := range []string{"docker", "podman", "none", "sys_admin, CAP_NET_RAW", ",", "CAP_"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseCaps(s)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, c := range h.Caps {
			if seen[c] || !slices.Contains(Capabilities, c) {
				t.Fatalf("%q: caps %v", s, h.Caps)
			}
			seen[c] = true
		}
	})
}

// TestCheckReadBack: generate refuses to write a file that does not read
// back as the policy (less what the format cannot carry).
func TestCheckReadBack(t *testing.T) {
	p := &policy.Policy{DefaultAction: policy.ActErrno, DefaultErrno: policy.Errno(38), Arches: []string{"x86_64"},
		Rules: []policy.Rule{
			{Names: []string{"read", "exit_group"}, Action: policy.ActAllow, Comment: "observed"},
			{Names: []string{"ptrace"}, Action: policy.ActErrno, Errno: policy.Errno(1)},
		}}
	for _, f := range []Format{FormatDocker, FormatOCI, FormatSPO} {
		data, err := Write(p, f, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := CheckReadBack(p, f, data); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		other := *p
		other.Rules = append([]policy.Rule{{Names: []string{"write"}, Action: policy.ActAllow}}, p.Rules...)
		if err := CheckReadBack(&other, f, data); err == nil || !strings.Contains(err.Error(), "different profile") {
			t.Errorf("%s: a file of another policy passed: %v", f, err)
		}
		if err := CheckReadBack(p, f, data[:len(data)/2]); err == nil || !strings.Contains(err.Error(), "does not read back") {
			t.Errorf("%s: half a file passed: %v", f, err)
		}
	}
	// The SPO CRD drops defaultErrnoRet: that is what it carries.
	data, _ := Write(p, FormatSPO, Options{})
	back, _, err := Parse("k8s", data)
	if err != nil || back.DefaultErrno != nil {
		t.Fatalf("k8s read back: %v %v", back, err)
	}
}

// A policy for x86 only reads back with x86_64 added on an x86_64 machine
// (runtimes filter the native ABI anyway): that is not a difference.
func TestCheckReadBackNativeAdded(t *testing.T) {
	p := &policy.Policy{DefaultAction: policy.ActErrno, Arches: []string{"x86"},
		Rules: []policy.Rule{{Names: []string{"read", "exit_group"}, Action: policy.ActAllow}}}
	for _, f := range []Format{FormatDocker, FormatOCI, FormatSPO} {
		data, err := Write(p, f, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := CheckReadBack(p, f, data); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// The rules a refusal names are the file's entries, not the resolved
// policy's indexes: containers-common's socket rules for podman's
// capabilities (no CAP_AUDIT_WRITE: the entry that allows it is left out,
// which shifted every later index) are syscalls[30] to syscalls[33], as
// lint names them; the hook said "rules 18 to 21".
func TestRefusalNamesFileEntries(t *testing.T) {
	data := readFixture(t, containersCommon)
	host, err := ParseCaps("podman")
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = ParseWith(containersCommon, data, ReadOptions{Host: host})
	var amb *policy.AmbiguousError
	if !errors.As(err, &amb) && (err == nil || !strings.Contains(err.Error(), "(socket)")) {
		t.Fatalf("containers-common for podman's capabilities: %v, want the socket rules refused", err)
	}
	if !strings.Contains(err.Error(), "syscalls[30] to syscalls[33] (socket)") {
		t.Errorf("refusal %q does not name the file's entries syscalls[30] to syscalls[33]", err)
	}
}

// TestArchMapWithoutThisMachine: an archMap without an entry whose
// architecture is this machine's, as written (SCMP_ARCH_NATIVE is no
// match), leaves docker and podman listing no ABI, and the runtime filters
// the native one alone: Docker 20.10.24 ran such a profile so (the interop
// review). It was refused; it reads so now, flagged for lint.
func TestArchMapWithoutThisMachine(t *testing.T) {
	native, err := scmp.Native()
	if err != nil {
		t.Fatal(err)
	}
	other := "SCMP_ARCH_AARCH64"
	if native == "aarch64" {
		other = "SCMP_ARCH_X86_64"
	}
	for _, entry := range []string{other, "SCMP_ARCH_NATIVE", "SCMP_ARCH_MIPS64"} {
		doc := `{"defaultAction":"SCMP_ACT_ERRNO","archMap":[{"architecture":"` + entry + `","subArchitectures":[]}],"syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}`
		raw, err := ParseRaw("p.json", []byte(doc))
		if err != nil {
			t.Errorf("archMap [%s]: %v", entry, err)
			continue
		}
		if !raw.ArchMapNoEntry || !reflect.DeepEqual(raw.Policy.Arches, []string{native}) {
			t.Errorf("archMap [%s]: arches %v, no entry %v; want [%s], true", entry, raw.Policy.Arches, raw.ArchMapNoEntry, native)
		}
	}
	// This machine's entry, twice: both taken, as moby appends them.
	name, _ := scmp.SCMPName(native)
	raw, err := ParseRaw("p.json", []byte(`{"defaultAction":"SCMP_ACT_ERRNO","archMap":[{"architecture":"SCMP_ARCH_MIPS64","subArchitectures":[]},{"architecture":"`+name+`","subArchitectures":[]},{"architecture":"`+name+`","subArchitectures":["`+map[string]string{"x86_64": "SCMP_ARCH_X86", "aarch64": "SCMP_ARCH_ARM"}[native]+`"]}],"syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}`))
	if err != nil || raw.ArchMapNoEntry || len(raw.Policy.Arches) != 2 {
		t.Errorf("two entries for %s: %v %+v", native, err, raw)
	}
}
