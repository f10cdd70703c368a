package cliutil

import "strings"

// Anchors in urfave/cli's help templates: an application's USAGE section
// is followed by VERSION; a command's USAGE is one template call.
const (
	appUsageEnd     = "{{if .Version}}{{if not .HideVersion}}\n\nVERSION:"
	commandUsageEnd = "USAGE:\n   {{template \"usageTemplate\" .}}"
)

// WithExamples adds an EXAMPLES section right after the USAGE section of an
// urfave/cli help template (an application's, where it precedes VERSION,
// or a command's), each line indented as the other sections are. The
// examples are literal text: a "{{" in them is not a template action. The
// template is returned unchanged when it has neither anchor (a test of
// each binary's --help pins that the section is there).
func WithExamples(tmpl, examples string) string {
	lines := strings.Split(strings.TrimSpace(examples), "\n")
	section := "\n\nEXAMPLES:\n   " + strings.ReplaceAll(strings.Join(lines, "\n   "), "{{", `{{"{{"}}`)
	switch {
	case strings.Contains(tmpl, appUsageEnd):
		return strings.Replace(tmpl, appUsageEnd, section+appUsageEnd, 1)
	case strings.Contains(tmpl, commandUsageEnd):
		return strings.Replace(tmpl, commandUsageEnd, commandUsageEnd+section, 1)
	}
	return tmpl
}
