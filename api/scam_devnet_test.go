package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/chain/evm"
	"github.com/sleuthhq/sleuth/client"
	"github.com/sleuthhq/sleuth/devnet"
	"github.com/sleuthhq/sleuth/fetch"
	"github.com/sleuthhq/sleuth/ingest"
)

// TestScamCheckDevnet is the scam check end to end: a real local EVM chain
// and IPFS gateway (package devnet), three contracts minted on it and
// ingested by the EVM ingester, then SolCheck's request over HTTP with the
// typed client.
//
//   - The devnet's ERC-721 collection is the original; the test marks it
//     verified, as an operator would.
//   - Its ERC-1155 editions reuse the collection's images, minted later:
//     copies, FAKE.
//   - A third ERC-721, minted last with an image of its own, has a
//     description that sends holders to a blacklisted domain: PHISHING.
//
// Then the stolen registry: a token reported stolen is STOLEN until an
// administrator resolves the report.
func TestScamCheckDevnet(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a devnet; -short")
	}
	ctx := context.Background()
	dn, err := devnet.Start(ctx, devnet.Options{Count: 6, ImageKB: 6, Editions: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dn.Close() })

	// The phishing token: its own contract, metadata on chain, an image of
	// its own (so that it is not also a copy).
	phish, err := dn.Chain.DeployERC721(ctx, "Free Airdrop", "DROP")
	if err != nil {
		t.Fatal(err)
	}
	img := devnet.GenerateImages(1, 4, 777)[0].Data
	imgDir, err := dn.IPFS.AddDir(ctx, map[string][]byte{"pass.jpg": img})
	if err != nil {
		t.Fatal(err)
	}
	meta, _ := json.Marshal(map[string]any{
		"name":        "Airdrop pass",
		"description": "You are eligible! Claim your airdrop at https://free-azuki.com/claim before it ends.",
		"image":       "ipfs://" + imgDir + "/pass.jpg",
		"attributes":  []map[string]any{{"trait_type": "website", "value": "opensae.io"}},
	})
	metaDir, err := dn.IPFS.AddDir(ctx, map[string][]byte{"1.json": meta})
	if err != nil {
		t.Fatal(err)
	}
	holder := dn.Chain.Accounts[0].Address
	if err := phish.Mint721(ctx, holder, 1, "ipfs://"+metaDir+"/1.json"); err != nil {
		t.Fatal(err)
	}
	if err := dn.Chain.Commit(ctx); err != nil {
		t.Fatal(err)
	}

	// Ingest the three contracts.
	e := newE2E(t)
	f := fetch.New(fetch.Config{IPFSGateways: []string{dn.GatewayURL}, AllowPrivate: true, GatewayTimeout: 5 * time.Second})
	pipe := ingest.New(e.eng, e.db, ingest.Options{Fetcher: f, Workers: 2})
	original, editions, phishing := addrOf(dn.ERC721.Address), addrOf(dn.ERC1155.Address), addrOf(phish.Address)
	for _, k := range []string{original, editions, phishing} {
		in, err := evm.New(evm.Config{RPC: dn.RPCURL, Contract: k}, pipe, e.db)
		if err != nil {
			t.Fatal(err)
		}
		if err := in.Run(ctx); err != nil {
			t.Fatalf("ingest %s: %v", k, err)
		}
	}
	chain := fmt.Sprintf("eip155:%d", dn.ChainID)
	col, err := e.db.Collection(ctx, chain, original)
	if err != nil {
		t.Fatalf("the ingester did not record the collection: %v", err)
	}
	col.Verified, col.MarketName = true, "devnet market"
	if err := e.db.PutCollection(ctx, col); err != nil {
		t.Fatal(err)
	}

	reportAcct := e.account("scam checker", "100")
	sc := e.client(e.newKey(reportAcct, sleuth.ScopeReport), client.WithAuthHeader(client.AuthXAPIKey))
	check := func(contract, token string) *client.ScamCheckResponse {
		t.Helper()
		r, err := sc.ScamCheck(ctx, client.ScamCheckRequest{Chain: chain, Contract: contract, TokenID: token})
		if err != nil {
			t.Fatalf("scam check %s #%s: %v", contract, token, err)
		}
		return r
	}

	// Every token of the original collection passes.
	for _, tok := range dn.Tokens {
		if tok.Contract != original {
			continue
		}
		if r := check(original, tok.TokenID); r.Result != "CHECKS_PASSED" || r.MaliciousType != "" || len(r.Reasons) != 0 {
			t.Errorf("original #%s: %+v", tok.TokenID, r)
		}
	}
	// Every edition is FAKE, with the original's key, tier, score and both
	// mint times as evidence.
	editionsSeen := 0
	for _, tok := range dn.Tokens {
		if tok.Contract != editions {
			continue
		}
		editionsSeen++
		r := check(editions, tok.TokenID)
		if r.Result != "SUSPECTED_MALICIOUS" || r.MaliciousType != "FAKE" || len(r.Reasons) == 0 || r.Reasons[0].Fake == nil {
			t.Errorf("edition #%s: %+v", tok.TokenID, r)
			continue
		}
		ev := r.Reasons[0].Fake
		if ev.Original.Contract != original || ev.Original.Collection != "Sleuth Devnet" || ev.Tier != "exact" || ev.Score != 1 ||
			!ev.Original.MintedAt.Before(ev.MintedAt) || ev.Nid != tok.ImageNid() {
			t.Errorf("edition #%s evidence: %+v", tok.TokenID, ev)
		}
	}
	if editionsSeen != 3 {
		t.Fatalf("%d editions minted, want 3", editionsSeen)
	}
	// The phishing token.
	r := check(phishing, "1")
	if r.Result != "SUSPECTED_MALICIOUS" || r.MaliciousType != "PHISHING" {
		t.Fatalf("phishing token: %+v", r)
	}
	kinds := map[string]bool{}
	for _, x := range r.Reasons {
		if x.Type != "PHISHING" || x.Phishing == nil {
			t.Errorf("phishing token reason: %+v", x)
			continue
		}
		kinds[x.Phishing.Kind+" "+x.Phishing.Domain] = true
	}
	for _, want := range []string{"blacklist free-azuki.com", "lure free-azuki.com", "fuzzy opensae.io"} {
		if !kinds[want] {
			t.Errorf("phishing token: no %q reason in %v", want, kinds)
		}
	}

	// Reported stolen: STOLEN, until an administrator resolves it.
	rep, err := sc.ReportStolen(ctx, client.ReportStolenRequest{Chain: chain, Contract: original, TokenID: "2", Note: "drained"})
	if err != nil || !rep.Created {
		t.Fatalf("report stolen: %+v %v", rep, err)
	}
	if r := check(original, "2"); r.MaliciousType != "STOLEN" || r.Reasons[0].Stolen.ID != rep.ID {
		t.Errorf("stolen token: %+v", r)
	}
	if _, err := sc.ResolveStolen(ctx, rep.ID, "recovered", "returned"); err == nil {
		t.Error("a report-scoped key resolved a stolen report")
	} else {
		wantAPIError(t, "resolve with the report scope", err, http.StatusForbidden, "sleuth.auth.forbidden")
	}
	admin := e.client(e.key)
	if got, err := admin.ResolveStolen(ctx, rep.ID, "recovered", "returned"); err != nil || got.Status != "resolved" || len(got.Events) != 2 {
		t.Fatalf("resolve: %+v %v", got, err)
	}
	if r := check(original, "2"); r.Result != "CHECKS_PASSED" {
		t.Errorf("resolved token: %+v", r)
	}
}

// addrOf is an address as the index keeps it: lower case.
func addrOf(a common.Address) string { return strings.ToLower(a.Hex()) }
