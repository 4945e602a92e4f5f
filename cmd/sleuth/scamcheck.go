package main

import (
	"context"
	"fmt"

	"github.com/sleuthhq/sleuth/engine"
	"github.com/sleuthhq/sleuth/phishing"
	"github.com/sleuthhq/sleuth/report"
)

var scamCheckCmd = &command{
	name:    "scam-check",
	summary: "SolCheck's scam check of an indexed token: CHECKS_PASSED or SUSPECTED_MALICIOUS (STOLEN, PHISHING, FAKE) with the evidence.",
	usage:   "MINT | --chain C --contract A --token-id T",
}

func init() { scamCheckCmd.run = runScamCheck }

func runScamCheck(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, scamCheckCmd)
	data := dataFlag(e, fs)
	asJSON := fs.Bool("json", false, "print SolCheck's JSON with Sleuth's reasons")
	chain := fs.String("chain", "", "the token's chain: ethereum, polygon, solana, an EVM chain id or a CAIP-2 id")
	contract := fs.String("contract", "", "the token's contract (EVM) or collection (Solana, optional)")
	token := fs.String("token-id", "", "the token id (EVM)")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	req := &report.ScamRequest{Chain: *chain, Contract: *contract, TokenID: *token}
	switch {
	case len(pos) == 1 && *token == "":
		req.TokenAddress = pos[0]
	case len(pos) > 0 || (*chain == "" && *contract == "" && *token == ""):
		fs.Usage()
		return exitUsage
	}
	if err := req.Validate(); err != nil {
		fmt.Fprintf(e.stderr, "sleuth scam-check: %v\n", err)
		return exitUsage
	}
	lists, err := phishing.Load(*data)
	if err != nil {
		return failf(e, err)
	}
	eng, closeStore, err := openEngine(ctx, e, *data, engine.Options{})
	if err != nil {
		return failf(e, err)
	}
	defer closeStore()
	chk := &report.ScamChecker{Finder: report.Finder{Engine: eng, Store: eng.Store()}, Lists: lists}
	resp, err := chk.Check(ctx, req)
	if err != nil {
		return failf(e, err)
	}
	if *asJSON {
		writeJSONLine(e.stdout, resp)
		return exitOK
	}
	fmt.Fprintf(e.stdout, "%s", resp.Result)
	if resp.MaliciousType != "" {
		fmt.Fprintf(e.stdout, " %s", resp.MaliciousType)
	}
	fmt.Fprintf(e.stdout, "  %s %s #%s\n", resp.Chain, resp.Contract, resp.TokenID)
	for _, r := range resp.Reasons {
		fmt.Fprintf(e.stdout, "  %-8s %s\n", r.Type, r.Detail)
	}
	for _, c := range resp.Checks {
		if !c.Ran {
			fmt.Fprintf(e.stdout, "  (%s not checked: %s)\n", c.Type, c.Note)
		}
	}
	return exitOK
}
