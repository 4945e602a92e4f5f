package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/chain/evm"
)

func init() {
	registerIngestSource(&ingestSource{
		name:    "evm",
		summary: "an ERC-721 or ERC-1155 contract through a JSON-RPC provider (--rpc URL --contract ADDR)",
		run:     runIngestEVM,
	})
}

func runIngestEVM(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, &command{
		name: "ingest evm",
		summary: "Index the NFTs of one ERC-721 or ERC-1155 contract: read its transfer logs through a JSON-RPC\n" +
			"provider, resolve each token's metadata and media, fingerprint the media. Resumes from the last\n" +
			"checkpoint; a re-run adds nothing twice.",
	})
	rpc := fs.String("rpc", "", "JSON-RPC endpoint of the chain (http:// or https://); required")
	contract := fs.String("contract", "", "0x address of the NFT contract; required")
	chainID := fs.Uint64("chain-id", 0, "EIP-155 chain id (0: ask the provider; otherwise the provider must agree)")
	from := fs.Uint64("from-block", 0, "first block to scan when there is no checkpoint (e.g. the contract's deployment block)")
	to := fs.Uint64("to-block", 0, "last block to scan (0: the head)")
	page := fs.Uint64("page-blocks", evm.DefaultPageBlocks, "most blocks per eth_getLogs query (halved automatically when the provider refuses)")
	follow := fs.Bool("follow", false, "keep polling for new blocks until interrupted (Ctrl-C)")
	interval := fs.Duration("interval", evm.DefaultPollInterval, "how often --follow polls for new blocks")
	f := addIngestFlags(e, fs)
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 || *rpc == "" || *contract == "" {
		fmt.Fprintln(e.stderr, "sleuth: ingest evm: --rpc and --contract are required, and no arguments")
		fs.Usage()
		return exitUsage
	}
	addr, err := evm.NormalizeAddress(*contract)
	if err != nil {
		fmt.Fprintf(e.stderr, "sleuth: ingest evm: %v\n", err)
		return exitUsage
	}
	r, err := f.open(ctx, e, "evm "+addr)
	if err != nil {
		fmt.Fprintf(e.stderr, "sleuth: ingest evm: %v\n", err)
		return exitFail
	}
	defer r.close()
	var warn *slog.Logger
	if *f.quiet {
		warn = slog.New(slog.DiscardHandler)
	} else {
		warn = slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	in, err := evm.New(evm.Config{
		RPC: *rpc, Contract: addr, ChainID: *chainID, FromBlock: *from, ToBlock: *to,
		PageBlocks: *page, Follow: *follow, PollInterval: *interval, Logger: warn,
		Progress: func(p evm.Position) {
			r.progress.position(fmt.Sprintf("%s %s block %d/%d, %d transfers", p.Chain, p.Spec, p.Block, p.Head, p.Logs))
		},
	}, r.pipe, r.eng.Store())
	if err != nil {
		fmt.Fprintf(e.stderr, "sleuth: ingest evm: %v\n", err)
		return exitUsage
	}
	start := time.Now()
	err = in.Run(ctx)
	p := in.Position()
	fmt.Fprintf(e.stderr, "%s\n", r.progress.summary())
	if err != nil {
		if errors.Is(err, context.Canceled) {
			fmt.Fprintf(e.stderr, "sleuth: ingest evm: interrupted; checkpoint at block %d, run again to resume\n", p.Block)
			return exitFail
		}
		fmt.Fprintf(e.stderr, "sleuth: ingest evm: %v (%s)\n", err, sleuth.ErrorCode(err))
		return exitFail
	}
	st := r.pipe.Stats()
	fmt.Fprintf(e.stdout, "ingested %s %s (%s) up to block %d in %.1fs: %d NFTs stored, %d unchanged, %d new assets, %d media failed\n",
		p.Chain, addr, p.Spec, p.Block, time.Since(start).Seconds(), st.Records, st.Skipped, st.Assets, st.Failed)
	if st.Failed > 0 {
		return exitFail
	}
	return exitOK
}
