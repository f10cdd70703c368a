package judge

import (
	"fmt"

	"github.com/soakline/soakline/internal/policy"
)

// toolkitDefinitions are the Python toolkit's definitions of the KPIs it
// defines otherwise than soakline (artifact.KPIs), so that its values are
// on another scale: a rule judges them by its toolkit levels.
var toolkitDefinitions = map[string]string{
	"risk_ratio": "risk blocks / all blocks",
}

// scaleRules returns the policy's KPI rules as the window is judged by
// them. Where the Python toolkit defines a KPI otherwise than soakline
// (toolkitDefinitions: its risk_ratio is risk blocks ÷ all blocks,
// ours ÷ all attempted actions), a window of the toolkit's iterations is
// judged by the rule's toolkit levels (policy.Rule.Toolkit). A rule that
// has none, or a window that mixes the two definitions, cannot be judged:
// e.offScale holds why, by check name, and the check is INCONCLUSIVE;
// e.scaled names the checks judged by toolkit levels.
func (e *evaluation) scaleRules() {
	toolkit := 0
	for _, it := range e.window {
		if it.Legacy {
			toolkit++
		}
	}
	e.toolkit = toolkit
	e.rules = make([]policy.Rule, len(e.pol.KPIs))
	e.offScale, e.scaled = map[string]string{}, map[string]string{}
	for i, r := range e.pol.KPIs {
		e.rules[i] = r
		def, differs := toolkitDefinitions[r.KPI]
		if !differs || toolkit == 0 {
			continue
		}
		why := ""
		switch tr, ok := r.ForToolkit(); {
		case toolkit < len(e.window):
			why = fmt.Sprintf("the window mixes %d iteration(s) of the Python toolkit, whose %s is %s, with soakline's; the two are not one series", toolkit, r.KPI, def)
		case !ok:
			why = fmt.Sprintf("the Python toolkit's %s is %s, another scale than this rule's levels; the policy gives no toolkit levels for it (kpis[%d].toolkit)", r.KPI, def, i)
		default:
			e.rules[i] = tr
			e.scaled[r.CheckName()] = fmt.Sprintf("; the Python toolkit's %s (%s) is judged by the rule's toolkit levels", r.KPI, def)
			continue
		}
		e.offScale[r.CheckName()] = why
	}
}
