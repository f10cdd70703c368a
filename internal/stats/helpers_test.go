package stats

import (
	"math"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// approx compares floats to a relative 1e-9 (absolute 1e-12 near zero) and
// treats NaN as equal to NaN, since NaN is a documented result here.
var approx = cmp.Options{cmpopts.EquateApprox(1e-9, 1e-12), cmpopts.EquateNaNs()}

var nan = math.NaN()
