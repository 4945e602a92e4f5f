package match

import (
	"math"

	"github.com/sleuthhq/sleuth/fingerprint"
)

// Cropped copies: a query that shows part of an asset (cropped by a few
// percent to half its area, off-centre or not) keeps neither the asset's
// PDQ nor, when it is small, flat or smooth, keypoints enough to verify.
// Its thumbnail vector still lies near the asset's (the 8x8 grids shifted
// by a cell at most), and laid on the right window of the asset its pixels
// agree cell for cell. FindCropWindow finds that window; the engine
// compares the query with it (CompareAlignedWindow) and judgeCropped judges
// the comparison by the rules of a sure thumbnail match.

// MethodCroppedPixels is the edited tier's method for a match whose query
// shows a window of the asset, found by the thumbnail vector and judged by
// the pixels laid on that window (judgeCropped).
const MethodCroppedPixels = "cropped_pixels"

// The windows FindCropWindow tries: the query's shape, from the largest of
// that shape inside the asset down to cropMinScale of its side.
const (
	// cropMinScale is the least side of a window over the largest of the
	// query's shape (0.7: half the area).
	cropMinScale = 0.7
	// cropMaxScale is the largest side of a window over the largest of
	// the query's shape that judgeCropped reports: a window of nearly the
	// whole asset is the whole-picture rules' to judge.
	cropMaxScale = 0.985
	// cropMinArea is the least share of the asset a window judged sure
	// shows: a crop that keeps at least about half of the picture. A
	// narrow query's window of a square asset can be a quarter of it at
	// cropMinScale, and a smooth picture has such a window for any smooth
	// query: with the thumbnail search widened to a cosine of 0.65 (not
	// kept), a blurred 256x512 drawing of a lamp correlated 1.000 with a
	// window of a quarter of a gnome wallpaper. On the benchmark's run
	// the windows of the copies found showed 0.49 of their asset or more.
	cropMinArea = 0.45
	// cropMinFit: the largest window of the query's shape must span this
	// share of the asset's other side (a query of another shape is not a
	// crop of it FindCropWindow looks for).
	cropMinFit = 0.5
	// cropSure is the least aligned correlation of a sure match on a
	// window: higher than a whole picture's (thumbSure), as the window's
	// place and scale are fitted to the pixels. On the benchmark's first
	// run of this search, windows of smooth pictures (a sky, a wallpaper's
	// dunes mirrored) and of a chart against a padded icon fitted others
	// to 0.995 and 0.996, colours agreeing; of the copies found, 93 of
	// 106 reached 0.998.
	cropSure = 0.998
	// cropPositions is how many positions a side of the coarse search
	// tries (from one edge to the other); cropRefineTries bounds the
	// refinement.
	cropPositions   = 5
	cropRefineTries = 48
)

// cropScales are the scales the coarse search tries, besides the one the
// sizes give a crop that was not resized.
var cropScales = [...]float64{1, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7}

// CropEvidence is what is known of an asset whose window the query may
// show (Candidate.Cropped): the window (fractions of the asset), the
// aligned comparison of the query laid on it (Thumb.Aligned, the query
// whole against the window) and the best comparison of the other
// candidates' windows (Thumb.Rival).
type CropEvidence struct {
	Window Rect
	Thumb  ThumbEvidence
}

// FindCropWindow returns the window of an aw x ah asset a (fractions of
// it) that an unturned, unmirrored qw x qh query q most likely shows, and
// how well the query's luma correlates with the asset's thumbnail cells
// there; false when the two cannot be compared (no thumbnail or no luma,
// shapes too far apart). The window has the query's shape; a coarse
// search compares 8x8 grids (the query's thumbnail averaged, the asset's
// window averaged from its thumbnail cells) at cropScales, and at the
// scale of a crop not resized when the sizes give one, and
// cropPositions^2 positions. The best window, and the best at the
// unresized scale, are refined on the thumbnail cells themselves
// (refineCropWindow); the unresized one is kept unless the other
// correlates better by more than cropHintSlack.
func FindCropWindow(q *fingerprint.Features, qw, qh int, a *fingerprint.Features, aw, ah int) (Rect, float64, bool) {
	const n = fingerprint.ThumbSide
	if q == nil || a == nil || len(q.Thumb) != n*n || len(a.Thumb) != n*n || qw <= 0 || qh <= 0 || aw <= 0 || ah <= 0 {
		return Rect{}, 0, false
	}
	// The largest window of the query's shape: s1 x t1 of the asset.
	s1, t1 := 1.0, float64(aw)*float64(qh)/(float64(ah)*float64(qw))
	if t1 > 1 {
		s1, t1 = 1/t1, 1
	}
	if min(s1, t1) < cropMinFit {
		return Rect{}, 0, false
	}
	at := newCellIntegral(a.Thumb)
	var qg [ThumbVecLen]float64
	const k = n / ThumbVecSide
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			qg[(i/k)*ThumbVecSide+j/k] += float64(q.Thumb[i*n+j])
		}
	}
	window := func(x, y, u float64) Rect { return cropWindow(x, y, u, s1, t1) }
	// The coarse search: the best window of all, and the best at the
	// scale of a crop not resized (u0), when the sizes give one.
	u0 := float64(qw) / (float64(aw) * s1)
	hinted := u0 >= cropMinScale && u0 <= 1
	scales := cropScales[:]
	if hinted {
		scales = append([]float64{u0}, scales...)
	}
	best, bw := math.Inf(-1), Rect{}
	bestHint, hw := math.Inf(-1), Rect{}
	for si, u := range scales {
		fx, fy := 1-u*s1, 1-u*t1
		for yi := range cropPositions {
			for xi := range cropPositions {
				w := window(fx*float64(xi)/(cropPositions-1), fy*float64(yi)/(cropPositions-1), u)
				r, ok := at.gridCorrelation(w, &qg)
				if ok && r > best {
					best, bw = r, w
				}
				if ok && hinted && si == 0 && r > bestHint {
					bestHint, hw = r, w
				}
				if fx < 1e-9 {
					break
				}
			}
			if fy < 1e-9 {
				break
			}
		}
	}
	if math.IsInf(best, -1) {
		return Rect{}, 0, false
	}
	w, r, ok := refineCropWindow(q, a, bw, s1, t1, false)
	if hinted {
		// A crop not resized is the likelier: its window is kept unless
		// another correlates better by more than cropHintSlack (a smooth
		// picture correlates nearly as well a few percent larger).
		if w2, r2, ok2 := refineCropWindow(q, a, hw, s1, t1, true); ok2 && (!ok || r2 >= r-cropHintSlack) {
			w, r, ok = w2, r2, true
		}
	}
	return w, r, ok
}

// cropWindow is the window of corner (x, y) (fractions of the asset) and
// scale u of the largest window of the query's shape, s1 x t1.
func cropWindow(x, y, u, s1, t1 float64) Rect { return Rect{x, y, x + u*s1, y + u*t1} }

// cropHintSlack: FindCropWindow keeps the window of a crop not resized
// unless another correlates better by more than this.
const cropHintSlack = 0.002

// refineCropWindow refines the window w (of the shape s1 x t1 scaled) on
// the thumbnail cells (every other one): a pattern search over the
// window's corner and, unless fixed, its scale, in steps of a cell of the
// asset's grid halved down to a quarter of one (at most cropRefineTries
// windows). It returns the window and the correlation over every cell;
// false when it could not be compared.
func refineCropWindow(q, a *fingerprint.Features, w Rect, s1, t1 float64, fixed bool) (Rect, float64, bool) {
	const n = fingerprint.ThumbSide
	window := func(x, y, u float64) Rect { return cropWindow(x, y, u, s1, t1) }
	x, y, u := w.X0, w.Y0, (w.X1-w.X0)/s1
	score := func(x, y, u float64) (float64, bool) {
		if u < cropMinScale-1e-9 || u > 1+1e-9 || x < -1e-9 || y < -1e-9 || x+u*s1 > 1+1e-9 || y+u*t1 > 1+1e-9 {
			return 0, false
		}
		return windowCorrelation(q, a, window(x, y, u), true)
	}
	r, ok := score(x, y, u)
	if !ok {
		return Rect{}, 0, false
	}
	moves := [6][3]float64{{-1, 0, 0}, {1, 0, 0}, {0, -1, 0}, {0, 1, 0}, {0, 0, -1}, {0, 0, 1}}
	m := moves[:]
	if fixed {
		m = m[:4]
	}
	step := 1.0 / n
	for tries := 0; step >= 0.25/n && tries < cropRefineTries; {
		better := false
		for _, d := range m {
			x2, y2, u2 := x+d[0]*step, y+d[1]*step, u+d[2]*step
			tries++
			if r2, ok := score(x2, y2, u2); ok && r2 > r {
				x, y, u, r, better = x2, y2, u2, r2, true
			}
		}
		if !better {
			step /= 2
		}
	}
	w = window(x, y, u)
	r, ok = windowCorrelation(q, a, w, false)
	return w, r, ok
}

// windowCorrelation is the Pearson correlation of the asset's thumbnail
// cells that lie wholly in the window w (fractions of the asset) with
// the query's mean luma over each cell's footprint, the window laid on the
// whole query (as CompareAlignedWindow lays it); with half, every other
// cell. False when fewer than minCells (half: minCells/2) were compared.
func windowCorrelation(q, a *fingerprint.Features, w Rect, half bool) (float64, bool) {
	const n = fingerprint.ThumbSide
	s, t := w.X1-w.X0, w.Y1-w.Y0
	if s <= 0 || t <= 0 {
		return 0, false
	}
	hx, hy := 0.5/n/s, 0.5/n/t
	var m moments
	cells := 0
	for i := 0; i < n; i++ {
		v := (float64(i) + 0.5) / n
		if !cellInside(i, n, w.Y0, w.Y1) {
			continue
		}
		y := (v - w.Y0) / t
		for j := 0; j < n; j++ {
			if half && (i+j)%2 == 1 {
				continue
			}
			u := (float64(j) + 0.5) / n
			if !cellInside(j, n, w.X0, w.X1) {
				continue
			}
			x := (u - w.X0) / s
			l, ok := q.MeanLuma(x-hx, y-hy, x+hx, y+hy)
			if !ok {
				return 0, false
			}
			m.add(float64(a.Thumb[i*n+j]), l)
			cells++
		}
	}
	need := minCells
	if half {
		need /= 2
	}
	if cells < need {
		return 0, false
	}
	r, _, _ := m.fit()
	return r, true
}

// cellIntegral is the summed-area table of a ThumbSide x ThumbSide grid of
// cells, each taken as flat: the mean over any box of it, in cells, is
// exact for such a grid (the table interpolated bilinearly).
type cellIntegral [(fingerprint.ThumbSide + 1) * (fingerprint.ThumbSide + 1)]float64

func newCellIntegral(g []uint8) *cellIntegral {
	const n = fingerprint.ThumbSide
	var s cellIntegral
	for i := 0; i < n; i++ {
		var row float64
		for j := 0; j < n; j++ {
			row += float64(g[i*n+j])
			s[(i+1)*(n+1)+j+1] = s[i*(n+1)+j+1] + row
		}
	}
	return &s
}

// at is the table at (x, y), in cells.
func (s *cellIntegral) at(x, y float64) float64 {
	const n = fingerprint.ThumbSide
	x, y = min(max(x, 0), n), min(max(y, 0), n)
	i, j := min(int(y), n-1), min(int(x), n-1)
	fy, fx := y-float64(i), x-float64(j)
	a, b := s[i*(n+1)+j], s[i*(n+1)+j+1]
	c, d := s[(i+1)*(n+1)+j], s[(i+1)*(n+1)+j+1]
	return a*(1-fx)*(1-fy) + b*fx*(1-fy) + c*(1-fx)*fy + d*fx*fy
}

// gridCorrelation is the Pearson correlation of the window w (fractions)
// of the grid, averaged over ThumbVecSide x ThumbVecSide equal boxes, with
// qg, the query's grid summed over as many (the scale does not matter).
func (s *cellIntegral) gridCorrelation(w Rect, qg *[ThumbVecLen]float64) (float64, bool) {
	const n = float64(fingerprint.ThumbSide)
	bx, by := (w.X1-w.X0)*n/ThumbVecSide, (w.Y1-w.Y0)*n/ThumbVecSide
	if bx <= 0 || by <= 0 {
		return 0, false
	}
	var m moments
	for i := 0; i < ThumbVecSide; i++ {
		y0 := w.Y0*n + float64(i)*by
		for j := 0; j < ThumbVecSide; j++ {
			x0 := w.X0*n + float64(j)*bx
			sum := s.at(x0+bx, y0+by) - s.at(x0, y0+by) - s.at(x0+bx, y0) + s.at(x0, y0)
			m.add(sum, qg[i*ThumbVecSide+j])
		}
	}
	r, _, _ := m.fit()
	return r, true
}

// judgeCropped decides the edited tier from the query laid on a window of
// an asset found by its thumbnail vector (Candidate.Cropped), by the rules
// of a sure thumbnail match (thumbScore): the window's pixels agreeing
// with the query's to cropSure, no other candidate's window within
// thumbSureGap, the colours compared and agreeing, and the window from
// cropMinScale to cropMaxScale of the largest of the query's shape and at
// least cropMinArea of the asset. It
// scores thumbSureScore with method MethodCroppedPixels, the window's area
// as the asset's overlap and the window's place as the transform. Like
// judgeInsetThumb it reports nothing weaker.
func judgeCropped(q Query, c Candidate) (Match, bool) {
	t := c.Cropped
	if t == nil || t.Thumb.Aligned == nil || c.Asset == nil || q.Pixels == nil {
		return Match{}, false
	}
	qw, qh, aw, ah := q.Pixels.Width, q.Pixels.Height, c.Asset.Width, c.Asset.Height
	w := t.Window
	s, u := w.X1-w.X0, w.Y1-w.Y0
	if qw <= 0 || qh <= 0 || aw <= 0 || ah <= 0 || s <= 0 || u <= 0 {
		return Match{}, false
	}
	// The window's side over the largest of its shape.
	scale := max(s, u)
	if scale < cropMinScale-1e-9 || scale > cropMaxScale || s*u < cropMinArea {
		return Match{}, false
	}
	al := t.Thumb.Aligned
	if al.soft() < cropSure || al.soft()-t.Thumb.Rival < thumbSureGap ||
		al.ColorCells == 0 || colorDiffers(al.ColorOff, al.ColorCells) {
		return Match{}, false
	}
	z := float64(qw) / (s * float64(aw)) // query pixels per asset pixel
	m := Match{
		Asset: c.Asset, Tier: TierEdited, Score: thumbSureScore,
		Fingerprint: MethodCroppedPixels, Method: MethodCroppedPixels,
		Variant: VariantNames[fingerprint.DihedralOriginal], PHashDistance: -1,
		QueryOverlap: 1, AssetOverlap: round3(s * u),
		Transform: &Transform{Scale: round3(z), OffsetX: round3(-w.X0 * float64(aw) * z), OffsetY: round3(-w.Y0 * float64(ah) * z)},
	}
	m.setAligned(al)
	return m, true
}

// SetCropRivals sets the Rival of every candidate of cs with crop evidence
// (Candidate.Cropped): the best aligned correlation of the other
// candidates' windows, leaving out those whose colours were compared and
// differ (a sibling in other colours cannot be the copy; judgeCropped
// reports no match whose colours differ).
func SetCropRivals(cs []*Candidate) {
	setRivals(cs, func(c *Candidate) *AlignedEvidence {
		if c.Cropped == nil {
			return nil
		}
		return unlessColorsDiffer(c.Cropped.Thumb.Aligned)
	}, func(c *Candidate) *ThumbEvidence {
		if c.Cropped == nil {
			return nil
		}
		return &c.Cropped.Thumb
	})
}
