package report

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sleuthhq/sleuth/chain/evm"
	"github.com/sleuthhq/sleuth/devnet"
	"github.com/sleuthhq/sleuth/fetch"
	"github.com/sleuthhq/sleuth/ingest"
)

// TestDevnetCollections runs the whole path on the devnet: a real local EVM
// chain and IPFS gateway, the ERC-721 collection and the ERC-1155
// editions (which reuse the ERC-721's images, minted later) ingested by
// the EVM ingester, then a collection report of each through the job
// runner. The editions copy the collection: every edition is red. The
// collection is the original: its copies came later, so every token is
// reliable.
func TestDevnetCollections(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a devnet; -short")
	}
	ctx := context.Background()
	dn, err := devnet.Start(ctx, devnet.Options{Count: 8, ImageKB: 6, Editions: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dn.Close() })
	e := openEnv(t)
	f := fetch.New(fetch.Config{IPFSGateways: []string{dn.GatewayURL}, AllowPrivate: true, GatewayTimeout: 5 * time.Second})
	pipe := ingest.New(e.eng, e.db, ingest.Options{Fetcher: f, Workers: 2})
	for _, k := range []string{dn.ERC721.Address.Hex(), dn.ERC1155.Address.Hex()} {
		in, err := evm.New(evm.Config{RPC: dn.RPCURL, Contract: k}, pipe, e.db)
		if err != nil {
			t.Fatal(err)
		}
		if err := in.Run(ctx); err != nil {
			t.Fatalf("ingest %s: %v", k, err)
		}
	}
	chainID := fmt.Sprintf("eip155:%d", dn.ChainID)
	c := e.collections()
	c.Reporter.Fetch = func(ctx context.Context, u string) ([]byte, error) {
		res, err := f.Fetch(ctx, u)
		if err != nil {
			return nil, err
		}
		return res.Body, nil
	}
	run := func(contract string) *CollectionStatus {
		t.Helper()
		sub, err := c.Submit(ctx, 1, CollectionRequest{Chain: chainID, Contract: contract}, "http://x", false)
		if err != nil {
			t.Fatal(err)
		}
		runAll(t, newRunner(e, c))
		st, err := c.Status(ctx, sub.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		if st.Status != StatusDone {
			t.Fatalf("report of %s: %s", contract, mustJSON(t, st))
		}
		return st
	}
	editions := run(dn.ERC1155.Address.Hex())
	if editions.Summary.Red.Number != 3 || editions.NumberVerified != 3 {
		t.Errorf("the editions (copies) are not all red: %s", mustJSON(t, editions.Summary))
	}
	for id, d := range editions.Detail {
		if len(d.ExactMatch) == 0 || d.FirstUse == nil || d.FirstUse.Token != Later {
			t.Errorf("edition %s: %s", id, mustJSON(t, d))
		}
	}
	original := run(dn.ERC721.Address.Hex())
	if original.Summary.Red.Number != 0 || original.Summary.Consider.Number != 0 || original.Summary.Reliable.Number == 0 ||
		original.Summary.Reliable.Number != original.NumberVerified {
		t.Errorf("the original collection is not reliable: %s", mustJSON(t, original))
	}
	t.Logf("editions: %d red of %d; original: %d reliable of %d (total supply %d, unchecked %v)",
		editions.Summary.Red.Number, editions.NumberVerified, original.Summary.Reliable.Number,
		original.NumberVerified, original.TotalSupply, original.Unchecked)
}
