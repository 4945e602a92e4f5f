// Package storetest is the behavioural test suite that every implementation
// of sleuth.Store must pass. A backend's tests call Run with a function that
// makes a fresh, empty store:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) sleuth.Store {
//			db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "sleuth.db"))
//			if err != nil {
//				t.Fatal(err)
//			}
//			return db
//		})
//	}
//
// A backend that also implements sleuth.AccountStore calls RunAccounts,
// the suite of accounts, keys, credits and orders (see its documentation).
//
// The suite checks the contracts written on the interfaces in package
// sleuth, and a few choices those contracts leave open that callers rely
// on, so that the backends agree:
//
//   - Times round-trip exactly at microsecond precision (PostgreSQL's), and
//     come back in UTC. FirstSeen set by PutAsset is truncated to the
//     microsecond. PutNFT and PutCollection set UpdatedAt to now and write
//     it back into the record they were given.
//   - AssetTree.Extra round-trips as JSON does (numbers come back float64);
//     a nil License or Extra stays nil. Empty Perceptual and AssetCids may
//     come back nil.
//   - NFT metadata round-trips as equivalent JSON (not byte for byte).
//   - NFTsByAsset lists a token once even when its AssetCids repeat the Nid;
//     records with equal CreatedAt come in (Chain, Contract, TokenID) order,
//     compared as strings; an unknown Nid gives no records and no error.
//   - PutAsset refuses, with sleuth.store.invalid, a perceptual fingerprint
//     without Kind or Hash as well as a missing Nid, SHA256 or BLAKE3;
//     PutNFT a missing Chain, Contract or TokenID, an empty Nid in
//     AssetCids or metadata that is not JSON; PutCollection a missing Chain
//     or Contract.
//   - EachAsset does not call fn once ctx is done, and returns an error
//     wrapping ctx.Err().
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/sleuthhq/sleuth"
)

// Run runs the suite. open must return a new, empty store each time it is
// called; Run closes it when the subtest that asked for it ends (after
// which any t.Cleanup that open registered runs).
func Run(t *testing.T, open func(t *testing.T) sleuth.Store) {
	s := &suite{open: open}
	t.Run("PutAsset", s.testPutAsset)
	t.Run("NotFound", s.testNotFound)
	t.Run("DeleteAsset", s.testDeleteAsset)
	t.Run("ListAssets", s.testListAssets)
	t.Run("CountAssets", s.testCountAssets)
	t.Run("AssetsByIDs", s.testAssetsByIDs)
	t.Run("EachAsset", s.testEachAsset)
	t.Run("ManyAssets", s.testManyAssets)
	t.Run("NFT", s.testNFT)
	t.Run("Collection", s.testCollection)
	t.Run("Checkpoint", s.testCheckpoint)
	t.Run("Stolen", s.testStolen)
	t.Run("TokenIndex", s.testTokenIndex)
	t.Run("Concurrency", s.testConcurrency)
	t.Run("Close", s.testClose)
}

type suite struct {
	open func(t *testing.T) sleuth.Store
}

// store returns a fresh store, closed when t ends.
func (s *suite) store(t *testing.T) sleuth.Store {
	t.Helper()
	st := s.open(t)
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return st
}

// hexOf returns a lower-case hex string of n bytes derived from seed.
func hexOf(seed string, n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, 2*n)
	h := uint64(14695981039346656037)
	for _, c := range []byte(seed) {
		h = (h ^ uint64(c)) * 1099511628211
	}
	for i := range b {
		h ^= h << 13
		h ^= h >> 7
		h ^= h << 17
		b[i] = digits[h&15]
	}
	return string(b)
}

// NewAsset returns a complete asset with the given Nid, made from i: two
// PDQ fingerprints and a pHash, an AssetTree with a licence and Extra. Its
// ID and FirstSeen are zero. Backends' own tests and benchmarks may use it.
func NewAsset(nid string, i int) *sleuth.Asset {
	return &sleuth.Asset{
		Nid:         nid,
		Size:        int64(1000 + i),
		MIME:        "image/png",
		Width:       640 + i%7,
		Height:      480 + i%5,
		Source:      fmt.Sprintf("https://example.com/%d.png", i),
		SHA256:      hexOf("sha256"+nid, 32),
		BLAKE3:      hexOf("blake3"+nid, 32),
		PixelSHA256: hexOf("pixel"+nid, 32),
		Perceptual: []sleuth.Perceptual{
			{Kind: sleuth.KindPDQ, Hash: hexOf("pdq0"+nid, 32), Quality: 50 + i%50},
			{Kind: sleuth.KindPHash, Hash: hexOf("phash"+nid, 8)},
			{Kind: sleuth.KindPDQ, Hash: hexOf("pdq1"+nid, 32), Quality: i % 100},
		},
		Tree: sleuth.AssetTree{
			AssetCid:              nid,
			AssetSha256:           hexOf("sha256"+nid, 32),
			EncodingFormat:        "image/png",
			AssetTimestampCreated: 1700000000 + int64(i),
			AssetCreator:          "Ada",
			AssetSourceType:       "captureUpload",
			Abstract:              "an abstract",
			Headline:              fmt.Sprintf("headline %d", i),
			CreatorWallet:         "0x" + hexOf("wallet"+nid, 20),
			License:               &sleuth.License{Name: "CC-BY-4.0", Document: "https://creativecommons.org/licenses/by/4.0/"},
			Extra:                 map[string]any{"i": float64(i), "tags": []any{"a", "b"}},
		},
	}
}

// nidOf returns the Nid of the i-th made-up asset.
func nidOf(i int) string { return fmt.Sprintf("bafkrei%08d", i) }

// put stores a and fails the test on error.
func put(t *testing.T, st sleuth.Store, a *sleuth.Asset) bool {
	t.Helper()
	created, err := st.PutAsset(context.Background(), a)
	if err != nil {
		t.Fatalf("PutAsset(%s): %v", a.Nid, err)
	}
	return created
}

// putN stores n made-up assets, nidOf(from) onwards, and returns them.
func putN(t *testing.T, st sleuth.Store, from, n int) []*sleuth.Asset {
	t.Helper()
	as := make([]*sleuth.Asset, n)
	for i := range as {
		as[i] = NewAsset(nidOf(from+i), from+i)
		if !put(t, st, as[i]) {
			t.Fatalf("PutAsset(%s): created false for a new Nid", as[i].Nid)
		}
	}
	return as
}

// checkAsset compares got with want field by field.
func checkAsset(t *testing.T, what string, got, want *sleuth.Asset) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s: nil asset", what)
	}
	if got.ID != want.ID || got.Nid != want.Nid || got.Size != want.Size || got.MIME != want.MIME ||
		got.Width != want.Width || got.Height != want.Height || got.Source != want.Source ||
		got.SHA256 != want.SHA256 || got.BLAKE3 != want.BLAKE3 || got.PixelSHA256 != want.PixelSHA256 {
		t.Errorf("%s: got\n%+v\nwant\n%+v", what, *got, *want)
	}
	if !got.FirstSeen.Equal(want.FirstSeen) {
		t.Errorf("%s: FirstSeen %v, want %v", what, got.FirstSeen, want.FirstSeen)
	}
	if got.FirstSeen.Location() != time.UTC {
		t.Errorf("%s: FirstSeen %v not in UTC", what, got.FirstSeen)
	}
	if !slices.Equal(got.Perceptual, want.Perceptual) {
		t.Errorf("%s: Perceptual\n%+v\nwant\n%+v", what, got.Perceptual, want.Perceptual)
	}
	if !reflect.DeepEqual(got.Tree, want.Tree) {
		t.Errorf("%s: Tree\n%#v\nwant\n%#v", what, got.Tree, want.Tree)
	}
}

// checkCode fails unless err has the given sleuth code.
func checkCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want %s", what, code)
		return
	}
	if c := sleuth.ErrorCode(err); c != code {
		t.Errorf("%s: error %q has code %s, want %s", what, err, c, code)
	}
}

// checkNow fails unless tm is in UTC, between before and after, allowing
// for truncation to the microsecond.
func checkNow(t *testing.T, what string, tm, before, after time.Time) {
	t.Helper()
	if tm.Before(before.Truncate(time.Microsecond)) || tm.After(after) {
		t.Errorf("%s: %v, want between %v and %v", what, tm, before, after)
	}
	if tm.Location() != time.UTC {
		t.Errorf("%s: %v not in UTC", what, tm)
	}
}

// jsonEqual reports whether a and b are equivalent JSON documents (or both
// empty).
func jsonEqual(a, b []byte) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

var errStop = errors.New("storetest: stop")
