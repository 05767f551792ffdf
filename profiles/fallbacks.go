package profiles

import (
	"bytes"
	"embed"
	"fmt"
	"slices"
	"sort"

	"gopkg.in/yaml.v3"
)

//go:embed fallbacks.yaml
var fallbackData embed.FS

// Fallback is one entry of the fallback table (fallbacks.yaml): a libc or
// language runtime calls Newer and, when the kernel answers with one of On,
// does the same work with the Older syscalls.
type Fallback struct {
	Newer string   `yaml:"newer"`
	Older []string `yaml:"older,flow"`
	// On are the errors the code falls back on: errno names, or "any".
	On []string `yaml:"on,flow"`
	// Args are, for an older syscall whose arguments profiles test, the
	// values the code passes there: argument index -> one value per
	// caller (clone's flags for pthread_create and posix_spawn). A
	// profile that allows the older syscall only for some argument
	// values lets the program fall back when it allows one of them.
	Args map[string]map[int][]uint64 `yaml:"args,omitempty"`
	// Source is the library and version read ("glibc 2.36"), File the
	// file(s) and Function the function(s) where the fallback is.
	Source   string `yaml:"source"`
	File     string `yaml:"file"`
	Function string `yaml:"function"`
	// Test names the test that runs a real program taking the path.
	Test string `yaml:"test"`
}

// Fallbacks returns the embedded fallback table, in file order.
func Fallbacks() []Fallback {
	raw, err := fallbackData.ReadFile("fallbacks.yaml")
	if err != nil {
		panic("profiles: fallbacks.yaml not embedded: " + err.Error())
	}
	fb, err := parseFallbacks(raw)
	if err != nil {
		panic("profiles: " + err.Error()) // tested; cannot happen in a built binary
	}
	return fb
}

func parseFallbacks(raw []byte) ([]Fallback, error) {
	var doc struct {
		Fallbacks []Fallback `yaml:"fallbacks"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("fallbacks.yaml: %s", oneLine(err))
	}
	for i, f := range doc.Fallbacks {
		if f.Newer == "" || len(f.On) == 0 || f.Source == "" || f.File == "" || f.Test == "" {
			return nil, fmt.Errorf("fallbacks.yaml: entry %d (%s): newer, on, source, file and test are required", i+1, f.Newer)
		}
		for _, o := range f.Older {
			if o == f.Newer {
				return nil, fmt.Errorf("fallbacks.yaml: entry %d (%s): falls back to itself", i+1, f.Newer)
			}
		}
		for o, byIndex := range f.Args {
			if !slices.Contains(f.Older, o) {
				return nil, fmt.Errorf("fallbacks.yaml: entry %d (%s): args of %s, which is not older", i+1, f.Newer, o)
			}
			for idx := range byIndex {
				if idx < 0 || idx > 5 {
					return nil, fmt.Errorf("fallbacks.yaml: entry %d (%s): args of %s: index %d out of range 0..5", i+1, f.Newer, o, idx)
				}
			}
		}
	}
	return doc.Fallbacks, nil
}

// FallbackNewer returns the distinct Newer names of the table, sorted.
func FallbackNewer() []string {
	set := map[string]bool{}
	for _, f := range Fallbacks() {
		set[f.Newer] = true
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
