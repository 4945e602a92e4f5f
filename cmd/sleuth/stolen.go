package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/report"
	"github.com/sleuthhq/sleuth/store/sqlite"
)

var stolenCmd = &command{
	name:    "stolen",
	summary: "The stolen registry (offline, on the data directory): stolen report|list|show|resolve. Actions are recorded as account --as (0: the local operator).",
	usage:   "report --chain C (--contract A --token-id T | --mint M) [--note N] [--tx H] | list [--chain C] [--contract A] [--token-id T] [--status open|resolved] | show ID | resolve ID --resolution recovered|false_report|duplicate|other [--note N]",
}

func init() { stolenCmd.run = runStolen }

var resolutions = map[string]bool{"recovered": true, "false_report": true, "duplicate": true, "other": true}

func runStolen(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, stolenCmd)
	data := dataFlag(e, fs)
	asJSON := fs.Bool("json", false, "print JSON")
	chain := fs.String("chain", "", "the chain: ethereum, polygon, solana, an EVM chain id or a CAIP-2 id")
	contract := fs.String("contract", "", "report, list: the contract (EVM) or collection (Solana)")
	token := fs.String("token-id", "", "report, list: the token id")
	mint := fs.String("mint", "", "report: a Solana token's mint")
	status := fs.String("status", "", "list: open or resolved")
	note := fs.String("note", "", "report, resolve: a note for the audit trail")
	tx := fs.String("tx", "", "report: the theft transaction")
	resolution := fs.String("resolution", "", "resolve: recovered, false_report, duplicate or other")
	as := fs.Int64("as", 0, "the account the action is recorded for (0: the local operator)")
	limit := fs.Int("limit", 100, "list: at most this many reports (up to 1000)")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) == 0 {
		fs.Usage()
		return exitUsage
	}
	usage := func(msg string) int {
		fmt.Fprintln(e.stderr, "sleuth stolen: "+msg)
		return exitUsage
	}
	var chainID string
	if *chain != "" {
		c, err := report.ParseChain(*chain)
		if err != nil {
			return usage(err.Error())
		}
		chainID = c
	}
	by := sleuth.Actor{AccountID: sleuth.AccountID(*as)}
	st, err := sqlite.Open(ctx, dbPath(*data))
	if err != nil {
		return failf(e, err)
	}
	defer st.Close()
	switch pos[0] {
	case "report":
		if len(pos) != 1 {
			return usage("report takes no arguments")
		}
		if chainID == "" {
			return usage("report needs --chain")
		}
		k := sleuth.NFTKey{Chain: chainID, Contract: sleuth.NormalizeContract(*contract), TokenID: strings.TrimSpace(*token)}
		if strings.HasPrefix(chainID, "solana:") && k.TokenID == "" {
			k.TokenID = strings.TrimSpace(*mint)
		}
		if strings.HasPrefix(chainID, "solana:") && k.Contract == "" {
			k.Contract = k.TokenID
		}
		if k.Contract == "" || k.TokenID == "" {
			return usage("report needs --contract and --token-id (or --mint on Solana)")
		}
		r := &sleuth.StolenReport{Chain: k.Chain, Contract: k.Contract, TokenID: k.TokenID, Note: *note, TxHash: *tx}
		created, err := st.ReportStolen(ctx, r, by)
		if err != nil {
			return failf(e, err)
		}
		if *asJSON {
			writeJSONLine(e.stdout, map[string]any{"report": r, "created": created})
			return exitOK
		}
		if created {
			fmt.Fprintf(e.stdout, "reported: stolen report %d\n", r.ID)
		} else {
			fmt.Fprintf(e.stdout, "added to the open stolen report %d (%d reports)\n", r.ID, r.Reports)
		}
		printStolen(e, r)
	case "list":
		if *status != "" && *status != sleuth.StolenOpen && *status != sleuth.StolenResolved {
			return usage("--status is open or resolved")
		}
		rs, err := st.ListStolen(ctx, sleuth.StolenFilter{Chain: chainID, Contract: sleuth.NormalizeContract(*contract),
			TokenID: strings.TrimSpace(*token), Status: *status, Limit: *limit})
		if err != nil {
			return failf(e, err)
		}
		if *asJSON {
			for _, r := range rs {
				writeJSONLine(e.stdout, r)
			}
			return exitOK
		}
		fmt.Fprintf(e.stdout, "%-6s %-9s %-8s %-20s %s\n", "ID", "STATUS", "REPORTS", "REPORTED", "TOKEN")
		for _, r := range rs {
			fmt.Fprintf(e.stdout, "%-6d %-9s %-8d %-20s %s %s #%s\n", r.ID, r.Status, r.Reports, r.CreatedAt.Format(time.DateTime), r.Chain, r.Contract, r.TokenID)
		}
	case "show", "resolve":
		if len(pos) != 2 {
			return usage(pos[0] + " takes the report's ID")
		}
		id, err := strconv.ParseInt(pos[1], 10, 64)
		if err != nil || id <= 0 {
			return usage("the report's ID is a positive integer")
		}
		var r *sleuth.StolenReport
		if pos[0] == "resolve" {
			if !resolutions[*resolution] {
				return usage("resolve needs --resolution recovered, false_report, duplicate or other")
			}
			r, err = st.ResolveStolen(ctx, sleuth.StolenID(id), *resolution, *note, by)
		} else {
			r, err = st.StolenReport(ctx, sleuth.StolenID(id))
		}
		if err != nil {
			return failf(e, err)
		}
		if *asJSON {
			writeJSONLine(e.stdout, r)
			return exitOK
		}
		printStolen(e, r)
	default:
		fs.Usage()
		return exitUsage
	}
	return exitOK
}

func actorName(a sleuth.Actor) string {
	if a.AccountID == 0 && a.KeyID == "" {
		return "local operator"
	}
	if a.KeyID == "" {
		return fmt.Sprintf("account %d", a.AccountID)
	}
	return fmt.Sprintf("account %d (key %s)", a.AccountID, a.KeyID)
}

func printStolen(e *env, r *sleuth.StolenReport) {
	fmt.Fprintf(e.stdout, "report %d: %s %s #%s, %s", r.ID, r.Chain, r.Contract, r.TokenID, r.Status)
	if r.Resolution != "" {
		fmt.Fprintf(e.stdout, " (%s)", r.Resolution)
	}
	fmt.Fprintln(e.stdout)
	if r.TxHash != "" {
		fmt.Fprintf(e.stdout, "  theft transaction %s\n", r.TxHash)
	}
	for _, ev := range r.Events {
		fmt.Fprintf(e.stdout, "  %s  %-8s %-8s -> %-8s by %s", ev.At.Format(time.RFC3339), ev.Action, orDash(ev.FromStatus), ev.ToStatus, actorName(ev.Actor))
		if ev.Note != "" {
			fmt.Fprintf(e.stdout, ": %s", ev.Note)
		}
		fmt.Fprintln(e.stdout)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
