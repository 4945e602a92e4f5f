package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/chain/solana"
)

func init() {
	registerIngestSource(&ingestSource{
		name:    "solana",
		summary: "Metaplex NFTs through a Solana JSON-RPC endpoint (--rpc URL --mint ADDR | --collection ADDR | --creator ADDR)",
		run:     runIngestSolana,
	})
}

func runIngestSolana(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, &command{
		name: "ingest solana",
		summary: "Index Metaplex NFTs: read their Token Metadata accounts through a Solana JSON-RPC endpoint,\n" +
			"resolve each token's metadata JSON and media, fingerprint the media. A re-run adds nothing twice.\n" +
			"How records are filled and collections found: docs/INGEST-FORMATS.md.",
	})
	rpc := fs.String("rpc", "", "Solana JSON-RPC endpoint (http:// or https://); required")
	var mints stringList
	fs.Var(&mints, "mint", "mint address of an NFT (repeat or comma-separate)")
	collection := fs.String("collection", "", "mint address of a Metaplex collection NFT: index every NFT verified in it")
	creator := fs.String("creator", "", "address of a first verified creator (e.g. a candy machine's): index every NFT it created")
	noOwner := fs.Bool("no-owner", false, "do not look up current owners (saves 2 RPC calls per NFT)")
	noCreated := fs.Bool("no-created-at", false, "do not look up mint times (saves 1 RPC call per 1000 transactions of each NFT)")
	pages := fs.Int("max-signature-pages", solana.DefaultMaxSignaturePages, "most pages of 1000 signatures read back to an NFT's first transaction")
	retries := fs.Int("rpc-retries", solana.DefaultRetries, "retries of an RPC call that fails for a transient reason (429, 5xx, network)")
	asJSON := fs.Bool("json", false, "print the summary as JSON on stdout")
	f := addIngestFlags(e, fs)
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	modes := 0
	for _, set := range []bool{len(mints) > 0, *collection != "", *creator != ""} {
		if set {
			modes++
		}
	}
	if len(pos) > 0 || *rpc == "" || modes != 1 {
		fmt.Fprintln(e.stderr, "sleuth: ingest solana: --rpc and exactly one of --mint, --collection, --creator are required, and no arguments")
		fs.Usage()
		return exitUsage
	}
	if u, err := url.Parse(*rpc); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		fmt.Fprintf(e.stderr, "sleuth: ingest solana: --rpc %q: want an http:// or https:// URL\n", *rpc)
		return exitUsage
	}
	parse := func(s string) (solana.PublicKey, bool) {
		k, err := solana.ParsePublicKey(strings.TrimSpace(s))
		if err != nil {
			fmt.Fprintf(e.stderr, "sleuth: ingest solana: %v\n", err)
			return k, false
		}
		return k, true
	}
	var mintKeys []solana.PublicKey
	for _, m := range mints {
		k, ok := parse(m)
		if !ok {
			return exitUsage
		}
		mintKeys = append(mintKeys, k)
	}
	var collKey, creatorKey solana.PublicKey
	if *collection != "" {
		if collKey, ok = parse(*collection); !ok {
			return exitUsage
		}
	}
	if *creator != "" {
		if creatorKey, ok = parse(*creator); !ok {
			return exitUsage
		}
	}

	client := solana.NewClient(*rpc, nil)
	client.Retries = max(*retries, 0)
	reader, err := solana.NewReader(ctx, client)
	if err != nil {
		fmt.Fprintf(e.stderr, "sleuth: ingest solana: %v [%s]\n", err, sleuth.ErrorCode(err))
		return exitFail
	}
	reader.Owner, reader.CreatedAt, reader.MaxSignaturePages = !*noOwner, !*noCreated, *pages

	// Find the metadata accounts.
	var mds []*solana.Metadata
	failed := 0
	label := ""
	switch {
	case len(mintKeys) > 0:
		label = "solana " + mintKeys[0].String()
		var all []*solana.Metadata
		var errs []error
		all, errs, err = reader.MetadataOf(ctx, mintKeys)
		for i, md := range all {
			if errs[i] != nil {
				fmt.Fprintf(e.stderr, "sleuth: ingest solana: %s: %v [%s]\n", mintKeys[i], errs[i], sleuth.ErrorCode(errs[i]))
				failed++
				continue
			}
			mds = append(mds, md)
		}
	case *collection != "":
		label = "solana collection " + collKey.String()
		mds, err = reader.CollectionMembers(ctx, collKey)
	default:
		label = "solana creator " + creatorKey.String()
		mds, err = reader.CreatorMembers(ctx, creatorKey)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "sleuth: ingest solana: %v [%s]\n", err, sleuth.ErrorCode(err))
		return exitFail
	}
	if !*f.quiet {
		fmt.Fprintf(e.stderr, "%s: %s: %d NFTs found\n", label, reader.Chain, len(mds))
	}

	r, err := f.open(ctx, e, label)
	if err != nil {
		fmt.Fprintf(e.stderr, "sleuth: ingest solana: %v\n", err)
		return exitFail
	}
	defer r.close()
	if *collection != "" {
		c, err := reader.Collection(ctx, collKey, len(mds))
		if err == nil {
			err = r.eng.Store().PutCollection(ctx, c)
		}
		if err != nil {
			fmt.Fprintf(e.stderr, "sleuth: ingest solana: collection %s: %v\n", collKey, err)
		}
	}
	done := 0
	sum, err := solana.Ingest(ctx, mds, solana.IngestOptions{
		Reader: reader, Pipeline: r.pipe, Store: r.eng.Store(), Workers: *f.workers,
		OnMint: func(m solana.MintResult) {
			done++
			r.progress.position(fmt.Sprintf("%d/%d mints", done, len(mds)))
			if *asJSON {
				return
			}
			if m.Err != nil {
				fmt.Fprintf(e.stderr, "sleuth: ingest solana: %s: %v [%s]\n", m.Mint, m.Err, sleuth.ErrorCode(m.Err))
			}
			for _, le := range m.LookupErrs {
				fmt.Fprintf(e.stderr, "sleuth: ingest solana: %s: look-up failed: %v [%s]\n", m.Mint, le, sleuth.ErrorCode(le))
			}
		},
	})
	if sum != nil {
		sum.Failed += failed
		sum.Mints += failed
		sum.RPCCalls = client.Calls() // the look-ups of the accounts included
		if *asJSON {
			enc := json.NewEncoder(e.stdout)
			enc.SetIndent("", "  ")
			enc.Encode(struct {
				Chain string `json:"chain"`
				*solana.IngestSummary
			}{reader.Chain, sum})
		} else {
			if !*f.quiet {
				fmt.Fprintln(e.stderr, r.progress.summary())
			}
			fmt.Fprintf(e.stdout, "ingested %d Metaplex NFTs on %s in %.1fs: %d stored, %d unchanged, %d failed; %d new assets, %d media failed, %d look-ups failed; %d RPC calls\n",
				sum.Mints, reader.Chain, sum.Seconds, sum.Stored, sum.Unchanged, sum.Failed, sum.Assets, sum.MediaFailed, sum.LookupFailed, sum.RPCCalls)
		}
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			fmt.Fprintln(e.stderr, "sleuth: ingest solana: interrupted; what was stored is kept, run again to finish")
		} else {
			fmt.Fprintf(e.stderr, "sleuth: ingest solana: %v [%s]\n", err, sleuth.ErrorCode(err))
		}
		return exitFail
	}
	if sum.Failed > 0 || sum.MediaFailed > 0 {
		return exitFail
	}
	return exitOK
}
