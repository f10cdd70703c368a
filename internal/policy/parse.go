package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/soakline/soakline/pkg/artifact"
)

// Load reads a policy file, YAML or JSON (JSON is read as the YAML subset it
// is, so both formats give the same errors). Errors are *artifact.Error
// values naming the file and the line of the offending key or value.
func Load(path string) (*Policy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &artifact.Error{File: path, Err: err}
	}
	p, err := Parse(path, data)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Parse reads a policy document. file names it in errors and becomes the
// policy's Source. Omitted fields take these defaults: name "custom",
// warmup 0, max_failed_iterations 0, per rule statistic "mean", on_missing
// "inconclusive", min_effect 0; window, delta, adoption and compare
// settings as in the built-in production policy (production.yaml). Every
// rule needs kpi, direction and fail.
func Parse(file string, data []byte) (*Policy, error) {
	return parse(file, data, Default(false))
}

// parse reads a policy document whose omitted window, delta, adoption and
// compare settings are base's.
func parse(file string, data []byte, base *Policy) (*Policy, error) {
	data = artifact.TrimBOM(data)
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, artifact.Errorf(file, 0, "empty policy")
	}
	if t := bytes.TrimLeft(data, " \t\r\n"); t[0] == '{' {
		// JSON: encoding/json locates a syntax error better than the
		// YAML parser does inside a flow mapping.
		if err := jsonSyntax(data); err != nil {
			return nil, artifact.Errorf(file, err.line, "invalid JSON: %s", err.msg)
		}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlError(file, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, artifact.Errorf(file, 0, "empty policy")
	}
	p := &Policy{
		SchemaVersion: artifact.SchemaVersion,
		Kind:          artifact.KindPolicy,
		Name:          "custom",
		Window:        base.Window,
		Delta:         base.Delta,
		Adoption:      base.Adoption,
		Compare:       base.Compare,
		Source:        file,
	}
	ps := &parser{file: file}
	root := doc.Content[0]
	var kpisNode *yaml.Node
	err := ps.mapping(root, "", func(key string, k, v *yaml.Node) error {
		switch key {
		case "schema_version":
			n, err := ps.int(v, key)
			if err != nil {
				return err
			}
			if n != artifact.SchemaVersion {
				return ps.errf(v, "%s: unsupported version %d (this soak-gate reads %d)", key, n, artifact.SchemaVersion)
			}
		case "kind":
			s, err := ps.str(v, key)
			if err != nil {
				return err
			}
			if artifact.Kind(s) != artifact.KindPolicy {
				return ps.errf(v, "kind: want %q, got %q", artifact.KindPolicy, s)
			}
		case "name":
			s, err := ps.str(v, key)
			if err != nil {
				return err
			}
			if !nameRe.MatchString(s) {
				return ps.errf(v, "name: want letters, digits, '.', '_' or '-' (at most 64), got %q", s)
			}
			p.Name = s
		case "description":
			s, err := ps.str(v, key)
			if err != nil {
				return err
			}
			p.Description = strings.Join(strings.Fields(s), " ")
		case "window":
			n, err := ps.int(v, key)
			if err != nil {
				return err
			}
			if n < 1 {
				return ps.errf(v, "window: must be at least 1, got %d", n)
			}
			p.Window = n
		case "warmup":
			s, err := ps.scalar(v, key)
			if err != nil {
				return err
			}
			w, err := ParseWarmup(s)
			if err != nil {
				return ps.errf(v, "warmup: %v", err)
			}
			p.Warmup = w
		case "max_failed_iterations":
			n, err := ps.int(v, key)
			if err != nil {
				return err
			}
			if n < 0 {
				return ps.errf(v, "%s: must be >= 0, got %d", key, n)
			}
			p.MaxFailedIterations = n
		case "kpis":
			kpisNode = v
		case "prometheus":
			return ps.prometheus(v, p)
		case "delta":
			return ps.mapping(v, "delta.", func(key string, k, v *yaml.Node) error {
				switch key {
				case "min_full_apply_ratio", "strict_min_full_apply_ratio":
					f, err := ps.float(v, "delta."+key)
					if err != nil {
						return err
					}
					if !(f >= 0 && f <= 1) {
						return ps.errf(v, "delta.%s: must be between 0 and 1, got %g", key, f)
					}
					if key == "min_full_apply_ratio" {
						p.Delta.MinFullApplyRatio = f
					} else {
						p.Delta.StrictMinFullApplyRatio = f
					}
				case "max_signature_stuck":
					n, err := ps.int(v, "delta."+key)
					if err != nil {
						return err
					}
					if n < 0 {
						return ps.errf(v, "delta.%s: must be >= 0, got %d", key, n)
					}
					p.Delta.MaxSignatureStuck = n
				default:
					return ps.unknown(k, "delta.", key, "min_full_apply_ratio, strict_min_full_apply_ratio, max_signature_stuck")
				}
				return nil
			})
		case "adoption":
			return ps.mapping(v, "adoption.", func(key string, k, v *yaml.Node) error {
				dst := &p.Adoption.OnMismatch
				switch key {
				case "on_mismatch":
				case "on_unreported":
					dst = &p.Adoption.OnUnreported
				default:
					return ps.unknown(k, "adoption.", key, "on_mismatch, on_unreported")
				}
				s, err := ps.str(v, "adoption."+key)
				if err != nil {
					return err
				}
				if !validAdopt(s) {
					return ps.errf(v, "adoption.%s: want fail, warn, inconclusive or skip, got %q", key, s)
				}
				*dst = s
				return nil
			})
		case "compare":
			return ps.mapping(v, "compare.", func(key string, k, v *yaml.Node) error {
				switch key {
				case "alpha":
					f, err := ps.float(v, "compare.alpha")
					if err != nil {
						return err
					}
					if !(f > 0 && f < 1) {
						return ps.errf(v, "compare.alpha: must be between 0 and 1 (exclusive), got %g", f)
					}
					p.Compare.Alpha = f
				case "min_samples":
					n, err := ps.int(v, "compare.min_samples")
					if err != nil {
						return err
					}
					if n < 1 {
						return ps.errf(v, "compare.min_samples: must be at least 1, got %d", n)
					}
					p.Compare.MinSamples = n
				default:
					return ps.unknown(k, "compare.", key, "alpha, min_samples")
				}
				return nil
			})
		default:
			return ps.unknown(k, "", key, "schema_version, kind, name, description, window, warmup, max_failed_iterations, kpis, delta, adoption, compare, prometheus")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if kpisNode == nil {
		return nil, ps.errf(root, "kpis: missing: a policy needs at least one KPI rule")
	}
	if err := ps.rules(kpisNode, p); err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		// Everything Validate checks was checked above with a line; this is
		// a safety net.
		return nil, artifact.Errorf(file, 0, "%v", err)
	}
	return p, nil
}

type syntaxErr struct {
	line int
	msg  string
}

func jsonSyntax(data []byte) *syntaxErr {
	dec := json.NewDecoder(bytes.NewReader(data))
	var v any
	err := dec.Decode(&v)
	if err == nil {
		if _, err2 := dec.Token(); err2 != io.EOF {
			return &syntaxErr{line: artifact.LineOf(data, dec.InputOffset()), msg: "trailing data after the JSON object"}
		}
		return nil
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &syntaxErr{line: artifact.LineOf(data, se.Offset), msg: strings.TrimPrefix(se.Error(), "json: ")}
	}
	return &syntaxErr{line: artifact.LineOf(data, int64(len(data))), msg: "unexpected end of input"}
}

var nameRe = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

func (ps *parser) rules(seq *yaml.Node, p *Policy) error {
	if seq.Kind != yaml.SequenceNode {
		return ps.errf(seq, "kpis: want a list of rules, got %s", kindName(seq))
	}
	if len(seq.Content) == 0 {
		return ps.errf(seq, "kpis: a policy needs at least one KPI rule")
	}
	seen := map[string]int{}
	for i, item := range seq.Content {
		prefix := fmt.Sprintf("kpis[%d].", i)
		r := Rule{Statistic: StatMean, OnMissing: OnMissingInconclusive}
		var haveKPI, haveDir, haveFail bool
		var susNode, warnNode *yaml.Node
		err := ps.mapping(item, prefix, func(key string, k, v *yaml.Node) error {
			name := prefix + key
			switch key {
			case "kpi":
				s, err := ps.str(v, name)
				if err != nil {
					return err
				}
				if !artifact.IsKPI(s) {
					return ps.errf(v, "%s: unknown KPI %q (known: %s)", name, s, strings.Join(artifact.KPINames, ", "))
				}
				r.KPI, haveKPI = s, true
			case "statistic":
				s, err := ps.str(v, name)
				if err != nil {
					return err
				}
				if !ValidStatistic(s) {
					return ps.errf(v, "%s: want mean, median, min, max, last or pN (N in 1..99), got %q", name, s)
				}
				r.Statistic = s
			case "direction":
				s, err := ps.str(v, name)
				if err != nil {
					return err
				}
				switch s {
				case ">=", "at_least":
					r.Direction = AtLeast
				case "<=", "at_most":
					r.Direction = AtMost
				default:
					return ps.errf(v, "%s: want \">=\" (or at_least) or \"<=\" (or at_most), got %q", name, s)
				}
				haveDir = true
			case "fail":
				f, err := ps.float(v, name)
				if err != nil {
					return err
				}
				r.Fail, haveFail = f, true
			case "warn":
				f, err := ps.float(v, name)
				if err != nil {
					return err
				}
				r.Warn, warnNode = &f, v
			case "on_missing":
				s, err := ps.str(v, name)
				if err != nil {
					return err
				}
				switch s {
				case OnMissingFail, OnMissingInconclusive, OnMissingSkip:
					r.OnMissing = s
				default:
					return ps.errf(v, "%s: want fail, inconclusive or skip, got %q", name, s)
				}
			case "sustained":
				var s Sustained
				err := ps.mapping(v, name+".", func(key string, k, v *yaml.Node) error {
					n, err := ps.int(v, name+"."+key)
					if err != nil {
						return err
					}
					if n < 1 {
						return ps.errf(v, "%s.%s: must be at least 1, got %d", name, key, n)
					}
					switch key {
					case "consecutive":
						s.Consecutive = n
					case "k":
						s.K = n
					case "n":
						s.N = n
					default:
						return ps.unknown(k, name+".", key, "consecutive, k, n")
					}
					return nil
				})
				if err != nil {
					return err
				}
				r.Sustained, susNode = &s, v
			case "min_effect":
				f, err := ps.float(v, name)
				if err != nil {
					return err
				}
				if f < 0 {
					return ps.errf(v, "%s: must be >= 0, got %g", name, f)
				}
				r.MinEffect = f
			default:
				return ps.unknown(k, prefix, key, "kpi, statistic, direction, fail, warn, on_missing, sustained, min_effect")
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, req := range []struct {
			ok   bool
			name string
		}{{haveKPI, "kpi"}, {haveDir, "direction"}, {haveFail, "fail"}} {
			if !req.ok {
				return ps.errf(item, "%s%s: missing", prefix, req.name)
			}
		}
		if r.Warn != nil && r.Breaches(*r.Warn, r.Fail) {
			return ps.errf(warnNode, "%swarn: %g is already past the fail level %g (direction %s)", prefix, *r.Warn, r.Fail, r.Direction)
		}
		if s := r.Sustained; s != nil {
			if err := (Rule{KPI: r.KPI, Statistic: StatMean, Direction: AtLeast, OnMissing: OnMissingSkip, Sustained: s}).validate(p.Window); err != nil {
				return ps.errf(susNode, "%s%v", prefix, err)
			}
		}
		if j, dup := seen[r.CheckName()]; dup {
			return ps.errf(item, "%s: %s %s is already judged by kpis[%d]", strings.TrimSuffix(prefix, "."), r.KPI, r.Statistic, j)
		}
		seen[r.CheckName()] = i
		p.KPIs = append(p.KPIs, r)
	}
	return nil
}

type parser struct{ file string }

func (ps *parser) errf(n *yaml.Node, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return artifact.Errorf(ps.file, line, format, args...)
}

func (ps *parser) unknown(k *yaml.Node, prefix, key, known string) error {
	return ps.errf(k, "%s%s: unknown key (known: %s)", prefix, key, known)
}

// mapping calls fn for each key of a mapping node, refusing duplicates,
// aliases and non-string keys.
func (ps *parser) mapping(n *yaml.Node, prefix string, fn func(key string, k, v *yaml.Node) error) error {
	if err := ps.noAlias(n, strings.TrimSuffix(prefix, ".")); err != nil {
		return err
	}
	if n.Kind != yaml.MappingNode {
		what := strings.TrimSuffix(prefix, ".")
		if what == "" {
			what = "policy"
		}
		return ps.errf(n, "%s: want a mapping, got %s", what, kindName(n))
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || (k.Tag != "!!str" && k.Tag != "!!int" && k.Tag != "!!float" && k.Tag != "!!bool") {
			return ps.errf(k, "%s: keys must be strings", strings.TrimSuffix(prefix, "."))
		}
		if seen[k.Value] {
			return ps.errf(k, "%s%s: duplicate key", prefix, k.Value)
		}
		seen[k.Value] = true
		if err := ps.noAlias(v, prefix+k.Value); err != nil {
			return err
		}
		if err := fn(k.Value, k, v); err != nil {
			return err
		}
	}
	return nil
}

func (ps *parser) noAlias(n *yaml.Node, name string) error {
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		return ps.errf(n, "%s: YAML anchors and aliases are not supported in policies", name)
	}
	return nil
}

func (ps *parser) scalar(n *yaml.Node, name string) (string, error) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", ps.errf(n, "%s: want a value, got %s", name, kindName(n))
	}
	return n.Value, nil
}

func (ps *parser) str(n *yaml.Node, name string) (string, error) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		return "", ps.errf(n, "%s: want a string, got %s", name, kindName(n))
	}
	return n.Value, nil
}

func (ps *parser) float(n *yaml.Node, name string) (float64, error) {
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") {
		return 0, ps.errf(n, "%s: want a number, got %s", name, kindName(n))
	}
	var f float64
	if err := n.Decode(&f); err != nil {
		return 0, ps.errf(n, "%s: want a number, got %q", name, n.Value)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, ps.errf(n, "%s: must be a finite number, got %s", name, n.Value)
	}
	return f, nil
}

func (ps *parser) int(n *yaml.Node, name string) (int, error) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
		if n.Kind == yaml.ScalarNode && n.Tag == "!!float" {
			return 0, ps.errf(n, "%s: want an integer, got %s", name, n.Value)
		}
		return 0, ps.errf(n, "%s: want an integer, got %s", name, kindName(n))
	}
	var v int64
	if err := n.Decode(&v); err != nil || v > math.MaxInt32 || v < math.MinInt32 {
		return 0, ps.errf(n, "%s: integer out of range: %s", name, n.Value)
	}
	return int(v), nil
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return "null"
		case "!!bool":
			return "a boolean (" + n.Value + ")"
		case "!!int", "!!float":
			return "a number (" + n.Value + ")"
		case "!!str":
			return strconv.Quote(n.Value)
		}
		return n.Tag + " " + strconv.Quote(n.Value)
	}
	return "nothing"
}

var yamlLineRe = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// yamlError turns a yaml syntax error into an *artifact.Error with a line.
func yamlError(file string, err error) error {
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	if m := yamlLineRe.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return artifact.Errorf(file, line, "invalid YAML/JSON: %s", m[2])
	}
	return artifact.Errorf(file, 0, "invalid YAML/JSON: %s", msg)
}
