package container

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
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

// maxState bounds the state JSON read from stdin (a real one is a few
// hundred bytes, annotations included).
const maxState = 1 << 20

// ReadState reads the state JSON a runtime writes to a hook's stdin.
func ReadState(r io.Reader) (*State, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxState+1))
	if err != nil {
		return nil, fmt.Errorf("container state: %w", err)
	}
	if len(data) > maxState {
		return nil, fmt.Errorf("container state: more than %d MiB on stdin, not the OCI state JSON; not read", maxState>>20)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("container state: nothing on stdin (the runtime passes the OCI state JSON there)")
	}
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("container state: not the OCI state JSON on stdin: %s", jsonProblem(data, err))
	}
	if s.ID == "" {
		return nil, fmt.Errorf("container state: no id")
	}
	if s.Pid <= 0 {
		return nil, fmt.Errorf("container state %s: pid %d (the hook must run at prestart or createRuntime, when the container's init process exists)", s.ID, s.Pid)
	}
	if s.Pid == 1 {
		// The init of the runtime's own PID namespace: recording it and
		// its descendants from their next execve records the whole host
		// until it shuts down.
		return nil, fmt.Errorf("container state %s: pid 1 is the init of the runtime's PID namespace, never a container's init process", s.ID)
	}
	return &s, nil
}

// jsonProblem says a decoding error of data in JSON's terms rather than
// encoding/json's Go types (the hook's state on stdin, a bundle's
// config.json for the runtime wrapper: AddHook).
func jsonProblem(data []byte, err error) string {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case strings.HasSuffix(err.Error(), "unexpected end of JSON input"):
		return "the JSON ends too early (cut short?)"
	case errors.As(err, &te) && te.Field == "":
		// The value itself (a config that is no object), not a field.
		return fmt.Sprintf("a JSON %s, want %s", te.Value, jsonKind(te.Type.Kind()))
	case errors.As(err, &te):
		return fmt.Sprintf("%s: a JSON %s, want %s", te.Field, te.Value, jsonKind(te.Type.Kind()))
	case errors.As(err, &se):
		line := 1 + bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n"))
		return fmt.Sprintf("line %d: %s", line, se.Error())
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "a whole number"
	case reflect.String:
		return "a string"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "another type"
}

// ParseAnnotation reads the annotation's value: of:PATH (the profile to
// write) and optionally if:PATH (a profile to extend), separated by ";".
// Both paths must be absolute. out is empty when the value has no of:
// (an empty value has neither).
func ParseAnnotation(v string) (out, in string, err error) {
	if strings.TrimSpace(v) == "" {
		// The annotation without a value: neither (podman's hooks.d runs
		// the hook only where the annotation is set, so this is how a
		// container asks for --output-dir's default path there).
		return "", "", nil
	}
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
