package judge

import (
	"testing"

	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/pkg/artifact"
)

func TestSmoke(t *testing.T) {
	v, err := Evaluate(soakOf(24, nil), policy.Default(false), Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := artifact.Marshal(v)
	t.Logf("%s", b)
	if v.Verdict != artifact.VerdictPass {
		t.Fatalf("verdict %s: %s", v.Verdict, v.Reason)
	}
}
