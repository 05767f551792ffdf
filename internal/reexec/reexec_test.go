package reexec

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

const (
	echoHelper = "reexec-test-echo"
	exitHelper = "reexec-test-exit"
)

func TestMain(m *testing.M) {
	Register(echoHelper, func() int {
		fmt.Println(strings.Join(os.Args[1:], " "))
		return 0
	})
	Register(exitHelper, func() int { return 42 })
	if status, ok := Init(); ok {
		os.Exit(status)
	}
	os.Exit(m.Run())
}

// A helper runs in a re-execution of this test binary, with its own
// arguments and exit status, and never runs the tests.
func TestCommand(t *testing.T) {
	var out bytes.Buffer
	cmd := Command(echoHelper, "a", "b c")
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v", echoHelper, err)
	}
	if got := out.String(); got != "a b c\n" {
		t.Errorf("%s printed %q, want %q", echoHelper, got, "a b c\n")
	}
	err := Command(exitHelper).Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 42 {
		t.Errorf("%s: %v, want exit status 42", exitHelper, err)
	}
}

// The test binary itself (argv[0] its path) is no helper.
func TestInitNotHelper(t *testing.T) {
	if _, ok := Init(); ok {
		t.Fatal("Init ran a helper for the test binary's own argv[0]")
	}
	if !Registered(echoHelper) || Registered("reexec-test-none") {
		t.Error("Registered does not match what TestMain registered")
	}
}

func TestRegisterTwicePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("a second Register of the same name did not panic")
		}
	}()
	Register(exitHelper, func() int { return 0 })
}
