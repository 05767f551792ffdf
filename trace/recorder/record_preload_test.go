package recorder

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
)

// TestPreload: a Record that takes a Preload traces as one without it (the
// same entries, with their counts and argument values), each Preload is
// used once, a Preload that a failing Record took or that a newer one
// replaced leaves nothing behind for the next Record.
func TestPreload(t *testing.T) {
	testutil.RequireRoot(t)
	cmd := []string{"sh", "-c", "ls / >/dev/null; exit 0"}
	without := recordOrFail(t, Options{Command: cmd})
	if takePreload() != nil {
		t.Fatal("a Preload pending without a call")
	}

	Preload()
	with := recordOrFail(t, Options{Command: cmd})
	if takePreload() != nil {
		t.Fatal("Record left its Preload pending")
	}
	entries := func(r *Recording) []string {
		var out []string
		for _, s := range r.File.Syscalls {
			out = append(out, s.Arch+" "+s.Name)
		}
		return out
	}
	// The two runs of sh and ls need not make the same calls the same
	// number of times (ASLR, the dynamic loader), but they call the same
	// syscalls, and every recording ends the same way.
	for _, r := range []*Recording{without, with} {
		if r.Reason != "exit" || !r.Exited || r.ExitStatus != 0 || r.File.Lost != 0 || r.File.Processes != 2 {
			t.Errorf("recording: reason %s exited %v status %d lost %d processes %d", r.Reason, r.Exited, r.ExitStatus, r.File.Lost, r.File.Processes)
		}
	}
	if a, b := entries(without), entries(with); !slices.Equal(a, b) {
		t.Errorf("entries differ:\nwithout Preload %v\nwith Preload    %v", a, b)
	}
	mustHave(t, with.File, "x86_64", "getdents64")
	if s := mustHave(t, with.File, "x86_64", "execve"); s.Count != 2 {
		t.Errorf("execve counted %d times with a Preload, want 2", s.Count)
	}

	// A Preload replaced by another one, then taken by a Record that fails
	// before loading anything.
	Preload()
	Preload()
	_, err := Record(context.Background(), Options{Command: []string{"seccomp-gen-no-such-command"}})
	var ce *CommandError
	if !errors.As(err, &ce) || ce.Status != 127 {
		t.Fatalf("missing command with a Preload: %v", err)
	}
	if takePreload() != nil {
		t.Fatal("a failed Record left its Preload pending")
	}
	after := recordOrFail(t, Options{Command: cmd})
	if after.File.Lost != 0 || after.File.Processes != 2 {
		t.Errorf("after: lost %d processes %d", after.File.Lost, after.File.Processes)
	}
}
