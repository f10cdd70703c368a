package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/soakline/soakline/pkg/artifact"
	"github.com/soakline/soakline/pkg/fileerr"
)

// Load reads a policy file, YAML or JSON (JSON is read as the YAML subset it
// is, so both formats give the same errors). Errors are *fileerr.Error
// values naming the file and the line of the offending key or value.
func Load(path string) (*Policy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &fileerr.Error{File: path, Err: err}
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
// compare settings are base's. Three steps: check walks the YAML tree
// against the Policy type and refuses what the decoder would take
// silently (unknown and duplicate keys, aliases, a string or a fraction
// where an integer goes, non-finite numbers); the yaml.v3 decoder, with
// KnownFields, decodes; Validate judges the values. Every error names the
// field and its line.
func parse(file string, data []byte, base *Policy) (*Policy, error) {
	data = artifact.TrimBOM(data)
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fileerr.Errorf(file, 0, "empty policy")
	}
	if t := bytes.TrimLeft(data, " \t\r\n"); t[0] == '{' {
		// JSON: encoding/json locates a syntax error better than the
		// YAML parser does inside a flow mapping.
		if err := jsonSyntax(data); err != nil {
			return nil, fileerr.Errorf(file, err.line, "invalid JSON: %s", err.msg)
		}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlError(file, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, fileerr.Errorf(file, 0, "empty policy")
	}
	root := doc.Content[0]
	ps := &parser{file: file, root: root}
	if err := ps.check(root, reflect.TypeFor[Policy](), ""); err != nil {
		return nil, err
	}
	p := &Policy{
		SchemaVersion: artifact.SchemaVersion,
		Kind:          artifact.KindPolicy,
		Name:          "custom",
		Window:        base.Window,
		Delta:         base.Delta,
		Adoption:      base.Adoption,
		Compare:       base.Compare,
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(p); err != nil {
		return nil, yamlError(file, err) // check lets nothing through that fails here
	}
	p.Source = file
	p.Description = strings.Join(strings.Fields(p.Description), " ")
	kpis := ps.node("kpis")
	if kpis == nil {
		return nil, ps.errf(root, "kpis: missing: a policy needs at least one KPI rule")
	}
	for i := range p.KPIs {
		r, at := &p.KPIs[i], fmt.Sprintf("kpis[%d]", i)
		for _, req := range []string{"kpi", "direction", "fail"} {
			if ps.node(at+"."+req) == nil {
				return nil, ps.errf(kpis.Content[i], "%s.%s: missing", at, req)
			}
		}
		if ps.node(at+".toolkit") != nil && ps.node(at+".toolkit.fail") == nil {
			return nil, ps.errf(ps.node(at+".toolkit"), "%s.toolkit.fail: missing", at)
		}
		if ps.node(at+".statistic") == nil {
			r.Statistic = StatMean
		}
		if ps.node(at+".on_missing") == nil {
			r.OnMissing = OnMissingInconclusive
		}
		switch r.Direction {
		case "at_least":
			r.Direction = AtLeast
		case "at_most":
			r.Direction = AtMost
		}
	}
	if p.Prometheus != nil && p.Prometheus.Queries == nil {
		p.Prometheus.Queries = map[string]string{}
	}
	if err := p.Validate(); err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			return nil, ps.errf(ps.nearest(fe.Path), "%v", err)
		}
		return nil, fileerr.Errorf(file, 0, "%v", err)
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
			return &syntaxErr{line: fileerr.LineOf(data, dec.InputOffset()), msg: "trailing data after the JSON object"}
		}
		return nil
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &syntaxErr{line: fileerr.LineOf(data, se.Offset), msg: strings.TrimPrefix(se.Error(), "json: ")}
	}
	return &syntaxErr{line: fileerr.LineOf(data, int64(len(data))), msg: "unexpected end of input"}
}

var nameRe = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// parser reports errors in one policy file; root is the document's top
// node.
type parser struct {
	file string
	root *yaml.Node
}

func (ps *parser) errf(n *yaml.Node, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return fileerr.Errorf(ps.file, line, format, args...)
}

var warmupType = reflect.TypeFor[Warmup]()

// check walks node n, the value of the field at path whose Go type is t,
// and refuses what yaml.v3 would decode silently or vaguely: aliases,
// unknown and duplicate keys, a scalar of the wrong type (the decoder turns
// 1 into "1" and 8.5 into 8), non-finite numbers.
func (ps *parser) check(n *yaml.Node, t reflect.Type, path string) error {
	name := path
	if name == "" {
		name = "policy"
	}
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		return ps.errf(n, "%s: YAML anchors and aliases are not supported in policies", name)
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == warmupType {
		if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
			return ps.errf(n, "%s: want a value, got %s", name, kindName(n))
		}
		if _, err := ParseWarmup(n.Value); err != nil {
			return ps.errf(n, "%s: %v", name, err)
		}
		return nil
	}
	scalar := n.Kind == yaml.ScalarNode
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		if n.Kind != yaml.MappingNode {
			return ps.errf(n, "%s: want a mapping, got %s", name, kindName(n))
		}
		fields := map[string]reflect.Type{}
		var known []string
		if t.Kind() == reflect.Struct {
			for i := range t.NumField() {
				if tag := t.Field(i).Tag.Get("yaml"); tag != "-" {
					fields[tag] = t.Field(i).Type
					known = append(known, tag)
				}
			}
		}
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode || (k.Tag != "!!str" && k.Tag != "!!int" && k.Tag != "!!float" && k.Tag != "!!bool") {
				return ps.errf(k, "%s: keys must be strings", name)
			}
			at := join(path, k.Value)
			if seen[k.Value] {
				return ps.errf(k, "%s: duplicate key", at)
			}
			seen[k.Value] = true
			if v.Kind == yaml.AliasNode || v.Anchor != "" {
				return ps.errf(v, "%s: YAML anchors and aliases are not supported in policies", at)
			}
			ft, ok := fields[k.Value]
			switch {
			case t.Kind() == reflect.Map:
				ft = t.Elem()
			case !ok:
				return ps.errf(k, "%s: unknown key (known: %s)", at, strings.Join(known, ", "))
			}
			if err := ps.check(v, ft, at); err != nil {
				return err
			}
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return ps.errf(n, "%s: want a list of rules, got %s", name, kindName(n))
		}
		for i, item := range n.Content {
			if err := ps.check(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case reflect.String:
		if !scalar || n.Tag != "!!str" {
			return ps.errf(n, "%s: want a string, got %s", name, kindName(n))
		}
	case reflect.Int:
		if scalar && n.Tag == "!!float" {
			return ps.errf(n, "%s: want an integer, got %s", name, n.Value)
		}
		if !scalar || n.Tag != "!!int" {
			return ps.errf(n, "%s: want an integer, got %s", name, kindName(n))
		}
		var v int64
		if err := n.Decode(&v); err != nil || v > math.MaxInt32 || v < math.MinInt32 {
			return ps.errf(n, "%s: integer out of range: %s", name, n.Value)
		}
	case reflect.Float64:
		if !scalar || (n.Tag != "!!int" && n.Tag != "!!float") {
			return ps.errf(n, "%s: want a number, got %s", name, kindName(n))
		}
		var f float64
		if err := n.Decode(&f); err != nil {
			return ps.errf(n, "%s: want a number, got %q", name, n.Value)
		}
		if !finite(f) {
			return ps.errf(n, "%s: must be a finite number, got %s", name, n.Value)
		}
	}
	return nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// node returns the value node at path ("kpis[0].fail"), or nil.
func (ps *parser) node(path string) *yaml.Node {
	n, rest := ps.walk(path)
	if rest != "" {
		return nil
	}
	return n
}

// nearest returns the value node at path, or that of its nearest ancestor
// present in the document.
func (ps *parser) nearest(path string) *yaml.Node {
	n, _ := ps.walk(path)
	return n
}

// walk follows path from the root as far as the document goes and returns
// the last node reached and the part of path not found.
func (ps *parser) walk(path string) (*yaml.Node, string) {
	n := ps.root
	for path != "" {
		seg, rest, _ := strings.Cut(path, ".")
		key, idx, _ := strings.Cut(seg, "[")
		next := n
		if key != "" {
			next = nil
			for i := 0; n.Kind == yaml.MappingNode && i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == key {
					next = n.Content[i+1]
				}
			}
		}
		for idx != "" && next != nil {
			var i string
			i, idx, _ = strings.Cut(idx, "]")
			idx = strings.TrimPrefix(idx, "[")
			j, err := strconv.Atoi(i)
			if next.Kind != yaml.SequenceNode || err != nil || j >= len(next.Content) {
				next = nil
				break
			}
			next = next.Content[j]
		}
		if next == nil {
			return n, path
		}
		n, path = next, rest
	}
	return n, ""
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

// yamlError turns a yaml syntax error into a *fileerr.Error with a line.
func yamlError(file string, err error) error {
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	if m := yamlLineRe.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return fileerr.Errorf(file, line, "invalid YAML/JSON: %s", m[2])
	}
	return fileerr.Errorf(file, 0, "invalid YAML/JSON: %s", msg)
}
