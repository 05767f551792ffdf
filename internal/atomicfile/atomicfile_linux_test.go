package atomicfile

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// killedEnv makes TestHelperKilledWriter a writer that the test below kills.
const killedEnv = "SECCOMP_GEN_TEST_ATOMICFILE_KILLED"

func TestHelperKilledWriter(t *testing.T) {
	path := os.Getenv(killedEnv)
	if path == "" {
		t.Skip("helper process for TestWriteKilled")
	}
	testHookWritten = func() {
		os.Stdout.WriteString("WRITTEN\n")
		select {} // until killed
	}
	_ = Write(path, []byte("new"), 0o644)
	os.Exit(3)
}

// A writer killed with SIGKILL once the data is written (Ctrl-\, the OOM
// killer, kill -9 of seccomp-gen at the end of a trace) leaves the old file
// and no temporary file in the directory.
func TestWriteKilled(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.yaml")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperKilledWriter$")
	cmd.Env = append(os.Environ(), killedEnv+"="+p)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(out).ReadString('\n')
	if line != "WRITTEN\n" {
		t.Fatalf("helper: %q, %v", line, err)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if len(names) != 1 || names[0] != "out.yaml" {
		t.Errorf("a writer killed before the rename left %v, want only out.yaml", names)
	}
	if got, _ := os.ReadFile(p); string(got) != "old" {
		t.Errorf("out.yaml has %q, want the old content", got)
	}
}

// The user's umask narrows the mode of a new file, as for any file open(2)
// creates: a trace holds the command line (a password given as an
// argument). A file replaced gets the mode given (in-place edits pass the
// file's own).
func TestWriteUmask(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	p := filepath.Join(t.TempDir(), "new")
	for _, want := range []os.FileMode{0o600, 0o644} { // created, then replaced
		if err := Write(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if st, err := os.Stat(p); err != nil || st.Mode().Perm() != want {
			t.Errorf("mode %v, %v; want %v under umask 077", st.Mode().Perm(), err, want)
		}
	}
}
