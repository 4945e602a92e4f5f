package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/chain/jsonl"
)

const ingestJSONLSummary = "import NFT records from a JSON Lines file (format: docs/INGEST-FORMATS.md)"

func init() {
	registerIngestSource(&ingestSource{name: "jsonl", summary: ingestJSONLSummary, run: runIngestJSONL})
}

// maxJSONLFailures bounds the failures listed by --json; all are printed
// on stderr and counted.
const maxJSONLFailures = 1000

// jsonlOutput is what `sleuth ingest jsonl --json` prints.
type jsonlOutput struct {
	*jsonl.Summary
	Failures []jsonlFailure `json:"failures"`
	// FailuresLeftOut counts failures beyond the first 1000.
	FailuresLeftOut int `json:"failures_left_out,omitempty"`
}

type jsonlFailure struct {
	Line int `json:"line"`
	// Media is true when a medium or the metadata of the line failed (the
	// record was stored without it), false when the line was skipped.
	Media bool      `json:"media,omitempty"`
	Error errorJSON `json:"error"`
}

func runIngestJSONL(ctx context.Context, e *env, args []string) int {
	c := &command{name: "ingest jsonl", summary: ingestJSONLSummary, usage: "FILE"}
	fs := newFlagSet(e, c)
	f := addIngestFlags(e, fs)
	restart := fs.Bool("restart", false, "read the file from its first line, ignoring the checkpoint (records already stored are not added twice)")
	asJSON := fs.Bool("json", false, "print the summary as JSON on stdout")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		fs.Usage()
		return exitUsage
	}
	file := pos[0]
	local, err := jsonl.NewLocal(file, *f.maxBytes)
	if err != nil {
		fmt.Fprintf(e.stderr, "sleuth: %v\n", err)
		return exitFail
	}
	defer local.Close()
	f.openURL = local.Open
	r, err := f.open(ctx, e, "jsonl "+filepath.Base(file))
	if err != nil {
		fmt.Fprintf(e.stderr, "sleuth: %v\n", err)
		return exitFail
	}
	defer r.close()

	out := jsonlOutput{Failures: []jsonlFailure{}}
	fail := func(line int, media bool, err error) {
		if len(out.Failures) < maxJSONLFailures {
			out.Failures = append(out.Failures, jsonlFailure{line, media, errorJSON{sleuth.ErrorCode(err), err.Error()}})
		} else {
			out.FailuresLeftOut++
		}
		if *asJSON {
			return
		}
		if media {
			fmt.Fprintf(e.stderr, "sleuth: %s:%d: media failed: %v [%s]\n", file, line, err, sleuth.ErrorCode(err))
		} else {
			fmt.Fprintf(e.stderr, "sleuth: %s:%d: skipped: %v [%s]\n", file, line, err, sleuth.ErrorCode(err))
		}
	}
	sum, err := jsonl.Import(ctx, file, jsonl.Options{
		Pipeline: r.pipe,
		Store:    r.eng.Store(),
		Local:    local,
		Workers:  *f.workers,
		Restart:  *restart,
		OnLine: func(lr jsonl.LineResult) {
			if lr.Err != nil {
				fail(lr.Line, false, lr.Err)
			}
			for _, me := range lr.MediaErrs {
				fail(lr.Line, true, me)
			}
			r.progress.position(fmt.Sprintf("line %d", lr.Line))
		},
	})
	if sum != nil {
		out.Summary = sum
		if *asJSON {
			enc := json.NewEncoder(e.stdout)
			enc.SetIndent("", "  ")
			enc.Encode(out)
		} else {
			fmt.Fprintf(e.stdout, "%s: %s\n", file, sum)
		}
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "sleuth: %v [%s]\n", err, sleuth.ErrorCode(err))
		if ctx.Err() != nil {
			fmt.Fprintln(e.stderr, "sleuth: interrupted; the lines done are kept, and a re-run resumes after them")
		}
		return exitFail
	}
	if sum.Failed > 0 || sum.MediaFailed > 0 {
		return exitFail
	}
	return exitOK
}
