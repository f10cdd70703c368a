package artifact

import "testing"

// TestKPIUnit: every KPI has a unit, and the unit agrees with its valid
// range (a ratio lies in 0-1, a percentage in 0-100).
func TestKPIUnit(t *testing.T) {
	for _, name := range KPINames {
		u := KPIUnit(name)
		lo, hi := KPIRange(name)
		switch {
		case u == "":
			t.Errorf("%s has no unit", name)
		case u == UnitRatio && (lo != 0 || hi != 1):
			t.Errorf("%s is a ratio but its range is %v-%v", name, lo, hi)
		case u == UnitPct && (lo != 0 || hi != 100):
			t.Errorf("%s is a percentage but its range is %v-%v", name, lo, hi)
		}
	}
	if u := KPIUnit("no_such_kpi"); u != "" {
		t.Errorf("KPIUnit(no_such_kpi) = %q, want \"\"", u)
	}
}
