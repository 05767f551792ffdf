// Command gofallback is the Go program of the fallback tests: `gofallback
// MODE FILE` does what MODE names through the standard library and exits 0
// when it worked.
package main

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
)

func main() {
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "gofallback:", err)
		os.Exit(1)
	}
	fmt.Println("ok")
}

func run(mode, file string) error {
	switch mode {
	case "faccessat2":
		const atEaccess = 0x200
		return syscall.Faccessat(-100, file, 4, atEaccess) // AT_FDCWD, R_OK
	case "getrandom":
		b := make([]byte, 32)
		_, err := rand.Read(b)
		return err
	case "pidfd_open", "pidfd_send_signal":
		cmd := exec.Command("sleep", "10")
		if err := cmd.Start(); err != nil {
			return err
		}
		if err := cmd.Process.Kill(); err != nil {
			return err
		}
		err := cmd.Wait()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ProcessState.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			return fmt.Errorf("wait: %v, want killed", err)
		}
		return exec.Command("true").Run()
	case "copy_file_range":
		src, err := os.Open(file)
		if err != nil {
			return err
		}
		dst, err := os.Create(file + ".copy")
		if err != nil {
			return err
		}
		if _, err := io.Copy(dst, src); err != nil {
			return err
		}
		dst.Close()
		a, _ := os.ReadFile(file)
		b, _ := os.ReadFile(file + ".copy")
		if !bytes.Equal(a, b) {
			return fmt.Errorf("copy differs: %q vs %q", a, b)
		}
		return nil
	}
	return fmt.Errorf("unknown mode %s", mode)
}
