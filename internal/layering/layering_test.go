package layering

import (
	"go/build"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/seccomp-gen/seccomp-gen/"

// pure packages build on any GOOS with cgo off.
var pure = []string{
	"trace",
	"reduce",
	"report",
	"policy",
	"profiles",
	"verdict",
	"abi",
	"internal/atomicfile",
	"internal/reexec",
	"internal/lookpath",
}

// noEBPF packages, the pure ones included, never link cilium/ebpf.
var noEBPF = append([]string{
	"scmp",
	"emit",
	"emit/cbpf",
	"lint",
	"enforce",
}, pure...)

func goTool(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(build.Default.GOROOT, "bin", "go")
}

func paths(rel []string) []string {
	out := make([]string, len(rel))
	for i, p := range rel {
		out[i] = module + p
	}
	return out
}

func TestNoEBPF(t *testing.T) {
	args := append([]string{"list", "-deps", "-f", "{{.ImportPath}} {{join .Imports \" \"}}"}, paths(noEBPF)...)
	out, err := exec.Command(goTool(t), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	importers := map[string][]string{} // ebpf package -> packages importing it
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		for _, imp := range fields[1:] {
			if strings.HasPrefix(imp, "github.com/cilium/ebpf") && !strings.HasPrefix(fields[0], "github.com/cilium/ebpf") {
				importers[imp] = append(importers[imp], fields[0])
			}
		}
	}
	for imp, by := range importers {
		t.Errorf("%s is linked into %v through %v: only the recorder (trace/recorder) may import it", imp, noEBPF, by)
	}
}

func TestPureBuildsOnDarwin(t *testing.T) {
	cmd := exec.Command(goTool(t), append([]string{"build"}, paths(pure)...)...)
	cmd.Env = append(os.Environ(), "GOOS=darwin", "GOARCH=arm64", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("GOOS=darwin CGO_ENABLED=0 go build %v: %v\n%s", pure, err, out)
	}
}
