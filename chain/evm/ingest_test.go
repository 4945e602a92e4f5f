package evm_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/chain/evm"
	"github.com/sleuthhq/sleuth/cid"
	"github.com/sleuthhq/sleuth/devnet"
	"github.com/sleuthhq/sleuth/engine"
	"github.com/sleuthhq/sleuth/fetch"
	"github.com/sleuthhq/sleuth/ingest"
	"github.com/sleuthhq/sleuth/store/sqlite"
)

// env is a data directory with an engine and a pipeline reading from a
// devnet's gateway.
type env struct {
	st   *sqlite.DB
	eng  *engine.Engine
	pipe *ingest.Pipeline
	dir  string
}

func newEnv(t *testing.T, dn *devnet.Devnet) *env {
	t.Helper()
	dir := t.TempDir()
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "sleuth.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return openEnv(t, dn, st, dir)
}

func openEnv(t *testing.T, dn *devnet.Devnet, st *sqlite.DB, dir string) *env {
	t.Helper()
	eng, err := engine.Open(context.Background(), st, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := fetch.New(fetch.Config{IPFSGateways: []string{dn.GatewayURL}, AllowPrivate: true, GatewayTimeout: 5 * time.Second})
	pipe := ingest.New(eng, st, ingest.Options{Fetcher: f, CacheDir: filepath.Join(dir, "cache"), Workers: 4})
	return &env{st: st, eng: eng, pipe: pipe, dir: dir}
}

func startDevnet(t *testing.T, opt devnet.Options) *devnet.Devnet {
	t.Helper()
	if opt.Images == nil {
		opt.ImageKB = 6
	}
	dn, err := devnet.Start(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dn.Close() })
	return dn
}

// ingestAll runs an Ingester on each of the devnet's contracts.
func (e *env) ingestAll(t *testing.T, dn *devnet.Devnet, cfg evm.Config) {
	t.Helper()
	ks := []string{dn.ERC721.Address.Hex()}
	if dn.ERC1155 != nil {
		ks = append(ks, dn.ERC1155.Address.Hex())
	}
	for _, k := range ks {
		c := cfg
		c.RPC, c.Contract = dn.RPCURL, k
		in, err := evm.New(c, e.pipe, e.st)
		if err != nil {
			t.Fatal(err)
		}
		if err := in.Run(context.Background()); err != nil {
			t.Fatalf("Run %s: %v", k, err)
		}
	}
}

// checkRecords checks every field of every token's record against what
// the devnet minted.
func checkRecords(t *testing.T, e *env, dn *devnet.Devnet) {
	t.Helper()
	ctx := context.Background()
	for _, tk := range dn.Tokens {
		rec, err := e.st.NFT(ctx, sleuth.NFTKey{Chain: "eip155:1337", Contract: tk.Contract, TokenID: tk.TokenID})
		if err != nil {
			t.Errorf("token %s/%s: %v", tk.Contract, tk.TokenID, err)
			continue
		}
		name := tk.Spec + " #" + tk.TokenID
		hdr, err := dn.Chain.Client().HeaderByNumber(ctx, new(big.Int).SetUint64(tk.MintBlock))
		if err != nil {
			t.Fatal(err)
		}
		wantCids := []string{cid.Bytes(tk.Image)}
		if tk.Animation != nil {
			wantCids = append(wantCids, cid.Bytes(tk.Animation))
		}
		for _, c := range []struct{ what, got, want string }{
			{"nft_spec", rec.NFTSpec, tk.Spec},
			{"creator", rec.Creator, tk.Creator},
			{"current_owner", rec.CurrentOwner, tk.Owner},
			{"token_uri", rec.TokenURI, tk.TokenURI},
			{"image_url", rec.ImageURL, tk.ImageURL},
			{"animation_url", rec.AnimationURL, tk.AnimationURL},
		} {
			if c.got != c.want {
				t.Errorf("%s: %s = %.80q, want %.80q", name, c.what, c.got, c.want)
			}
		}
		if want := time.Unix(int64(hdr.Time), 0).UTC(); !rec.CreatedAt.Equal(want) {
			t.Errorf("%s: created_at %v, want block %d time %v", name, rec.CreatedAt, tk.MintBlock, want)
		}
		if !slices.Equal(rec.AssetCids, wantCids) {
			t.Errorf("%s: asset_cids %v, want %v", name, rec.AssetCids, wantCids)
		}
		var got, want any
		json.Unmarshal(rec.Metadata, &got)
		json.Unmarshal(tk.Metadata, &want)
		gb, _ := json.Marshal(got)
		wb, _ := json.Marshal(want)
		if !bytes.Equal(gb, wb) {
			t.Errorf("%s: metadata %s, want %s", name, rec.Metadata, tk.Metadata)
		}
		for _, nid := range wantCids {
			a, err := e.st.Asset(ctx, nid)
			if err != nil {
				t.Errorf("%s: asset %s: %v", name, nid, err)
				continue
			}
			if len(a.Perceptual) == 0 {
				t.Errorf("%s: asset %s has no perceptual fingerprints", name, nid)
			}
		}
	}
}

func distinctMedia(dn *devnet.Devnet) int {
	m := map[string]bool{}
	for _, tk := range dn.Tokens {
		m[cid.Bytes(tk.Image)] = true
		if tk.Animation != nil {
			m[cid.Bytes(tk.Animation)] = true
		}
	}
	return len(m)
}

func TestIngestDevnet(t *testing.T) {
	ctx := context.Background()
	dn := startDevnet(t, devnet.Options{Count: 12, Editions: 3})
	e := newEnv(t, dn)
	e.ingestAll(t, dn, evm.Config{ChainID: 1337})
	checkRecords(t, e, dn)

	for _, c := range []struct{ addr, name, symbol string }{
		{dn.ERC721.Address.Hex(), "Sleuth Devnet", "SLDN"},
		{dn.ERC1155.Address.Hex(), "Sleuth Devnet Editions", "SLDE"},
	} {
		col, err := e.st.Collection(ctx, "eip155:1337", strings.ToLower(c.addr))
		if err != nil || col.Name != c.name || col.Symbol != c.symbol {
			t.Errorf("collection %s: %+v, %v", c.addr, col, err)
		}
	}
	head, _ := dn.Chain.Head(ctx)
	cp, err := e.st.Checkpoint(ctx, "eip155:1337", strings.ToLower(dn.ERC721.Address.Hex()))
	if err != nil || cp.Block != head {
		t.Errorf("checkpoint %+v, %v; want block %d", cp, err, head)
	}
	assets, _ := e.st.CountAssets(ctx)
	if assets != int64(distinctMedia(dn)) {
		t.Errorf("%d assets, want %d", assets, distinctMedia(dn))
	}
	st := e.pipe.Stats()
	if st.Records != int64(len(dn.Tokens)) || st.Failed != 0 {
		t.Errorf("stats %+v, want %d records, none failed", st, len(dn.Tokens))
	}

	// A re-run over the same blocks stores nothing twice and fetches
	// nothing: every record is complete.
	for _, k := range []string{dn.ERC721.Address.Hex(), dn.ERC1155.Address.Hex()} {
		if err := e.st.PutCheckpoint(ctx, &sleuth.Checkpoint{Chain: "eip155:1337", Source: strings.ToLower(k), Block: 0}); err != nil {
			t.Fatal(err)
		}
	}
	before := e.pipe.Stats()
	e.ingestAll(t, dn, evm.Config{})
	after := e.pipe.Stats()
	if after.Records != before.Records || after.Fetched != before.Fetched || after.Assets != before.Assets ||
		after.Skipped-before.Skipped != int64(len(dn.Tokens)) {
		t.Errorf("re-run: stats %+v after %+v; want only %d skipped", after, before, len(dn.Tokens))
	}
	if n, _ := e.st.CountAssets(ctx); n != assets {
		t.Errorf("re-run: %d assets, want %d", n, assets)
	}

	// New blocks: a transfer and a new mint. The next run resumes from
	// the checkpoint, updates the owner and adds the token.
	holder := dn.Chain.Accounts[(2-1)%len(dn.Chain.Accounts)]
	newOwner := dn.Chain.Accounts[0].Address
	if err := dn.ERC721.Transfer721(ctx, holder, newOwner, 2); err != nil {
		t.Fatal(err)
	}
	if err := dn.ERC721.Mint721(ctx, newOwner, 1000, dn.Tokens[2].TokenURI); err != nil {
		t.Fatal(err)
	}
	if err := dn.Chain.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	before = e.pipe.Stats()
	e.ingestAll(t, dn, evm.Config{})
	after = e.pipe.Stats()
	if after.Records-before.Records != 2 || after.Skipped != before.Skipped {
		t.Errorf("resume: stats %+v after %+v; want 2 records written, none skipped (only new blocks read)", after, before)
	}
	// The new token shares token 3's metadata: one fetch for the
	// document, none for the image (in the cache, already registered).
	if after.Fetched-before.Fetched != 1 || after.Cached-before.Cached != 1 || after.Assets != before.Assets {
		t.Errorf("resume: stats %+v after %+v; want 1 fetch, 1 cached, no new asset", after, before)
	}
	rec, err := e.st.NFT(ctx, sleuth.NFTKey{Chain: "eip155:1337", Contract: dn.Tokens[1].Contract, TokenID: "2"})
	if err != nil || rec.CurrentOwner != strings.ToLower(newOwner.Hex()) || rec.Creator != dn.Tokens[1].Creator {
		t.Errorf("token 2 after transfer: %+v, %v", rec, err)
	}
	rec, err = e.st.NFT(ctx, sleuth.NFTKey{Chain: "eip155:1337", Contract: dn.Tokens[1].Contract, TokenID: "1000"})
	if err != nil || rec.Creator != strings.ToLower(newOwner.Hex()) || len(rec.AssetCids) != 1 || rec.AssetCids[0] != cid.Bytes(dn.Tokens[2].Image) {
		t.Errorf("new token 1000: %+v, %v", rec, err)
	}
}

// A provider that refuses ranges over 2 blocks: the Ingester halves its
// page until the provider answers, and every record is still there.
func TestProviderRangeLimit(t *testing.T) {
	dn := startDevnet(t, devnet.Options{Count: 60, Editions: 2, MaxLogRange: 2})
	e := newEnv(t, dn)
	e.ingestAll(t, dn, evm.Config{PageBlocks: 1000})
	if dn.Chain.Refused.Load() == 0 {
		t.Error("the provider refused no query: the limit was not exercised")
	}
	checkRecords(t, e, dn)
}

// Killing an ingest mid-way (its context ends after the first page) and
// starting it again stores every record once.
func TestResumeAfterInterrupt(t *testing.T) {
	ctx := context.Background()
	dn := startDevnet(t, devnet.Options{Count: 60, Editions: -1})
	e := newEnv(t, dn)
	k := dn.ERC721.Address.Hex()
	runCtx, cancel := context.WithCancel(ctx)
	in, err := evm.New(evm.Config{RPC: dn.RPCURL, Contract: k, PageBlocks: 1, Progress: func(p evm.Position) {
		if p.Tokens > 0 {
			cancel()
		}
	}}, e.pipe, e.st)
	if err != nil {
		t.Fatal(err)
	}
	err = in.Run(runCtx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted Run: %v, want context.Canceled", err)
	}
	cp, err := e.st.Checkpoint(ctx, "eip155:1337", strings.ToLower(k))
	if err != nil {
		t.Fatal(err)
	}
	stored := e.pipe.Stats().Records
	if stored == 0 || stored >= int64(len(dn.Tokens)) || cp.Block != in.Position().Block {
		t.Fatalf("after the interrupt: %d records, checkpoint %d (position %d)", stored, cp.Block, in.Position().Block)
	}
	// Restart with a new engine and pipeline over the same store.
	e2 := openEnv(t, dn, e.st, e.dir)
	in2, err := evm.New(evm.Config{RPC: dn.RPCURL, Contract: k}, e2.pipe, e2.st)
	if err != nil {
		t.Fatal(err)
	}
	if err := in2.Run(ctx); err != nil {
		t.Fatal(err)
	}
	// Token 1's transfer comes after the interrupt, but its first record
	// already had the owner of the latest block: that one is skipped.
	if got := e2.pipe.Stats(); got.Records+stored != int64(len(dn.Tokens)) || got.Skipped != 1 {
		t.Errorf("restart stored %d (skipped %d) after %d; want %d in all, none twice, 1 skipped", got.Records, got.Skipped, stored, len(dn.Tokens))
	}
	checkRecords(t, e2, dn)
}

// Media that cannot be fetched is reported and retried later; it does not
// stop the record.
func TestMediaFailure(t *testing.T) {
	ctx := context.Background()
	dn := startDevnet(t, devnet.Options{Count: 2, Editions: -1})
	// A token whose image CID is on no gateway, and one whose metadata is
	// not JSON.
	missing := "ipfs://bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy/x.png"
	meta := `data:application/json;base64,` + b64(`{"name":"lost","image":"`+missing+`"}`)
	if err := dn.ERC721.Mint721(ctx, common.HexToAddress(dn.Tokens[0].Creator), 77, meta); err != nil {
		t.Fatal(err)
	}
	if err := dn.ERC721.Mint721(ctx, common.HexToAddress(dn.Tokens[0].Creator), 78, "data:text/plain,not json"); err != nil {
		t.Fatal(err)
	}
	if err := dn.Chain.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, dn)
	e.ingestAll(t, dn, evm.Config{})
	if st := e.pipe.Stats(); st.Failed != 2 {
		t.Errorf("stats %+v, want 2 failed", st)
	}
	key := sleuth.NFTKey{Chain: "eip155:1337", Contract: dn.Tokens[0].Contract}
	key.TokenID = "77"
	rec, err := e.st.NFT(ctx, key)
	if err != nil || rec.ImageURL != missing || len(rec.AssetCids) != 0 || rec.Metadata == nil {
		t.Errorf("token 77: %+v, %v", rec, err)
	}
	key.TokenID = "78"
	rec, err = e.st.NFT(ctx, key)
	if err != nil || rec.Metadata != nil || rec.TokenURI != "data:text/plain,not json" {
		t.Errorf("token 78: %+v, %v", rec, err)
	}
	// Re-run: the incomplete records are tried again (and fail again);
	// the complete ones are skipped.
	res, err := e.pipe.Record(ctx, &sleuth.NFTRecord{Chain: key.Chain, Contract: key.Contract, TokenID: "77", TokenURI: meta})
	if err != nil || res.Skipped || len(res.Media) != 1 || res.Media[0].Err == nil || sleuth.ErrorCode(res.Media[0].Err) == sleuth.CodeInternal {
		t.Errorf("retry of 77: %+v, %v", res, err)
	}
	res, err = e.pipe.Record(ctx, &sleuth.NFTRecord{Chain: key.Chain, Contract: key.Contract, TokenID: "78", TokenURI: "data:text/plain,not json"})
	if err != nil || res.MetadataErr == nil || sleuth.ErrorCode(res.MetadataErr) != ingest.CodeBadMetadata {
		t.Errorf("retry of 78: %+v, %v", res, err)
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// With Follow the Ingester keeps up with new blocks until its context
// ends, then returns nil.
func TestFollow(t *testing.T) {
	ctx := context.Background()
	dn := startDevnet(t, devnet.Options{Count: 3, Editions: -1})
	e := newEnv(t, dn)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	in, err := evm.New(evm.Config{RPC: dn.RPCURL, Contract: dn.ERC721.Address.Hex(), Follow: true, PollInterval: 20 * time.Millisecond}, e.pipe, e.st)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- in.Run(runCtx) }()
	key := sleuth.NFTKey{Chain: "eip155:1337", Contract: dn.Tokens[0].Contract, TokenID: "500"}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); !ok(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not seen while following", what)
			}
		}
	}
	waitFor("the first tokens", func() bool { return e.pipe.Stats().Records >= int64(len(dn.Tokens)) })
	if err := dn.ERC721.Mint721(ctx, common.HexToAddress(dn.Tokens[0].Creator), 500, dn.Tokens[1].TokenURI); err != nil {
		t.Fatal(err)
	}
	if err := dn.Chain.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor("token 500", func() bool { _, err := e.st.NFT(ctx, key); return err == nil })
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run after cancel: %v, want nil", err)
	}
}

// cancelAtCheckpoint cancels the run just as a page's checkpoint is
// written: the race TestFollow once lost.
type cancelAtCheckpoint struct {
	sleuth.Store
	cancel context.CancelFunc
}

func (s cancelAtCheckpoint) PutCheckpoint(ctx context.Context, c *sleuth.Checkpoint) error {
	s.cancel()
	return s.Store.PutCheckpoint(ctx, c)
}

// A page that is done keeps its checkpoint even when the context ends as
// it is written, and a following Ingester still returns nil.
func TestCheckpointAfterCancel(t *testing.T) {
	ctx := context.Background()
	dn := startDevnet(t, devnet.Options{Count: 2, Editions: -1})
	e := newEnv(t, dn)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	in, err := evm.New(evm.Config{RPC: dn.RPCURL, Contract: dn.ERC721.Address.Hex(), Follow: true, PollInterval: 20 * time.Millisecond},
		e.pipe, cancelAtCheckpoint{Store: e.st, cancel: cancel})
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Run(runCtx); err != nil {
		t.Fatalf("Run: %v, want nil", err)
	}
	cp, err := e.st.Checkpoint(ctx, "eip155:1337", dn.Tokens[0].Contract)
	if err != nil {
		t.Fatalf("checkpoint: %v", err)
	}
	if cp.Block != in.Position().Block || cp.Block == 0 {
		t.Errorf("checkpoint block %d, position %+v", cp.Block, in.Position())
	}
}

func TestBadConfig(t *testing.T) {
	ctx := context.Background()
	dn := startDevnet(t, devnet.Options{Count: 1, Editions: -1})
	e := newEnv(t, dn)
	for _, c := range []struct {
		cfg  evm.Config
		code string
	}{
		{evm.Config{RPC: dn.RPCURL, Contract: dn.ERC721.Address.Hex(), ChainID: 1}, evm.CodeBadConfig},
		{evm.Config{RPC: dn.RPCURL, Contract: dn.Chain.Deployer.Address.Hex()}, evm.CodeNotNFT}, // an account, no code
	} {
		in, err := evm.New(c.cfg, e.pipe, e.st)
		if err == nil {
			err = in.Run(ctx)
		}
		if sleuth.ErrorCode(err) != c.code {
			t.Errorf("%+v: %v, want %s", c.cfg, err, c.code)
		}
	}
	for _, c := range []evm.Config{
		{RPC: dn.RPCURL, Contract: "0x123"},
		{RPC: dn.RPCURL, Contract: dn.ERC721.Address.Hex(), FromBlock: 10, ToBlock: 5},
		{RPC: "ftp://x", Contract: dn.ERC721.Address.Hex()},
	} {
		if _, err := evm.New(c, e.pipe, e.st); err == nil {
			t.Errorf("New(%+v) accepted", c)
		}
	}
}
