package emit

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/seccomp-gen/seccomp-gen/internal/atomicfile"
	"github.com/seccomp-gen/seccomp-gen/policy"
)

// SetOCISeccomp returns config (an OCI bundle's config.json) with
// linux.seccomp set to p. Every other field keeps its value; keys come out
// sorted and indented.
func SetOCISeccomp(config []byte, p *policy.Policy) ([]byte, error) {
	sec, err := ociSeccomp(p)
	if err != nil {
		return nil, err
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
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("OCI config: %w", err)
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
