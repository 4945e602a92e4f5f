package solana_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/chain/solana"
	"github.com/sleuthhq/sleuth/chain/solana/solanatest"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	s, err := os.ReadFile(filepath.Join("..", "..", "testdata", "solana", name+".b64"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(s)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var (
	sauceMint   = solana.MustPublicKey("5ZXToo7froykjvjnpHtTLYr9u2tW3USMwPg3sNkiaQVh")
	sauceColl   = solana.MustPublicKey("Bv3uQfxRHL6mdWXPgdXP6hNut2GL6VCMKatAAmWb3Eui")
	goobergMint = solana.MustPublicKey("BghihYzykKNX1dMyS1snAR266G8czLi28xFK45ShCiMB")
	goobergColl = solana.MustPublicKey("sthjmSDHECgWnkxnrVsFBefLfRfuXTh1EYFagfeYmry")
	holderA     = solana.MustPublicKey("9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM")
	holderB     = solana.MustPublicKey("HN7cABqLq46Es1jh92dQQisAq662SmxELLLsHHe4YWrH")
	tokenAcc1   = solana.MustPublicKey("2ZgDVcwBVQCTAxQYF8b3qXDMC3g4Ax4U2Srh2SWpVVPF")
	tokenAcc2   = solana.MustPublicKey("7YttLkHDoNj9wyDur5pM1ejNaAvT9X4eqaYcHQqtj2G5")
	tokenAcc3   = solana.MustPublicKey("3Jw9K7p7qGbaBLRwwBmBpjCwUpuDXU8ngZ1S5AW8Gh7Z")
)

// cluster serves the two real accounts, plus decoys that a collection
// query must not return, token accounts and signatures.
func cluster(t *testing.T) (*solanatest.Cluster, *solana.Client) {
	t.Helper()
	c := solanatest.New()
	sauce, gooberg := fixture(t, "special-sauce"), fixture(t, "gooberg-2235")
	for _, b := range [][]byte{sauce, gooberg} {
		if _, err := c.AddMetadata(b); err != nil {
			t.Fatal(err)
		}
	}
	// Decoy 1: the same collection claimed but not verified, by another mint.
	decoy := append([]byte(nil), sauce...)
	copy(decoy[33:65], holderA[:])                          // mint field
	collOff := solana.FirstCreatorOffset + 2*34 + 2 + 2 + 2 // collection option of a 2-creator account
	if decoy[collOff] != 1 || decoy[collOff+1] != 1 {
		t.Fatal("fixture layout changed")
	}
	decoy[collOff+1] = 0 // unverified
	if _, err := c.AddMetadata(decoy); err != nil {
		t.Fatal(err)
	}
	// Decoy 2: a verified claim in an account the metadata program does not own.
	other := append([]byte(nil), sauce...)
	copy(other[33:65], holderB[:])
	c.SetAccount(solana.MustPublicKey("Hx6LbkMHe69DYawhPyVNs8Apa6tyfogfzQV6a7XkwBUU"), solana.Account{Owner: solana.TokenProgram, Data: other})

	// SPECIAL SAUCE is held by holderA; Gooberg moved from holderB (empty
	// account left) to holderA.
	c.AddTokenAccount(tokenAcc1, sauceMint, holderA, 1)
	c.AddTokenAccount(tokenAcc2, goobergMint, holderB, 0)
	c.AddTokenAccount(tokenAcc3, goobergMint, holderA, 1)
	// 2500 transactions touch SPECIAL SAUCE's mint (3 pages); the first at
	// 2022-11-10T00:00:00Z.
	times := make([]int64, 2500)
	for i := range times {
		times[i] = 1668038400 + int64(i)*60
	}
	c.AddSignatures(sauceMint, times...)
	c.AddSignatures(goobergMint, 1690000000, 1690000100)

	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	client := solana.NewClient(srv.URL, nil)
	client.Backoff = time.Millisecond
	return c, client
}

func TestReader(t *testing.T) {
	ctx := context.Background()
	c, client := cluster(t)
	r, err := solana.NewReader(ctx, client)
	if err != nil {
		t.Fatal(err)
	}
	if r.Chain != "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp" {
		t.Errorf("chain %s", r.Chain)
	}

	md, err := r.Metadata(ctx, sauceMint)
	if err != nil {
		t.Fatal(err)
	}
	rec, lookupErrs, err := r.Record(ctx, md, nil)
	if err != nil || len(lookupErrs) > 0 {
		t.Fatal(err, lookupErrs)
	}
	want := sleuth.NFTRecord{
		Chain: "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp", Contract: sauceColl.String(), TokenID: sauceMint.String(),
		NFTSpec: "metaplex", Creator: "7oUUEdptZnZVhSet4qobU9PtpPfiNUEJ8ftPnrC6YEaa", CurrentOwner: holderA.String(),
		TokenURI:  "https://bafkreif4wx54wjr7pgfug3wlatr3nfntsfwngv6eusebbquezrxenj6ck4.ipfs.dweb.link?ext=",
		CreatedAt: time.Date(2022, 11, 10, 0, 0, 0, 0, time.UTC),
	}
	if rec.Chain != want.Chain || rec.Contract != want.Contract || rec.TokenID != want.TokenID || rec.NFTSpec != want.NFTSpec ||
		rec.Creator != want.Creator || rec.CurrentOwner != want.CurrentOwner || rec.TokenURI != want.TokenURI || !rec.CreatedAt.Equal(want.CreatedAt) {
		t.Errorf("record\n got %+v\nwant %+v", rec, want)
	}
	if n := c.Requests("getSignaturesForAddress"); n != 3 {
		t.Errorf("%d signature pages read, want 3", n)
	}
	// A stored created_at is reused: no signature look-up.
	if _, _, err := r.Record(ctx, md, rec); err != nil || c.Requests("getSignaturesForAddress") != 3 {
		t.Errorf("created_at looked up again: %v, %d calls", err, c.Requests("getSignaturesForAddress"))
	}
	// A history longer than the pages allowed leaves created_at empty.
	r.MaxSignaturePages = 2
	rec, lookupErrs, err = r.Record(ctx, md, nil)
	if err != nil || !rec.CreatedAt.IsZero() || len(lookupErrs) != 1 || sleuth.ErrorCode(lookupErrs[0]) != solana.CodeNotFound {
		t.Errorf("2 pages: %v %v %v", rec.CreatedAt, lookupErrs, err)
	}

	// Gooberg: the owner is the holder with a balance.
	md, err = r.Metadata(ctx, goobergMint)
	if err != nil {
		t.Fatal(err)
	}
	rec, _, err = r.Record(ctx, md, nil)
	if err != nil || rec.CurrentOwner != holderA.String() || rec.Contract != goobergColl.String() ||
		rec.Creator != "2Q4oTtkWuRuhQNAXm6hcEz63GXUc2bcRzYsMLtDeddqM" || rec.CreatedAt.Unix() != 1690000000 {
		t.Errorf("gooberg: %+v %v", rec, err)
	}

	// The decoy's collection claim is not verified: the mint is its own
	// contract.
	md, err = r.Metadata(ctx, holderA)
	if err != nil {
		t.Fatal(err)
	}
	r.Owner, r.CreatedAt = false, false
	rec, _, err = r.Record(ctx, md, nil)
	if err != nil || rec.Contract != holderA.String() || rec.TokenID != holderA.String() || rec.CurrentOwner != "" || !rec.CreatedAt.IsZero() {
		t.Errorf("unverified collection: %+v %v", rec, err)
	}

	// A mint without metadata.
	if _, err := r.Metadata(ctx, holderB); !errors.Is(err, solana.ErrNotFound) {
		t.Errorf("no metadata: %v", err)
	}
}

func TestCollectionMembers(t *testing.T) {
	ctx := context.Background()
	c, client := cluster(t)
	r, err := solana.NewReader(ctx, client)
	if err != nil {
		t.Fatal(err)
	}
	mds, err := r.CollectionMembers(ctx, sauceColl)
	if err != nil {
		t.Fatal(err)
	}
	if len(mds) != 1 || mds[0].Mint != sauceMint {
		t.Errorf("collection %s: %d members %v", sauceColl, len(mds), mds)
	}
	if n := c.Requests("getProgramAccounts"); n != 21 {
		t.Errorf("%d getProgramAccounts calls, want 21 (one per possible offset)", n)
	}
	mds, err = r.CollectionMembers(ctx, goobergColl)
	if err != nil || len(mds) != 1 || mds[0].Mint != goobergMint {
		t.Errorf("collection %s: %v %v", goobergColl, mds, err)
	}
	// By first verified creator: SPECIAL SAUCE and the decoy with the
	// unverified collection (its creators are verified), not the account
	// the metadata program does not own.
	mds, err = r.CreatorMembers(ctx, solana.MustPublicKey("7oUUEdptZnZVhSet4qobU9PtpPfiNUEJ8ftPnrC6YEaa"))
	if err != nil || len(mds) != 2 {
		t.Fatalf("creator: %v %v", mds, err)
	}
	if got := []solana.PublicKey{mds[0].Mint, mds[1].Mint}; !(got[0] == sauceMint && got[1] == holderA || got[0] == holderA && got[1] == sauceMint) {
		t.Errorf("creator: mints %v", got)
	}
	// Gooberg's first creator is verified; its second is not, and is not
	// first anyway.
	mds, err = r.CreatorMembers(ctx, solana.MustPublicKey("3sJDa9yoaPGiCdCMUxPVqKractvrBoxt7NnBUktcR7Bs"))
	if err != nil || len(mds) != 0 {
		t.Errorf("unverified creator: %v %v", mds, err)
	}
}

func TestClientRetries(t *testing.T) {
	ctx := context.Background()
	c, client := cluster(t)
	c.Fail429(3)
	if _, err := client.GetGenesisHash(ctx); err != nil {
		t.Fatalf("after three 429s: %v", err)
	}
	if n := c.Requests("getGenesisHash"); n != 4 {
		t.Errorf("%d attempts, want 4", n)
	}
	client.Retries = 1
	c.Fail429(5)
	_, err := client.GetGenesisHash(ctx)
	if sleuth.ErrorCode(err) != solana.CodeRPC || !strings.Contains(err.Error(), "429") {
		t.Errorf("past the retries: %v", err)
	}
	c.Fail429(0)
	// A JSON-RPC error that is not transient is not retried.
	before := c.Requests("nope")
	err = client.Call(ctx, "nope", nil, nil)
	var re *solana.RPCError
	if !errors.As(err, &re) || re.Code != -32601 || c.Requests("nope") != before+1 {
		t.Errorf("unknown method: %v (%d calls)", err, c.Requests("nope")-before)
	}
	// getMultipleAccounts pages by 100 and keeps the order, nil for none.
	addrs := []solana.PublicKey{tokenAcc1}
	for range 150 {
		addrs = append(addrs, holderA)
	}
	addrs = append(addrs, tokenAcc3)
	accs, err := client.GetMultipleAccounts(ctx, addrs)
	if err != nil || len(accs) != 152 || accs[0] == nil || accs[1] != nil || accs[151] == nil {
		t.Fatalf("getMultipleAccounts: %d, %v", len(accs), err)
	}
	if o, ok := solana.TokenAccountOwner(accs[151]); !ok || o != holderA {
		t.Errorf("token account owner %s %v", o, ok)
	}
	// A cancelled context stops at once.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := client.GetGenesisHash(cctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestMetadataOf(t *testing.T) {
	ctx := context.Background()
	c, client := cluster(t)
	r, err := solana.NewReader(ctx, client)
	if err != nil {
		t.Fatal(err)
	}
	mints := []solana.PublicKey{goobergMint, holderB, sauceMint}
	mds, errs, err := r.MetadataOf(ctx, mints)
	if err != nil {
		t.Fatal(err)
	}
	if mds[0] == nil || mds[0].Name != "Gooberg #2235" || errs[0] != nil ||
		mds[1] != nil || !errors.Is(errs[1], solana.ErrNotFound) ||
		mds[2] == nil || mds[2].Name != "SPECIAL SAUCE" || errs[2] != nil {
		t.Errorf("MetadataOf: %v %v", mds, errs)
	}
	if n := c.Requests("getMultipleAccounts"); n != 1 {
		t.Errorf("%d getMultipleAccounts calls, want 1", n)
	}
}
