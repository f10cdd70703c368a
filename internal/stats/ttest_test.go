package stats

import (
	"math"
	"testing"
)

// Closed forms of Student's t survival function for 1, 2 and 3 degrees of
// freedom, and the normal limit, against StudentTSF.
func TestStudentTSF(t *testing.T) {
	closed := map[float64]func(x float64) float64{
		1: func(x float64) float64 { return 0.5 - math.Atan(x)/math.Pi },
		2: func(x float64) float64 { return 0.5 - x/(2*math.Sqrt(x*x+2)) },
		3: func(x float64) float64 {
			u := x / math.Sqrt(3)
			return 0.5 - (math.Atan(u)+u/(1+u*u))/math.Pi
		},
	}
	for df, f := range closed {
		for _, x := range []float64{-30, -4, -1.5, -0.2, 0, 0.2, 1, 1.5, 2.5, 4, 10, 30, 100} {
			got, want := StudentTSF(x, df), f(x)
			if math.Abs(got-want) > 1e-12*math.Max(want, 1e-3) && math.Abs(got-want) > 1e-15 {
				t.Errorf("StudentTSF(%g, %g) = %.17g, want %.17g", x, df, got, want)
			}
		}
	}
	// Far tail keeps relative precision: df=1, P(T > 1e6) = atan(1e-6)/π.
	if got, want := StudentTSF(1e6, 1), math.Atan(1e-6)/math.Pi; math.Abs(got-want) > 1e-9*want {
		t.Errorf("StudentTSF(1e6, 1) = %g, want %g", got, want)
	}
	// A million degrees of freedom is the normal distribution.
	if got := StudentTSF(1.6448536269514722, 1e6); math.Abs(got-0.05) > 1e-6 {
		t.Errorf("StudentTSF(z_0.95, 1e6) = %g, want ≈ 0.05", got)
	}
	for _, c := range [][2]float64{{math.NaN(), 3}, {1, 0}, {1, -1}, {1, math.NaN()}} {
		if got := StudentTSF(c[0], c[1]); !math.IsNaN(got) {
			t.Errorf("StudentTSF(%g, %g) = %g, want NaN", c[0], c[1], got)
		}
	}
	if StudentTSF(math.Inf(1), 4) != 0 || StudentTSF(math.Inf(-1), 4) != 1 {
		t.Errorf("StudentTSF(±Inf) not 0/1")
	}
}

func TestStudentTQuantile(t *testing.T) {
	// Published critical values.
	for _, c := range []struct{ q, df, want float64 }{
		{0.025, 10, 2.2281388519649385},
		{0.05, 4, 2.1318467863266495},
		{0.05, 1, 6.313751514675043},
		{0.005, 2, 9.924843200918276},
	} {
		if got := StudentTQuantile(c.q, c.df); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("StudentTQuantile(%g, %g) = %.16g, want %.16g", c.q, c.df, got, c.want)
		}
	}
	for _, df := range []float64{1, 2, 4, 7, 30} {
		for _, q := range []float64{1e-6, 0.0125, 0.05, 0.3, 0.5, 0.9} {
			x := StudentTQuantile(q, df)
			if got := StudentTSF(x, df); math.Abs(got-q) > 1e-12 {
				t.Errorf("StudentTSF(StudentTQuantile(%g, %g)) = %g", q, df, got)
			}
		}
	}
	if !math.IsNaN(StudentTQuantile(0, 3)) || !math.IsNaN(StudentTQuantile(1, 3)) || !math.IsNaN(StudentTQuantile(0.05, 0)) {
		t.Errorf("StudentTQuantile outside (0,1) or df <= 0 is not NaN")
	}
}

func TestPredictT(t *testing.T) {
	// base {1,2,3}: mean 2, sd 1, SE = sqrt(1+1/3), df 2.
	se := math.Sqrt(4.0 / 3)
	tstat := 3 / se
	upper := 0.5 - tstat/(2*math.Sqrt(tstat*tstat+2)) // closed form for df 2
	tests := []struct {
		name  string
		base  []float64
		cur   float64
		alt   Alternative
		wantP float64
		wantT float64
	}{
		{"worse, one-sided upper tail", []float64{1, 2, 3}, 5, Greater, upper, tstat},
		{"same shift, other direction", []float64{1, 2, 3}, 5, Less, 1 - upper, tstat},
		{"lower is worse", []float64{1, 2, 3}, -1, Less, upper, -tstat},
		{"no shift", []float64{1, 2, 3}, 2, Greater, 0.5, 0},
		{"identical baselines, cur beyond", []float64{4, 4, 4}, 5, Greater, 0, math.Inf(1)},
		{"identical baselines, cur below", []float64{4, 4, 4}, 3, Greater, 1, math.Inf(-1)},
		{"identical baselines, cur equal", []float64{4, 4, 4}, 4, Less, 1, 0},
		{"one baseline run: spread unknown", []float64{4}, 5, Greater, math.NaN(), math.NaN()},
		{"no baseline", nil, 5, Greater, math.NaN(), math.NaN()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := PredictT(tc.base, tc.cur, tc.alt)
			if !sameFloat(r.P, tc.wantP, 1e-12) || !sameFloat(r.T, tc.wantT, 1e-12) {
				t.Errorf("PredictT(%v, %g) = T %g P %.17g, want T %g P %.17g", tc.base, tc.cur, r.T, r.P, tc.wantT, tc.wantP)
			}
		})
	}
	// The one-sided p is half the two-sided one in the direction of the
	// shift: a test at level alpha must not use the two-sided p.
	r := PredictT([]float64{10, 11, 12, 10.5, 11.5}, 13.4, Greater)
	twoSided := 2 * StudentTSF(math.Abs(r.T), r.DF)
	if !sameFloat(r.P, twoSided/2, 1e-15) || !(r.P < 0.05 && twoSided > 0.05) {
		t.Errorf("one-sided p %g, two-sided %g: want a case significant one-sided only", r.P, twoSided)
	}
}

func TestHolm(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name string
		in   []float64
		want []float64
	}{
		// m=4: 0.005·4, 0.01·3, 0.03·2, 0.04·1 made monotone.
		{"textbook", []float64{0.01, 0.04, 0.03, 0.005}, []float64{0.03, 0.06, 0.06, 0.02}},
		{"capped at 1", []float64{0.6, 0.3}, []float64{0.6, 0.6}},
		{"NaN not counted", []float64{0.02, nan, 0.03}, []float64{0.04, nan, 0.04}},
		{"one test unchanged", []float64{0.049}, []float64{0.049}},
		{"empty", nil, []float64{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Holm(tc.in)
			if len(got) != len(tc.want) {
				t.Fatalf("Holm(%v) = %v, want %v", tc.in, got, tc.want)
			}
			for i := range got {
				if !sameFloat(got[i], tc.want[i], 1e-15) {
					t.Errorf("Holm(%v) = %v, want %v", tc.in, got, tc.want)
					break
				}
			}
		})
	}
}

func TestRegIncBeta(t *testing.T) {
	// I_x(1, b) = 1 - (1-x)^b and I_x(a, 1) = x^a.
	for _, x := range []float64{0, 0.001, 0.3, 0.5, 0.9, 0.999, 1} {
		for _, p := range []float64{0.5, 1, 2.5, 7} {
			if got, want := RegIncBeta(1, p, x), 1-math.Pow(1-x, p); math.Abs(got-want) > 1e-13 {
				t.Errorf("I_%g(1, %g) = %.17g, want %.17g", x, p, got, want)
			}
			if got, want := RegIncBeta(p, 1, x), math.Pow(x, p); math.Abs(got-want) > 1e-13 {
				t.Errorf("I_%g(%g, 1) = %.17g, want %.17g", x, p, got, want)
			}
		}
	}
	for _, c := range [][3]float64{{0, 1, 0.5}, {1, -1, 0.5}, {1, 1, 1.5}, {1, 1, math.NaN()}} {
		if got := RegIncBeta(c[0], c[1], c[2]); !math.IsNaN(got) {
			t.Errorf("RegIncBeta(%v) = %g, want NaN", c, got)
		}
	}
}

func sameFloat(a, b, tol float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	if math.IsInf(a, 0) || math.IsInf(b, 0) {
		return a == b
	}
	return math.Abs(a-b) <= tol*math.Max(1, math.Abs(b))
}
