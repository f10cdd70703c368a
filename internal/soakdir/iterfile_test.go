package soakdir

import (
	"strconv"
	"testing"

	"github.com/soakline/soakline/pkg/artifact"
)

func TestParseIterationFileName(t *testing.T) {
	tests := []struct {
		name string
		n    int
		ok   bool
	}{
		{"ITER_SUMMARY_1.json", 1, true},
		{"ITER_SUMMARY_120.json", 120, true},
		{"ITER_SUMMARY_007.json", 7, true},
		{"ITER_SUMMARY_0.json", 0, false},
		{"ITER_SUMMARY_.json", 0, false},
		{"ITER_SUMMARY_1.JSON", 0, false},
		{"ITER_SUMMARY_1.json.bak", 0, false},
		{"xITER_SUMMARY_1.json", 0, false},
		{"ITER_SUMMARY_1_2.json", 0, false},
		{"ITER_SUMMARY_+1.json", 0, false},
		{"ITER_SUMMARY_١.json", 0, false}, // an Arabic-Indic digit
		{"ITER_SUMMARY_" + strconv.Itoa(1<<40) + ".json", 1 << 40, true},
		{"ITER_SUMMARY_99999999999999999999999.json", 0, false},
	}
	for _, tc := range tests {
		n, ok := ParseIterationFileName(tc.name)
		if n != tc.n || ok != tc.ok {
			t.Errorf("ParseIterationFileName(%q) = %d, %v; want %d, %v", tc.name, n, ok, tc.n, tc.ok)
		}
	}
	for _, n := range []int{1, 9, 10, 12345} {
		if got, ok := ParseIterationFileName(artifact.IterationFileName(n)); !ok || got != n {
			t.Errorf("round trip of %d gave %d, %v", n, got, ok)
		}
	}
}
