package policy

import (
	"fmt"
	"sort"
	"strings"

	"github.com/soakline/soakline/pkg/artifact"
)

// Placeholders of a KPI query: the series selector (label matchers, e.g.
// track="canary",job="bot") and the range of an interval (e.g. 5m).
const (
	PlaceholderSelector = "$selector"
	PlaceholderRange    = "$range"
)

// Prometheus is the policy's prometheus: section: the PromQL expression
// that computes each KPI from the bot's own metrics. An expression replaces
// the built-in one of its KPI (DefaultQueries); the others stay.
type Prometheus struct {
	Queries map[string]string `yaml:"queries" json:"queries"`
}

// DefaultQueries are the built-in KPI queries over the metrics contract
// (docs/metrics-contract.md): counters bot_fills_notional_total{role},
// bot_order_blocks_total{reason}, the histogram bot_order_latency_seconds
// and the gauge bot_net_edge_bps. Every series carries the labels the
// selector names (track, and whatever else the user selects by).
func DefaultQueries() map[string]string {
	return map[string]string{
		"maker_taker_ratio": `sum(rate(bot_fills_notional_total{role="maker",$selector}[$range])) / sum(rate(bot_fills_notional_total{$selector}[$range]))`,
		"p95_latency_ms":    `histogram_quantile(0.95, sum by (le) (rate(bot_order_latency_seconds_bucket{$selector}[$range]))) * 1000`,
		"risk_ratio":        `sum(rate(bot_order_blocks_total{reason="risk",$selector}[$range])) / (sum(rate(bot_order_latency_seconds_count{$selector}[$range])) + sum(rate(bot_order_blocks_total{$selector}[$range])))`,
		"net_bps":           `avg(avg_over_time(bot_net_edge_bps{$selector}[$range]))`,
	}
}

// Queries returns the KPI queries in force: the built-in ones with the
// policy's prometheus: section laid over them.
func (p *Policy) Queries() map[string]string {
	q := DefaultQueries()
	if p.Prometheus != nil {
		for k, v := range p.Prometheus.Queries {
			q[k] = v
		}
	}
	return q
}

// Query returns the KPI's query in force and whether it has one.
func (p *Policy) Query(kpi string) (string, bool) {
	q, ok := p.Queries()[kpi]
	return q, ok
}

// MaxQueryBytes bounds one KPI expression.
const MaxQueryBytes = 4096

// ValidateQuery checks a KPI expression: it names $selector (or the
// canary and the baseline would read the same series), its brackets,
// braces, parentheses and quotes balance, and it holds no other $word and
// no control character. PromQL itself is checked by Prometheus when the
// query runs.
func ValidateQuery(q string) error {
	if strings.TrimSpace(q) == "" {
		return fmt.Errorf("empty expression")
	}
	if len(q) > MaxQueryBytes {
		return fmt.Errorf("expression of %d bytes (at most %d)", len(q), MaxQueryBytes)
	}
	if !strings.Contains(q, PlaceholderSelector) {
		return fmt.Errorf("expression does not use %s: the canary's and the baseline's series could not be told apart", PlaceholderSelector)
	}
	var stack []byte
	pair := map[byte]byte{')': '(', ']': '[', '}': '{'}
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f:
			return fmt.Errorf("control character at offset %d", i)
		case c == '"' || c == '\'' || c == '`':
			j := i + 1
			for ; j < len(q) && q[j] != c; j++ {
				if q[j] == '\\' && c != '`' {
					j++
				}
			}
			if j >= len(q) {
				return fmt.Errorf("unterminated string at offset %d", i)
			}
			i = j
		case c == '(' || c == '[' || c == '{':
			stack = append(stack, c)
		case c == ')' || c == ']' || c == '}':
			if len(stack) == 0 || stack[len(stack)-1] != pair[c] {
				return fmt.Errorf("unbalanced %q at offset %d", c, i)
			}
			stack = stack[:len(stack)-1]
		case c == '$':
			rest := q[i:]
			switch {
			case strings.HasPrefix(rest, PlaceholderSelector):
				i += len(PlaceholderSelector) - 1
			case strings.HasPrefix(rest, PlaceholderRange):
				i += len(PlaceholderRange) - 1
			default:
				return fmt.Errorf("unknown placeholder at offset %d (known: %s, %s)", i, PlaceholderSelector, PlaceholderRange)
			}
		}
	}
	if len(stack) > 0 {
		return fmt.Errorf("unclosed %q", stack[len(stack)-1])
	}
	return nil
}

func (pr *Prometheus) validate() error {
	if pr == nil {
		return nil
	}
	keys := make([]string, 0, len(pr.Queries))
	for k := range pr.Queries {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !artifact.IsKPI(k) {
			return fieldErr("prometheus.queries."+k, "unknown KPI %q (known: %s)", k, strings.Join(artifact.KPINames, ", "))
		}
		if err := ValidateQuery(pr.Queries[k]); err != nil {
			return fieldErr("prometheus.queries."+k, "%v", err)
		}
	}
	return nil
}

func (pr *Prometheus) clone() *Prometheus {
	if pr == nil {
		return nil
	}
	q := &Prometheus{Queries: make(map[string]string, len(pr.Queries))}
	for k, v := range pr.Queries {
		q.Queries[k] = v
	}
	return q
}
