package container

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/seccomp-gen/seccomp-gen/emit"
)

// BundleCaps reads the container's bounding capability set from its
// bundle's config.json (process.capabilities.bounding), the set docker and
// podman resolve a profile's conditional entries (includes/excludes caps)
// for. A config.json without process.capabilities gets every capability:
// runc and crun then leave the runtime's own (root's) set alone. The result
// is never nil.
func BundleCaps(bundle string) ([]string, error) {
	if bundle == "" {
		return nil, fmt.Errorf("container state: no bundle, so no config.json to read the container's capabilities from")
	}
	path := filepath.Join(bundle, "config.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("bundle config %s: %w", path, unwrapPath(err))
	}
	var spec struct {
		Process *struct {
			Capabilities *struct {
				Bounding []string `json:"bounding"`
			} `json:"capabilities"`
		} `json:"process"`
	}
	if err := json.Unmarshal(data, &spec); err != nil {
		return nil, fmt.Errorf("bundle config %s: not an OCI config.json: %w", path, err)
	}
	if spec.Process == nil || spec.Process.Capabilities == nil {
		return slices.Clone(emit.Capabilities), nil
	}
	caps := []string{}
	for _, c := range spec.Process.Capabilities.Bounding {
		// runc and crun compare names exactly too (unknown ones are
		// ignored or refused): keep them as written.
		if !slices.Contains(caps, c) {
			caps = append(caps, c)
		}
	}
	return caps, nil
}

// capsHost is what a Job's if: profile is resolved for: the container's
// bounding set when the hook read it, Docker's default set otherwise (a
// job of an older hook).
func capsHost(caps []string) *emit.Host {
	if caps == nil {
		return nil
	}
	name := "the container's bounding capabilities (none)"
	if len(caps) > 0 {
		name = "the container's bounding capabilities (" + strings.Join(caps, ",") + ")"
	}
	return &emit.Host{Caps: caps, CapsName: name}
}

func inputHostName(caps []string) string {
	if caps == nil {
		return "Docker's default capabilities"
	}
	return capsHost(caps).CapsName
}

// BundleFiltered reports whether the bundle's config.json gives the
// container a seccomp filter (linux.seccomp: Docker's and podman's default
// profile unless unconfined). The filter answers before the recorder's
// tracepoint: what it denies is not recorded. An unreadable config.json
// says false.
func BundleFiltered(bundle string) bool {
	if bundle == "" {
		return false
	}
	data, err := os.ReadFile(filepath.Join(bundle, "config.json"))
	if err != nil {
		return false
	}
	var spec struct {
		Linux *struct {
			Seccomp json.RawMessage `json:"seccomp"`
		} `json:"linux"`
	}
	if json.Unmarshal(data, &spec) != nil || spec.Linux == nil {
		return false
	}
	s := strings.TrimSpace(string(spec.Linux.Seccomp))
	return s != "" && s != "null"
}
