package release

import (
	"bufio"
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/soakline/soakline/pkg/artifact"
)

// SumEntry is one line of SHA256SUMS.
type SumEntry struct {
	Name   string
	SHA256 string
}

// FormatSums renders files as SHA256SUMS in the format of sha256sum (text
// mode: digest, two spaces, name), sorted by name, so that `sha256sum -c
// SHA256SUMS` checks the bundle.
func FormatSums(files map[string][]byte) []byte {
	var b bytes.Buffer
	for _, n := range slices.Sorted(maps.Keys(files)) {
		fmt.Fprintf(&b, "%s  %s\n", artifact.Hash(files[n]), n)
	}
	return b.Bytes()
}

// ParseSums reads SHA256SUMS. It accepts what sha256sum writes in text and
// binary mode ("  " or " *" between digest and name). A malformed line, a
// name that could leave the bundle directory or a name listed twice is an
// error naming the line; the other lines are still returned.
func ParseSums(data []byte) ([]SumEntry, []error) {
	var out []SumEntry
	var errs []error
	seen := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSuffix(sc.Text(), "\r")
		if text == "" {
			continue
		}
		if len(text) < 66 || !isHex(text[:64]) || text[64] != ' ' || (text[65] != ' ' && text[65] != '*') {
			errs = append(errs, fmt.Errorf("line %d: want \"<sha256>  <file>\"", line))
			continue
		}
		name := text[66:]
		if err := CheckBundleName(name); err != nil {
			errs = append(errs, fmt.Errorf("line %d: %w", line, err))
			continue
		}
		if prev, ok := seen[name]; ok {
			errs = append(errs, fmt.Errorf("line %d: %s is already listed on line %d", line, name, prev))
			continue
		}
		seen[name] = line
		out = append(out, SumEntry{Name: name, SHA256: strings.ToLower(text[:64])})
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, err)
	}
	return out, errs
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
