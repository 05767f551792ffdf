package container

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// Annotation is the annotation podman and CRI-O users set for
// oci-seccomp-bpf-hook: "of:PATH" writes the profile to PATH, "if:PATH"
// extends the profile at PATH, both joined by ";".
const Annotation = "io.containers.trace-syscall"

// ErrAnnotation is wrapped by every error about the annotation's value.
var ErrAnnotation = errors.New("invalid annotation " + Annotation)

// State is the part of the OCI runtime state a hook reads.
type State struct {
	OCIVersion  string            `json:"ociVersion"`
	ID          string            `json:"id"`
	Status      string            `json:"status"`
	Pid         int               `json:"pid"`
	Bundle      string            `json:"bundle"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// ReadState reads the state JSON a runtime writes to a hook's stdin.
func ReadState(r io.Reader) (*State, error) {
	data, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("container state: %w", err)
	}
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("container state: not the OCI state JSON on stdin: %w", err)
	}
	if s.ID == "" {
		return nil, fmt.Errorf("container state: no id")
	}
	if s.Pid <= 0 {
		return nil, fmt.Errorf("container state %s: pid %d (the hook must run at prestart or createRuntime, when the container's init process exists)", s.ID, s.Pid)
	}
	return &s, nil
}

// ParseAnnotation reads the annotation's value: of:PATH (the profile to
// write) and optionally if:PATH (a profile to extend), separated by ";".
// Both paths must be absolute. out is empty when the value has no of:.
func ParseAnnotation(v string) (out, in string, err error) {
	parts := strings.Split(v, ";")
	if len(parts) > 2 {
		return "", "", fmt.Errorf("%w: %q: more than one ';'", ErrAnnotation, v)
	}
	for _, p := range parts {
		p = strings.TrimSpace(p)
		var path *string
		switch {
		case strings.HasPrefix(p, "of:"):
			path = &out
		case strings.HasPrefix(p, "if:"):
			path = &in
		default:
			return "", "", fmt.Errorf("%w: %q: each part must start with \"of:PATH\" or \"if:PATH\"", ErrAnnotation, v)
		}
		if *path != "" {
			return "", "", fmt.Errorf("%w: %q: %s given twice", ErrAnnotation, v, p[:3])
		}
		*path = strings.TrimSpace(p[3:])
		if !filepath.IsAbs(*path) {
			return "", "", fmt.Errorf("%w: %q: path %q is not absolute", ErrAnnotation, v, *path)
		}
		*path = filepath.Clean(*path)
	}
	return out, in, nil
}

// TracePath is where the trace goes next to a profile: PATH without a
// .json suffix, plus .trace.yaml.
func TracePath(profile string) string {
	return strings.TrimSuffix(profile, ".json") + ".trace.yaml"
}
