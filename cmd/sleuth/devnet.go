package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/sleuthhq/sleuth/devnet"
)

var devnetCmd = &command{
	name:    "devnet",
	summary: "Run a local EVM chain and IPFS gateway with a sample NFT collection, to try ingest, search and reports on one machine.",
	usage:   "",
}

func init() { devnetCmd.run = runDevnet }

func runDevnet(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, devnetCmd)
	images := fs.String("images", "", "directory of images for the collection (default: a generated set)")
	count := fs.Int("count", 0, "ERC-721 tokens backed by IPFS (default: the number of images, or 50 generated)")
	imageKB := fs.Int("image-kb", 50, "size of each generated image in KB")
	editions := fs.Int("editions", 4, "ERC-1155 tokens (0: none)")
	addr := fs.String("addr", "127.0.0.1:0", "listen address of the JSON-RPC server")
	gwAddr := fs.String("gateway-addr", "127.0.0.1:0", "listen address of the IPFS gateway")
	maxRange := fs.Uint64("max-log-range", 0, "refuse eth_getLogs over more blocks, as hosted providers do (0: no limit)")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		fs.Usage()
		return exitUsage
	}
	opt := devnet.Options{RPCAddr: *addr, GatewayAddr: *gwAddr, Count: *count, ImageKB: *imageKB, Editions: *editions, MaxLogRange: *maxRange}
	if *editions == 0 {
		opt.Editions = -1
	}
	if *images != "" {
		imgs, err := devnet.ReadImages(*images)
		if err != nil {
			fmt.Fprintf(e.stderr, "sleuth: devnet: %v\n", err)
			return exitUsage
		}
		opt.Images = imgs
	}
	fmt.Fprintln(e.stderr, "starting the devnet: chain, IPFS gateway, contracts, mints...")
	d, err := devnet.Start(ctx, opt)
	if err != nil {
		fmt.Fprintf(e.stderr, "sleuth: devnet: %v\n", err)
		return exitFail
	}
	defer d.Close()
	n721, n1155 := 0, 0
	for _, t := range d.Tokens {
		if t.Spec == "erc721" {
			n721++
		} else {
			n1155++
		}
	}
	head, _ := d.Chain.Head(ctx)
	w := e.stdout
	fmt.Fprintf(w, "Sleuth devnet is running (Ctrl-C stops it; everything is in memory).\n\n")
	fmt.Fprintf(w, "  RPC URL      %s\n", d.RPCURL)
	fmt.Fprintf(w, "  chain id     %d (eip155:%d), head block %d\n", d.ChainID, d.ChainID, head)
	fmt.Fprintf(w, "  IPFS gateway %s\n", d.GatewayURL)
	fmt.Fprintf(w, "  ERC-721      %s  %d tokens (\"Sleuth Devnet\", SLDN)\n", strings.ToLower(d.ERC721.Address.Hex()), n721)
	if d.ERC1155 != nil {
		fmt.Fprintf(w, "  ERC-1155     %s  %d tokens (\"Sleuth Devnet Editions\", SLDE)\n", strings.ToLower(d.ERC1155.Address.Hex()), n1155)
	}
	fmt.Fprintf(w, "\nIndex them (in another terminal):\n\n")
	for _, c := range d.IngestCommands("") {
		fmt.Fprintf(w, "  %s\n", c)
	}
	fmt.Fprintf(w, "\nThen look for copies of one of the images:\n\n")
	fmt.Fprintf(w, "  curl -so copy.jpg %s/ipfs/%s\n", d.GatewayURL, strings.TrimPrefix(d.Tokens[0].ImageURL, "ipfs://"))
	fmt.Fprintf(w, "  sleuth search copy.jpg\n")
	<-ctx.Done()
	fmt.Fprintln(e.stderr, "devnet stopped")
	return exitOK
}
