package cbpf

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/emit"
)

// FuzzCompileProfile: a profile file that the reader accepts compiles (as
// disasm and check compile it) to a filter the kernel's loader would take,
// or to an error; never a panic.
func FuzzCompileProfile(f *testing.F) {
	for _, g := range []string{"profiles/moby-default-v0.2.4.json", "golden/docker.json", "golden/oci-config.json", "golden/k8s.yaml"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "testdata", g))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, uint8(0))
	}
	f.Add([]byte(`{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86","SCMP_ARCH_X32"],"syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":5,"value":1,"valueTwo":1,"op":"SCMP_CMP_MASKED_EQ"}]}]}`), uint8(1))
	arches := []string{"", "x86_64", "x86", "x32", "aarch64", "arm"}
	f.Fuzz(func(t *testing.T, data []byte, arch uint8) {
		p, _, err := emit.ParseWith("fuzz", data, emit.ReadOptions{AllowUnknownSyscalls: true})
		if err != nil {
			return
		}
		prog, err := Compile(p, Options{Arch: arches[int(arch)%len(arches)]})
		if err != nil {
			return
		}
		if err := prog.Check(); err != nil {
			t.Fatalf("compiled a filter the kernel would refuse: %v", err)
		}
		if _, err := Parse(prog.Bytes()); err != nil {
			t.Fatalf("own filter bytes refused: %v", err)
		}
	})
}
