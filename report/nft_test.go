package report

import (
	"context"
	"testing"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/engine"
	"github.com/sleuthhq/sleuth/match"
)

const chain = "eip155:1"

// fixture: an original in 0xorig (day 0), an exact copy in 0xcopy (day 5),
// a re-encoded copy in 0xjpeg (day 9), an unrelated token in 0xother, and
// a second token of 0xorig with another picture.
type fixture struct {
	env                         *testEnv
	orig, exact, jpg, unrelated *sleuth.NFTRecord
	origPNG                     []byte
}

func newFixture(t *testing.T) *fixture {
	e := openEnv(t)
	p := picture(1)
	f := &fixture{env: e, origPNG: pngOf(t, p)}
	f.orig = e.mint(chain, "0xorig", "1", f.origPNG, day(0))
	e.mint(chain, "0xorig", "2", pngOf(t, picture(2)), day(0))
	f.exact = e.mint(chain, "0xcopy", "7", f.origPNG, day(5))
	f.jpg = e.mint(chain, "0xjpeg", "3", jpegOf(t, p), day(9))
	f.unrelated = e.mint(chain, "0xother", "1", pngOf(t, picture(3)), day(1))
	return f
}

func TestCopies(t *testing.T) {
	f := newFixture(t)
	fd := &f.env.rep.Finder
	cs, err := fd.Copies(context.Background(), &engine.SearchRequest{Data: f.origPNG})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cs {
		got = append(got, c.Record.Contract+"/"+c.Record.TokenID+":"+string(c.Match.Tier))
	}
	// Exact first (the same asset: oldest mint first), then the JPEG.
	want := []string{"0xorig/1:exact", "0xcopy/7:exact", "0xjpeg/3:near_exact"}
	if len(got) != len(want) {
		t.Fatalf("copies = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("copies = %v, want %v", got, want)
		}
	}
	if cs[2].Match.Asset == nil || cs[2].Match.Score <= 0 || cs[2].Match.Score >= 1 {
		t.Errorf("near-exact evidence = %+v", cs[2].Match)
	}
	none, err := fd.Copies(context.Background(), &engine.SearchRequest{Data: pngOf(t, picture(99))})
	if err != nil || len(none) != 0 {
		t.Errorf("copies of an unknown picture = %v, %v", none, err)
	}
}

func TestNFTReport(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	key := func(r *sleuth.NFTRecord) *sleuth.NFTKey { k := r.Key(); return &k }
	tests := []struct {
		name                 string
		req                  *NFTRequest
		exact, near, sem     []string // contract/token
		red, consider        bool
		firstUse, firstToken string
	}{
		{
			name:  "the copy is red and later",
			req:   &NFTRequest{Token: key(f.exact)},
			exact: []string{"0xorig/1"}, near: []string{"0xjpeg/3"},
			red: true, consider: true, firstUse: Later, firstToken: "0xorig/1",
		},
		{
			name:  "the original is reliable and earlier",
			req:   &NFTRequest{Token: key(f.orig)},
			exact: []string{"0xcopy/7"}, near: []string{"0xjpeg/3"},
			red: false, consider: false, firstUse: Earlier, firstToken: "0xorig/1",
		},
		{
			name:  "the re-encoded copy is red: both others came first",
			req:   &NFTRequest{Token: key(f.jpg)},
			exact: []string{}, near: []string{"0xorig/1", "0xcopy/7"},
			red: true, consider: true, firstUse: Later, firstToken: "0xorig/1",
		},
		{
			name:  "an unrelated token",
			req:   &NFTRequest{Token: key(f.unrelated)},
			exact: []string{}, near: []string{},
		},
		{
			name:  "a file: every copy counts",
			req:   &NFTRequest{Data: f.origPNG},
			exact: []string{"0xorig/1", "0xcopy/7"}, near: []string{"0xjpeg/3"},
			red: true, consider: true, firstToken: "0xorig/1",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := f.env.rep.NFT(ctx, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			check := func(what string, items []Item, want []string) {
				var got []string
				for _, it := range items {
					got = append(got, it.Contract+"/"+it.TokenID)
				}
				if len(got) != len(want) {
					t.Fatalf("%s = %v, want %v\n%s", what, got, want, mustJSON(t, rep))
				}
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("%s = %v, want %v", what, got, want)
					}
				}
			}
			check("exact_match", rep.ExactMatch, tc.exact)
			check("near_exact", rep.NearExact, tc.near)
			check("semantic", rep.Semantic, tc.sem)
			if rep.FlagRed != tc.red || rep.FlagConsider != tc.consider {
				t.Errorf("flag_red %v flag_consider %v, want %v %v", rep.FlagRed, rep.FlagConsider, tc.red, tc.consider)
			}
			if tc.firstToken == "" {
				if rep.FirstUse != nil {
					t.Errorf("first_use = %+v, want none", rep.FirstUse)
				}
				return
			}
			if rep.FirstUse == nil || rep.FirstUse.Token != tc.firstUse ||
				rep.FirstUse.First.Contract+"/"+rep.FirstUse.First.TokenID != tc.firstToken {
				t.Errorf("first_use = %+v, want %s %s", rep.FirstUse, tc.firstUse, tc.firstToken)
			}
		})
	}
	// aiRight's fields of one item.
	rep, err := f.env.rep.NFT(ctx, &NFTRequest{Token: key(f.exact)})
	if err != nil {
		t.Fatal(err)
	}
	it := rep.ExactMatch[0]
	if it.CreationTime != "1704067200000" || it.AuthorAddress != "0xcreator0xorig" || it.Name != "0xorig #1" ||
		it.MarketName != "OpenSea" || it.Market != "https://opensea.io/assets/ethereum/0xorig/1" ||
		it.Image != f.orig.ImageURL || it.Score != 1 || it.Tier != match.TierExact || it.MintedBefore == nil || !*it.MintedBefore {
		t.Errorf("item = %s", mustJSON(t, it))
	}
}

func TestNFTReportErrors(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// A token whose media is not registered.
	bare := &sleuth.NFTRecord{Chain: chain, Contract: "0xbare", TokenID: "1", AssetCids: []string{"bafkreinothere"}, ImageURL: "https://example.com/1.png"}
	if err := f.env.db.PutNFT(ctx, bare); err != nil {
		t.Fatal(err)
	}
	k := bare.Key()
	tests := []struct {
		name string
		rep  *Reporter
		req  *NFTRequest
		code string
	}{
		{"nothing", f.env.rep, &NFTRequest{}, CodeBadInput},
		{"no token id", f.env.rep, &NFTRequest{Token: &sleuth.NFTKey{Chain: chain, Contract: "0xorig"}}, CodeBadInput},
		{"not indexed", f.env.rep, &NFTRequest{Token: &sleuth.NFTKey{Chain: chain, Contract: "0xorig", TokenID: "404"}}, sleuth.CodeNFTNotFound},
		{"no media", f.env.rep, &NFTRequest{Token: &k}, CodeNoMedia},
		{"not an image", f.env.rep, &NFTRequest{Data: []byte("hello")}, ""},
		{"corrupt", f.env.rep, &NFTRequest{Data: f.origPNG[:200]}, sleuth.CodeImageCorrupt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.rep.NFT(ctx, tc.req)
			if tc.code == "" {
				if err != nil {
					t.Errorf("err = %v, want none", err)
				}
				return
			}
			if sleuth.ErrorCode(err) != tc.code {
				t.Errorf("err = %v (code %s), want %s", err, sleuth.ErrorCode(err), tc.code)
			}
		})
	}
	// The chain hook and the fetch hook.
	withChain := *f.env.rep
	withChain.Chain = tokenSourceFunc(func(ctx context.Context, k sleuth.NFTKey) (*sleuth.NFTRecord, error) {
		r := *f.exact
		r.Contract, r.TokenID = k.Contract, k.TokenID
		return &r, nil
	})
	rep, err := withChain.NFT(ctx, &NFTRequest{Token: &sleuth.NFTKey{Chain: chain, Contract: "0xfresh", TokenID: "1"}})
	if err != nil || !rep.FlagRed {
		t.Errorf("token from the chain hook: %+v, %v", rep, err)
	}
	withFetch := *f.env.rep
	withFetch.Fetch = func(ctx context.Context, url string) ([]byte, error) {
		if url != bare.ImageURL {
			t.Errorf("fetched %s", url)
		}
		return f.origPNG, nil
	}
	rep, err = withFetch.NFT(ctx, &NFTRequest{Token: &k})
	if err != nil || len(rep.ExactMatch) != 2 {
		t.Errorf("token with a fetched image: %+v, %v", rep, err)
	}
}

type tokenSourceFunc func(ctx context.Context, k sleuth.NFTKey) (*sleuth.NFTRecord, error)

func (f tokenSourceFunc) Token(ctx context.Context, k sleuth.NFTKey) (*sleuth.NFTRecord, error) {
	return f(ctx, k)
}

// TestFlags checks aiRight's thresholds on made-up evidence.
func TestFlags(t *testing.T) {
	e := openEnv(t)
	token := &sleuth.NFTRecord{Chain: chain, Contract: "0xme", TokenID: "1", CreatedAt: day(10)}
	mk := func(tier match.Tier, score float64, minted int, contract string) Copy {
		return Copy{
			Record: &sleuth.NFTRecord{Chain: chain, Contract: contract, TokenID: "5", CreatedAt: day(minted)},
			Match:  match.Match{Asset: &sleuth.Asset{Nid: "bafkreix"}, Tier: tier, Score: score},
		}
	}
	tests := []struct {
		name          string
		c             Copy
		red, consider bool
		list          string
	}{
		{"exact earlier", mk(match.TierExact, 1, 1, "0xa"), true, true, "exact"},
		{"near-exact earlier, low score", mk(match.TierNearExact, 0.5, 1, "0xa"), true, false, "near"},
		{"edited 0.95 earlier", mk(match.TierEdited, 0.95, 1, "0xa"), true, true, "semantic"},
		{"edited 0.9 earlier: not above 0.9", mk(match.TierEdited, 0.9, 1, "0xa"), false, true, "semantic"},
		{"edited 0.6 earlier", mk(match.TierEdited, 0.6, 1, "0xa"), false, true, "semantic"},
		{"edited 0.55: not above", mk(match.TierEdited, 0.55, 1, "0xa"), false, false, "semantic"},
		{"exact later: listed, no flag", mk(match.TierExact, 1, 20, "0xa"), false, false, "exact"},
		{"exact same time: flags", mk(match.TierExact, 1, 10, "0xa"), true, true, "exact"},
		{"same contract: left out", mk(match.TierExact, 1, 1, "0xME"), false, false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := e.rep.build(context.Background(), token, []Copy{tc.c})
			if rep.FlagRed != tc.red || rep.FlagConsider != tc.consider {
				t.Errorf("flag_red %v flag_consider %v, want %v %v", rep.FlagRed, rep.FlagConsider, tc.red, tc.consider)
			}
			n := map[string]int{"exact": len(rep.ExactMatch), "near": len(rep.NearExact), "semantic": len(rep.Semantic)}
			for k, v := range n {
				if want := map[bool]int{true: 1}[k == tc.list]; v != want {
					t.Errorf("%s has %d items, want %d", k, v, want)
				}
			}
			if v := Verdict(rep); (tc.red && v != VerdictRed) || (!tc.red && tc.consider && v != VerdictConsider) || (!tc.red && !tc.consider && v != VerdictReliable) {
				t.Errorf("verdict %s", v)
			}
		})
	}
}
