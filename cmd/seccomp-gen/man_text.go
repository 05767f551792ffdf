//go:build man

package main

import (
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// manMarkdown turns a command's --help text into the markdown that
// cobra/doc feeds to go-md2man for its man page, so that the page says
// what --help says: each run of indented lines (option lists, JSON
// examples) becomes a fenced block, printed as it is, rather than lines
// that roff joins with the next paragraph's first line; elsewhere the
// characters markdown would take for markup (<container ID> as HTML, _ and
// * as emphasis) are escaped.
func manMarkdown(s string) string {
	var b strings.Builder
	lines := strings.Split(s, "\n")
	for i := 0; i < len(lines); i++ {
		if !indented(lines[i]) {
			b.WriteString(mdEscape(lines[i]))
			if i < len(lines)-1 {
				b.WriteByte('\n')
			}
			continue
		}
		j := i
		for j < len(lines) && (indented(lines[j]) || lines[j] == "" && j+1 < len(lines) && indented(lines[j+1])) {
			j++
		}
		if i > 0 && lines[i-1] != "" {
			b.WriteByte('\n')
		}
		b.WriteString("```\n" + strings.Join(lines[i:j], "\n") + "\n```\n")
		if j < len(lines) && lines[j] != "" {
			b.WriteByte('\n')
		}
		i = j - 1
	}
	return b.String()
}

func indented(line string) bool {
	return (strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t")) && strings.TrimSpace(line) != ""
}

// mdEscape escapes what markdown would read as markup in one line of text.
func mdEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, "<", `\<`, ">", `\>`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`).Replace(s)
}

// manReady rewrites the help texts of cmd and its subcommands for
// cobra/doc (manMarkdown) and escapes their usage lines; flag usages get only '<' and '>' escaped (their
// backquotes name the flag's value). Only the __man command calls it: it
// changes the commands for good.
func manReady(cmd *cobra.Command) {
	cmd.Long = manMarkdown(cmd.Long)
	// The synopsis: "[-v] (-- CMD ...)" would be a link. Brackets stay
	// (cobra adds "[flags]" unless Use has it), and so does the name.
	if name, rest, ok := strings.Cut(cmd.Use, " "); ok {
		cmd.Use = name + " " + strings.NewReplacer("(", `\(`, "<", `\<`, "*", `\*`, "_", `\_`).Replace(rest)
	}
	esc := strings.NewReplacer("<", `\<`, ">", `\>`)
	for _, fs := range []*pflag.FlagSet{cmd.LocalNonPersistentFlags(), cmd.PersistentFlags()} {
		fs.VisitAll(func(f *pflag.Flag) { f.Usage = esc.Replace(f.Usage) })
	}
	for _, c := range cmd.Commands() {
		manReady(c)
	}
}
