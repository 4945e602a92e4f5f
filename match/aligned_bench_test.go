package match

import (
	"testing"

	"github.com/sleuthhq/sleuth/fingerprint"
)

// BenchmarkCompareAligned lays a blurred copy on its asset, as a PDQ or
// thumbnail candidate is compared: a square picture, and a 64x512 strip
// (whose grids are softened across in many passes).
func BenchmarkCompareAligned(b *testing.B) {
	for _, c := range []struct {
		name string
		w, h int
	}{{"square", 512, 512}, {"strip", 64, 512}} {
		asset := scene(3, c.w, c.h)
		af := fingerprint.ExtractFeatures(asset, fingerprint.AssetFeatures)
		qf := fingerprint.ExtractQueryFeatures(gaussBlur(asset, 0.01*float64(max(c.w, c.h))), fingerprint.QueryFeatures)
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, ok := CompareAligned(qf, af, 0); !ok {
					b.Fatal("not compared")
				}
			}
		})
	}
}
