// Package action holds the shell steps of seccomp-gen's GitHub Action
// (action.yml at the top of the repository): seccomp-gen-action.sh installs
// seccomp-gen (a release binary, checksum verified, or a build of the
// action's checkout) and runs `seccomp-gen replay` on the job's command.
// The Go tests run the script with a fake seccomp-gen, a fake release
// server (file:// URLs), a fake sudo, and once with the real binary.
package action
