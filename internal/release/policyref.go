package release

import (
	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/pkg/artifact"
)

// EffectiveDigest is the digest p has with the settings a verdict records
// (--last-n replaces its window, --warmup its warm-up): the digest
// soak-gate records as the verdict's policy digest. "" when the recorded
// warm-up cannot be parsed.
func EffectiveDigest(p *policy.Policy, s artifact.Settings) string {
	eff := p.Clone()
	if s.LastN > 0 {
		eff.Window = s.LastN
	}
	if s.Warmup != "" {
		w, err := policy.ParseWarmup(s.Warmup)
		if err != nil {
			return ""
		}
		eff.Warmup = w
	}
	return eff.Digest()
}

// BasePolicy returns the verdict's policy record with the digest of the
// policy file or built-in policy it was judged by before --last-n and
// --warmup (which the verdict records as settings) changed it, so that
// ResolvePolicy finds the built-in policy or the --policy file by their
// own digests. A record it cannot match is returned as it is.
func BasePolicy(v *artifact.Verdict, file string) artifact.Policy {
	judged := v.Policy
	if v.Settings.LastN == 0 && v.Settings.Warmup == "" {
		return judged
	}
	cands := []*policy.Policy{policy.Default(false), policy.Default(true)}
	if file != "" {
		if p, err := policy.Load(file); err == nil {
			cands = append(cands, p)
		}
	}
	for _, p := range cands {
		if EffectiveDigest(p, v.Settings) == judged.Digest {
			judged.Digest = p.Digest()
			return judged
		}
	}
	return judged
}
