package ingest_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/cid"
	"github.com/sleuthhq/sleuth/engine"
	"github.com/sleuthhq/sleuth/fetch"
	"github.com/sleuthhq/sleuth/ingest"
	"github.com/sleuthhq/sleuth/store/sqlite"
)

// art returns a distinct PNG for each n.
func art(n int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for y := range 64 {
		for x := range 64 {
			v := uint8((x*n + y*(n+3)) ^ (x * y * n))
			img.Set(x, y, color.RGBA{v, uint8(x * 4), uint8(y*4) ^ uint8(n*40), 255})
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
}

// server serves files and counts the requests of each path.
type server struct {
	*httptest.Server
	mu    sync.Mutex
	files map[string][]byte
	hits  map[string]int
}

func newServer(t *testing.T, files map[string][]byte) *server {
	s := &server{files: files, hits: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits[r.URL.Path]++
		b, ok := s.files[r.URL.Path]
		s.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) hitsOf(p string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[p]
}

type env struct {
	st   *sqlite.DB
	eng  *engine.Engine
	pipe *ingest.Pipeline
}

func newEnv(t *testing.T, cacheDir string, opt ingest.Options) *env {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "sleuth.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	eng, err := engine.Open(context.Background(), st, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if opt.Fetcher == nil {
		opt.Fetcher = fetch.New(fetch.Config{AllowPrivate: true, AllowHTTP: true, Timeout: 10 * time.Second})
	}
	opt.CacheDir = cacheDir
	return &env{st: st, eng: eng, pipe: ingest.New(eng, st, opt)}
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="#c33"/><circle cx="32" cy="32" r="20" fill="#3c3"/></svg>`

func TestRecordSources(t *testing.T) {
	ctx := context.Background()
	img1, img2, img3 := art(1), art(2), art(3)
	srv := newServer(t, map[string][]byte{
		"/img/1.png":  img1,
		"/img/2.png":  img2,
		"/img/3.png":  img3,
		"/meta/1":     []byte(`{"name":"one","image":"SRV/img/1.png","animation_url":"SRV/img/2.png"}`),
		"/meta/2":     []byte("\ufeff  {\"name\": \"two\",\n \"image_url\": \"SRV/img/2.png\"}\n"),
		"/meta/array": []byte(`[1,2]`),
	})
	for p, b := range srv.files {
		srv.files[p] = bytes.ReplaceAll(b, []byte("SRV"), []byte(srv.URL))
	}
	e := newEnv(t, t.TempDir(), ingest.Options{Workers: 2})
	dataJSON := `{"name":"three","image":"` + srv.URL + `/img/3.png"}`
	cases := []struct {
		name      string
		rec       sleuth.NFTRecord
		image     string // want ImageURL
		anim      string
		cids      []string
		metaErr   bool
		mediaErrs int
	}{
		{name: "https metadata, image and animation", rec: sleuth.NFTRecord{TokenURI: srv.URL + "/meta/1"},
			image: srv.URL + "/img/1.png", anim: srv.URL + "/img/2.png", cids: []string{cid.Bytes(img1), cid.Bytes(img2)}},
		{name: "image_url, BOM and white space", rec: sleuth.NFTRecord{TokenURI: srv.URL + "/meta/2"},
			image: srv.URL + "/img/2.png", cids: []string{cid.Bytes(img2)}},
		{name: "data: base64 JSON", rec: sleuth.NFTRecord{TokenURI: "data:application/json;base64," + b64([]byte(dataJSON))},
			image: srv.URL + "/img/3.png", cids: []string{cid.Bytes(img3)}},
		{name: "data: percent-encoded JSON", rec: sleuth.NFTRecord{TokenURI: "data:application/json," + url.PathEscape(dataJSON)},
			image: srv.URL + "/img/3.png", cids: []string{cid.Bytes(img3)}},
		{name: "on-chain JSON with image_data SVG", rec: sleuth.NFTRecord{TokenURI: `{"name":"svg","image_data":` + strconvQuote(svg) + `}`},
			image: "data:image/svg+xml;base64," + b64([]byte(svg)), cids: []string{cid.Bytes([]byte(svg))}},
		{name: "metadata given: no fetch of it", rec: sleuth.NFTRecord{TokenURI: srv.URL + "/never", Metadata: json.RawMessage(`{"image":"` + srv.URL + `/img/1.png"}`)},
			image: srv.URL + "/img/1.png", cids: []string{cid.Bytes(img1)}},
		{name: "image given, no token URI", rec: sleuth.NFTRecord{ImageURL: srv.URL + "/img/2.png"},
			image: srv.URL + "/img/2.png", cids: []string{cid.Bytes(img2)}},
		{name: "metadata not an object", rec: sleuth.NFTRecord{TokenURI: srv.URL + "/meta/array"}, metaErr: true},
		{name: "metadata 404", rec: sleuth.NFTRecord{TokenURI: srv.URL + "/meta/none"}, metaErr: true},
		{name: "image 404", rec: sleuth.NFTRecord{Metadata: json.RawMessage(`{"image":"` + srv.URL + `/img/none.png"}`)},
			image: srv.URL + "/img/none.png", mediaErrs: 1},
		{name: "image not an image or media", rec: sleuth.NFTRecord{Metadata: json.RawMessage(`{"image":"gopher://x/y"}`)},
			image: "gopher://x/y", mediaErrs: 1},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := c.rec
			rec.Chain, rec.Contract, rec.TokenID = "eip155:1", "0xabc", string(rune('a'+i))
			res, err := e.pipe.Record(ctx, &rec)
			if err != nil {
				t.Fatal(err)
			}
			if (res.MetadataErr != nil) != c.metaErr {
				t.Errorf("MetadataErr %v, want error %v", res.MetadataErr, c.metaErr)
			}
			errs := 0
			for _, m := range res.Media {
				if m.Err != nil {
					errs++
				}
			}
			if errs != c.mediaErrs {
				t.Errorf("media %+v: %d errors, want %d", res.Media, errs, c.mediaErrs)
			}
			got, err := e.st.NFT(ctx, rec.Key())
			if err != nil {
				t.Fatal(err)
			}
			if got.ImageURL != c.image || got.AnimationURL != c.anim || !slices.Equal(got.AssetCids, c.cids) {
				t.Errorf("stored image %q anim %q cids %v; want %q %q %v", got.ImageURL, got.AnimationURL, got.AssetCids, c.image, c.anim, c.cids)
			}
			if !c.metaErr && (c.rec.TokenURI != "" || c.rec.Metadata != nil) && (len(got.Metadata) == 0 || !json.Valid(got.Metadata)) {
				t.Errorf("metadata %q", got.Metadata)
			}
			for _, nid := range c.cids {
				if ok, _ := e.st.HasAsset(ctx, nid); !ok {
					t.Errorf("asset %s not registered", nid)
				}
			}
		})
	}
	if srv.hitsOf("/never") != 0 {
		t.Error("the token URI of a record with metadata was fetched")
	}
	if n := srv.hitsOf("/img/1.png"); n != 1 {
		t.Errorf("/img/1.png fetched %d times, want once (then the cache)", n)
	}
	// Bad records.
	for _, r := range []*sleuth.NFTRecord{nil, {Chain: "eip155:1", TokenID: "1"}} {
		if _, err := e.pipe.Record(ctx, r); sleuth.ErrorCode(err) != sleuth.CodeStoreInvalid {
			t.Errorf("Record(%+v): %v, want %s", r, err, sleuth.CodeStoreInvalid)
		}
	}
}

func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestIdempotentAndCache(t *testing.T) {
	ctx := context.Background()
	img := art(7)
	srv := newServer(t, map[string][]byte{"/img.png": img})
	srv.files["/meta"] = []byte(`{"image":"` + srv.URL + `/img.png"}`)
	cache := t.TempDir()
	e := newEnv(t, cache, ingest.Options{})
	rec := func(owner string) *sleuth.NFTRecord {
		return &sleuth.NFTRecord{Chain: "eip155:1", Contract: "0xabc", TokenID: "1", TokenURI: srv.URL + "/meta", CurrentOwner: owner, NFTSpec: "erc721"}
	}
	if _, err := e.pipe.Record(ctx, rec("0x1")); err != nil {
		t.Fatal(err)
	}
	res, err := e.pipe.Record(ctx, rec("0x1"))
	if err != nil || !res.Skipped {
		t.Fatalf("second Record: %+v, %v; want skipped", res, err)
	}
	res, err = e.pipe.Record(ctx, rec("0x2"))
	if err != nil || res.Skipped {
		t.Fatalf("owner change: %+v, %v; want written", res, err)
	}
	got, _ := e.st.NFT(ctx, sleuth.NFTKey{Chain: "eip155:1", Contract: "0xabc", TokenID: "1"})
	if got.CurrentOwner != "0x2" || len(got.AssetCids) != 1 || got.AssetCids[0] != cid.Bytes(img) {
		t.Errorf("after owner change: %+v", got)
	}
	if st := e.pipe.Stats(); st.Records != 2 || st.Skipped != 1 || st.Fetched != 2 || st.Assets != 1 {
		t.Errorf("stats %+v; want 2 records, 1 skipped, 2 fetches, 1 asset", st)
	}
	// A new store over the same cache: the image's bytes come from the
	// cache, not the server.
	e2 := newEnv(t, cache, ingest.Options{})
	res, err = e2.pipe.Record(ctx, rec("0x2"))
	if err != nil || len(res.Media) != 1 || !res.Media[0].Cached || !res.Media[0].Created {
		t.Fatalf("from cache: %+v, %v", res, err)
	}
	if n := srv.hitsOf("/img.png"); n != 1 {
		t.Errorf("image fetched %d times, want 1", n)
	}
}

func TestOpenHook(t *testing.T) {
	ctx := context.Background()
	img := art(9)
	e := newEnv(t, "", ingest.Options{Open: func(ctx context.Context, u string) ([]byte, bool, error) {
		switch u {
		case "file:///art/9.png":
			return img, true, nil
		case "file:///art/broken.png":
			return nil, true, errors.New("no such file")
		}
		return nil, false, nil
	}})
	for id, want := range map[string]int{"9": 0, "broken": 1} {
		res, err := e.pipe.Record(ctx, &sleuth.NFTRecord{Chain: "eip155:1", Contract: "0xabc", TokenID: id, ImageURL: "file:///art/" + id + ".png"})
		if err != nil {
			t.Fatal(err)
		}
		errs := 0
		for _, m := range res.Media {
			if m.Err != nil {
				errs++
			}
		}
		if errs != want || (want == 0 && res.Media[0].Nid != cid.Bytes(img)) {
			t.Errorf("%s: %+v", id, res.Media)
		}
	}
}

func TestBatch(t *testing.T) {
	ctx := context.Background()
	var files = map[string][]byte{}
	for i := range 20 {
		files["/"+string(rune('a'+i))+".png"] = art(i + 10)
	}
	srv := newServer(t, files)
	e := newEnv(t, t.TempDir(), ingest.Options{Workers: 4})
	var recs []*sleuth.NFTRecord
	for i := range 40 { // each image twice
		recs = append(recs, &sleuth.NFTRecord{Chain: "eip155:1", Contract: "0xabc", TokenID: string(rune('A' + i)),
			ImageURL: srv.URL + "/" + string(rune('a'+i%20)) + ".png"})
	}
	res, err := e.pipe.Batch(ctx, recs)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r == nil || r.Record != recs[i] || len(r.Record.AssetCids) != 1 {
			t.Errorf("result %d: %+v", i, r)
		}
	}
	if n, _ := e.st.CountAssets(ctx); n != 20 {
		t.Errorf("%d assets, want 20", n)
	}
	// A bad record stops the batch with its error.
	recs = append(recs, &sleuth.NFTRecord{Chain: "eip155:1"})
	if _, err := e.pipe.Batch(ctx, recs); sleuth.ErrorCode(err) != sleuth.CodeStoreInvalid {
		t.Errorf("batch with a bad record: %v", err)
	}
	// A cancelled context stops it too.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := e.pipe.Batch(cctx, recs[:3]); err == nil || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled batch: %v", err)
	}
}

func TestParseMetadata(t *testing.T) {
	for in, ok := range map[string]bool{
		`{}`:                    true,
		"\ufeff {\"a\": 1}\n":   true,
		`{"a":[1,{"b":null}]}`:  true,
		``:                      false,
		`[]`:                    false,
		`"x"`:                   false,
		`{"a":1} {"b":2}`:       false,
		`{"a":`:                 false,
		strings.Repeat(" ", 10): false,
	} {
		got, err := ingest.ParseMetadata([]byte(in))
		if (err == nil) != ok {
			t.Errorf("ParseMetadata(%q) = %s, %v; want ok %v", in, got, err, ok)
		}
		if err != nil && sleuth.ErrorCode(err) != ingest.CodeBadMetadata {
			t.Errorf("ParseMetadata(%q): code %s", in, sleuth.ErrorCode(err))
		}
	}
	big := `{"a":"` + strings.Repeat("x", ingest.MaxMetadataBytes) + `"}`
	if _, err := ingest.ParseMetadata([]byte(big)); err == nil {
		t.Error("metadata over the limit accepted")
	}
}

// FuzzParseMetadata: never panics; what it accepts is one compact JSON
// object, and accepting it again gives the same bytes.
func FuzzParseMetadata(f *testing.F) {
	f.Add([]byte(`{"name":"x","image":"ipfs://bafy/1.png","image_data":"<svg/>"}`))
	f.Add([]byte("\ufeff{ }"))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := ingest.ParseMetadata(b)
		if err != nil {
			return
		}
		var m map[string]any
		if json.Unmarshal(got, &m) != nil {
			t.Fatalf("accepted %q, not an object: %q", b, got)
		}
		again, err := ingest.ParseMetadata(got)
		if err != nil || !bytes.Equal(again, got) {
			t.Fatalf("not stable: %q then %q, %v", got, again, err)
		}
	})
}

// A record whose image failed is resolved again on the next call (and only
// the image is fetched again); what the caller leaves empty is kept.
func TestRetryKeepsFields(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t, map[string][]byte{})
	srv.files["/meta"] = []byte(`{"image":"` + srv.URL + `/late.png"}`)
	e := newEnv(t, t.TempDir(), ingest.Options{})
	mint := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	first := &sleuth.NFTRecord{Chain: "eip155:1", Contract: "0xabc", TokenID: "9", TokenURI: srv.URL + "/meta",
		Creator: "0xc0", CreatedAt: mint, CurrentOwner: "0xc0", NFTSpec: "erc721"}
	res, err := e.pipe.Record(ctx, first)
	if err != nil || len(res.Media) != 1 || res.Media[0].Err == nil {
		t.Fatalf("first: %+v, %v; want the image to fail", res, err)
	}
	img := art(11)
	srv.mu.Lock()
	srv.files["/late.png"] = img
	srv.mu.Unlock()
	// A transfer seen later: no creator, no mint time.
	res, err = e.pipe.Record(ctx, &sleuth.NFTRecord{Chain: "eip155:1", Contract: "0xabc", TokenID: "9", TokenURI: srv.URL + "/meta", CurrentOwner: "0xd0"})
	if err != nil || res.Skipped || len(res.Media) != 1 || res.Media[0].Err != nil {
		t.Fatalf("retry: %+v, %v", res, err)
	}
	got, _ := e.st.NFT(ctx, first.Key())
	if got.Creator != "0xc0" || !got.CreatedAt.Equal(mint) || got.CurrentOwner != "0xd0" || got.NFTSpec != "erc721" ||
		len(got.AssetCids) != 1 || got.AssetCids[0] != cid.Bytes(img) {
		t.Errorf("after retry: %+v", got)
	}
	if n := srv.hitsOf("/meta"); n != 1 {
		t.Errorf("metadata fetched %d times, want once", n)
	}
}
