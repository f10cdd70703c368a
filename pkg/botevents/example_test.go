package botevents_test

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"

	"github.com/soakline/soakline/pkg/botevents"
)

// A bot's iteration: report the parameters it runs with, then its events.
// Under soak-run --exec, write with Create(os.Getenv("SOAK_ITER_DIR"))
// instead, and Close at the end.
func ExampleWriter() {
	w := botevents.NewWriter(os.Stdout)
	w.EffectiveParams(0, map[string]float64{"min_interval_ms": 60, "engine.concurrency_limit": 10})
	w.Order(botevents.Order{TMs: 12, Action: botevents.Place, LatencyMs: 3.5})
	w.Fill(botevents.Fill{TMs: 55, Liquidity: botevents.Maker, Qty: 0.01, Price: 65000.5,
		GrossBps: 4, FeesBps: 0.2, AdverseBps: -2.5, AgeMs: 43})
	w.Fill(botevents.Fill{TMs: 56, Liquidity: botevents.Taker, Qty: 0.02, Price: 65001, GrossBps: -1, FeesBps: -2})
	w.Block(botevents.Block{TMs: 60, Reason: botevents.Risk})
	if err := w.Fill(botevents.Fill{TMs: 61, Liquidity: botevents.Taker, Qty: 1, Price: 1, FeesBps: 5}); err != nil {
		fmt.Fprintln(os.Stdout, "refused:", err)
	}
	w.Flush()
	// Output:
	// refused: fill: fees_bps 5 is positive on a taker fill: a fee is a cost and is negative
	// {"kind":"effective_params","t_ms":0,"params":{"engine.concurrency_limit":10,"min_interval_ms":60}}
	// {"kind":"order","t_ms":12,"action":"place","latency_ms":3.5}
	// {"kind":"fill","t_ms":55,"liquidity":"maker","qty":0.01,"price":65000.5,"gross_bps":4,"fees_bps":0.2,"adverse_bps":-2.5,"age_ms":43}
	// {"kind":"fill","t_ms":56,"liquidity":"taker","qty":0.02,"price":65001,"gross_bps":-1,"fees_bps":-2}
	// {"kind":"block","t_ms":60,"reason":"risk"}
}

// The overrides file soak-run writes, as the flat keys effective_params
// and the rest of soakline use.
func ExampleDecodeOverrides() {
	params, err := botevents.DecodeOverrides([]byte(`{
  "schema_version": 1,
  "kind": "runtime_overrides",
  "base_spread_bps_delta": 0.05,
  "engine": {
    "concurrency_limit": 10
  }
}`))
	fmt.Println(params, err)
	_, err = botevents.DecodeOverrides([]byte("{\n  \"min_interval_ms\": \"60\"\n}"))
	fmt.Println(err)
	// Output:
	// map[base_spread_bps_delta:0.05 engine.concurrency_limit:10] <nil>
	// line 2: min_interval_ms: want a number or a section, got "60"
}

// A bot reads its parameters at start-up from the file SOAK_OVERRIDES
// names, and falls back on its own defaults for a key the file lacks.
func ExampleReadOverrides() {
	dir, _ := os.MkdirTemp("", "bot")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "runtime_overrides.json") // os.Getenv("SOAK_OVERRIDES") under soak-run
	os.WriteFile(path, []byte(`{"min_interval_ms": 75, "engine": {"concurrency_limit": 8}}`), 0o644)

	config := map[string]float64{"min_interval_ms": 60, "engine.concurrency_limit": 10, "tail_age_ms": 600}
	params, err := botevents.ReadOverrides(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	maps.Copy(config, params)
	fmt.Println(config)
	// Output:
	// map[engine.concurrency_limit:8 min_interval_ms:75 tail_age_ms:600]
}

// ReadEnv takes os.Getenv; here a map stands in for the environment
// soak-run --exec sets.
func ExampleReadEnv() {
	vars := map[string]string{"SOAK_ITERATION": "2", "SOAK_ITERATIONS": "24", "SOAK_ITER_DIR": "/soak/iter/2",
		"SOAK_OVERRIDES": "/soak/runtime_overrides.json", "SOAK_SEED": "1", "SOAK_ITER_SEED": "12345"}
	env, err := botevents.ReadEnv(func(k string) string { return vars[k] })
	fmt.Printf("%+v %v\n", env, err)
	_, err = botevents.ReadEnv(func(string) string { return "" })
	fmt.Println(err)
	// Output:
	// {Iteration:2 Iterations:24 Overrides:/soak/runtime_overrides.json Dir:/soak/iter/2 Seed:1 IterSeed:12345} <nil>
	// SOAK_ITERATION: want an iteration number, got "" (run me under soak-run --exec)
}

// Under soak-run --exec: write into SOAK_ITER_DIR, and Close to put
// events.jsonl in place; a bot that fails before Close leaves nothing.
func ExampleCreate() {
	dir, _ := os.MkdirTemp("", "iter") // os.Getenv("SOAK_ITER_DIR") under soak-run
	defer os.RemoveAll(dir)
	w, err := botevents.Create(dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer w.Abort()
	w.EffectiveParams(0, map[string]float64{"min_interval_ms": 75})
	w.WS(botevents.WS{TMs: 3, LagMs: 20})
	if err := w.Close(); err != nil {
		fmt.Println(err)
		return
	}
	data, _ := os.ReadFile(filepath.Join(dir, botevents.FileName))
	fmt.Print(string(data))
	// Output:
	// {"kind":"effective_params","t_ms":0,"params":{"min_interval_ms":75}}
	// {"kind":"ws","t_ms":3,"lag_ms":20}
}
