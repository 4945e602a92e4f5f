package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/report"
	"github.com/sleuthhq/sleuth/store/sqlite"
)

var collectionsCmd = &command{
	name:    "collections",
	summary: "Show a collection, or mark it verified (its tokens are originals: FAKE verdicts and isVerified reports rest on it): collections show|verify|unverify.",
	usage:   "show|verify|unverify --chain C --contract A [--market NAME]",
}

func init() { collectionsCmd.run = runCollections }

func runCollections(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, collectionsCmd)
	data := dataFlag(e, fs)
	asJSON := fs.Bool("json", false, "print JSON")
	chain := fs.String("chain", "", "the chain: ethereum, polygon, solana, an EVM chain id or a CAIP-2 id")
	contract := fs.String("contract", "", "the contract (EVM) or collection key (Solana)")
	market := fs.String("market", "", "verify: the marketplace or operator vouching for it (marketName in reports)")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	usage := func(msg string) int {
		fmt.Fprintln(e.stderr, "sleuth collections: "+msg)
		return exitUsage
	}
	if len(pos) != 1 {
		return usage("want one of show, verify, unverify")
	}
	op := pos[0]
	if op != "show" && op != "verify" && op != "unverify" {
		return usage(fmt.Sprintf("unknown action %q: want show, verify or unverify", op))
	}
	if *chain == "" || strings.TrimSpace(*contract) == "" {
		return usage("--chain and --contract are required")
	}
	chainID, err := report.ParseChain(*chain)
	if err != nil {
		return usage(err.Error())
	}
	st, err := sqlite.Open(ctx, dbPath(*data))
	if err != nil {
		return failf(e, err)
	}
	defer st.Close()
	addr := sleuth.NormalizeContract(*contract)
	col, err := st.Collection(ctx, chainID, addr)
	if err != nil {
		// A collection nobody ingested yet can still be vouched for.
		if op == "show" || sleuth.ErrorCode(err) != sleuth.CodeCollectionNotFound {
			return failf(e, err)
		}
		col = &sleuth.Collection{Chain: chainID, Contract: addr}
	}
	if op != "show" {
		col.Verified = op == "verify"
		if *market != "" {
			col.MarketName = *market
		}
		if err := st.PutCollection(ctx, col); err != nil {
			return failf(e, err)
		}
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		enc.Encode(col)
		return exitOK
	}
	fmt.Fprintf(e.stdout, "%s %s", col.Chain, col.Contract)
	if col.Name != "" {
		fmt.Fprintf(e.stdout, " %q", col.Name)
	}
	fmt.Fprintf(e.stdout, ": verified=%t", col.Verified)
	if col.MarketName != "" {
		fmt.Fprintf(e.stdout, " market=%q", col.MarketName)
	}
	fmt.Fprintln(e.stdout)
	return exitOK
}
