package canary

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/soakline/soakline/internal/release"
)

// TestRollbackRetriesRestore: a restore that fails leaves the decision in
// the state with restored false and the command not started; the next
// attempt restores and runs the command; a third runs nothing again.
func TestRollbackRetriesRestore(t *testing.T) {
	dir := t.TempDir()
	ov, pre := filepath.Join(dir, "overrides.json"), filepath.Join(dir, "pre.json")
	os.WriteFile(ov, []byte("new"), 0o600)
	made := filepath.Join(dir, "hook-ran")
	o := &Options{Overrides: ov, RollbackTo: pre, OnRollback: []string{"mkdir", made}, StatePath: filepath.Join(dir, "state")}
	o.Plan = &release.CanaryPlan{Version: "1.0.0"}
	st := &State{Outcome: Rollback, Version: "1.0.0"}
	var errb bytes.Buffer
	if err := finishRollback(context.Background(), o, st, &errb); err == nil || !strings.Contains(err.Error(), "restoring "+ov+" from "+pre) {
		t.Fatalf("restore from a missing file: %v", err)
	}
	if st.Rollback.Restored || st.Rollback.HookStarted {
		t.Fatalf("after a failed restore: %+v", st.Rollback)
	}
	if _, err := os.Stat(made); err == nil {
		t.Fatal("the command ran although the overrides were not restored")
	}
	os.WriteFile(pre, []byte("old\x00"), 0o644)
	for i := 0; i < 2; i++ {
		if err := finishRollback(context.Background(), o, st, &errb); err != nil {
			t.Fatalf("attempt %d: %v", i+2, err)
		}
	}
	if got, _ := os.ReadFile(ov); string(got) != "old\x00" {
		t.Fatalf("overrides %q", got)
	}
	if !st.Rollback.HookDone || st.Rollback.HookResult != "exit 0" {
		t.Fatalf("command: %+v (ran twice?)\n%s", st.Rollback, errb.String())
	}
}
