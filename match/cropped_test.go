package match

import (
	"image"
	"image/draw"
	"math"
	"testing"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/fingerprint"
	xdraw "golang.org/x/image/draw"
)

// cropPix cuts the window r (pixels) out of src.
func cropPix(src *image.RGBA, r image.Rectangle) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	draw.Draw(out, out.Rect, src, r.Min, draw.Src)
	return out
}

// TestFindCropWindow: crops of a drawn scene, centred, off-centre, down to
// half the area, resized or not, are placed to a cell of the asset's grid,
// their pixels agreeing there; a picture that is no crop of the asset
// agrees nowhere.
func TestFindCropWindow(t *testing.T) {
	const w, h = 400, 300
	asset := scene(21, w, h)
	af := fingerprint.ExtractFeatures(asset, fingerprint.AssetFeatures)
	for _, tc := range []struct {
		name   string
		win    image.Rectangle
		resize float64 // the crop scaled by this (0: not)
	}{
		{"crop 20% centred", image.Rect(21, 16, 379, 284), 0},
		{"crop 20% off-centre", image.Rect(0, 30, 358, 298), 0},
		{"crop 5%", image.Rect(5, 4, 395, 296), 0},
		{"crop 50% in a corner", image.Rect(117, 0, 400, 212), 0},
		{"crop 20% resized to 0.6", image.Rect(30, 10, 388, 278), 0.6},
		{"crop 30%, another shape", image.Rect(40, 20, 380, 230), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := cropPix(asset, tc.win)
			if tc.resize > 0 {
				r := image.NewRGBA(image.Rect(0, 0, int(float64(q.Rect.Dx())*tc.resize), int(float64(q.Rect.Dy())*tc.resize)))
				xdraw.CatmullRom.Scale(r, r.Rect, q, q.Rect, xdraw.Src, nil)
				q = r
			}
			qf := fingerprint.ExtractQueryFeatures(q, fingerprint.QueryFeatures)
			got, r, ok := FindCropWindow(qf, q.Rect.Dx(), q.Rect.Dy(), af, w, h)
			want := FractionRect(tc.win, w, h)
			const cell = 1.0 / fingerprint.ThumbSide
			if !ok || r < 0.99 || math.Abs(got.X0-want.X0) > cell || math.Abs(got.Y0-want.Y0) > cell ||
				math.Abs(got.X1-want.X1) > cell || math.Abs(got.Y1-want.Y1) > cell {
				t.Errorf("window %+v correlating %.3f (%v), want %+v and >= 0.99", got, r, ok, want)
			}
			al, ok := CompareAlignedWindow(qf, af, got)
			if !ok || al.soft() < cropSure || colorDiffers(al.ColorOff, al.ColorCells) {
				t.Errorf("laid on the window: %.3f, %v of %d colour cells off; want >= %v, colours agreeing", al.soft(), al.ColorOff, al.ColorCells, cropSure)
			}
		})
	}
	t.Run("another picture", func(t *testing.T) {
		other := scene(22, 358, 268)
		qf := fingerprint.ExtractQueryFeatures(other, fingerprint.QueryFeatures)
		if _, r, ok := FindCropWindow(qf, 358, 268, af, w, h); ok && r >= 0.9 {
			t.Errorf("another picture correlates %.3f with a window of the asset", r)
		}
	})
	t.Run("too long a query", func(t *testing.T) {
		q := cropPix(asset, image.Rect(0, 100, 400, 160))
		if _, _, ok := FindCropWindow(fingerprint.ExtractQueryFeatures(q, fingerprint.QueryFeatures), 400, 60, af, w, h); ok {
			t.Error("a strip a fifth of the asset's height was searched")
		}
	})
}

// TestJudgeCropped: a window agreeing to cropSure, alone, colours
// agreeing, from cropMinScale to cropMaxScale of the asset and at least
// cropMinArea of it, is sure by
// cropped_pixels, with the window's area and place as evidence; nothing
// weaker is reported.
func TestJudgeCropped(t *testing.T) {
	q := Query{Pixels: &fingerprint.Pixels{Width: 358, Height: 268, Features: &fingerprint.Features{}}}
	asset := &sleuth.Asset{Nid: "a", Width: 400, Height: 300}
	win := Rect{0.05, 0.05, 0.945, 0.943}
	cand := func(w Rect, soft, rival, colorOff float64, colorCells int) Candidate {
		return Candidate{Asset: asset, PDQDistance: -1, Cropped: &CropEvidence{Window: w, Thumb: ThumbEvidence{
			Rival:   rival,
			Aligned: &AlignedEvidence{Correlation: soft, SoftCorrelation: soft, Cells: 800, ColorOff: colorOff, ColorCells: colorCells},
		}}}
	}
	for _, tc := range []struct {
		name  string
		c     Candidate
		found bool
	}{
		{"alone", cand(win, 0.998, 0.9, 0, 200), true},
		{"a cell of colour off", cand(win, 0.998, 0.9, 1.0/200, 200), true},
		{"half the area", cand(Rect{0, 0, 0.71, 0.708}, 0.998, 0, 0, 200), true},
		{"rival within the gap", cand(win, 0.998, 0.99, 0, 200), false},
		{"under the sure correlation", cand(win, 0.997, 0, 0, 200), false},
		{"colours differ", cand(win, 0.998, 0, 3.0/200, 200), false},
		{"colours not compared", cand(win, 0.998, 0, 0, 0), false},
		{"nearly the whole asset", cand(Rect{0, 0, 0.99, 0.99}, 0.998, 0, 0, 200), false},
		{"under half the area", cand(Rect{0, 0, 0.6, 0.6}, 0.998, 0, 0, 200), false},
		// A narrow query's window at 0.7 of the largest of its shape: a
		// quarter of the asset.
		{"a narrow quarter", cand(Rect{0.3, 0.1, 0.65, 0.8}, 0.999, 0, 0, 200), false},
		{"not compared", Candidate{Asset: asset, PDQDistance: -1, Cropped: &CropEvidence{Window: win}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, ok := Judge(q, tc.c)
			if ok != tc.found {
				t.Fatalf("found %v, want %v (%+v)", ok, tc.found, m)
			}
			if !ok {
				return
			}
			w := tc.c.Cropped.Window
			if m.Score != thumbSureScore || m.Method != MethodCroppedPixels || m.Tier != TierEdited || m.QueryOverlap != 1 ||
				m.AssetOverlap != round3((w.X1-w.X0)*(w.Y1-w.Y0)) || m.Transform == nil ||
				math.Abs(m.Transform.OffsetX+w.X0*400*m.Transform.Scale) > 0.01 {
				t.Errorf("got %s/%s %.3f overlaps %.3f %.3f transform %+v", m.Tier, m.Method, m.Score, m.QueryOverlap, m.AssetOverlap, m.Transform)
			}
		})
	}
}

// TestSetCropRivals: a crop candidate's rival is the best other window
// compared, leaving out those whose colours differ.
func TestSetCropRivals(t *testing.T) {
	ev := func(r, colorOff float64) *AlignedEvidence {
		return &AlignedEvidence{Correlation: r, Cells: 800, ColorOff: colorOff, ColorCells: 200}
	}
	best := &Candidate{Cropped: &CropEvidence{Thumb: ThumbEvidence{Aligned: ev(0.999, 0)}}}
	second := &Candidate{Cropped: &CropEvidence{Thumb: ThumbEvidence{Aligned: ev(0.97, 0)}}}
	recoloured := &Candidate{Cropped: &CropEvidence{Thumb: ThumbEvidence{Aligned: ev(0.998, 10.0/200)}}}
	whole := &Candidate{Thumb: &ThumbEvidence{Aligned: ev(0.9995, 0)}}
	SetCropRivals([]*Candidate{second, best, recoloured, whole})
	if best.Cropped.Thumb.Rival != 0.97 || second.Cropped.Thumb.Rival != 0.999 || recoloured.Cropped.Thumb.Rival != 0.999 {
		t.Errorf("rivals %v %v %v, want 0.97 0.999 0.999", best.Cropped.Thumb.Rival, second.Cropped.Thumb.Rival, recoloured.Cropped.Thumb.Rival)
	}
}

// BenchmarkFindCropWindow searches a 400x300 asset for a crop of 20% of it.
func BenchmarkFindCropWindow(b *testing.B) {
	asset := scene(21, 400, 300)
	af := fingerprint.ExtractFeatures(asset, fingerprint.AssetFeatures)
	q := cropPix(asset, image.Rect(0, 30, 358, 298))
	qf := fingerprint.ExtractQueryFeatures(q, fingerprint.QueryFeatures)
	for b.Loop() {
		if _, _, ok := FindCropWindow(qf, 358, 268, af, 400, 300); !ok {
			b.Fatal("no window")
		}
	}
}
