// Package lookpath finds a command as a shell does before it runs it, for
// both ways seccomp-gen starts one: the traced mode's recorder
// (trace/recorder) and replay --enforce's shim (enforce), so that the two
// find the same file, or fail with the same status.
package lookpath
