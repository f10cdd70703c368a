package stats

// ramp returns n values off, off+step, off+2*step, ...
func ramp(n int, step, off float64) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = float64(i)*step + off
	}
	return xs
}

// largeSamples returns two fixed, tie-rich samples of 50 and 60 values,
// large enough for the normal approximation, shared by the Mann-Whitney
// and Hodges-Lehmann tables so both are pinned on the same data.
func largeSamples() (x, y []float64) {
	for i := range 50 {
		x = append(x, float64(i*37%101))
	}
	for j := range 60 {
		y = append(y, float64(j*53%97+10))
	}
	return x, y
}
