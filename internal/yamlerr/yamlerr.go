// Package yamlerr says yaml.v3's decoding errors in one line, in the terms
// of the file being read rather than the Go types it is decoded into. The
// trace reader (package trace) and the profile reader (package emit) use it.
package yamlerr

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"gopkg.in/yaml.v3"
)

// most is how many type errors Line lists before it counts the rest: one
// bad value repeated over many lines says it all in a few.
const most = 3

// Line turns yaml.v3's multi-line errors into one line a user can act on:
// "line 3: unknown field colour", "line 11: -1 is not a whole number of 0
// or more; ...; and 12 more".
func Line(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs := make([]string, 0, len(te.Errors))
		for _, m := range te.Errors {
			m = strings.TrimSpace(m)
			if a, b, ok := strings.Cut(m, ": field "); ok {
				if i := strings.Index(b, " not found in type "); i >= 0 {
					m = a + ": unknown field " + b[:i]
				}
			}
			msgs = append(msgs, plainTypeError(m))
		}
		if len(msgs) > most {
			msgs = append(msgs[:most], fmt.Sprintf("and %d more", len(msgs)-most))
		}
		return strings.Join(msgs, "; ")
	}
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "parsing time "); ok {
		// time.Time's own parser, which names Go's reference layout.
		if v, err := strconv.QuotedPrefix(rest); err == nil {
			return v + " is not a time such as 2026-01-02T15:04:05Z (RFC 3339)"
		}
		return "not a time such as 2026-01-02T15:04:05Z (RFC 3339)"
	}
	msg = strings.ReplaceAll(strings.TrimPrefix(msg, "yaml: "), "\n", " ")
	if m := parserError().FindStringSubmatch(msg); m != nil {
		// yaml.v3 numbers its scanner's lines from 1 but its parser's
		// from 0 (the mark of the list or mapping being parsed, else of
		// the token): "line 19" for a broken flow item on line 20.
		if n, err := strconv.Atoi(m[1]); err == nil {
			return "line " + strconv.Itoa(n+1) + ": " + m[2]
		}
	}
	return msg
}

// parserError matches the errors of yaml.v3's parser (parserc.go), as
// against its scanner's, whose lines are right. Compiled at its first use,
// not at every start (issue 13).
var parserError = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^line (\d+): (did not find expected (?:<stream-start>|<document start>|node content|key|'-' indicator|',' or '\]'|',' or '\}')|found (?:undefined tag handle|duplicate %YAML directive|duplicate %TAG directive|incompatible YAML document))$`)
})

// typeError is yaml.v3's wording of a value of the wrong type.
// The tag may be a custom one ("!x"), and the value may span lines.
// Compiled at the first error, not in the package's initializer: every
// command, trace among them, would pay for it at its start (issue 13).
var typeError = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile("(?s)^(line [0-9]+): cannot unmarshal (!.*?)(?: `(.*)`)? into (.+)$")
})

// plainTypeError says "line 3: cannot unmarshal !!int `-1` into uint64" as
// "line 3: -1 is not a whole number of 0 or more". Other messages are
// returned as they are.
func plainTypeError(m string) string {
	g := typeError().FindStringSubmatch(m)
	if g == nil {
		return m
	}
	line, tag, value, goType := g[1], g[2], g[3], g[4]
	custom := !strings.HasPrefix(tag, "!!") // "!x", a tag the file made up
	switch {
	case tag == "!!map":
		value = "a mapping"
	case tag == "!!seq":
		value = "a list"
	case custom && value == "":
		value = "a value tagged " + strconv.Quote(tag)
	case custom:
		value = strconv.Quote(value) + " tagged " + strconv.Quote(tag)
	case tag == "!!str" || strings.ContainsFunc(value, unicode.IsControl):
		value = strconv.Quote(value)
	case value == "":
		value = tag
	}
	tag = strings.TrimPrefix(tag, "!!")
	var want string
	switch {
	case strings.HasPrefix(goType, "uint"):
		want = "a whole number of 0 or more"
	case strings.HasPrefix(goType, "int"):
		want = "a whole number"
	case goType == "string":
		want = "text"
	case goType == "bool":
		want = "true or false"
	case strings.HasPrefix(goType, "[]"):
		want = "a list"
	case strings.HasPrefix(goType, "map["), strings.HasPrefix(goType, "struct"):
		want = "a mapping (key: value)"
	case tag == "map" || tag == "seq":
		// A named type (a struct, or a scalar with its own parser): the
		// message names no Go type.
		return fmt.Sprintf("%s: %s is not allowed here", line, value)
	default:
		return fmt.Sprintf("%s: %s is not valid here", line, value)
	}
	return fmt.Sprintf("%s: %s is not %s", line, value, want)
}
