package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sleuthhq/sleuth"
)

// newNFT returns a complete record.
func newNFT(token string, created time.Time, nids ...string) *sleuth.NFTRecord {
	return &sleuth.NFTRecord{
		Chain:              "eip155:1",
		Contract:           "0x" + hexOf("contract", 20),
		TokenID:            token,
		AssetCids:          nids,
		PrimaryMarketplace: "opensea",
		CurrentOwner:       "0x" + hexOf("owner"+token, 20),
		NFTSpec:            "erc721",
		Creator:            "0x" + hexOf("creator", 20),
		CreatedAt:          created,
		Metadata:           json.RawMessage(`{"name": "Token ` + token + `", "attributes": [{"trait_type": "eyes", "value": 3}], "unicode": "✓"}`),
		ImageURL:           "ipfs://" + token + "/image.png",
		AnimationURL:       "ipfs://" + token + "/anim.mp4",
		TokenURI:           "ipfs://" + token,
	}
}

func key(chain, contract, token string) sleuth.NFTKey {
	return sleuth.NFTKey{Chain: chain, Contract: contract, TokenID: token}
}

func checkNFT(t *testing.T, what string, got, want *sleuth.NFTRecord) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s: nil record", what)
	}
	if got.Chain != want.Chain || got.Contract != want.Contract || got.TokenID != want.TokenID ||
		!slices.Equal(got.AssetCids, want.AssetCids) || got.PrimaryMarketplace != want.PrimaryMarketplace ||
		got.CurrentOwner != want.CurrentOwner || got.NFTSpec != want.NFTSpec || got.Creator != want.Creator ||
		got.ImageURL != want.ImageURL || got.AnimationURL != want.AnimationURL || got.TokenURI != want.TokenURI {
		t.Errorf("%s: got\n%+v\nwant\n%+v", what, *got, *want)
	}
	if !got.CreatedAt.Equal(want.CreatedAt) || got.CreatedAt.Location() != time.UTC {
		t.Errorf("%s: CreatedAt %v, want %v in UTC", what, got.CreatedAt, want.CreatedAt)
	}
	if !got.UpdatedAt.Equal(want.UpdatedAt) || got.UpdatedAt.Location() != time.UTC {
		t.Errorf("%s: UpdatedAt %v, want %v in UTC", what, got.UpdatedAt, want.UpdatedAt)
	}
	if !jsonEqual(got.Metadata, want.Metadata) {
		t.Errorf("%s: Metadata %s, want %s", what, got.Metadata, want.Metadata)
	}
}

func (s *suite) testNFT(t *testing.T) {
	ctx := context.Background()
	st := s.store(t)
	base := time.Date(2022, 1, 2, 3, 4, 5, 678901000, time.FixedZone("x", -7*3600))

	t.Run("PutGet", func(t *testing.T) {
		r := newNFT("1", base, "bafkreia", "bafkreib")
		before := time.Now()
		if err := st.PutNFT(ctx, r); err != nil {
			t.Fatal(err)
		}
		checkNow(t, "UpdatedAt", r.UpdatedAt, before, time.Now())
		got, err := st.NFT(ctx, r.Key())
		if err != nil {
			t.Fatal(err)
		}
		checkNFT(t, "NFT", got, r)

		// Replace: every field follows, metadata included.
		r2 := newNFT("1", base.Add(time.Hour), "bafkreic")
		r2.CurrentOwner, r2.Metadata, r2.AnimationURL = "0xnew", nil, ""
		if err := st.PutNFT(ctx, r2); err != nil {
			t.Fatal(err)
		}
		if r2.UpdatedAt.Before(r.UpdatedAt) {
			t.Errorf("UpdatedAt went back: %v then %v", r.UpdatedAt, r2.UpdatedAt)
		}
		got, err = st.NFT(ctx, r.Key())
		if err != nil {
			t.Fatal(err)
		}
		checkNFT(t, "NFT after replace", got, r2)
		if got.Metadata != nil {
			t.Errorf("Metadata %q after replacing with none", got.Metadata)
		}
		for nid, want := range map[string]int{"bafkreia": 0, "bafkreib": 0, "bafkreic": 1} {
			rs, err := st.NFTsByAsset(ctx, nid)
			if err != nil || len(rs) != want {
				t.Errorf("NFTsByAsset(%s) after replace: %d records, %v; want %d", nid, len(rs), err, want)
			}
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		for _, k := range []sleuth.NFTKey{
			{Chain: "eip155:1", Contract: "0x" + hexOf("contract", 20), TokenID: "404"},
			{Chain: "eip155:137", Contract: "0x" + hexOf("contract", 20), TokenID: "1"},
			{},
		} {
			_, err := st.NFT(ctx, k)
			checkCode(t, fmt.Sprintf("NFT(%v)", k), err, sleuth.CodeNFTNotFound)
			if !errors.Is(err, sleuth.ErrNFTNotFound) {
				t.Errorf("errors.Is(%v, ErrNFTNotFound) is false", err)
			}
		}
		rs, err := st.NFTsByAsset(ctx, "bafkreinone")
		if err != nil || len(rs) != 0 {
			t.Errorf("NFTsByAsset(unknown) = %d records, %v; want none, nil", len(rs), err)
		}
	})

	t.Run("ByAsset", func(t *testing.T) {
		const nid = "bafkreishared"
		// Put in an order that is neither CreatedAt's nor the keys'.
		recs := []*sleuth.NFTRecord{
			newNFT("b3", base.Add(3*time.Second), "bafkreiother", nid),
			newNFT("b1", base.Add(1*time.Second), nid),
			newNFT("b4", base.Add(4*time.Second), nid, "bafkreiother", nid), // twice: listed once
			newNFT("b2", base.Add(2*time.Microsecond), nid),
			newNFT("b0", time.Time{}, nid), // unknown mint time: first
			newNFT("bx", base, "bafkreiother"),
		}
		recs[3].Chain = "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp"
		recs[3].NFTSpec, recs[3].Metadata = "metaplex", nil
		for _, r := range recs {
			if err := st.PutNFT(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		got, err := st.NFTsByAsset(ctx, nid)
		if err != nil {
			t.Fatal(err)
		}
		want := []*sleuth.NFTRecord{recs[4], recs[3], recs[1], recs[0], recs[2]}
		if len(got) != len(want) {
			t.Fatalf("NFTsByAsset: %d records, want %d", len(got), len(want))
		}
		for i := range want {
			checkNFT(t, fmt.Sprintf("NFTsByAsset[%d]", i), got[i], want[i])
		}
		if !got[0].CreatedAt.IsZero() {
			t.Errorf("zero CreatedAt came back %v", got[0].CreatedAt)
		}
		other, err := st.NFTsByAsset(ctx, "bafkreiother")
		if err != nil || len(other) != 3 {
			t.Errorf("NFTsByAsset(other): %d records, %v; want 3", len(other), err)
		}
		// The batch form gives the same lists, and nothing for unknown Nids.
		many, err := st.NFTsByAssets(ctx, []string{nid, "bafkreiother", "bafkreinone", nid})
		if err != nil {
			t.Fatal(err)
		}
		if len(many) != 2 || len(many[nid]) != len(want) || len(many["bafkreiother"]) != 3 {
			t.Fatalf("NFTsByAssets: %d keys, %d and %d records", len(many), len(many[nid]), len(many["bafkreiother"]))
		}
		for i := range want {
			checkNFT(t, fmt.Sprintf("NFTsByAssets[%d]", i), many[nid][i], want[i])
		}
		for i := range other {
			checkNFT(t, fmt.Sprintf("NFTsByAssets other[%d]", i), many["bafkreiother"][i], other[i])
		}

		// Equal CreatedAt: key order.
		const tied = "bafkreitied"
		for _, k := range []sleuth.NFTKey{key("eip155:1", "0xb", "2"), key("eip155:1", "0xb", "10"), key("eip155:1", "0xa", "9"), key("eip155:10", "0xa", "1")} {
			r := newNFT(k.TokenID, base, tied)
			r.Chain, r.Contract = k.Chain, k.Contract
			if err := st.PutNFT(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		got, err = st.NFTsByAsset(ctx, tied)
		if err != nil {
			t.Fatal(err)
		}
		var keys []sleuth.NFTKey
		for _, r := range got {
			keys = append(keys, r.Key())
		}
		wantKeys := []sleuth.NFTKey{key("eip155:1", "0xa", "9"), key("eip155:1", "0xb", "10"), key("eip155:1", "0xb", "2"), key("eip155:10", "0xa", "1")}
		if !slices.Equal(keys, wantKeys) {
			t.Errorf("NFTsByAsset with equal CreatedAt: %v, want %v", keys, wantKeys)
		}
	})

	t.Run("Invalid", func(t *testing.T) {
		cases := map[string]func(r *sleuth.NFTRecord){
			"no chain":      func(r *sleuth.NFTRecord) { r.Chain = "" },
			"no contract":   func(r *sleuth.NFTRecord) { r.Contract = "" },
			"no token":      func(r *sleuth.NFTRecord) { r.TokenID = "" },
			"empty nid":     func(r *sleuth.NFTRecord) { r.AssetCids = []string{"bafkreia", ""} },
			"bad metadata":  func(r *sleuth.NFTRecord) { r.Metadata = json.RawMessage(`{"a":`) },
			"not json text": func(r *sleuth.NFTRecord) { r.Metadata = json.RawMessage(`hello`) },
		}
		for name, spoil := range cases {
			r := newNFT("inv", base, "bafkreia")
			spoil(r)
			checkCode(t, name, st.PutNFT(ctx, r), sleuth.CodeStoreInvalid)
		}
		checkCode(t, "nil", st.PutNFT(ctx, nil), sleuth.CodeStoreInvalid)
		_, err := st.NFT(ctx, newNFT("inv", base).Key())
		checkCode(t, "NFT after invalid puts", err, sleuth.CodeNFTNotFound)
	})
}

func (s *suite) testCollection(t *testing.T) {
	ctx := context.Background()
	st := s.store(t)
	c := &sleuth.Collection{
		Chain: "eip155:1", Contract: "0xabc", Name: "Apes", Symbol: "APE",
		Supply: 10000, Verified: true, MarketName: "apes-official",
	}
	before := time.Now()
	if err := st.PutCollection(ctx, c); err != nil {
		t.Fatal(err)
	}
	checkNow(t, "UpdatedAt", c.UpdatedAt, before, time.Now())
	check := func(what string, want *sleuth.Collection) {
		t.Helper()
		got, err := st.Collection(ctx, want.Chain, want.Contract)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if !got.UpdatedAt.Equal(want.UpdatedAt) || got.UpdatedAt.Location() != time.UTC {
			t.Errorf("%s: UpdatedAt %v, want %v in UTC", what, got.UpdatedAt, want.UpdatedAt)
		}
		g, w := *got, *want
		g.UpdatedAt, w.UpdatedAt = time.Time{}, time.Time{}
		if g != w {
			t.Errorf("%s: got %+v, want %+v", what, g, w)
		}
	}
	check("Collection", c)

	// Same contract on another chain: another collection.
	c2 := *c
	c2.Chain, c2.Name, c2.Verified, c2.Supply = "eip155:137", "Fake apes", false, 0
	if err := st.PutCollection(ctx, &c2); err != nil {
		t.Fatal(err)
	}
	check("other chain", &c2)
	check("first untouched", c)

	// Replace.
	c3 := &sleuth.Collection{Chain: c.Chain, Contract: c.Contract, Name: "Apes v2"}
	if err := st.PutCollection(ctx, c3); err != nil {
		t.Fatal(err)
	}
	check("replaced", c3)

	_, err := st.Collection(ctx, "eip155:1", "0xmissing")
	checkCode(t, "Collection(missing)", err, sleuth.CodeCollectionNotFound)
	if !errors.Is(err, sleuth.ErrCollectionNotFound) {
		t.Errorf("errors.Is(%v, ErrCollectionNotFound) is false", err)
	}
	checkCode(t, "no chain", st.PutCollection(ctx, &sleuth.Collection{Contract: "0x1"}), sleuth.CodeStoreInvalid)
	checkCode(t, "no contract", st.PutCollection(ctx, &sleuth.Collection{Chain: "eip155:1"}), sleuth.CodeStoreInvalid)
	checkCode(t, "nil", st.PutCollection(ctx, nil), sleuth.CodeStoreInvalid)
}

// testConcurrency has writers race on the same Nids and on their own, with
// readers alongside.
func (s *suite) testConcurrency(t *testing.T) {
	const (
		workers = 8
		shared  = 40
		own     = 15
	)
	ctx := context.Background()
	st := s.store(t)

	var (
		mu      sync.Mutex
		created = map[string]int{}
		idOf    = map[string]sleuth.AssetID{}
		wg      sync.WaitGroup
		errs    = make(chan error, 2*workers)
	)
	record := func(a *sleuth.Asset, c bool) error {
		mu.Lock()
		defer mu.Unlock()
		if c {
			created[a.Nid]++
		}
		if id, ok := idOf[a.Nid]; ok && id != a.ID {
			return fmt.Errorf("%s: ID %d, another put got %d", a.Nid, a.ID, id)
		}
		idOf[a.Nid] = a.ID
		return nil
	}
	for w := range workers {
		wg.Add(2)
		go func() { // writer
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			var jobs []int
			for i := range shared {
				jobs = append(jobs, i)
			}
			for i := range own {
				jobs = append(jobs, shared+w*own+i)
			}
			rng.Shuffle(len(jobs), func(i, j int) { jobs[i], jobs[j] = jobs[j], jobs[i] })
			for _, i := range jobs {
				a := NewAsset(nidOf(i), i)
				c, err := st.PutAsset(ctx, a)
				if err == nil {
					err = record(a, c)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
		go func() { // reader
			defer wg.Done()
			for i := range shared {
				if _, err := st.HasAsset(ctx, nidOf(i)); err != nil {
					errs <- err
					return
				}
				a, err := st.Asset(ctx, nidOf(i))
				if err == nil && len(a.Perceptual) != 3 {
					errs <- fmt.Errorf("%s read with %d fingerprints, want 3", a.Nid, len(a.Perceptual))
					return
				}
				if err != nil && sleuth.ErrorCode(err) != sleuth.CodeAssetNotFound {
					errs <- err
					return
				}
				if _, err := st.CountAssets(ctx); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	want := shared + workers*own
	if len(created) != want {
		t.Errorf("%d Nids created, want %d", len(created), want)
	}
	for nid, n := range created {
		if n != 1 {
			t.Errorf("%s created %d times", nid, n)
		}
	}
	if n, err := st.CountAssets(ctx); n != int64(want) || err != nil {
		t.Errorf("CountAssets: %d, %v; want %d", n, err, want)
	}
	seen := map[sleuth.AssetID]bool{}
	err := st.EachAsset(ctx, func(a *sleuth.Asset) error {
		if seen[a.ID] {
			return fmt.Errorf("ID %d twice", a.ID)
		}
		seen[a.ID] = true
		if idOf[a.Nid] != a.ID {
			return fmt.Errorf("%s has ID %d, PutAsset said %d", a.Nid, a.ID, idOf[a.Nid])
		}
		if len(a.Perceptual) != 3 {
			return fmt.Errorf("%s has %d fingerprints, want 3", a.Nid, len(a.Perceptual))
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}

func (s *suite) testClose(t *testing.T) {
	ctx := context.Background()
	st := s.open(t)
	putN(t, st, 0, 1)
	if err := st.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := st.CountAssets(ctx); err == nil {
		t.Error("CountAssets after Close: no error")
	}
	if _, err := st.PutAsset(ctx, NewAsset(nidOf(2), 2)); err == nil {
		t.Error("PutAsset after Close: no error")
	}
}
