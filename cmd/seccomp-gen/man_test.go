package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestManPages: `make man` (seccomp-gen __man DIR, built with -tags man)
// writes a page per visible command, none for hidden ones, dated by
// SOURCE_DATE_EPOCH so that the same commit gives the same pages; the
// binary built without the tag has no __man.
func TestManPages(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	dir := t.TempDir()
	if _, _, code := sg(t, dir, "__man", filepath.Join(dir, "untagged")); code == 0 {
		t.Errorf("__man works without -tags man")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build with -tags man:", err)
	}
	bin := filepath.Join(dir, "seccomp-gen-man")
	if out, err := exec.Command(goBin, "build", "-tags", "man", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build -tags man: %v\n%s", err, out)
	}
	gen := func(name string) string {
		out := filepath.Join(dir, name)
		if b, err := exec.Command(bin, "__man", out).CombinedOutput(); err != nil {
			t.Fatalf("__man: %v\n%s", err, b)
		}
		return out
	}
	a, b := gen("a"), gen("b")
	want := []string{"seccomp-gen.1"}
	for _, c := range newRootCmd().Commands() {
		// cobra writes no page for its help command.
		if !c.Hidden && c.Name() != "help" {
			want = append(want, "seccomp-gen-"+c.Name()+".1")
		}
	}
	want = append(want, "seccomp-gen-completion-bash.1", "seccomp-gen-completion-zsh.1", "seccomp-gen-completion-fish.1")
	for _, name := range want {
		pa, err := os.ReadFile(filepath.Join(a, name))
		if err != nil {
			t.Errorf("no page: %v", err)
			continue
		}
		pb, _ := os.ReadFile(filepath.Join(b, name))
		if string(pa) != string(pb) {
			t.Errorf("%s differs between two runs", name)
		}
		title := strings.ToUpper(strings.TrimSuffix(name, ".1")) // its own, not SECCOMP-GEN for all
		if !strings.Contains(string(pa), `.TH "`+title+`" "1" "Nov 2023"`) || !strings.Contains(string(pa), ".SH SYNOPSIS") {
			t.Errorf("%s: not a dated section-1 page:\n%.300s", name, pa)
		}
		if strings.Contains(string(pa), "Auto generated") {
			t.Errorf("%s carries cobra's auto-generated tag", name)
		}
	}
	entries, _ := os.ReadDir(a)
	for _, e := range entries {
		if strings.Contains(e.Name(), "__") {
			t.Errorf("page for a hidden command: %s", e.Name())
		}
	}
	// Each page says what --help says: every word of the usage line and
	// the long help (none taken for markup: <container ID>, "[-v] (--"),
	// and each indented line of the help as a line of its own (lists,
	// exit statuses, JSON), not joined with the paragraph after it.
	deroff := strings.NewReplacer(`\&`, "", `\fB`, "", `\fP`, "", `\fR`, "", `\fI`, "", `\-`, "-", `\(aq`, "'", `\e`, `\`, `\\`, `\`)
	for _, c := range append(newRootCmd().Commands(), newRootCmd()) {
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" {
			continue
		}
		name := "seccomp-gen-" + c.Name() + ".1"
		if !c.HasParent() {
			name = "seccomp-gen.1"
		}
		data, err := os.ReadFile(filepath.Join(a, name))
		if err != nil {
			t.Errorf("no page: %v", err)
			continue
		}
		page := deroff.Replace(string(data))
		for _, w := range strings.Fields(c.UseLine() + "\n" + c.Long) {
			if !strings.Contains(page, w) {
				t.Errorf("%s lacks %q of the help text", name, w)
			}
		}
		// roff fills text: an indented line is kept as it is only in an
		// example block (.EX ... .EE).
		var kept []string
		in := false
		for _, l := range strings.Split(page, "\n") {
			switch {
			case l == ".EX":
				in = true
			case l == ".EE":
				in = false
			case in:
				kept = append(kept, l)
			}
		}
		for _, l := range strings.Split(c.Long, "\n") {
			if strings.HasPrefix(l, " ") && !slices.Contains(kept, l) {
				t.Errorf("%s: the help's line %q is not kept as a line of its own", name, l)
			}
		}
	}

	doctor, _ := os.ReadFile(filepath.Join(a, "seccomp-gen-doctor.1"))
	if !strings.Contains(string(doctor), "exits 0 when trace works here, 3 when it cannot") {
		t.Errorf("doctor's page lacks its long help:\n%s", doctor)
	}
}

// TestCompletions: the README's completion commands print scripts.
func TestCompletions(t *testing.T) {
	for shell, want := range map[string]string{
		"bash": "# bash completion V2 for seccomp-gen",
		"zsh":  "#compdef seccomp-gen",
		"fish": "# fish completion for seccomp-gen",
	} {
		out, stderr, code := sg(t, t.TempDir(), "completion", shell)
		if code != 0 || !strings.HasPrefix(out, want) || !strings.Contains(out, "__complete") {
			t.Errorf("completion %s: exit %d, %.80q, stderr %q", shell, code, out, stderr)
		}
	}
}
