package stats

import (
	"math"
	"sort"
)

// Alternative is the direction of a one-sided test: the change the test
// looks for.
type Alternative int

// The alternatives of a one-sided test.
const (
	// Greater: the new value is larger than the baseline's (a regression
	// of a KPI judged "at most", such as a latency).
	Greater Alternative = iota + 1
	// Less: the new value is smaller than the baseline's (a regression of
	// a KPI judged "at least", such as a ratio of maker fills).
	Less
)

// PredictResult is the outcome of PredictT.
type PredictResult struct {
	K        int     // baseline runs
	BaseMean float64 // mean of the baseline runs
	BaseSD   float64 // their sample standard deviation (K-1 denominator)
	Cur      float64 // the new run's value
	Shift    float64 // Cur - BaseMean
	SE       float64 // standard error of Shift: BaseSD·sqrt(1 + 1/K)
	DF       float64 // degrees of freedom: K-1
	T        float64 // Shift / SE
	P        float64 // one-sided p-value in the direction of the alternative
}

// PredictT tests whether one new run, summarised by cur, lies beyond what
// K baseline runs of the same build would predict, in the direction alt.
//
// It is Student's two-sample t-test with pooled variance where the new side
// has a single run: under the null hypothesis (the new run comes from the
// baseline's distribution, normal with unknown mean and variance)
// T = (cur - mean(base)) / (sd(base)·sqrt(1 + 1/K)) has Student's t
// distribution with K-1 degrees of freedom. The run-to-run spread is
// estimated from the baseline runs themselves, so every source of
// variation between runs (seeds, a tuner settling on another parameter
// set, the machine) is in the test; nothing is assumed about how values
// inside one run relate to each other.
//
// P is P(T' >= T) for Greater and P(T' <= T) for Less. With fewer than two
// baseline runs the spread is unknown: SE, T and P are NaN. When every
// baseline run has the same value (SD 0), P is 1 if cur is not beyond it
// in the direction of alt and 0 if it is. The input is not modified.
func PredictT(base []float64, cur float64, alt Alternative) PredictResult {
	r := PredictResult{K: len(base), Cur: cur, BaseMean: math.NaN(), BaseSD: math.NaN(), Shift: math.NaN(),
		SE: math.NaN(), DF: float64(len(base) - 1), T: math.NaN(), P: math.NaN()}
	if len(base) == 0 {
		r.DF = math.NaN()
		return r
	}
	r.BaseMean = Mean(base)
	r.Shift = cur - r.BaseMean
	if len(base) < 2 {
		r.DF = math.NaN()
		return r
	}
	var ss float64
	for _, x := range base {
		d := x - r.BaseMean
		ss += d * d
	}
	k := float64(len(base))
	r.BaseSD = math.Sqrt(ss / (k - 1))
	r.SE = r.BaseSD * math.Sqrt(1+1/k)
	signed := r.Shift // positive: in the direction of alt
	if alt == Less {
		signed = -r.Shift
	}
	if r.SE == 0 {
		switch {
		case signed > 0:
			r.T, r.P = math.Inf(1), 0
		case signed < 0:
			r.T, r.P = math.Inf(-1), 1
		default:
			r.T, r.P = 0, 1
		}
		if alt == Less {
			r.T = -r.T
		}
		return r
	}
	r.T = r.Shift / r.SE
	r.P = StudentTSF(signed/r.SE, r.DF)
	return r
}

// StudentTSF is the survival function of Student's t distribution with df
// degrees of freedom: P(T > t). It is computed from the regularized
// incomplete beta function, P(T > t) = I_x(df/2, 1/2)/2 with
// x = df/(df+t²) for t > 0, so that small tail probabilities keep their
// relative precision. NaN for NaN input or df <= 0.
func StudentTSF(t, df float64) float64 {
	if math.IsNaN(t) || math.IsNaN(df) || df <= 0 {
		return math.NaN()
	}
	if math.IsInf(t, 1) {
		return 0
	}
	if math.IsInf(t, -1) {
		return 1
	}
	tail := 0.5 * RegIncBeta(df/2, 0.5, df/(df+t*t))
	if t > 0 {
		return tail
	}
	return 1 - tail
}

// StudentTQuantile returns the t with P(T > t) = q for Student's t
// distribution with df degrees of freedom (the upper critical value of a
// one-sided test at level q). q must be in (0, 1); NaN otherwise.
func StudentTQuantile(q, df float64) float64 {
	if !(q > 0 && q < 1) || math.IsNaN(df) || df <= 0 {
		return math.NaN()
	}
	if q == 0.5 {
		return 0
	}
	if q > 0.5 {
		return -StudentTQuantile(1-q, df)
	}
	lo, hi := 0.0, 1.0
	for StudentTSF(hi, df) > q {
		lo, hi = hi, hi*2
		if math.IsInf(hi, 1) {
			return hi
		}
	}
	// Bisection: StudentTSF is decreasing in t; 200 halvings reach the
	// float64 resolution of any bracket found above.
	for i := 0; i < 200 && hi-lo > 1e-15*hi; i++ {
		mid := (lo + hi) / 2
		if StudentTSF(mid, df) > q {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

// RegIncBeta is the regularized incomplete beta function I_x(a, b) for
// a, b > 0 and x in [0, 1], by the continued fraction of Numerical Recipes
// (modified Lentz), using the symmetry I_x(a,b) = 1 - I_{1-x}(b,a) where
// the fraction converges faster. NaN outside the domain.
func RegIncBeta(a, b, x float64) float64 {
	switch {
	case math.IsNaN(a) || math.IsNaN(b) || math.IsNaN(x) || a <= 0 || b <= 0 || x < 0 || x > 1:
		return math.NaN()
	case x == 0:
		return 0
	case x == 1:
		return 1
	}
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	front := math.Exp(a*math.Log(x) + b*math.Log1p(-x) + lab - la - lb)
	if x < (a+1)/(a+b+2) {
		return front * betaCF(a, b, x) / a
	}
	return 1 - front*betaCF(b, a, 1-x)/b
}

// betaCF evaluates the continued fraction of the incomplete beta function.
func betaCF(a, b, x float64) float64 {
	const (
		maxIter = 1000
		eps     = 1e-16
		tiny    = 1e-300
	)
	clamp := func(v float64) float64 {
		if math.Abs(v) < tiny {
			return tiny
		}
		return v
	}
	qab, qap, qam := a+b, a+1, a-1
	c := 1.0
	d := 1 / clamp(1-qab*x/qap)
	h := d
	for m := 1; m <= maxIter; m++ {
		fm := float64(m)
		m2 := 2 * fm
		aa := fm * (b - fm) * x / ((qam + m2) * (a + m2))
		d = 1 / clamp(1+aa*d)
		c = clamp(1 + aa/c)
		h *= d * c
		aa = -(a + fm) * (qab + fm) * x / ((a + m2) * (qap + m2))
		d = 1 / clamp(1+aa*d)
		c = clamp(1 + aa/c)
		del := d * c
		h *= del
		if math.Abs(del-1) < eps {
			break
		}
	}
	return h
}

// Holm returns Holm's step-down adjusted p-values of ps, in the order of
// ps: the i-th smallest of the m p-values is multiplied by m-i+1, the
// results made non-decreasing in that order and capped at 1. Rejecting the
// hypotheses whose adjusted p is below alpha keeps the probability of any
// false rejection among the m at most alpha, whatever their dependence.
// NaN entries (tests not run) are left NaN and not counted in m.
func Holm(ps []float64) []float64 {
	out := make([]float64, len(ps))
	idx := make([]int, 0, len(ps))
	for i, p := range ps {
		out[i] = math.NaN()
		if !math.IsNaN(p) {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return ps[idx[a]] < ps[idx[b]] })
	m := len(idx)
	running := 0.0
	for rank, i := range idx {
		adj := math.Min(1, float64(m-rank)*ps[i])
		running = math.Max(running, adj)
		out[i] = running
	}
	return out
}
