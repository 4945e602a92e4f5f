package report

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/engine"
	"github.com/sleuthhq/sleuth/store/sqlite"
)

// testEnv is a real SQLite store and an engine over it.
type testEnv struct {
	t   testing.TB
	db  *sqlite.DB
	eng *engine.Engine
	rep *Reporter
}

func openEnvAt(t testing.TB, path string) *testEnv {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	eng, err := engine.Open(context.Background(), db, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &testEnv{t: t, db: db, eng: eng, rep: &Reporter{Finder: Finder{Engine: eng, Store: db}}}
}

func openEnv(t testing.TB) *testEnv {
	return openEnvAt(t, filepath.Join(t.TempDir(), "sleuth.db"))
}

// picture draws a distinct 160x160 picture for seed: random coloured
// rectangles over a gradient, so that PDQ sees structure.
func picture(seed uint64) *image.RGBA {
	r := rand.New(rand.NewPCG(seed, seed*7919+1))
	m := image.NewRGBA(image.Rect(0, 0, 160, 160))
	for y := 0; y < 160; y++ {
		for x := 0; x < 160; x++ {
			m.Set(x, y, color.RGBA{uint8(x), uint8(y), uint8(x + y), 255})
		}
	}
	for i := 0; i < 12; i++ {
		x0, y0 := r.IntN(140), r.IntN(140)
		w, h := 10+r.IntN(60), 10+r.IntN(60)
		c := color.RGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)), 255}
		for y := y0; y < min(160, y0+h); y++ {
			for x := x0; x < min(160, x0+w); x++ {
				m.Set(x, y, c)
			}
		}
	}
	return m
}

func pngOf(t testing.TB, m image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jpegOf(t testing.TB, m image.Image) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// mint registers data and puts a token that points to it.
func (e *testEnv) mint(chain, contract, token string, data []byte, minted time.Time) *sleuth.NFTRecord {
	e.t.Helper()
	ctx := context.Background()
	res, err := e.eng.Register(ctx, &engine.RegisterRequest{Data: data, Source: "test"})
	if err != nil {
		e.t.Fatal(err)
	}
	md, _ := json.Marshal(map[string]string{"name": fmt.Sprintf("%s #%s", contract, token), "description": "test token"})
	r := &sleuth.NFTRecord{
		Chain: chain, Contract: contract, TokenID: token, AssetCids: []string{res.Asset.Nid},
		Creator: "0xcreator" + contract, CreatedAt: minted.UTC(), Metadata: md,
		ImageURL: "ipfs://" + res.Asset.Nid, PrimaryMarketplace: "OpenSea",
	}
	if err := e.db.PutNFT(ctx, r); err != nil {
		e.t.Fatal(err)
	}
	return r
}

// t0 is the first mint time of the fixtures.
var t0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func day(n int) time.Time { return t0.Add(time.Duration(n) * 24 * time.Hour) }

func mustJSON(t testing.TB, v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
