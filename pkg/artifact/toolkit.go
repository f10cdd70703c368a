package artifact

// ToolkitDefinition returns how the Python toolkit defined kpi, and true,
// where that differs from soakline's definition so that a value of one is
// not on the scale of the other: its risk_ratio is risk blocks ÷ all
// blocks (the share of the blocked actions blocked for risk), ours risk
// blocks ÷ all attempted actions.
func ToolkitDefinition(kpi string) (string, bool) {
	if kpi == "risk_ratio" {
		return "risk blocks / all blocks", true
	}
	return "", false
}
