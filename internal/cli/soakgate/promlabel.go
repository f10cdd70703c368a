package soakgate

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/soakline/soakline/internal/cliutil"
	"github.com/soakline/soakline/internal/promq"
)

// promLabel is one identity label of --label KEY=VALUE.
type promLabel struct{ name, value string }

// reservedLabels are the label names the metrics use themselves, and those
// Prometheus attaches at scrape time (job, instance) or gives a meaning
// (le, quantile): an identity label of one of these names would clash.
var reservedLabels = []string{
	"check", "direction", "kpi", "level", "outcome", "source", "statistic", "status", "verdict", "window",
	"instance", "job", "le", "quantile",
}

// parseLabels checks --label KEY=VALUE arguments: a name as Prometheus
// allows it ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __), none reserved
// or given twice, a non-empty UTF-8 value. The text encoder escapes the
// value.
func parseLabels(args []string) ([]promLabel, error) {
	out := make([]promLabel, 0, len(args))
	for _, a := range args {
		l, err := parseLabel(a)
		if err != nil {
			return nil, cliutil.Usagef("--label %q: %v", a, err)
		}
		if slices.ContainsFunc(out, func(p promLabel) bool { return p.name == l.name }) {
			return nil, cliutil.Usagef("--label %s given twice", l.name)
		}
		out = append(out, l)
	}
	return out, nil
}

func parseLabel(a string) (promLabel, error) {
	name, value, ok := strings.Cut(a, "=")
	switch {
	case !ok:
		return promLabel{}, errors.New("want KEY=VALUE")
	case name == "":
		return promLabel{}, errors.New("empty label name")
	case !validLabelName(name):
		return promLabel{}, errors.New("a label name is letters, digits and _, not starting with a digit")
	case strings.HasPrefix(name, "__"):
		return promLabel{}, errors.New("names starting with __ are reserved by Prometheus")
	case slices.Contains(reservedLabels, name):
		return promLabel{}, fmt.Errorf("%s is a label of the metrics themselves or of Prometheus (reserved: %s)", name, strings.Join(reservedLabels, ", "))
	case value == "":
		return promLabel{}, errors.New("empty value (Prometheus reads it as no label)")
	case !utf8.ValidString(value):
		return promLabel{}, errors.New("the value is not UTF-8")
	}
	return promLabel{name: name, value: value}, nil
}

// validLabelName is Prometheus's classic label name rule, which every
// version and every remote store accepts.
func validLabelName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9' {
			continue
		}
		return false
	}
	return s != ""
}

// maxPromPeek bounds what checkPromCollision reads of another file.
const maxPromPeek = 16 << 20

// checkPromCollision refuses to write the metrics to path when they would
// collide in node_exporter's textfile collector, which reads every *.prom
// file of a directory into one scrape: another *.prom file of the
// directory already exports soak-gate series with the same identity labels
// (the scrape would fail on the duplicate series), or path itself holds
// the metrics of a soak with other identity labels (they would be lost).
// Files that are not soak-gate metrics, or do not parse, are left alone.
//
// Other files are looked at only when siblings is true (--prometheus=FILE,
// a file meant for a textfile directory): the default file sits in a soak
// or --out directory, which can hold 100,000 iteration files.
func checkPromCollision(path string, labels []promLabel, siblings bool) error {
	own := map[string]string{}
	for _, l := range labels {
		own[l.name] = l.value
	}
	ownKey := promq.LabelKey(own)
	if ids := promIdentities(path); len(ids) > 0 && !slices.Contains(ids, ownKey) {
		return cliutil.Usagef("--prometheus: %s holds metrics with other identity labels (%s; this run's are %s): another soak's, or this one's labelled otherwise; give each soak its own file, or remove it", path, ids[0], ownKey)
	}
	if !siblings {
		return nil
	}
	dir := filepath.Dir(path)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil // a directory still to be made, or one we cannot list: nothing to collide with
	}
	target, _ := filepath.Abs(path)
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".prom") || !e.Type().IsRegular() {
			continue
		}
		name := filepath.Join(dir, e.Name())
		if abs, _ := filepath.Abs(name); abs == target {
			continue
		}
		if slices.Contains(promIdentities(name), ownKey) {
			return cliutil.Usagef("--prometheus: %s already exports soak-gate series with the labels %s; node_exporter's textfile collector would see each series twice: give each soak's file distinct --label values (soak, bot, track)", name, ownKey)
		}
	}
	return nil
}

// promIdentities reads the identity label sets of the soak-gate metrics in
// a file: the labels of its soak_verdict series but verdict. None when the
// file is not soak-gate's or does not parse.
func promIdentities(name string) []string {
	fi, err := os.Stat(name)
	if err != nil || fi.Size() > maxPromPeek {
		return nil
	}
	data, err := os.ReadFile(name)
	if err != nil || !bytes.Contains(data, []byte("soak_verdict")) {
		return nil
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(bytes.NewReader(data))
	if err != nil {
		return nil
	}
	fam := fams["soak_verdict"]
	if fam == nil {
		return nil
	}
	var ids []string
	for _, m := range fam.GetMetric() {
		ls := map[string]string{}
		for _, lp := range m.GetLabel() {
			if lp.GetName() != "verdict" {
				ls[lp.GetName()] = lp.GetValue()
			}
		}
		if k := promq.LabelKey(ls); !slices.Contains(ids, k) {
			ids = append(ids, k)
		}
	}
	return ids
}
