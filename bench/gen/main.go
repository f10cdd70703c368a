// Command gen writes the inputs of the benchmarks in bench/ with
// internal/soakgen: soak directories of any number of iterations, in our
// format or the legacy (Python toolkit) format, and large events.jsonl
// files from the simulator.
//
// Usage:
//
//	go run ./bench/gen soak -n 100000 -out bench/data/soak-100000 [-legacy] [-seed 1]
//	go run ./bench/gen events -n 10000000 -out bench/data/events.jsonl [-seed 1]
//
// The same arguments write the same bytes.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/soakline/soakline/internal/soakgen"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "gen: error:", err)
		os.Exit(2)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return errors.New("usage: gen soak|events -n N -out PATH [-legacy] [-seed S]")
	}
	fs := flag.NewFlagSet("gen "+args[0], flag.ContinueOnError)
	n := fs.Int("n", 1000, "iterations (soak) or events (events)")
	out := fs.String("out", "", "output directory (soak) or file (events)")
	legacy := fs.Bool("legacy", false, "soak: write the Python toolkit's format")
	seed := fs.Uint64("seed", 1, "random seed")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *out == "" || *n < 1 {
		return errors.New("-out and a positive -n are required")
	}
	switch args[0] {
	case "soak":
		return soakgen.WriteDir(*out, *n, *seed, *legacy)
	case "events":
		return writeEvents(*out, *n, *seed)
	}
	return fmt.Errorf("unknown command %q", args[0])
}

func writeEvents(path string, n int, seed uint64) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	return soakgen.WriteEvents(f, n, seed)
}
