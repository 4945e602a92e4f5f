package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/sleuthhq/sleuth/bench"
	"github.com/sleuthhq/sleuth/bench/corpus"
	"github.com/sleuthhq/sleuth/bench/edits"
)

var benchCmd = &command{
	name:    "bench",
	summary: "Run a benchmark and print its table: bench index --size N, bench api --assets N, bench accuracy, bench ingest.",
	usage:   "index [--size N] | api [--assets N] | accuracy [--prepare] [--corpus DIR] | ingest [--count N] [--workers LIST]",
}

func init() { benchCmd.run = runBench }

func runBench(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		fmt.Fprint(e.stderr, "Usage: sleuth bench index|api|accuracy|ingest [flags]\n\nBenchmarks:\n  index     the PDQ Hamming index: query latency, QPS, build time and memory against a linear scan\n  api       theft detection over HTTP on loopback against the bare fingerprint+search cost\n  accuracy  recall at 99.9% precision of edited copies, Sleuth against a PDQ-only baseline\n  ingest    NFTs/s ingested from an in-process devnet at several worker counts\n\nRun 'sleuth bench index -h', 'sleuth bench api -h' or 'sleuth bench accuracy -h' or 'sleuth bench ingest -h' for their flags.\n")
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	switch args[0] {
	case "index":
		return runBenchIndex(ctx, e, args[1:])
	case "api":
		return runBenchAPI(ctx, e, args[1:])
	case "ingest":
		return runBenchIngest(ctx, e, args[1:])
	case "accuracy":
		return runBenchAccuracy(ctx, e, args[1:])
	}
	fmt.Fprintf(e.stderr, "sleuth: bench: unknown benchmark %q (want index, api or accuracy)\n", args[0])
	return exitUsage
}

func runBenchIndex(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, &command{name: "bench index", summary: "Benchmark the PDQ index against a linear scan on realistic, clustered hashes."})
	asJSON := fs.Bool("json", false, "print the result as JSON")
	size := fs.Int("size", 1_000_000, "number of indexed PDQ hashes")
	queries := fs.Int("queries", 1000, "queries against the index")
	linearQueries := fs.Int("linear-queries", 50, "queries against the linear scan (the baseline)")
	maxDist := fs.Int("max-dist", 31, "Hamming distance threshold")
	seed := fs.Uint64("seed", 1, "seed of the data generator")
	tables := fs.Int("tables", 0, "index tables (0: the index's default, 8; 10 trades 8 bytes/entry for speed)")
	quiet := fs.Bool("quiet", false, "no progress lines on stderr")
	if _, code, ok := parseFlags(fs, args); !ok {
		return code
	}
	var progress io.Writer = e.stderr
	if *quiet {
		progress = nil
	}
	cfg := bench.DefaultIndexConfig(*size)
	cfg.Queries, cfg.MaxDist, cfg.Seed, cfg.Tables = *queries, *maxDist, *seed, *tables
	cfg.Linear, cfg.LinearQueries = *linearQueries > 0, *linearQueries
	res, err := bench.IndexBench(ctx, cfg, progress)
	if err != nil {
		fmt.Fprintf(e.stderr, "sleuth: bench index: %v\n", err)
		return exitFail
	}
	if *asJSON {
		printJSON(e.stdout, res)
		return exitOK
	}
	res.WriteTable(e.stdout)
	return exitOK
}

func runBenchAPI(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, &command{name: "bench api", summary: "Load-test POST /v1/theft-detection (1024x1024 JPEG uploads) on loopback against the bare fingerprint+search cost."})
	asJSON := fs.Bool("json", false, "print the result as JSON")
	assets := fs.Int("assets", 100_000, "indexed assets")
	clients := fs.Int("clients", 4, "parallel clients in the throughput phase")
	duration := fs.Duration("duration", 20*time.Second, "bound on the throughput phase")
	requests := fs.Int("requests", 2000, "bound on the throughput phase's requests")
	sequential := fs.Int("sequential", 50, "requests one at a time (and bare searches) for the latency comparison")
	seed := fs.Uint64("seed", 1, "seed of the data generator")
	quiet := fs.Bool("quiet", false, "no progress lines on stderr")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	if _, code, ok := parseFlags(fs, args); !ok {
		return code
	}
	var progress io.Writer = e.stderr
	if *quiet {
		progress = nil
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return failf(e, err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return failf(e, err)
		}
		defer pprof.StopCPUProfile()
	}
	res, err := bench.APIBench(ctx, bench.APIConfig{
		Assets: *assets, Concurrency: *clients, Duration: *duration, Requests: *requests,
		Sequential: *sequential, Seed: *seed,
	}, progress)
	if err != nil {
		fmt.Fprintf(e.stderr, "sleuth: bench api: %v\n", err)
		return exitFail
	}
	if *asJSON {
		printJSON(e.stdout, res)
		return exitOK
	}
	res.WriteTable(e.stdout)
	return exitOK
}

func runBenchAccuracy(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, &command{name: "bench accuracy", summary: "Measure how well edited copies are found (recall at 99.9% precision), Sleuth against a PDQ-only baseline, on the corpus built by scripts/corpus."})
	asJSON := fs.Bool("json", false, "print the result as JSON")
	dir := fs.String("corpus", corpus.DefaultDir(), "corpus directory ($SLEUTH_CORPUS, else ~/.cache/sleuth/corpus)")
	prepare := fs.Bool("prepare", false, "build the corpus from DIR/raw (fetched by scripts/corpus) and write its manifest, instead of running")
	originals := fs.Int("originals", 0, "originals to index and edit (0: all in the manifest; with --prepare: how many to set aside, default 1000)")
	distractors := fs.Int("distractors", 0, "distractors to index (0: all; with --prepare: the most to keep)")
	holdout := fs.Int("holdout", 0, "unindexed pictures to query (0: all; with --prepare: how many, default 1000)")
	families := fs.String("families", "", "comma-separated edit families (default all: "+strings.Join(edits.Families(), ",")+")")
	allEdits := fs.Bool("all-edits", false, "query every edit of a family for each original (default: one drawn per family)")
	seed := fs.Uint64("seed", 1, "seed of the edits (with --prepare: of sampling and roles)")
	workers := fs.Int("workers", 0, "parallel workers making edits and registering (0: GOMAXPROCS)")
	quiet := fs.Bool("quiet", false, "no progress lines on stderr")
	matchLog := fs.String("matches", "", "write every query's matches, labelled and with their evidence, to this file (JSON lines)")
	if _, code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *originals < 0 || *distractors < 0 || *holdout < 0 || *workers < 0 {
		fmt.Fprintln(e.stderr, "sleuth: bench accuracy: --originals, --distractors, --holdout and --workers must not be negative")
		return exitUsage
	}
	var progress io.Writer = e.stderr
	if *quiet {
		progress = nil
	}
	if *prepare {
		start := time.Now()
		m, err := corpus.Prepare(ctx, corpus.PrepareConfig{
			Dir: *dir, Seed: *seed, Originals: *originals, Distractors: *distractors, Holdout: *holdout,
			Workers: *workers, Progress: progress,
		})
		if err != nil {
			fmt.Fprintf(e.stderr, "sleuth: bench accuracy: %v\n", err)
			return exitFail
		}
		for _, s := range m.Sources {
			fmt.Fprintf(e.stdout, "%-16s %6d files  %5d failed  %5d blank  %5d duplicates  %5d recoloured  %5d transformed  %6d kept\n", s.Name, s.Candidates, s.Failed, s.Blank, s.Duplicates, s.Recoloured, s.Transformed, s.Kept)
		}
		fmt.Fprintf(e.stdout, "%d originals, %d distractors, %d holdouts, %d backgrounds, %d logos in %s (%.0f s)\n",
			len(m.Role(corpus.RoleOriginal)), len(m.Role(corpus.RoleDistractor)), len(m.Role(corpus.RoleHoldout)),
			len(m.Role(corpus.RoleBackground)), len(m.Role(corpus.RoleLogo)), *dir, time.Since(start).Seconds())
		return exitOK
	}
	var fams []string
	if *families != "" {
		fams = strings.Split(*families, ",")
	}
	var ml io.Writer
	if *matchLog != "" {
		f, err := os.Create(*matchLog)
		if err != nil {
			fmt.Fprintf(e.stderr, "sleuth: bench accuracy: %v\n", err)
			return exitFail
		}
		bw := bufio.NewWriter(f)
		defer func() {
			if err := bw.Flush(); err != nil {
				fmt.Fprintf(e.stderr, "sleuth: bench accuracy: %s: %v\n", *matchLog, err)
			}
			f.Close()
		}()
		ml = bw
	}
	res, err := bench.Accuracy(ctx, bench.AccuracyConfig{
		Dir: *dir, Originals: *originals, Distractors: *distractors, Holdout: *holdout,
		Families: fams, AllEdits: *allEdits, Seed: *seed, Workers: *workers, Progress: progress,
		Matches: ml,
	})
	if err != nil {
		fmt.Fprintf(e.stderr, "sleuth: bench accuracy: %v\n", err)
		return exitFail
	}
	if *asJSON {
		printJSON(e.stdout, res)
		return exitOK
	}
	res.WriteTable(e.stdout)
	return exitOK
}
