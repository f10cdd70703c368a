// Package safetext escapes values that came from input (a soak's files, a
// bundle, a ref name, a commit message) for the language they are written
// into, so that a value is always shown as text and never read as markup,
// a command, an option or a terminal control sequence. There is one helper
// per output language:
//
//	MarkdownText   running Markdown text or a list item (MarkdownTableCell
//	               for a table cell)
//	MarkdownCode   an inline code span (MarkdownTableCode inside a table)
//	ShellWord      one word of a POSIX shell command line
//	PromLabel      a Prometheus label value between double quotes
//	XMLText        XML character data; XMLAttr an attribute value
//	Terminal       text for a terminal; TerminalLine one line of it
//
// Every helper except ShellWord returns one line: a newline, a carriage
// return or another control character from input never reaches the output
// raw. ShellWord keeps its value exact (a path must stay the same path);
// callers that need one line check OneLine first.
package safetext

import (
	"strings"
	"unicode/utf8"
)

// invisible reports whether r is a character that changes how the text
// around it is displayed without being seen itself: the bidirectional
// overrides and isolates ("Trojan Source"), the line and paragraph
// separators some viewers break lines at, and the byte order mark.
func invisible(r rune) bool {
	switch {
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069,
		r == 0x200E, r == 0x200F, r == 0x061C,
		r == 0x2028, r == 0x2029, r == 0xFEFF:
		return true
	}
	return false
}

// control reports whether r is a C0 or C1 control character or DEL.
func control(r rune) bool { return r < 0x20 || r >= 0x7f && r <= 0x9f }

// clean removes terminal escape sequences (CSI, OSC, DCS and the other
// ESC sequences, and their 8-bit C1 forms), replaces invalid UTF-8 with
// U+FFFD, and calls keep for every other control or invisible character:
// keep returns what to write in its place.
func clean(s string, keep func(r rune) string) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && w <= 1 {
			b.WriteRune(utf8.RuneError)
			i++
			continue
		}
		switch {
		case r == 0x1b: // ESC
			i += escLen(s[i:])
			continue
		case r == 0x9b: // CSI
			i += w + csiLen(s[i+w:])
			continue
		case r == 0x9d || r == 0x90 || r == 0x98 || r == 0x9e || r == 0x9f: // OSC, DCS, SOS, PM, APC
			i += w + stringLen(s[i+w:])
			continue
		case control(r) || invisible(r):
			b.WriteString(keep(r))
		default:
			b.WriteString(s[i : i+w])
		}
		i += w
	}
	return b.String()
}

// isPlain reports whether s is valid UTF-8 with no control or invisible
// character: most values are, and are returned as they are.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c >= 0x80 {
			if c < 0x80 {
				return false
			}
			for _, r := range s[i:] {
				if r == utf8.RuneError || control(r) || invisible(r) {
					return false
				}
			}
			return utf8.ValidString(s[i:])
		}
	}
	return true
}

// escLen is the length of the escape sequence at the start of s (s[0] is
// ESC), as a terminal would consume it.
func escLen(s string) int {
	if len(s) < 2 {
		return len(s)
	}
	switch s[1] {
	case '[':
		return 2 + csiLen(s[2:])
	case ']', 'P', 'X', '^', '_':
		return 2 + stringLen(s[2:])
	}
	// ESC followed by intermediate bytes (0x20-0x2f) and one final byte.
	n := 1
	for n < len(s) && s[n] >= 0x20 && s[n] <= 0x2f {
		n++
	}
	if n < len(s) && s[n] >= 0x30 && s[n] <= 0x7e {
		n++
	}
	return n
}

// csiLen is the length of a control sequence's parameters, intermediates
// and final byte at the start of s.
func csiLen(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x40 && c <= 0x7e {
			return i + 1
		}
		if c < 0x20 || c > 0x7e {
			// Not part of a control sequence: the sequence ends here and
			// the byte is judged on its own.
			return i
		}
	}
	return len(s)
}

// stringLen is the length of an OSC/DCS/SOS/PM/APC string up to and
// including its terminator (BEL, ESC \ or the 8-bit ST); an unterminated
// string runs to the end of s, as a terminal would swallow it.
func stringLen(s string) int {
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == 0x07:
			return i + 1
		case s[i] == 0x1b && i+1 < len(s) && s[i+1] == '\\':
			return i + 2
		case s[i] == 0xc2 && i+1 < len(s) && s[i+1] == 0x9c:
			return i + 2
		}
	}
	return len(s)
}

// Terminal returns s with every terminal escape sequence and control
// character removed, except newlines and tabs. Invalid UTF-8 becomes
// U+FFFD. Use it for multi-line text shown on a terminal or in a log
// viewer that interprets escape sequences.
func Terminal(s string) string {
	return clean(s, func(r rune) string {
		if r == '\n' || r == '\t' {
			return string(r)
		}
		return ""
	})
}

// TerminalLine is Terminal for one line: newlines, carriage returns and
// tabs become spaces.
func TerminalLine(s string) string {
	return clean(s, func(r rune) string {
		if r == '\n' || r == '\r' || r == '\t' || r == 0x2028 || r == 0x2029 {
			return " "
		}
		return ""
	})
}

// OneLine reports whether s is valid UTF-8 without any control or
// invisible character: it can be written on one line as it is.
func OneLine(s string) bool { return isPlain(s) }

// MarkdownText escapes s for running CommonMark/GitHub Markdown text, a
// list item or a table cell: it renders as exactly the characters of s
// (on one line, without control characters), never as a heading, list,
// quote, link, image, emphasis, HTML, entity, code or table syntax.
// Underscores inside words (p95_latency_ms) are left as they are: they
// cannot emphasise.
func MarkdownText(s string) string { return markdownText(s, true) }

// MarkdownTableCell is MarkdownText for a cell of a GitHub table: a cell
// holds inline content only, so what would start a block at the start of
// a line (">= 0.83", "- x") stays as it is.
func MarkdownTableCell(s string) string { return markdownText(s, false) }

func markdownText(s string, block bool) string {
	s = strings.TrimSpace(TerminalLine(s))
	var b strings.Builder
	b.Grow(len(s) + 8)
	// A value may start a line: neutralise block syntax at its start.
	switch {
	case s == "" || !block:
	case s[0] == '#' || s[0] == '>':
		b.WriteByte('\\')
	case strings.IndexByte("+-=", s[0]) >= 0 && (len(s) == 1 || !isDigit(s[1]) && s[1] != '.'):
		// "-0.5" is a number, "- x", "--" and "===" are block syntax.
		b.WriteByte('\\')
	case s[0] == '*':
		// escaped below, as everywhere
	default:
		// "1. " and "1) " start ordered lists.
		n := 0
		for n < len(s) && n < 10 && isDigit(s[n]) {
			n++
		}
		if n > 0 && n < len(s) && (s[n] == '.' || s[n] == ')') && (n+1 == len(s) || s[n+1] == ' ') {
			b.WriteString(s[:n])
			b.WriteByte('\\')
			s = s[n:]
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\', '`', '*', '[', ']', '|', '~', '$':
			b.WriteByte('\\')
		case '<':
			// Only "<" before a letter, "/", "!" or "?" can open HTML or
			// an autolink; "<= 340" stays readable.
			if i+1 < len(s) && (isLetter(s[i+1]) || strings.IndexByte("/!?", s[i+1]) >= 0) {
				b.WriteByte('\\')
			}
		case '_':
			if !(i > 0 && isWordByte(s[i-1]) && i+1 < len(s) && isWordByte(s[i+1])) {
				b.WriteByte('\\')
			}
		case '&':
			if i+1 < len(s) && (isLetter(s[i+1]) || isDigit(s[i+1]) || s[i+1] == '#') {
				b.WriteByte('\\')
			}
		case '!':
			// "![" is escaped through the '['.
		}
		b.WriteByte(c)
	}
	return b.String()
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// isWordByte: an ASCII letter or digit, or a byte of a multi-byte UTF-8
// character (CommonMark counts Unicode letters as word characters; the
// bytes of other symbols only make an underscore more, not less, safe).
func isWordByte(c byte) bool { return isLetter(c) || isDigit(c) || c >= 0x80 }

// MarkdownCode returns s as an inline code span: a backtick run longer
// than any in s, with a space of padding where CommonMark would strip it.
// Control characters are removed; the span is one line.
func MarkdownCode(s string) string { return codeSpan(s, false) }

// MarkdownTableCode is MarkdownCode for a cell of a GitHub table, where a
// "|" ends the cell even inside a code span unless it is escaped.
func MarkdownTableCode(s string) string { return codeSpan(s, true) }

func codeSpan(s string, table bool) string {
	s = TerminalLine(s)
	if table {
		s = strings.ReplaceAll(s, "|", `\|`)
	}
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == '`' {
			run++
			if run > longest {
				longest = run
			}
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if s == "" {
		return "` `" // a code span of one space: CommonMark keeps it
	}
	if s[0] == '`' || s[len(s)-1] == '`' || s[0] == ' ' && s[len(s)-1] == ' ' && strings.Trim(s, " ") != "" {
		s = " " + s + " "
	}
	return fence + s + fence
}

// shellPlain are the characters a POSIX shell takes literally in an
// unquoted word (outside the first word of a command).
func shellPlain(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:@+,%", r)
}

// ShellWord quotes s as one POSIX shell word that expands to exactly s:
// as it is when every character is plain, else between single quotes,
// where each single quote of s closes the quotes, is written escaped with
// a backslash and reopens them. Nothing inside single quotes is special
// to the shell. A value with a newline stays correct but spans lines:
// documents check OneLine first.
func ShellWord(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool { return !shellPlain(r) }) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// PromLabel escapes s for a Prometheus label value between double quotes
// (the text exposition format and PromQL): backslash, double quote and
// newline are escaped; other control characters and invalid UTF-8 are
// removed (Prometheus requires UTF-8 label values).
func PromLabel(s string) string {
	s = clean(s, func(r rune) string {
		switch r {
		case '\n':
			return "\n"
		case '\r', '\t':
			return " "
		}
		return ""
	})
	s = strings.ReplaceAll(s, string(utf8.RuneError), "")
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

// XMLText escapes s for XML character data: &, < and > become entities,
// escape sequences and characters XML 1.0 does not allow are removed, and
// newlines are kept.
func XMLText(s string) string {
	return xmlEscape(Terminal(s), false)
}

// XMLAttr escapes s for an XML attribute value in single or double quotes,
// on one line (a newline becomes a space; attribute normalisation would
// turn it into one anyway).
func XMLAttr(s string) string {
	return xmlEscape(TerminalLine(s), true)
}

func xmlEscape(s string, attr bool) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case attr && r == '"':
			b.WriteString("&quot;")
		case attr && r == '\'':
			b.WriteString("&apos;")
		case r == '\n' || r == '\t' || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF:
			b.WriteRune(r)
		}
	}
	return b.String()
}
