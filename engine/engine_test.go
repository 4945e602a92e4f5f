package engine

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/draw"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/imaging"
	"github.com/sleuthhq/sleuth/match"
	"github.com/sleuthhq/sleuth/store/sqlite"
)

const td = "../testdata/pdq/"

func openTest(t *testing.T) (*Engine, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sleuth.db")
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e, err := Open(context.Background(), st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return e, path
}

func register(t *testing.T, e *Engine, path string) *sleuth.Asset {
	t.Helper()
	res, err := e.Register(context.Background(), &RegisterRequest{Path: path})
	if err != nil {
		t.Fatalf("register %s: %v", path, err)
	}
	return res.Asset
}

func encodeJPEG(t testing.TB, m image.Image, q int) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func decode(t testing.TB, path string) *image.RGBA {
	img, err := imaging.DecodeFile(path, imaging.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return img.RGBA
}

func search(t *testing.T, e *Engine, data []byte) []match.Match {
	t.Helper()
	resp, err := e.Search(context.Background(), &SearchRequest{Data: data})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Matches
}

func TestRegisterAndSearch(t *testing.T) {
	e, _ := openTest(t)
	bridge := register(t, e, td+"bridge-mods/aaa-orig.jpg")
	var others []*sleuth.Asset
	for _, f := range []string{"q0122.jpg", "q0291.jpg", "q0746.jpg", "q1050.jpg", "q2821.jpg"} {
		others = append(others, register(t, e, td+"reg-test-input/labelme-subset/"+f))
	}
	if again, err := e.Register(context.Background(), &RegisterRequest{Path: td + "bridge-mods/aaa-orig.jpg"}); err != nil || again.Created || again.Asset.ID != bridge.ID {
		t.Fatalf("second register: %+v %v", again, err)
	}

	orig := decode(t, td+"bridge-mods/aaa-orig.jpg")
	half := image.NewRGBA(image.Rect(0, 0, orig.Rect.Dx()/2, orig.Rect.Dy()/2))
	draw.CatmullRom.Scale(half, half.Rect, orig, orig.Rect, draw.Src, nil)
	var pngBuf, bmpBuf bytes.Buffer
	png.Encode(&pngBuf, orig)
	bmp.Encode(&bmpBuf, orig)
	file, _ := os.ReadFile(td + "bridge-mods/aaa-orig.jpg")

	tests := []struct {
		name string
		data []byte
		tier match.Tier
		by   string
		vari string
	}{
		{"same file", file, match.TierExact, match.ByNid, ""},
		{"same pixels as PNG", pngBuf.Bytes(), match.TierExact, match.ByPixelSHA256, ""},
		{"same pixels as BMP", bmpBuf.Bytes(), match.TierExact, match.ByPixelSHA256, ""},
		{"re-encoded JPEG q40", encodeJPEG(t, orig, 40), match.TierNearExact, match.ByPDQ, "original"},
		{"half size", encodeJPEG(t, half, 85), match.TierNearExact, match.ByPDQ, "original"},
		{"rotated 90 (reference file)", mustRead(t, td+"reg-test-input/dih/bridge-2-rotate-90.jpg"), match.TierNearExact, match.ByPDQ, ""},
		{"mirrored (reference file)", mustRead(t, td+"reg-test-input/dih/bridge-6-flipy.jpg"), match.TierNearExact, match.ByPDQ, ""},
		{"blurred (reference file)", mustRead(t, td+"bridge-mods/blur-a-lot.jpg"), match.TierNearExact, match.ByPDQ, "original"},
		{"palette PNG (reference file)", mustRead(t, td+"misc-images/modes/P.png"), match.TierNearExact, match.ByPDQ, "original"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms := search(t, e, tt.data)
			if len(ms) == 0 {
				t.Fatal("no match")
			}
			m := ms[0]
			if m.Asset.ID != bridge.ID || m.Tier != tt.tier || m.Fingerprint != tt.by {
				t.Fatalf("best match %s %s by %s (score %.3f, distance %d), want the bridge, %s by %s", m.Asset.Nid, m.Tier, m.Fingerprint, m.Score, m.Distance, tt.tier, tt.by)
			}
			if tt.vari != "" && m.Variant != tt.vari {
				t.Errorf("variant %q, want %q", m.Variant, tt.vari)
			}
			if tt.tier == match.TierNearExact && tt.vari == "" && m.Variant == "original" {
				t.Errorf("a rotated or mirrored copy matched the original orientation")
			}
			for _, other := range ms[1:] {
				t.Errorf("unexpected extra match %s %s %.3f", other.Asset.Source, other.Tier, other.Score)
			}
		})
	}

	// Unrelated pictures find nothing but themselves.
	for _, a := range others {
		ms := search(t, e, mustRead(t, a.Source))
		if len(ms) != 1 || ms[0].Asset.ID != a.ID {
			t.Errorf("%s: %d matches", a.Source, len(ms))
		}
	}

	// Delete removes it from the store and the indexes.
	if _, err := e.Delete(context.Background(), bridge.Nid); err != nil {
		t.Fatal(err)
	}
	if ms := search(t, e, file); len(ms) != 0 {
		t.Errorf("deleted asset still found: %+v", ms[0])
	}
	if _, err := e.Delete(context.Background(), bridge.Nid); !errors.Is(err, sleuth.ErrAssetNotFound) {
		t.Errorf("second delete: %v", err)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The indexes are rebuilt from the store at Open.
func TestReopen(t *testing.T) {
	e, path := openTest(t)
	a := register(t, e, td+"bridge-mods/aaa-orig.jpg")
	register(t, e, td+"misc-images/wee.jpg")

	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e2, err := Open(context.Background(), st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s := e2.Stats(); s.Assets != 2 || s.PDQEntries != 2 {
		t.Errorf("stats after reopen: %+v", s)
	}
	ms := search(t, e2, encodeJPEG(t, decode(t, td+"bridge-mods/aaa-orig.jpg"), 60))
	if len(ms) != 1 || ms[0].Asset.ID != a.ID || ms[0].Tier != match.TierNearExact {
		t.Errorf("after reopen: %+v", ms)
	}
}

func TestNonImages(t *testing.T) {
	e, _ := openTest(t)
	doc := []byte("%PDF-1.4\nnot an image")
	if _, err := e.Register(context.Background(), &RegisterRequest{Data: doc}); !errors.Is(err, sleuth.ErrUnsupportedType) {
		t.Fatalf("non-image registered without AllowNonImage: %v", err)
	}
	res, err := e.Register(context.Background(), &RegisterRequest{Data: doc, Source: "upload", AllowNonImage: true})
	if err != nil || !res.Created || res.Asset.MIME != "application/pdf" || len(res.Asset.Perceptual) != 0 {
		t.Fatalf("%+v %v", res, err)
	}
	ms := search(t, e, doc)
	if len(ms) != 1 || ms[0].Tier != match.TierExact {
		t.Errorf("same document: %+v", ms)
	}
	if _, err := e.Register(context.Background(), &RegisterRequest{Data: []byte("\xff\xd8\xff\xe0 truncated")}); sleuth.ErrorCode(err) != sleuth.CodeImageCorrupt {
		t.Errorf("corrupt image: %v", err)
	}
}

func TestExclude(t *testing.T) {
	e, _ := openTest(t)
	a := register(t, e, td+"bridge-mods/aaa-orig.jpg")
	b := register(t, e, td+"bridge-mods/blur-a-little.jpg")
	resp, err := e.Search(context.Background(), &SearchRequest{Data: mustRead(t, td+"bridge-mods/aaa-orig.jpg"), Exclude: []string{a.Nid}})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Matches) != 1 || resp.Matches[0].Asset.ID != b.ID {
		t.Errorf("exclude: %+v", resp.Matches)
	}
	resp, _ = e.Search(context.Background(), &SearchRequest{Data: mustRead(t, td+"bridge-mods/aaa-orig.jpg"), MinScore: 1})
	if len(resp.Matches) != 1 || resp.Matches[0].Asset.ID != a.ID {
		t.Errorf("min score 1 keeps only the exact match: %+v", resp.Matches)
	}
}
