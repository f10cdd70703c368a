package botevents

import (
	"fmt"
	"strconv"
)

// Env is what soak-run --exec tells the bot of one iteration through its
// environment (docs/bot-contract.md, "The iteration").
type Env struct {
	Iteration  int    // SOAK_ITERATION: the iteration number, 1-based
	Iterations int    // SOAK_ITERATIONS: the planned number of iterations (0 when unset)
	Overrides  string // SOAK_OVERRIDES: path of runtime_overrides.json, for ReadOverrides
	Dir        string // SOAK_ITER_DIR: where to leave events.jsonl, for Create
	Seed       uint64 // SOAK_SEED: the soak's seed, the same in every iteration (0 when unset)
	IterSeed   uint64 // SOAK_ITER_SEED: this iteration's own seed (0 when unset)
}

// ReadEnv reads Env with getenv (os.Getenv, or a test's own). SOAK_ITERATION
// and SOAK_ITER_DIR must be set: without them the bot is not running under
// soak-run --exec. A variable that is set but not a number is an error
// naming it.
func ReadEnv(getenv func(string) string) (Env, error) {
	e := Env{Overrides: getenv("SOAK_OVERRIDES"), Dir: getenv("SOAK_ITER_DIR")}
	it := getenv("SOAK_ITERATION")
	n, err := strconv.Atoi(it)
	if err != nil || n < 1 {
		return Env{}, fmt.Errorf("SOAK_ITERATION: want an iteration number, got %q (run me under soak-run --exec)", it)
	}
	e.Iteration = n
	if e.Dir == "" {
		return Env{}, fmt.Errorf("SOAK_ITER_DIR is not set (run me under soak-run --exec)")
	}
	if s := getenv("SOAK_ITERATIONS"); s != "" {
		if e.Iterations, err = strconv.Atoi(s); err != nil || e.Iterations < 0 {
			return Env{}, fmt.Errorf("SOAK_ITERATIONS: want a number of iterations, got %q", s)
		}
	}
	for _, v := range []struct {
		name string
		to   *uint64
	}{{"SOAK_SEED", &e.Seed}, {"SOAK_ITER_SEED", &e.IterSeed}} {
		if s := getenv(v.name); s != "" {
			if *v.to, err = strconv.ParseUint(s, 10, 64); err != nil {
				return Env{}, fmt.Errorf("%s: want an unsigned 64-bit number, got %q", v.name, s)
			}
		}
	}
	return e, nil
}
