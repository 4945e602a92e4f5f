package fingerprint

import (
	"bytes"
	"image"
	"image/jpeg"
	"image/png"
	"sync"
	"testing"

	"github.com/corona10/goimagehash"
	"golang.org/x/image/draw"

	"github.com/sleuthhq/sleuth/imaging"
)

// benchImages holds a real photo scaled to 1024x1024, decoded and encoded
// as JPEG (quality 90) and PNG, built once per test binary.
var benchImages = sync.OnceValues(func() (*benchSet, error) {
	src, err := imaging.DecodeFile("../testdata/pdq/bridge-mods/aaa-orig.jpg", imaging.Limits{})
	if err != nil {
		return nil, err
	}
	rgba := image.NewRGBA(image.Rect(0, 0, 1024, 1024))
	draw.CatmullRom.Scale(rgba, rgba.Rect, src.RGBA, src.RGBA.Rect, draw.Src, nil)
	s := &benchSet{rgba: rgba}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, rgba, &jpeg.Options{Quality: 90}); err != nil {
		return nil, err
	}
	s.jpeg = bytes.Clone(buf.Bytes())
	buf.Reset()
	if err := png.Encode(&buf, rgba); err != nil {
		return nil, err
	}
	s.png = bytes.Clone(buf.Bytes())
	return s, nil
})

type benchSet struct {
	rgba      *image.RGBA
	jpeg, png []byte
}

func loadBench(b *testing.B) *benchSet {
	s, err := benchImages()
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkFingerprint is the whole fingerprint of a 1024x1024 file, from
// its bytes: sniffing, Nid, sha256, BLAKE3, decoding, pixel digest, PDQ
// with its 8 dihedral variants, pHash.
func BenchmarkFingerprint(b *testing.B) {
	s := loadBench(b)
	for _, tc := range []struct {
		name string
		data []byte
	}{{"JPEG1024", s.jpeg}, {"PNG1024", s.png}} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Bytes(tc.data, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFingerprintQuery is the whole fingerprint of a 1024x1024 JPEG
// as a search query has it (engine.Search): BenchmarkFingerprint's, plus
// the turned and mirrored PDQ hashed exactly, the trimmed PDQ and the
// local features with the captions and the inset looked for. Run it on
// one core: go test ./fingerprint -run - -bench FingerprintQuery -cpu 1.
func BenchmarkFingerprintQuery(b *testing.B) {
	s := loadBench(b)
	opt := Options{Features: QueryFeatures, ExactDihedral: true, Trim: true, Captions: true, Inset: true}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Bytes(s.jpeg, opt); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecoded compares, on the same decoded 1024x1024 picture and in
// the same run, Sleuth's full pixel fingerprint (PDQ + dihedral variants +
// pHash + pixel digest) with goimagehash v1.1.0's pHash alone (the
// baseline: github.com/corona10/goimagehash PerceptionHash).
func BenchmarkDecoded(b *testing.B) {
	s := loadBench(b)
	img := &imaging.Image{RGBA: s.rgba, MIME: imaging.MIMEPNG, Width: 1024, Height: 1024, Orientation: 1}
	b.Run("sleuth-pixels", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			PixelsOf(img)
		}
	})
	b.Run("goimagehash-phash", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := goimagehash.PerceptionHash(s.rgba); err != nil {
				b.Fatal(err)
			}
		}
	})
}
