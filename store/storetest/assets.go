package storetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sleuthhq/sleuth"
)

func (s *suite) testPutAsset(t *testing.T) {
	ctx := context.Background()

	t.Run("Create", func(t *testing.T) {
		st := s.store(t)
		a := NewAsset(nidOf(1), 1)
		before := time.Now()
		created, err := st.PutAsset(ctx, a)
		after := time.Now()
		if err != nil || !created {
			t.Fatalf("PutAsset: created %v, err %v; want true, nil", created, err)
		}
		if a.ID <= 0 {
			t.Errorf("ID %d, want > 0", a.ID)
		}
		checkNow(t, "FirstSeen", a.FirstSeen, before, after)
		want := NewAsset(nidOf(1), 1)
		want.ID, want.FirstSeen = a.ID, a.FirstSeen
		got, err := st.Asset(ctx, a.Nid)
		if err != nil {
			t.Fatalf("Asset: %v", err)
		}
		checkAsset(t, "Asset", got, want)
		got, err = st.AssetByID(ctx, a.ID)
		if err != nil {
			t.Fatalf("AssetByID: %v", err)
		}
		checkAsset(t, "AssetByID", got, want)
		if ok, err := st.HasAsset(ctx, a.Nid); !ok || err != nil {
			t.Errorf("HasAsset: %v, %v; want true, nil", ok, err)
		}
	})

	t.Run("Idempotent", func(t *testing.T) {
		st := s.store(t)
		a := NewAsset(nidOf(1), 1)
		put(t, st, a)
		want := *a

		// The same Nid again, with other fields: nothing changes.
		b := NewAsset(nidOf(1), 2)
		b.Source = "elsewhere"
		b.Perceptual = b.Perceptual[:1]
		b.FirstSeen = time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
		created, err := st.PutAsset(ctx, b)
		if err != nil || created {
			t.Fatalf("PutAsset again: created %v, err %v; want false, nil", created, err)
		}
		if b.ID != a.ID || !b.FirstSeen.Equal(a.FirstSeen) {
			t.Errorf("PutAsset again set ID %d FirstSeen %v, want %d %v", b.ID, b.FirstSeen, a.ID, a.FirstSeen)
		}
		got, err := st.Asset(ctx, a.Nid)
		if err != nil {
			t.Fatal(err)
		}
		checkAsset(t, "after second put", got, &want)
		if n, err := st.CountAssets(ctx); n != 1 || err != nil {
			t.Errorf("CountAssets: %d, %v; want 1", n, err)
		}
	})

	t.Run("Fingerprints", func(t *testing.T) {
		st := s.store(t)
		a := NewAsset(nidOf(1), 1)
		a.Perceptual = []sleuth.Perceptual{
			{Kind: sleuth.KindPHash, Hash: "ffffffffffffffff"},
			{Kind: sleuth.KindPDQ, Hash: hexOf("z", 32), Quality: 100},
			{Kind: sleuth.KindPDQ, Hash: hexOf("a", 32), Quality: 0},
			{Kind: sleuth.KindPHash, Hash: "0000000000000000"},
			{Kind: "pdq-region", Hash: hexOf("m", 32), Quality: 7},
		}
		want := append([]sleuth.Perceptual(nil), a.Perceptual...)
		put(t, st, a)
		got, err := st.Asset(ctx, a.Nid)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Perceptual, want) {
			t.Errorf("Perceptual\n%+v\nwant\n%+v", got.Perceptual, want)
		}
		if p, ok := got.PerceptualOf(sleuth.KindPDQ); !ok || p != want[1] {
			t.Errorf("PerceptualOf(pdq) = %+v, %v; want %+v", p, ok, want[1])
		}

		// A file that is not an image: no perceptual fingerprints.
		b := NewAsset(nidOf(2), 2)
		b.Perceptual, b.PixelSHA256, b.Width, b.Height, b.MIME = nil, "", 0, 0, "application/pdf"
		put(t, st, b)
		gotB, err := st.Asset(ctx, b.Nid)
		if err != nil {
			t.Fatal(err)
		}
		if len(gotB.Perceptual) != 0 || gotB.PixelSHA256 != "" || gotB.Width != 0 {
			t.Errorf("asset without fingerprints came back %+v", gotB)
		}
	})

	t.Run("Tree", func(t *testing.T) {
		st := s.store(t)
		a := NewAsset(nidOf(1), 1)
		a.Tree.Extra = map[string]any{
			"string": "x ✓ \"quoted\"",
			"number": 1.5,
			"int":    float64(1 << 40),
			"bool":   true,
			"null":   nil,
			"list":   []any{"a", float64(2), false, map[string]any{"k": "v"}},
			"object": map[string]any{"nested": map[string]any{"deep": []any{}}},
		}
		a.Tree.License = &sleuth.License{Name: "All rights reserved", Document: ""}
		want := a.Tree
		put(t, st, a)
		got, err := st.Asset(ctx, a.Nid)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Tree, want) {
			t.Errorf("Tree\n%#v\nwant\n%#v", got.Tree, want)
		}

		// No licence, no Extra, no tree at all.
		b := NewAsset(nidOf(2), 2)
		b.Tree = sleuth.AssetTree{}
		put(t, st, b)
		gotB, err := st.Asset(ctx, b.Nid)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(gotB.Tree, sleuth.AssetTree{}) {
			t.Errorf("empty Tree came back %#v", gotB.Tree)
		}
	})

	t.Run("FirstSeen", func(t *testing.T) {
		st := s.store(t)
		loc := time.FixedZone("UTC+5:30", 5*3600+1800)
		fs := time.Date(2023, 4, 5, 6, 7, 8, 123456000, loc)
		a := NewAsset(nidOf(1), 1)
		a.FirstSeen = fs
		put(t, st, a)
		if !a.FirstSeen.Equal(fs) || a.FirstSeen.Location() != time.UTC {
			t.Errorf("PutAsset set FirstSeen %v, want %v in UTC", a.FirstSeen, fs)
		}
		got, err := st.Asset(ctx, a.Nid)
		if err != nil {
			t.Fatal(err)
		}
		if !got.FirstSeen.Equal(fs) || got.FirstSeen.Location() != time.UTC {
			t.Errorf("FirstSeen %v, want %v in UTC", got.FirstSeen, fs)
		}

		// Preserved by a second put, which reports the stored value.
		b := NewAsset(nidOf(1), 1)
		created, err := st.PutAsset(ctx, b)
		if err != nil || created {
			t.Fatalf("PutAsset again: %v, %v", created, err)
		}
		if !b.FirstSeen.Equal(fs) {
			t.Errorf("second PutAsset set FirstSeen %v, want %v", b.FirstSeen, fs)
		}
	})

	t.Run("IDs", func(t *testing.T) {
		st := s.store(t)
		as := putN(t, st, 0, 5)
		for i := 1; i < len(as); i++ {
			if as[i].ID <= as[i-1].ID {
				t.Errorf("IDs not increasing: %d then %d", as[i-1].ID, as[i].ID)
			}
		}
	})

	t.Run("Invalid", func(t *testing.T) {
		st := s.store(t)
		cases := map[string]func(a *sleuth.Asset){
			"no nid":    func(a *sleuth.Asset) { a.Nid = "" },
			"no sha256": func(a *sleuth.Asset) { a.SHA256 = "" },
			"no blake3": func(a *sleuth.Asset) { a.BLAKE3 = "" },
			"no kind":   func(a *sleuth.Asset) { a.Perceptual[1].Kind = "" },
			"no hash":   func(a *sleuth.Asset) { a.Perceptual[2].Hash = "" },
		}
		for name, spoil := range cases {
			a := NewAsset(nidOf(1), 1)
			spoil(a)
			created, err := st.PutAsset(ctx, a)
			if created {
				t.Errorf("%s: created", name)
			}
			checkCode(t, name, err, sleuth.CodeStoreInvalid)
		}
		_, err := st.PutAsset(ctx, nil)
		checkCode(t, "nil asset", err, sleuth.CodeStoreInvalid)
		if n, err := st.CountAssets(ctx); n != 0 || err != nil {
			t.Errorf("CountAssets after invalid puts: %d, %v; want 0", n, err)
		}
	})
}

func (s *suite) testNotFound(t *testing.T) {
	ctx := context.Background()
	st := s.store(t)
	a := putN(t, st, 0, 1)[0]

	_, err := st.Asset(ctx, "bafkreimissing")
	checkCode(t, "Asset", err, sleuth.CodeAssetNotFound)
	if !errors.Is(err, sleuth.ErrAssetNotFound) {
		t.Errorf("Asset: errors.Is(%v, ErrAssetNotFound) is false", err)
	}
	_, err = st.Asset(ctx, "")
	checkCode(t, "Asset(\"\")", err, sleuth.CodeAssetNotFound)
	for _, id := range []sleuth.AssetID{0, -1, a.ID + 1, 1 << 40} {
		_, err := st.AssetByID(ctx, id)
		checkCode(t, "AssetByID", err, sleuth.CodeAssetNotFound)
	}
	if ok, err := st.HasAsset(ctx, "bafkreimissing"); ok || err != nil {
		t.Errorf("HasAsset: %v, %v; want false, nil", ok, err)
	}
}

func (s *suite) testDeleteAsset(t *testing.T) {
	ctx := context.Background()
	st := s.store(t)
	as := putN(t, st, 0, 3)
	victim := as[1]

	got, err := st.DeleteAsset(ctx, victim.Nid)
	if err != nil {
		t.Fatalf("DeleteAsset: %v", err)
	}
	checkAsset(t, "DeleteAsset's result", got, victim)
	if ok, _ := st.HasAsset(ctx, victim.Nid); ok {
		t.Error("HasAsset true after DeleteAsset")
	}
	_, err = st.AssetByID(ctx, victim.ID)
	checkCode(t, "AssetByID after delete", err, sleuth.CodeAssetNotFound)
	_, err = st.DeleteAsset(ctx, victim.Nid)
	checkCode(t, "DeleteAsset again", err, sleuth.CodeAssetNotFound)
	if !errors.Is(err, sleuth.ErrAssetNotFound) {
		t.Errorf("DeleteAsset again: errors.Is(%v, ErrAssetNotFound) is false", err)
	}
	_, err = st.DeleteAsset(ctx, "bafkreimissing")
	checkCode(t, "DeleteAsset(missing)", err, sleuth.CodeAssetNotFound)

	// The others are untouched.
	for _, a := range []*sleuth.Asset{as[0], as[2]} {
		got, err := st.AssetByID(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		checkAsset(t, "neighbour", got, a)
	}
	if n, _ := st.CountAssets(ctx); n != 2 {
		t.Errorf("CountAssets %d, want 2", n)
	}

	// Registered again, it gets a new ID (IDs are never reused, not even
	// the highest) and only its new fingerprints.
	if _, err := st.DeleteAsset(ctx, as[2].Nid); err != nil {
		t.Fatal(err)
	}
	again := NewAsset(victim.Nid, 1)
	again.Perceptual = again.Perceptual[2:]
	if !put(t, st, again) {
		t.Fatal("PutAsset after delete: created false")
	}
	if again.ID <= as[2].ID {
		t.Errorf("ID after delete %d, want > %d (IDs are never reused)", again.ID, as[2].ID)
	}
	got, err = st.Asset(ctx, victim.Nid)
	if err != nil {
		t.Fatal(err)
	}
	checkAsset(t, "registered again", got, again)
}

func (s *suite) testListAssets(t *testing.T) {
	ctx := context.Background()
	st := s.store(t)
	if as, err := st.ListAssets(ctx, sleuth.AssetFilter{}); len(as) != 0 || err != nil {
		t.Errorf("ListAssets on an empty store: %d assets, %v", len(as), err)
	}
	as := putN(t, st, 0, 23)
	if _, err := st.DeleteAsset(ctx, as[10].Nid); err != nil {
		t.Fatal(err)
	}
	want := append(as[:10:10], as[11:]...)

	for _, limit := range []int{1, 5, 7, 22, 23, 1000} {
		var got []*sleuth.Asset
		var after sleuth.AssetID
		for pages := 0; ; pages++ {
			if pages > len(want)+1 {
				t.Fatalf("limit %d: paging does not end", limit)
			}
			page, err := st.ListAssets(ctx, sleuth.AssetFilter{After: after, Limit: limit})
			if err != nil {
				t.Fatal(err)
			}
			if len(page) > limit {
				t.Fatalf("limit %d: page of %d", limit, len(page))
			}
			if len(page) == 0 {
				break
			}
			got = append(got, page...)
			after = page[len(page)-1].ID
		}
		if len(got) != len(want) {
			t.Fatalf("limit %d: %d assets, want %d", limit, len(got), len(want))
		}
		for i := range got {
			checkAsset(t, "ListAssets", got[i], want[i])
		}
	}

	// After is exclusive, and need not be an existing ID.
	page, err := st.ListAssets(ctx, sleuth.AssetFilter{After: as[10].ID, Limit: 2})
	if err != nil || len(page) != 2 || page[0].ID != as[11].ID || page[1].ID != as[12].ID {
		t.Errorf("ListAssets(After: deleted ID) = %v, %v", ids(page), err)
	}
	page, err = st.ListAssets(ctx, sleuth.AssetFilter{After: as[3].ID, Limit: 1})
	if err != nil || len(page) != 1 || page[0].ID != as[4].ID {
		t.Errorf("ListAssets(After: %d, Limit 1) = %v, %v", as[3].ID, ids(page), err)
	}
	page, err = st.ListAssets(ctx, sleuth.AssetFilter{After: as[22].ID})
	if err != nil || len(page) != 0 {
		t.Errorf("ListAssets(After: last) = %v, %v", ids(page), err)
	}
	page, err = st.ListAssets(ctx, sleuth.AssetFilter{After: -5, Limit: -1})
	if err != nil || len(page) != len(want) {
		t.Errorf("ListAssets(After -5, Limit -1) = %d assets, %v; want %d", len(page), err, len(want))
	}
}

func ids(as []*sleuth.Asset) []sleuth.AssetID {
	var out []sleuth.AssetID
	for _, a := range as {
		out = append(out, a.ID)
	}
	return out
}

func (s *suite) testCountAssets(t *testing.T) {
	ctx := context.Background()
	st := s.store(t)
	if n, err := st.CountAssets(ctx); n != 0 || err != nil {
		t.Errorf("CountAssets empty: %d, %v", n, err)
	}
	as := putN(t, st, 0, 7)
	put(t, st, NewAsset(as[0].Nid, 0)) // not a new one
	if n, err := st.CountAssets(ctx); n != 7 || err != nil {
		t.Errorf("CountAssets: %d, %v; want 7", n, err)
	}
	if _, err := st.DeleteAsset(ctx, as[3].Nid); err != nil {
		t.Fatal(err)
	}
	if n, err := st.CountAssets(ctx); n != 6 || err != nil {
		t.Errorf("CountAssets after delete: %d, %v; want 6", n, err)
	}
}

func (s *suite) testEachAsset(t *testing.T) {
	ctx := context.Background()
	st := s.store(t)

	calls := 0
	if err := st.EachAsset(ctx, func(*sleuth.Asset) error { calls++; return nil }); err != nil || calls != 0 {
		t.Errorf("EachAsset on an empty store: %d calls, %v", calls, err)
	}

	as := putN(t, st, 0, 12)
	var got []*sleuth.Asset
	if err := st.EachAsset(ctx, func(a *sleuth.Asset) error { got = append(got, a); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(as) {
		t.Fatalf("EachAsset: %d assets, want %d", len(got), len(as))
	}
	for i := range got {
		checkAsset(t, "EachAsset", got[i], as[i])
	}

	t.Run("Stop", func(t *testing.T) {
		calls := 0
		err := st.EachAsset(ctx, func(*sleuth.Asset) error {
			calls++
			if calls == 3 {
				return errStop
			}
			return nil
		})
		if !errors.Is(err, errStop) {
			t.Errorf("EachAsset returned %v, want fn's error", err)
		}
		if calls != 3 {
			t.Errorf("fn called %d times after returning an error at 3", calls)
		}
	})

	t.Run("Canceled", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		calls := 0
		err := st.EachAsset(cctx, func(*sleuth.Asset) error { calls++; return nil })
		if !errors.Is(err, context.Canceled) || calls != 0 {
			t.Errorf("EachAsset(canceled) = %v after %d calls; want context.Canceled, 0 calls", err, calls)
		}

		cctx, cancel = context.WithCancel(ctx)
		defer cancel()
		calls = 0
		err = st.EachAsset(cctx, func(*sleuth.Asset) error {
			calls++
			if calls == 2 {
				cancel()
			}
			return nil
		})
		if !errors.Is(err, context.Canceled) || calls != 2 {
			t.Errorf("EachAsset canceled during the walk = %v after %d calls; want context.Canceled, 2 calls", err, calls)
		}
	})
}

// testManyAssets stores more assets than a page of any reasonable backend
// and than ListAssets' cap, to check the defaults, the cap and streaming.
func (s *suite) testManyAssets(t *testing.T) {
	if testing.Short() {
		t.Skip("stores 10,050 assets")
	}
	const n = 10050
	ctx := context.Background()
	st := s.store(t)
	as := putMany(t, st, n)

	page, err := st.ListAssets(ctx, sleuth.AssetFilter{})
	if err != nil || len(page) != 100 {
		t.Errorf("ListAssets default limit: %d assets, %v; want 100", len(page), err)
	}
	page, err = st.ListAssets(ctx, sleuth.AssetFilter{Limit: 1 << 30})
	if err != nil || len(page) != 10000 {
		t.Fatalf("ListAssets capped limit: %d assets, %v; want 10000", len(page), err)
	}
	for i := range page {
		if page[i].ID != as[i].ID || len(page[i].Perceptual) != len(as[i].Perceptual) {
			t.Fatalf("ListAssets: asset %d is %d with %d fingerprints, want %d with %d",
				i, page[i].ID, len(page[i].Perceptual), as[i].ID, len(as[i].Perceptual))
		}
	}

	i := 0
	err = st.EachAsset(ctx, func(a *sleuth.Asset) error {
		if i >= len(as) {
			return errors.New("too many assets")
		}
		if a.ID != as[i].ID || a.Nid != as[i].Nid || !reflect.DeepEqual(a.Perceptual, as[i].Perceptual) {
			t.Errorf("EachAsset: asset %d is %d %s %v, want %d %s %v",
				i, a.ID, a.Nid, a.Perceptual, as[i].ID, as[i].Nid, as[i].Perceptual)
			return errStop
		}
		i++
		return nil
	})
	if err != nil || i != n {
		t.Errorf("EachAsset: %d assets, %v; want %d", i, err, n)
	}
	if c, err := st.CountAssets(ctx); c != n || err != nil {
		t.Errorf("CountAssets: %d, %v; want %d", c, err, n)
	}
}

// putMany stores n made-up assets from a few goroutines and returns them in
// ID order.
func putMany(t *testing.T, st sleuth.Store, n int) []*sleuth.Asset {
	t.Helper()
	const workers = 4
	as := make([]*sleuth.Asset, n)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				as[i] = NewAsset(nidOf(i), i)
				created, err := st.PutAsset(context.Background(), as[i])
				if err == nil && !created {
					err = fmt.Errorf("PutAsset(%s): created false for a new Nid", as[i].Nid)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	slices.SortFunc(as, func(a, b *sleuth.Asset) int { return cmp.Compare(a.ID, b.ID) })
	return as
}

func (s *suite) testAssetsByIDs(t *testing.T) {
	ctx := context.Background()
	st := s.store(t)
	as := putMany(t, st, 1205) // more than one IN batch of any sane size
	want := []*sleuth.Asset{as[1204], as[0], as[600], as[3]}
	got, err := st.AssetsByIDs(ctx, []sleuth.AssetID{as[600].ID, as[3].ID, as[1204].ID, 1 << 31, as[0].ID, as[3].ID})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(want, func(a, b *sleuth.Asset) int { return cmp.Compare(a.ID, b.ID) })
	if len(got) != len(want) {
		t.Fatalf("got %d assets, want %d (unknown ids left out, duplicates once)", len(got), len(want))
	}
	for i := range want {
		full, err := st.AssetByID(ctx, want[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		checkAsset(t, "AssetsByIDs", got[i], full)
	}
	all := make([]sleuth.AssetID, len(as))
	for i, a := range as {
		all[i] = a.ID
	}
	got, err = st.AssetsByIDs(ctx, all)
	if err != nil || len(got) != len(as) {
		t.Fatalf("all %d ids: got %d, err %v", len(as), len(got), err)
	}
	byID := map[sleuth.AssetID]*sleuth.Asset{}
	for _, a := range as {
		byID[a.ID] = a
	}
	for i, a := range got {
		if i > 0 && got[i-1].ID >= a.ID {
			t.Fatalf("not in ID order at %d", i)
		}
		if w := byID[a.ID]; w == nil || w.Nid != a.Nid || len(w.Perceptual) != len(a.Perceptual) {
			t.Fatalf("asset %d: got %+v", a.ID, a)
		}
	}
	if got, err := st.AssetsByIDs(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("no ids: %v %v", got, err)
	}
}
