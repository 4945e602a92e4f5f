package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/engine"
	"github.com/sleuthhq/sleuth/store/sqlite"
)

var assetsCmd = &command{
	name:    "assets",
	summary: "List, count or remove registered assets: assets list|count|rm NID...",
	usage:   "list|count|rm [NID...]",
}

func init() { assetsCmd.run = runAssets }

func runAssets(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, assetsCmd)
	asJSON := fs.Bool("json", false, "print JSON (one asset per line for list)")
	data := dataFlag(e, fs)
	limit := fs.Int("limit", 100, "list: at most this many assets (0: all)")
	after := fs.Int64("after", 0, "list: only assets with an id greater than this (paging)")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) == 0 {
		fs.Usage()
		return exitUsage
	}
	fail := func(err error) int {
		fmt.Fprintf(e.stderr, "sleuth: %v [%s]\n", err, sleuth.ErrorCode(err))
		return exitFail
	}
	switch sub := pos[0]; sub {
	case "count", "list":
		if len(pos) != 1 {
			fs.Usage()
			return exitUsage
		}
		st, err := sqlite.Open(ctx, dbPath(*data))
		if err != nil {
			return fail(err)
		}
		defer st.Close()
		if sub == "count" {
			n, err := st.CountAssets(ctx)
			if err != nil {
				return fail(err)
			}
			if *asJSON {
				fmt.Fprintf(e.stdout, "{\"count\":%d}\n", n)
			} else {
				fmt.Fprintln(e.stdout, n)
			}
			return exitOK
		}
		return listAssets(ctx, e, st, sleuth.AssetID(*after), *limit, *asJSON)
	case "rm":
		if len(pos) < 2 {
			fs.Usage()
			return exitUsage
		}
		eng, closeStore, err := openEngine(ctx, e, *data, engine.Options{})
		if err != nil {
			return fail(err)
		}
		defer closeStore()
		status := exitOK
		for _, nid := range pos[1:] {
			a, err := eng.Delete(ctx, nid)
			if err != nil {
				fmt.Fprintf(e.stderr, "sleuth: %s: %v [%s]\n", nid, err, sleuth.ErrorCode(err))
				status = exitFail
				continue
			}
			if *asJSON {
				json.NewEncoder(e.stdout).Encode(map[string]any{"removed": a.Nid, "id": a.ID})
			} else {
				fmt.Fprintf(e.stdout, "removed %s\n", a.Nid)
			}
		}
		return status
	default:
		fmt.Fprintf(e.stderr, "sleuth: assets: unknown subcommand %q (want list, count or rm)\n", sub)
		return exitUsage
	}
}

func listAssets(ctx context.Context, e *env, st sleuth.AssetStore, after sleuth.AssetID, limit int, asJSON bool) int {
	const format = "%8s %-59s %-11s %11s %-20s %s\n"
	if !asJSON {
		fmt.Fprintf(e.stdout, format, "ID", "NID", "TYPE", "DIMENSIONS", "FIRST SEEN", "SOURCE")
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	shown := 0
	for limit == 0 || shown < limit {
		page := 1000
		if limit > 0 {
			page = min(page, limit-shown)
		}
		as, err := st.ListAssets(ctx, sleuth.AssetFilter{After: after, Limit: page})
		if err != nil {
			fmt.Fprintf(e.stderr, "sleuth: %v\n", err)
			return exitFail
		}
		for _, a := range as {
			if asJSON {
				enc.Encode(a)
			} else {
				dims := "-"
				if a.Width > 0 {
					dims = fmt.Sprintf("%dx%d", a.Width, a.Height)
				}
				fmt.Fprintf(e.stdout, format, fmt.Sprint(a.ID), a.Nid, a.MIME, dims, a.FirstSeen.UTC().Format(time.DateTime), a.Source)
			}
			after = a.ID
		}
		shown += len(as)
		if len(as) < page {
			break
		}
	}
	return exitOK
}
