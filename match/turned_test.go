package match

import (
	"image"
	"math"
	"slices"
	"testing"

	"github.com/sleuthhq/sleuth/fingerprint"
	"github.com/sleuthhq/sleuth/internal/testpics"
)

// stored is f as the store keeps it: written and parsed again (no summed
// areas, the thumbnail and colour grid as bytes).
func stored(tb testing.TB, f *fingerprint.Features) *fingerprint.Features {
	tb.Helper()
	g, err := fingerprint.ParseFeatures(f.String())
	if err != nil {
		tb.Fatal(err)
	}
	return g
}

// TestCompareTurned: a picture turned on its own canvas by 2 to 15 degrees
// either way is found by its thumbnail turned back by TurnSearchAngles (a
// cosine the engine's floor, 0.8, lets through, within turnReach of the
// turn for one of them), and CompareTurned from those angles finds the
// turn to a fraction of a degree, with every cell the canvas kept agreeing
// (>= thumbSure) and no colour cell off; another picture, or a look-alike,
// does not agree; an upright copy is left to the unturned comparisons.
func TestCompareTurned(t *testing.T) {
	photo := loadLabelMe(t, "q0291.jpg")
	flag := testpics.Flag(300, 200, false)
	cases := []struct {
		name string
		src  *image.RGBA
		deg  float64
	}{
		{"photo 2", photo, 2},
		{"photo -6.3", photo, -6.3},
		{"photo 15", photo, 15},
		{"flag -4", flag, -4},
		{"flag 9", flag, 9},
		{"flag -13.5", flag, -13.5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q := turned(tc.src, tc.deg)
			qf := fingerprint.ExtractQueryFeatures(q, fingerprint.QueryFeatures)
			af := stored(t, fingerprint.ExtractFeatures(tc.src, fingerprint.AssetFeatures))
			av, ok := ThumbVector(af.Thumb)
			if !ok {
				t.Fatal("the asset has no thumbnail vector")
			}
			qw, qh := q.Rect.Dx(), q.Rect.Dy()
			var degs []float64 // the angles the engine would compare at
			for _, d := range TurnSearchAngles {
				// Turned back too far or not far enough, the corners
				// left bare show the picture: no vector.
				if v, ok := TurnedThumbVector(qf, qw, qh, d); ok && cosine(v, av) >= 0.8 {
					degs = append(degs, d)
				}
			}
			if !slices.ContainsFunc(degs, func(d float64) bool { return math.Abs(d-tc.deg) <= turnReach }) {
				t.Fatalf("found under %v, none within %g degrees of %g", degs, turnReach, tc.deg)
			}
			ev, ok := CompareTurned(qf, qw, qh, af, tc.src.Rect.Dx(), tc.src.Rect.Dy(), degs)
			if !ok {
				t.Fatal("not compared")
			}
			if d := ev.Transform.RotationDeg; math.Abs(d-tc.deg) > 0.2 {
				t.Errorf("turn %.2f, want %g", d, tc.deg)
			}
			if ev.Aligned.Correlation < thumbSure || ev.Aligned.ColorCells == 0 || colorDiffers(ev.Aligned.ColorOff, ev.Aligned.ColorCells) {
				t.Errorf("correlation %.3f, colour off %.3f of %d cells: want >= %.3f and at most %d cell off",
					ev.Aligned.Correlation, ev.Aligned.ColorOff, ev.Aligned.ColorCells, thumbSure, MaxColorOffCells)
			}
			if ev.Transform.Scale != 1 || ev.QueryOverlap < 0.7 || ev.AssetOverlap < 0.7 {
				t.Errorf("transform %+v, overlaps %.3f %.3f", ev.Transform, ev.QueryOverlap, ev.AssetOverlap)
			}
		})
	}
	t.Run("another picture", func(t *testing.T) {
		other := loadLabelMe(t, "q2821.jpg")
		q := turned(photo, 7)
		qf := fingerprint.ExtractQueryFeatures(q, fingerprint.QueryFeatures)
		af := stored(t, fingerprint.ExtractFeatures(other, fingerprint.AssetFeatures))
		if ev, ok := CompareTurned(qf, q.Rect.Dx(), q.Rect.Dy(), af, other.Rect.Dx(), other.Rect.Dy(), []float64{7}); ok && ev.Aligned.Correlation >= thumbMin {
			t.Errorf("another picture compared at %.3f", ev.Aligned.Correlation)
		}
	})
	t.Run("look-alike", func(t *testing.T) {
		q := turned(testpics.Flag(300, 200, true), 7)
		qf := fingerprint.ExtractQueryFeatures(q, fingerprint.QueryFeatures)
		af := stored(t, fingerprint.ExtractFeatures(flag, fingerprint.AssetFeatures))
		if ev, ok := CompareTurned(qf, q.Rect.Dx(), q.Rect.Dy(), af, flag.Rect.Dx(), flag.Rect.Dy(), []float64{7}); ok &&
			ev.Aligned.Correlation >= thumbSure && !colorDiffers(ev.Aligned.ColorOff, ev.Aligned.ColorCells) {
			t.Errorf("a look-alike agrees: correlation %.3f, colour off %.3f", ev.Aligned.Correlation, ev.Aligned.ColorOff)
		}
	})
	t.Run("upright", func(t *testing.T) {
		qf := fingerprint.ExtractQueryFeatures(flag, fingerprint.QueryFeatures)
		af := stored(t, fingerprint.ExtractFeatures(flag, fingerprint.AssetFeatures))
		if ev, ok := CompareTurned(qf, 300, 200, af, 300, 200, []float64{3}); ok {
			t.Errorf("an upright copy compared turned by %.2f degrees", ev.Transform.RotationDeg)
		}
	})
	t.Run("no pixels", func(t *testing.T) {
		af := stored(t, fingerprint.ExtractFeatures(flag, fingerprint.AssetFeatures))
		if _, ok := CompareTurned(af, 300, 200, af, 300, 200, []float64{3}); ok {
			t.Error("compared a query without its summed areas")
		}
		if _, ok := TurnedThumbVector(nil, 300, 200, 3); ok {
			t.Error("a vector of nothing")
		}
	})
}

// BenchmarkCompareTurned: one turned comparison, as the engine makes it
// for each asset its turned thumbnail finds (a photograph turned by 6.3
// degrees, compared from the two search angles either side).
func BenchmarkCompareTurned(b *testing.B) {
	photo := loadLabelMe(b, "q0291.jpg")
	q := turned(photo, 6.3)
	qf := fingerprint.ExtractQueryFeatures(q, fingerprint.QueryFeatures)
	af := stored(b, fingerprint.ExtractFeatures(photo, fingerprint.AssetFeatures))
	degs := []float64{3, 7}
	for b.Loop() {
		if _, ok := CompareTurned(qf, q.Rect.Dx(), q.Rect.Dy(), af, photo.Rect.Dx(), photo.Rect.Dy(), degs); !ok {
			b.Fatal("not compared")
		}
	}
}

// BenchmarkTurnedThumbVectors: the query's thumbnail turned back by every
// search angle (TurnSearchAngles), blank corners checked, as the engine
// does before its scans.
func BenchmarkTurnedThumbVectors(b *testing.B) {
	flag := testpics.Flag(512, 341, false)
	q := turned(flag, 9)
	qf := fingerprint.ExtractQueryFeatures(q, fingerprint.QueryFeatures)
	for b.Loop() {
		for _, d := range TurnSearchAngles {
			TurnedThumbVector(qf, q.Rect.Dx(), q.Rect.Dy(), d)
		}
	}
}
