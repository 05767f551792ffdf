package emit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/seccomp-gen/seccomp-gen/internal/atomicfile"
	"github.com/seccomp-gen/seccomp-gen/policy"
)

// SetOCISeccomp returns config (an OCI bundle's config.json) with
// linux.seccomp set to p. Every other field keeps its value; the top-level
// keys and those of linux come out sorted (the objects that are re-encoded),
// the others in their order, all indented by two spaces.
func SetOCISeccomp(config []byte, p *policy.Policy) ([]byte, error) {
	sec, err := ociSeccomp(p)
	if err != nil {
		return nil, err
	}
	if len(config) > MaxProfileSize {
		return nil, fmt.Errorf("OCI config: larger than %d MiB; not read", MaxProfileSize>>20)
	}
	if err := checkConfigKeys(config); err != nil {
		return nil, fmt.Errorf("OCI config: %w", err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(config, &top); err != nil || top == nil {
		if err == nil {
			err = fmt.Errorf("not a JSON object")
		}
		return nil, fmt.Errorf("OCI config: %s", jsonError(config, err))
	}
	if _, ok := top["ociVersion"]; !ok {
		return nil, fmt.Errorf("OCI config: no ociVersion: not an OCI runtime config.json")
	}
	linux := map[string]json.RawMessage{}
	if raw, ok := top["linux"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &linux); err != nil {
			return nil, fmt.Errorf("OCI config: linux: %s", jsonError(raw, err))
		}
	}
	secJSON, err := marshal(sec)
	if err != nil {
		return nil, err
	}
	linux["seccomp"] = secJSON
	// marshal, not json.Marshal: that would rewrite "&&" in an
	// unrelated field as "\u0026\u0026".
	if top["linux"], err = marshal(linux); err != nil {
		return nil, err
	}
	out, err := marshal(top)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SetOCIConfig sets linux.seccomp of the bundle config at path to p, in
// place and atomically (a temporary file renamed over it, same mode).
func SetOCIConfig(path string, p *policy.Policy) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("OCI config: %w", err)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxProfileSize+1))
	f.Close()
	if err != nil {
		return fmt.Errorf("OCI config: %s: %w", path, err)
	}
	out, err := SetOCISeccomp(data, p)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	mode := os.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	return atomicfile.Write(path, out, mode)
}

// checkConfigKeys refuses a config.json that SetOCISeccomp would rewrite
// into something other than the user wrote, or that runtimes would read
// differently: a duplicate key at the top level or in linux (the map that
// rewrites them keeps one, and runc and crun disagree on which), and any
// spelling of linux or linux.seccomp other than the exact one (runc would
// take "Linux" for linux, crun would not).
func checkConfigKeys(config []byte) error {
	tree, err := parseJSONTree(bytes.TrimSpace(config))
	if err != nil {
		return err
	}
	if tree.kind != '{' {
		return fmt.Errorf("not a JSON object")
	}
	if err := uniqueKeys(tree, ""); err != nil {
		return err
	}
	linux, err := pathKey(tree, "", "linux")
	if err != nil || linux == nil || linux.kind != '{' {
		return err
	}
	if err := uniqueKeys(linux, "linux."); err != nil {
		return err
	}
	_, err = pathKey(linux, "linux.", "seccomp")
	return err
}

func uniqueKeys(n *jnode, prefix string) error {
	seen := map[string]bool{}
	for _, k := range n.keys {
		if seen[k] {
			return keyErr(prefix+showKey(k), "duplicate key: runc reads the last one, crun the first, and rewriting the file would keep only one")
		}
		seen[k] = true
	}
	return nil
}
