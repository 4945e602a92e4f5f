package fingerprint

import (
	"image/color"
	"testing"
)

// BenchmarkEdited measures, on the decoded 1024x1024 photo, the
// fingerprints of the edited tier: local features as registered (192) and
// as queried (512, with and without the captions looked for), and border trimming with the trimmed PDQ (on the photo
// in a 10% frame, in a frame of checks, and on the photo alone). It
// reports the stored size of the registered features.
func BenchmarkEdited(b *testing.B) {
	s := loadBench(b)
	b.Run("features-asset", func(b *testing.B) {
		b.ReportAllocs()
		var f *Features
		for b.Loop() {
			f = ExtractFeatures(s.rgba, AssetFeatures)
		}
		b.ReportMetric(float64(len(f.String())), "stored-bytes")
	})
	b.Run("features-query", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ExtractFeatures(s.rgba, QueryFeatures)
		}
	})
	// The same with the captions looked for (ExtractQueryFeatures): the
	// difference is findCaptions' cost.
	b.Run("features-query-captions", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ExtractQueryFeatures(s.rgba, QueryFeatures)
		}
	})
	framed := framed(s.rgba, 100, 60, 40, 120, color.RGBA{250, 250, 250, 255}, 0)
	b.Run("trim", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if TrimOf(framed) == nil {
				b.Fatal("not trimmed")
			}
		}
	})
	// An unframed photo: every side is tried for a border of one colour,
	// then of two (the patterned border's search), and none is found.
	b.Run("trim-unframed", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if TrimOf(s.rgba) != nil {
				b.Fatal("trimmed")
			}
		}
	})
	checked := patternedFrame(s.rgba, 100, 60, 40, 120, 24, true)
	b.Run("trim-patterned", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if TrimOf(checked) == nil {
				b.Fatal("not trimmed")
			}
		}
	})
	b.Run("fingerprint-asset", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Bytes(s.jpeg, Options{Trim: true, Features: AssetFeatures}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
