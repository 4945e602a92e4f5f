package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/cid"
	"github.com/sleuthhq/sleuth/engine"
	"github.com/sleuthhq/sleuth/fetch"
)

var searchCmd = &command{
	name:    "search",
	summary: "Find the registered assets that are copies of an image: a file, a URL (https, ipfs://, ar://, data:) or a registered asset's Nid.",
	usage:   "FILE|URL|NID",
}

func init() { searchCmd.run = runSearch }

func runSearch(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, searchCmd)
	asJSON := fs.Bool("json", false, "print the query's fingerprints and the matches as JSON")
	data := dataFlag(e, fs)
	limit := fs.Int("limit", 20, "show at most this many matches")
	minScore := fs.Float64("min-score", 0, "drop matches scored below this (0..1)")
	allowHTTP := fs.Bool("allow-http", false, "fetch plain http:// URLs too (https, ipfs://, ar:// and data: always work)")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		fs.Usage()
		return exitUsage
	}
	eng, closeStore, err := openEngine(ctx, e, *data, engine.Options{})
	if err != nil {
		fmt.Fprintf(e.stderr, "sleuth: %v\n", err)
		return exitFail
	}
	defer closeStore()

	req := &engine.SearchRequest{Limit: *limit, MinScore: *minScore}
	arg := pos[0]
	if isURL(arg) {
		res, err := fetch.New(fetch.Config{AllowHTTP: *allowHTTP}).Fetch(ctx, arg)
		if err != nil {
			fmt.Fprintf(e.stderr, "sleuth: %s: %v [%s]\n", arg, err, sleuth.ErrorCode(err))
			return exitFail
		}
		req.Data = res.Body
	} else if _, statErr := os.Stat(arg); statErr != nil {
		if _, perr := cid.Parse(arg); perr != nil {
			fmt.Fprintf(e.stderr, "sleuth: %v\n", statErr)
			return exitFail
		}
		a, err := eng.Store().Asset(ctx, arg)
		if err != nil {
			fmt.Fprintf(e.stderr, "sleuth: %s: %v [%s]\n", arg, err, sleuth.ErrorCode(err))
			return exitFail
		}
		q, err := engine.QueryFromAsset(a)
		if err != nil {
			fmt.Fprintf(e.stderr, "sleuth: %v\n", err)
			return exitFail
		}
		req.Query = q
		req.Exclude = []string{a.Nid}
	} else {
		req.Path = arg
	}
	resp, err := eng.Search(ctx, req)
	if err != nil {
		fmt.Fprintf(e.stderr, "sleuth: %s: %v [%s]\n", arg, err, sleuth.ErrorCode(err))
		return exitFail
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		enc.Encode(resp)
		return exitOK
	}
	if q := resp.Query; q != nil {
		desc := q.MIME
		if p := q.Pixels; p != nil {
			desc = fmt.Sprintf("%s %dx%d, PDQ quality %d", q.MIME, p.Width, p.Height, p.PDQQuality)
		}
		fmt.Fprintf(e.stdout, "query %s (%s)\n", q.Nid, desc)
	}
	if len(resp.Matches) == 0 {
		fmt.Fprintf(e.stdout, "no copies found among %d assets\n", eng.Stats().Assets)
		return exitOK
	}
	const format = "%-10s %5s %-12s %4s %-11s %-59s %s\n"
	fmt.Fprintf(e.stdout, format, "TIER", "SCORE", "BY", "DIST", "VARIANT", "NID", "SOURCE")
	for _, m := range resp.Matches {
		v := m.Variant
		if v == "" {
			v = "-"
		}
		fmt.Fprintf(e.stdout, format, m.Tier, fmt.Sprintf("%.3f", m.Score), m.Fingerprint, fmt.Sprint(m.Distance), v, m.Asset.Nid, m.Asset.Source)
	}
	return exitOK
}

// isURL reports whether arg names something to fetch rather than a file.
func isURL(arg string) bool {
	for _, p := range []string{"https://", "http://", "ipfs://", "ar://", "data:"} {
		if strings.HasPrefix(strings.ToLower(arg), p) {
			return true
		}
	}
	return false
}
