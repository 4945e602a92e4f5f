package match

import (
	"math"
	"math/cmplx"

	"github.com/sleuthhq/sleuth/fingerprint"
)

// Turned copies found by their thumbnails: a picture turned by a few
// degrees on its own canvas (the corners it turns out of the canvas cut
// off, those it leaves bare filled) keeps neither its PDQ (a turn of 4
// degrees takes most hashes past 31) nor, when it is flat or smooth (a
// flag, a wallpaper's gradients, a silhouette, an icon of a few strokes),
// enough keypoints to verify. Its pixels, turned back, still agree cell
// for cell with the asset's wherever the canvas kept them. When nothing
// else found a sure match, the engine turns the query's thumbnail back by
// each of TurnSearchAngles, looks the vector up among the assets'
// (index.Thumbs, as for the thumbnails of unturned copies), and lays each
// asset found on the query by the turn (CompareTurned): the angle refined
// on the cells, every cell the canvas kept compared, and the colours. It
// is then judged by the thumbnails' rules (judgeThumb: the two pictures
// of one shape, their pixels agreeing from thumbSure clear of every other
// candidate by thumbSureGap), and reports the turn as its transform.

// TurnSearchAngles are the turns (degrees, positive clockwise on screen)
// a query's thumbnail is turned back by and looked up under: a vector
// still finds the asset (cosine >= the engine's floor) within about two
// degrees of the right turn, so these cover turns of 1 to 17 degrees
// either way; CompareTurned refines the angle.
var TurnSearchAngles = []float64{-15, -11, -7, -3, 3, 7, 11, 15}

// Limits of a turned comparison.
const (
	// turnReach is how far (degrees) CompareTurned looks from each angle
	// it is given, in steps of turnCoarse, then either side of the best by
	// turnFine, halved down to turnFinest: at the corner of the thumbnail
	// grid, 22 cells from its centre, a sixteenth of a degree is a fortieth
	// of a cell. A picture whose cells correlate under turnCoarseFloor at
	// every coarse step is not compared further: a copy correlates from
	// 0.99 (thumbMin) once the turn is found.
	turnReach       = 2.0
	turnCoarse      = 1.0
	turnFine        = 0.5
	turnFinest      = 0.0625
	turnCoarseFloor = 0.95
	// minTurnedCells is the least share of the asset's thumbnail cells
	// that must lie inside the query once turned: a turn of 15 degrees
	// on a square canvas keeps about three quarters of them.
	minTurnedCells = 0.5
	// MinTurnDegrees is the least turn a turned comparison reports:
	// closer to upright, the unturned comparisons apply.
	MinTurnDegrees = 1
)

// turnedTransform is the transform that lays an aw x ah asset on a qw x
// qh query turned by deg degrees about its centre, on a canvas of the
// same shape: scaled to the query's width, centre on centre.
func turnedTransform(qw, qh, aw, ah int, deg float64) (z, t complex128) {
	z = cmplx.Rect(float64(qw)/float64(aw), deg*math.Pi/180)
	ca := complex(float64(aw)/2, float64(ah)/2)
	cq := complex(float64(qw)/2, float64(qh)/2)
	return z, cq - z*ca
}

// TurnedThumbVector is the thumbnail vector (ThumbVector) of the picture
// of the query's shape that, turned by deg degrees about its centre on
// its own canvas, looks like the query: the query's mean luma over each
// thumbnail cell laid on it by the turn, the cells the turn puts past the
// query's edges set to the mean of the others. False when the query has
// no pixels, fewer than minTurnedCells of the cells lie inside, the
// picture is (nearly) blank, or the corners that every turn within
// turnReach of deg leaves bare are not (bareBlank): a picture so turned
// has them filled with one colour.
func TurnedThumbVector(q *fingerprint.Features, qw, qh int, deg float64) (ThumbVec, bool) {
	const n = fingerprint.ThumbSide
	if q == nil || qw <= 0 || qh <= 0 {
		return ThumbVec{}, false
	}
	// The corners bare under every turn CompareTurned tries from deg,
	// those of the smallest.
	if !bareBlank(q, qw, qh, math.Copysign(max(0, math.Abs(deg)-turnReach), deg)) {
		return ThumbVec{}, false
	}
	z, t := turnedTransform(qw, qh, qw, qh, deg)
	vals := make([]float64, n*n)
	in := make([]bool, n*n)
	var sum float64
	k := 0
	ok := cellFootprints(qw, qh, qw, qh, z, t, false, func(i, j int, x0, y0, x1, y1 float64) bool {
		v, ok := q.MeanLuma(x0, y0, x1, y1)
		vals[i*n+j], in[i*n+j] = v, ok
		sum += v
		k++
		return ok
	})
	if !ok || float64(k) < minTurnedCells*n*n {
		return ThumbVec{}, false
	}
	mean := sum / float64(k)
	thumb := make([]uint8, n*n)
	for i, v := range vals {
		if !in[i] {
			v = mean
		}
		thumb[i] = uint8(min(max(math.Round(v), 0), 255))
	}
	return ThumbVector(thumb)
}

// maxBareSpread is the largest standard deviation (luma levels) of the
// query's cells that a turn leaves bare for them to count as blank.
const maxBareSpread = 4

// bareBlank reports whether the cells of the query's thumbnail grid that
// lie wholly outside a picture of the query's shape turned by deg degrees
// on the query's canvas (the corners such a turn leaves bare) have one
// luma, to maxBareSpread: true when there are none (a small turn of a
// small picture bares less than a cell), false when the query has no
// pixels.
func bareBlank(q *fingerprint.Features, qw, qh int, deg float64) bool {
	const n = fingerprint.ThumbSide
	z, t := turnedTransform(qw, qh, qw, qh, deg)
	cw, ch := float64(qw)/n, float64(qh)/n
	zi := 1 / z
	w, h := float64(qw), float64(qh)
	// outside: every corner of the cell lies beyond one same edge of the
	// picture laid on the query.
	outside := func(x0, y0 float64) bool {
		var left, right, top, bottom int
		for _, c := range [4]complex128{complex(x0, y0), complex(x0+cw, y0), complex(x0, y0+ch), complex(x0+cw, y0+ch)} {
			p := zi * (c - t)
			switch {
			case real(p) < 0:
				left++
			case real(p) > w:
				right++
			}
			switch {
			case imag(p) < 0:
				top++
			case imag(p) > h:
				bottom++
			}
		}
		return left == 4 || right == 4 || top == 4 || bottom == 4
	}
	var k, sum, sq float64
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			x0, y0 := float64(j)*cw, float64(i)*ch
			if !outside(x0, y0) {
				continue
			}
			v, ok := q.MeanLuma(x0/w, y0/h, (x0+cw)/w, (y0+ch)/h)
			if !ok {
				return false
			}
			k, sum, sq = k+1, sum+v, sq+v*v
		}
	}
	return k == 0 || sq/k-(sum/k)*(sum/k) <= maxBareSpread*maxBareSpread
}

// TurnedEvidence is the comparison of an asset with the query laid on it
// turned (CompareTurned): the transform, the pixels and colours compared
// under it, and the overlaps.
type TurnedEvidence struct {
	Transform    Transform
	Aligned      AlignedEvidence
	QueryOverlap float64
	AssetOverlap float64
}

// CompareTurned lays the asset (aw x ah) on the query (qw x qh pixels, of
// the asset's shape) turned about its centre on a canvas of the same
// shape (TurnedThumbVector) by about one of degs (degrees: the search
// angles its vector was found under), and compares them: the angle within
// turnReach of one of degs under which the thumbnail cells inside the
// query correlate best (every other cell, as a chessboard's black
// squares), in steps of turnCoarse then down to turnFinest, then every
// cell inside the query compared in luma (Correlation, none left out) and
// in colour, as a verified transform's are (Geometry.comparePixels).
// False when either side lacks what it needs, the cells correlate under
// turnCoarseFloor at every coarse step, fewer than minTurnedCells of the
// cells lie inside, or the best turn is within MinTurnDegrees of upright.
func CompareTurned(q *fingerprint.Features, qw, qh int, a *fingerprint.Features, aw, ah int, degs []float64) (TurnedEvidence, bool) {
	const n = fingerprint.ThumbSide
	if q == nil || a == nil || len(a.Thumb) != n*n || q.Width <= 0 || qw <= 0 || qh <= 0 || aw <= 0 || ah <= 0 {
		return TurnedEvidence{}, false
	}
	best, bestR := 0.0, math.Inf(-1)
	try := func(deg float64) {
		z, t := turnedTransform(qw, qh, aw, ah, deg)
		if r, ok := cellCorrelation(q, qw, qh, a, aw, ah, z, t, false, true); ok && r > bestR {
			best, bestR = deg, r
		}
	}
	for _, deg := range degs {
		for d := -turnReach; d <= turnReach+1e-9; d += turnCoarse {
			try(deg + d)
		}
	}
	if bestR < turnCoarseFloor {
		return TurnedEvidence{}, false
	}
	for step := turnFine; step >= turnFinest; step /= 2 {
		b := best
		for _, d := range []float64{-step, step} {
			try(b + d)
		}
	}
	z, t := turnedTransform(qw, qh, aw, ah, best)
	turn := best
	if math.Abs(turn) < MinTurnDegrees {
		return TurnedEvidence{}, false
	}
	var g Geometry
	g.comparePixels(q, qw, qh, a, aw, ah, z, t, false)
	if g.Correlation < -0.5 || float64(g.Cells) < minTurnedCells*n*n {
		return TurnedEvidence{}, false
	}
	area := overlapArea(z, t, float64(aw), float64(ah), float64(qw), float64(qh))
	s := cmplx.Abs(z)
	return TurnedEvidence{
		Transform: Transform{
			Scale:       round3(s),
			RotationDeg: round3(turn),
			OffsetX:     round3(real(t)),
			OffsetY:     round3(imag(t)),
		},
		Aligned: AlignedEvidence{
			Correlation: g.FullCorrelation, SoftCorrelation: g.FullCorrelation, Cells: g.Cells, Off: g.Off,
			ColorOff: g.ColorOff, ColorCells: g.ColorCells, Occlusion: g.Occlusion, Recoloured: g.Recoloured,
		},
		QueryOverlap: round3(min(1, area/(float64(qw)*float64(qh)))),
		AssetOverlap: round3(min(1, area/(s*s*float64(aw)*float64(ah)))),
	}, true
}
