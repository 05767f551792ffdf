package emit

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestScanJNodeAsTokens: the tree parseJSONTree reads from valid JSON
// (scanJNode) is the one Decoder.Token gives (parseJSONTokens), for every
// JSON file of the repository, escaped, non-ASCII, invalid UTF-8 and NUL
// keys, white space everywhere, nesting at and beyond MaxDepth, and random
// documents; and JSON that is not valid still gets Token's errors.
func TestScanJNodeAsTokens(t *testing.T) {
	var docs []string
	files, _ := filepath.Glob("../*/*/*.json")
	more, _ := filepath.Glob("../*/*/*/*.json")
	for _, f := range append(files, more...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, string(data))
	}
	if len(docs) < 10 {
		t.Fatalf("only %d JSON files found", len(docs))
	}
	docs = append(docs,
		`{}`, `[]`, `null`, `"x"`, `12.5e3`, ` { "a" : [ 1 , true , false , null , "s" , { } , [ ] ] } `,
		"{\"a\\u0000b\": 1, \"\\u00e9\": 2, \"é\": 3, \"\\\"q\\\\\": 4, \"\xff\xfe\": 5, \"a\\/b\": null}",
		`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[]}]}`,
		"\t\r\n{\"k\"\n:\r[\t]\n}\n",
		strings.Repeat("[", MaxDepth)+strings.Repeat("]", MaxDepth),
		strings.Repeat("[", MaxDepth+1)+strings.Repeat("]", MaxDepth+1),
		strings.Repeat(`{"a":`, MaxDepth+1)+"1"+strings.Repeat("}", MaxDepth+1),
	)
	rnd := rand.New(rand.NewSource(5))
	for i := 0; i < 500; i++ {
		docs = append(docs, randomJSON(rnd, 0))
	}
	for _, d := range docs {
		want, werr := parseJSONTokens([]byte(d))
		got, gerr := parseJSONTree([]byte(d))
		if fmt.Sprint(werr) != fmt.Sprint(gerr) || !reflect.DeepEqual(want, got) {
			t.Fatalf("%.200q:\nscanJNode %+v (%v)\nToken     %+v (%v)", d, got, gerr, want, werr)
		}
	}
	for _, bad := range []string{`{"a":1,}`, `{"a" 1}`, `[1 2]`, `{"a":1} x`, `{"a":"\x01"}`, `{"a":tru}`, `{`} {
		if _, err := parseJSONTree([]byte(bad)); err == nil || !strings.Contains(err.Error(), "line 1") && !strings.Contains(err.Error(), "truncated") && !strings.Contains(err.Error(), "trailing") {
			t.Errorf("%q: %v, want encoding/json's error with its line", bad, err)
		}
	}
}

// randomJSON makes a document of objects, arrays and scalars with keys
// that need decoding now and then.
func randomJSON(rnd *rand.Rand, depth int) string {
	keys := []string{"a", "names", "é", `\u0041`, `x\"y`, `\\`, "\xc3", `\ud83d\ude00`, ""}
	sp := []string{"", " ", "\n", "\t "}[rnd.Intn(4)]
	switch k := rnd.Intn(9); {
	case depth < 6 && k < 3:
		var parts []string
		for n := rnd.Intn(4); n > 0; n-- {
			parts = append(parts, sp+`"`+keys[rnd.Intn(len(keys))]+`"`+sp+":"+sp+randomJSON(rnd, depth+1))
		}
		return "{" + strings.Join(parts, ",") + sp + "}"
	case depth < 6 && k < 5:
		var parts []string
		for n := rnd.Intn(4); n > 0; n-- {
			parts = append(parts, sp+randomJSON(rnd, depth+1))
		}
		return "[" + strings.Join(parts, ",") + sp + "]"
	default:
		return []string{"null", "true", "false", "0", "-1.5e-3", `"s"`, `"\u0000\n"`, `"}]"`}[rnd.Intn(8)]
	}
}
