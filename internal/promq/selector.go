package promq

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Matcher is one label matcher of a selector.
type Matcher struct {
	Name, Op, Value string
}

// MaxSelectorBytes bounds a selector.
const MaxSelectorBytes = 1024

// ParseSelector reads a list of label matchers as written inside PromQL
// braces, without the braces: `track="canary",job=~"bot.*"`. Names are
// [a-zA-Z_][a-zA-Z0-9_]*, operators = != =~ !~, values double- or
// single-quoted Go-style strings. At least one matcher must not match the
// empty string (as Prometheus asks of a selector), so that the selector
// cannot select every series.
func ParseSelector(s string) ([]Matcher, error) {
	if len(s) > MaxSelectorBytes {
		return nil, fmt.Errorf("selector of %d bytes (at most %d)", len(s), MaxSelectorBytes)
	}
	var out []Matcher
	i := 0
	skip := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
	}
	for {
		skip()
		start := i
		for i < len(s) && (s[i] == '_' || s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z' || i > start && s[i] >= '0' && s[i] <= '9') {
			i++
		}
		if i == start {
			return nil, fmt.Errorf("offset %d: want a label name", i)
		}
		m := Matcher{Name: s[start:i]}
		skip()
		switch {
		case strings.HasPrefix(s[i:], "=~"), strings.HasPrefix(s[i:], "!="), strings.HasPrefix(s[i:], "!~"):
			m.Op = s[i : i+2]
			i += 2
		case strings.HasPrefix(s[i:], "="):
			m.Op = "="
			i++
		default:
			return nil, fmt.Errorf("offset %d: want =, !=, =~ or !~ after %s", i, m.Name)
		}
		skip()
		if i >= len(s) || (s[i] != '"' && s[i] != '\'') {
			return nil, fmt.Errorf("offset %d: want a quoted value for %s", i, m.Name)
		}
		q := s[i]
		j := i + 1
		for ; j < len(s) && s[j] != q; j++ {
			if s[j] == '\\' {
				j++
			}
		}
		if j >= len(s) {
			return nil, fmt.Errorf("offset %d: unterminated value of %s", i, m.Name)
		}
		lit := s[i : j+1]
		if q == '\'' {
			lit = `"` + strings.ReplaceAll(strings.ReplaceAll(lit[1:len(lit)-1], `\'`, `'`), `"`, `\"`) + `"`
		}
		v, err := strconv.Unquote(lit)
		if err != nil {
			return nil, fmt.Errorf("offset %d: bad value of %s: %v", i, m.Name, err)
		}
		m.Value = v
		out = append(out, m)
		i = j + 1
		skip()
		if i == len(s) {
			break
		}
		if s[i] != ',' {
			return nil, fmt.Errorf("offset %d: want ',' between matchers", i)
		}
		i++
	}
	nonEmpty := false
	for _, m := range out {
		if (m.Op == "=" && m.Value != "") || (m.Op == "=~" && m.Value != "" && m.Value != ".*") || (m.Op == "!=" && m.Value == "") || (m.Op == "!~" && m.Value == ".*") {
			nonEmpty = true
		}
	}
	if !nonEmpty {
		return nil, fmt.Errorf("every matcher matches the empty value: the selector would select every series")
	}
	return out, nil
}

// FormatSelector writes matchers back as PromQL, values double-quoted.
func FormatSelector(ms []Matcher) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.Name + m.Op + strconv.Quote(m.Value)
	}
	return strings.Join(parts, ",")
}

// Expand fills a KPI query's placeholders: $selector with the selector
// (matchers as FormatSelector writes them) and $range with r in
// Prometheus's duration syntax.
func Expand(query, selector string, r time.Duration) string {
	return strings.NewReplacer("$selector", selector, "$range", Duration(r)).Replace(query)
}

// Duration writes d as Prometheus reads it: "5m", "1h30m", "250ms".
func Duration(d time.Duration) string {
	if d <= 0 {
		return "0s"
	}
	var b strings.Builder
	for _, u := range []struct {
		d time.Duration
		s string
	}{{time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}, {time.Millisecond, "ms"}} {
		if n := d / u.d; n > 0 {
			b.WriteString(strconv.FormatInt(int64(n), 10) + u.s)
			d -= n * u.d
		}
	}
	if b.Len() == 0 {
		return "1ms"
	}
	return b.String()
}
