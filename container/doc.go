// Package container records containers: it sits in front of recorder.Record
// for the three ways a container reaches seccomp-gen.
//
//   - Hook: an OCI runtime hook (prestart or createRuntime). The runtime
//     hands it the container's state on stdin while the container's init
//     process waits before its entrypoint. The hook starts a detached
//     recorder process that arms that init process (recorder.Options.FromExec),
//     so counting starts at the entrypoint's execve and the runtime's own
//     set-up (mount, pivot_root, setns, ...) is never counted, and returns
//     as soon as the recorder is attached. When the container's processes
//     are gone the recorder writes the profile (Profile: the trace plus the
//     measured baseline of the runtime that ran it, merged with an input
//     profile when asked) and, if asked, the trace. The annotation
//     io.containers.trace-syscall (of:PATH, if:PATH) is read as
//     oci-seccomp-bpf-hook reads it.
//   - Wrapper: for Docker, which runs no OCI hooks, a runc wrapper that adds
//     the hook to the bundle's config.json on create and execs runc with
//     the same command line.
//   - Resolve: a running container named by ID, through its runtime's
//     state (runc, crun, docker, podman), recorded by its cgroup (later
//     execs included) or, when it has no cgroup of its own, by its init
//     process.
//
// Each recording has its own recorder process with its own BPF maps and
// links, so containers recorded at once never mix.
package container
