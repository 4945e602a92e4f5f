package match

import (
	"math"
	"math/bits"
	"math/cmplx"
	"math/rand/v2"
	"slices"

	"github.com/sleuthhq/sleuth/fingerprint"
)

// Geometric verification: the local features of the query and of one
// asset are paired by descriptor (nearest neighbour with a ratio test),
// and RANSAC looks for the similarity transform (scale, rotation,
// translation) that maps the most asset keypoints onto their query
// partners. A copy, however cropped, framed, rotated, overlaid or embedded,
// has one such transform with many inliers; two distinct pictures do not.

// Transform maps asset pixels to query pixels: a point p of the asset lands
// at Scale * R(RotationDeg) * p + (OffsetX, OffsetY) in the query (y down,
// positive angles turn x towards y, that is clockwise on screen).
type Transform struct {
	Scale       float64 `json:"scale"`
	RotationDeg float64 `json:"rotation_deg"`
	OffsetX     float64 `json:"offset_x"`
	OffsetY     float64 `json:"offset_y"`
}

// Geometry is the evidence of a geometric verification.
type Geometry struct {
	// Pairs is the number of descriptor pairs that passed the ratio test;
	// Inliers how many of them the transform maps within tolerance.
	Pairs   int
	Inliers int
	// Covered is how many of the asset's keypoints the transform maps
	// inside the query picture at a size its pyramid shows (measure);
	// InlierRatio = Inliers / Covered.
	Covered     int
	InlierRatio float64
	// Transform is the transform fitted to the keypoints, refined on the
	// pixels (refine): the pixels, the colours and the overlaps are
	// compared under it, the keypoints under the fitted one.
	Transform Transform
	// QueryOverlap is the fraction of the query's area that the asset
	// covers, AssetOverlap the fraction of the asset's area visible in the
	// query.
	QueryOverlap float64
	AssetOverlap float64
	// Coverage is the area of the inliers' bounding box over that of the
	// covered asset keypoints' (both on the asset): a copy agrees all
	// over the shared area, two pictures that merely share a logo or a
	// background element agree in one corner of it.
	Coverage float64
	// Correlation is the Pearson correlation between the asset's
	// thumbnail cells (fingerprint.Features.Thumb) that land inside the
	// query and the query's luma at the places the transform puts them,
	// over Cells cells; -1 when it could not be measured (no thumbnail,
	// a stored query, fewer than minCells cells). A copy's shared area
	// looks alike pixel for pixel; two pictures that share a motif do
	// not.
	Correlation float64
	// FullCorrelation is the same correlation over every cell, none left
	// out: a copy that is only cropped, turned or framed agrees
	// everywhere, a look-alike differs wherever a layer differs.
	FullCorrelation float64
	// Off is the share of those cells that the least-squares line between
	// the two sides misses by more than the query side's standard
	// deviation (see AlignedEvidence.Off).
	Off   float64
	Cells int
	// ColorOff is the share of the ColorCells cells of the asset's colour
	// grid that land inside the query and that the best affine colour map
	// misses there (see AlignedEvidence.ColorOff); ColorCells is 0 when
	// colour was not compared.
	ColorOff   float64
	ColorCells int
	// Occlusion bounds the cells that disagree (luma or colour, see
	// AlignedEvidence.Occlusion); nil when none does or the pixels were
	// not measured.
	Occlusion *Occlusion
	// Agrees says that the pixels and the colours were compared and no
	// cell of the shared area disagrees: no luma cell off the robust line
	// by more than lumaOffTolerance, no colour cell off.
	Agrees bool
	// Recoloured says that the query's luma was read back through a hue
	// turn fitted to the colours (recolouredLuma,
	// AlignedEvidence.Recoloured).
	Recoloured bool
	// Guided counts the covered asset keypoints that the fitted transform
	// puts on a query keypoint of like orientation and descriptor
	// (pointGrid.find): the pairs found again once the transform is known,
	// without the ratio test. GuidedRatio = Guided / Covered. A drawing
	// whose strokes and edges repeat (an emoji, a clipart symbol) has
	// descriptors with twins elsewhere in the picture, which the ratio
	// test drops: six exact copies of such drawings (crops, small turns,
	// a frame) kept inlier ratios of 0.04-0.3 and guided ratios of
	// 0.76-0.93.
	Guided      int
	GuidedRatio float64
	// Captioned is the same verification judged with the query's
	// captions (fingerprint.Features.Captions) left out: its Covered,
	// ratios, coverage and pixel and colour comparisons leave out the
	// asset keypoints whose patch the transform puts on a caption
	// (Hidden) and the thumbnail and colour cells that meet one
	// (CaptionCells). A copy under a caption is judged on what the
	// caption leaves to see (captionedScore). Nil when the query has no
	// caption; Hidden and CaptionCells are 0 outside it.
	Captioned    *Geometry
	Hidden       int
	CaptionCells int
	// Fitted is the pixel evidence under the transform fitted to the
	// keypoints when refine moved it (nil when it did not): the pixels
	// are compared under the refined transform, which is the one
	// reported, but the fifth way to sure (guidedSure), which asks few
	// keypoints to agree, is judged on these.
	Fitted *PixelEvidence
}

// PixelEvidence is the comparison of the pixels and the colours under one
// transform (see Geometry.Correlation, FullCorrelation, ColorOff,
// ColorCells and Agrees).
type PixelEvidence struct {
	Correlation     float64
	FullCorrelation float64
	ColorOff        float64
	ColorCells      int
	Agrees          bool
}

// Parameters of the verification.
const (
	// maxPairDistance is the largest descriptor distance (of 256) of a pair.
	maxPairDistance = 72
	// ratio test: best < ratioNum/ratioDen of the second best.
	ratioNum, ratioDen = 5, 6
	// ransacIterations bounds the hypotheses tried.
	ransacIterations = 400
	// inlierTolerance is the reprojection tolerance as a fraction of the
	// query's diagonal.
	inlierTolerance = 0.012
	// angleTolerance is how far (in 1/256 turns) a pair's orientation
	// difference may be from the transform's rotation.
	angleTolerance = 14
	// minVerifyInliers is the least number of inliers worth reporting.
	minVerifyInliers = 6
	// guidedTolerance is the reprojection tolerance of Geometry.Guided, a
	// share of inlierTolerance: after the refit a copy's keypoints come
	// back within a pixel or two, where those of a look-alike drawn on
	// the same plan (star polygons of nearby point counts) are off by
	// more. At the full tolerance such look-alikes reached guided ratios
	// of 0.77-0.89, at half of it 0.29-0.44.
	guidedTolerance = 0.5
)

type pair struct {
	a, q       complex128 // positions in asset and query pixels
	dAngle     int        // query angle - asset angle, 1/256 turns
	scaleRatio float64    // query patch size / asset patch size, in pixels
}

// nearest is a descriptor's nearest among the query's (at: its index, -1
// when there are none) with the distances of the nearest and of the
// second nearest (257 for none).
type nearest struct{ best, second, at int }

// nearestTwo finds the nearest of qd to d0 and to d1, in one pass over
// qd (each query descriptor loaded once for both).
func nearestTwo(d0, d1 *[4]uint64, qd [][4]uint64) [2]nearest {
	n0, n1 := nearest{257, 257, -1}, nearest{257, 257, -1}
	for j := range qd {
		x := &qd[j]
		e0 := bits.OnesCount64(d0[0]^x[0]) + bits.OnesCount64(d0[1]^x[1]) + bits.OnesCount64(d0[2]^x[2]) + bits.OnesCount64(d0[3]^x[3])
		e1 := bits.OnesCount64(d1[0]^x[0]) + bits.OnesCount64(d1[1]^x[1]) + bits.OnesCount64(d1[2]^x[2]) + bits.OnesCount64(d1[3]^x[3])
		if e0 < n0.best {
			n0 = nearest{e0, n0.best, j}
		} else if e0 < n0.second {
			n0.second = e0
		}
		if e1 < n1.best {
			n1 = nearest{e1, n1.best, j}
		} else if e1 < n1.second {
			n1.second = e1
		}
	}
	return [2]nearest{n0, n1}
}

// Verify pairs the asset's features with the query's, fits a similarity
// transform, refines it on the pixels (refine) and measures the evidence.
// qw, qh and aw, ah are the pictures' sizes in pixels. It reports false
// when fewer than 6 pairs agree on one transform.
func Verify(q *fingerprint.Features, qw, qh int, a *fingerprint.Features, aw, ah int) (Geometry, bool) {
	var g Geometry
	if q == nil || a == nil || len(q.Points) < 2 || len(a.Points) < 2 || qw <= 0 || qh <= 0 || aw <= 0 || ah <= 0 {
		return g, false
	}
	// Patch size of level 0, in picture pixels.
	qUnit := 31 * float64(qw) / float64(q.Width)
	aUnit := 31 * float64(aw) / float64(a.Width)
	pairs := make([]pair, 0, len(a.Points))
	qd := make([][4]uint64, len(q.Points))
	for j := range q.Points {
		qd[j] = q.Points[j].Desc
	}
	for i := 0; i < len(a.Points); i += 2 {
		// Two of the asset's keypoints at a time (the last alone).
		n := min(2, len(a.Points)-i)
		near := nearestTwo(&a.Points[i].Desc, &a.Points[i+n-1].Desc, qd)
		for k, nk := range near[:n] {
			best, second, bj := nk.best, nk.second, nk.at
			if bj < 0 || best > maxPairDistance || best*ratioDen >= second*ratioNum {
				continue
			}
			ap, qp := &a.Points[i+k], &q.Points[bj]
			pairs = append(pairs, pair{
				a:          complex(float64(ap.X)*float64(aw), float64(ap.Y)*float64(ah)),
				q:          complex(float64(qp.X)*float64(qw), float64(qp.Y)*float64(qh)),
				dAngle:     int(qp.Angle) - int(ap.Angle),
				scaleRatio: qUnit * fingerprint.LevelScale(qp.Level) / (aUnit * fingerprint.LevelScale(ap.Level)),
			})
		}
	}
	g.Pairs = len(pairs)
	if len(pairs) < minVerifyInliers {
		return g, false
	}
	tol := inlierTolerance * math.Hypot(float64(qw), float64(qh))
	minSep := 0.02 * math.Hypot(float64(aw), float64(ah))
	bestN, bestZ, bestT := 0, complex(0, 0), complex(0, 0)
	try := func(i, j int) {
		pi, pj := &pairs[i], &pairs[j]
		da := pj.a - pi.a
		if cmplx.Abs(da) < minSep {
			return
		}
		z := (pj.q - pi.q) / da
		if s := cmplx.Abs(z); s < 0.05 || s > 20 {
			return
		}
		t := pi.q - z*pi.a
		if n := countInliers(pairs, z, t, tol, nil); n > bestN {
			bestN, bestZ, bestT = n, z, t
		}
	}
	n := len(pairs)
	if n*(n-1)/2 <= ransacIterations {
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				try(i, j)
			}
		}
	} else {
		rng := rand.New(rand.NewPCG(uint64(n), 0x52414e534143))
		for it := 0; it < ransacIterations; it++ {
			i, j := rng.IntN(n), rng.IntN(n-1)
			if j >= i {
				j++
			}
			try(i, j)
		}
	}
	if bestN < minVerifyInliers {
		return g, false
	}
	// Refine on the inliers by least squares, twice.
	in := make([]bool, len(pairs))
	z, t := bestZ, bestT
	for range 2 {
		countInliers(pairs, z, t, tol, in)
		z2, t2, ok := fitSimilarity(pairs, in)
		if !ok {
			break
		}
		if countInliers(pairs, z2, t2, tol, nil) < countInliers(pairs, z, t, tol, nil) {
			break
		}
		z, t = z2, t2
	}
	g.Inliers = countInliers(pairs, z, t, tol, nil)
	if g.Inliers < minVerifyInliers {
		return g, false
	}
	// Tighten: the pairs within a half, a third, a quarter of the
	// tolerance place the transform more exactly (the pixel comparisons
	// below need it to a fraction of a thumbnail cell: a crop's transform
	// fitted on every inlier was off by 1% in scale, a degree in
	// rotation); refit on them while at least 3 in 10 of the inliers
	// remain and the refit keeps 95% of them.
	tight := make([]bool, len(pairs))
	for _, f := range []float64{2, 3, 4} {
		k := countInliers(pairs, z, t, tol/f, tight)
		if k < minVerifyInliers || 10*k < 3*g.Inliers {
			break
		}
		z2, t2, ok := fitSimilarity(pairs, tight)
		if !ok || 100*countInliers(pairs, z2, t2, tol, nil) < 95*g.Inliers {
			break
		}
		z, t = z2, t2
	}
	g.Inliers = countInliers(pairs, z, t, tol, nil)
	// The keypoints are judged under the transform fitted to them, the
	// pixels under that transform refined on them (refine), which is the
	// one reported.
	pz, pt := refine(q, qw, qh, a, aw, ah, z, t)
	g.Transform = Transform{
		Scale:       round3(cmplx.Abs(pz)),
		RotationDeg: round3(cmplx.Phase(pz) * 180 / math.Pi),
		OffsetX:     round3(real(pt)),
		OffsetY:     round3(imag(pt)),
	}
	g.measure(q, qw, qh, a, aw, ah, z, t, pz, pt, tol, pairs, in, false)
	if pz != z || pt != t {
		var f Geometry
		f.comparePixels(q, qw, qh, a, aw, ah, z, t, false)
		g.Fitted = &PixelEvidence{Correlation: f.Correlation, FullCorrelation: f.FullCorrelation,
			ColorOff: f.ColorOff, ColorCells: f.ColorCells, Agrees: f.Agrees}
	}
	if len(q.Captions) > 0 {
		c := g
		c.measure(q, qw, qh, a, aw, ah, z, t, pz, pt, tol, pairs, in, true)
		g.Captioned = &c
	}
	return g, true
}

// Refinement of a fitted transform on the pixels (refine).
const (
	// refineFrom is the least full correlation of the thumbnail cells
	// under the keypoints' transform from which it is refined, refineUpTo
	// the correlation from which it needs no refining.
	refineFrom = 0.9
	refineUpTo = 0.9999
	// refineReach bounds how far the refinement moves the asset's centre
	// and corners, in pixels of the query's luma frame; refineStep is its
	// first step and refineMinStep its finest; refineMaxTries bounds the
	// transforms it tries.
	refineReach    = 3
	refineStep     = 0.5
	refineMinStep  = 0.25
	refineMaxTries = 64
	// refineGain: the refined transform is kept only if the disagreement
	// left (1 - the full correlation) is at most refineGain of what it
	// was under the fitted one.
	refineGain = 0.85
)

// refine returns the transform near z, t (fitted to keypoints) under which
// the asset's thumbnail cells correlate best with the query's pixels
// (cellCorrelation, the query's captions left out). The keypoints place a
// copy to about a pixel of the query's luma frame and half a percent in
// scale, which is enough to put off the cells of a fine-grained or
// hard-edged picture that straddle an edge, most of all those along the
// asset's own edge when the copy is set in another picture: the pixel
// comparisons need it to a fraction of a cell. A pattern search moves the
// centre (x, y), the scale and the rotation, each in steps of refineStep
// frame pixels at the asset's corners halved down to refineMinStep, no
// further than refineReach, judging each try on every other cell. Its
// result is kept only if every cell correlates better under it than under
// z, t, enough to explain at least 1 - refineGain of their disagreement,
// and no more cells are off the robust line (cellsOff): an overlay (a
// logo, letters) can draw the correlation towards fitting the overlay,
// away from the copy. A misplaced copy's disagreement mostly goes, while
// a copy in place under letters or a logo drifts by a few pixels for a
// little of it: on a throwaway harness over 250 originals of the
// benchmark, of the 629 refinements that made a copy agree in every
// cell, 605 left under half of the disagreement and 4 over 0.85 of it;
// of the 287 refinements of copies in place under text or a logo, 210
// left over 0.85. It runs only where the pixels nearly agree already (a
// full correlation from refineFrom to refineUpTo), so that it costs
// nothing on most candidates that are not copies.
func refine(q *fingerprint.Features, qw, qh int, a *fingerprint.Features, aw, ah int, z, t complex128) (complex128, complex128) {
	if q.Width <= 0 {
		return z, t
	}
	// A caption's cells are left out, as an overlay's would draw the
	// transform towards fitting it.
	hide := len(q.Captions) > 0
	_, _, _, _, _, us, vs, _ := correlate(q, qw, qh, a, aw, ah, z, t, hide)
	if us == nil {
		return z, t
	}
	r0, _, _ := pearson(us, vs, nil)
	if r0 < refineFrom || r0 >= refineUpTo {
		return z, t
	}
	off0, ok := cellsOff(us, vs)
	if !ok {
		return z, t
	}
	u := float64(qw) / float64(q.Width) // query pixels per frame pixel
	ca := complex(float64(aw)/2, float64(ah)/2)
	cq := z*ca + t
	radius := cmplx.Abs(z) * math.Hypot(float64(aw), float64(ah)) / 2
	if radius <= 0 {
		return z, t
	}
	// k: the moves of the centre (x, y), of the corners by scaling and by
	// turning, in frame pixels.
	moved := func(k [4]float64) (complex128, complex128) {
		z2 := z * complex(1+k[2]*u/radius, 0) * cmplx.Rect(1, k[3]*u/radius)
		return z2, cq + complex(k[0]*u, k[1]*u) - z2*ca
	}
	best, _ := cellCorrelation(q, qw, qh, a, aw, ah, z, t, hide, true)
	var cur [4]float64
	tries := 0
	for step := refineStep; step >= refineMinStep && tries < refineMaxTries; {
		better := false
		for p := range cur {
			for _, sign := range [2]float64{-1, 1} {
				k := cur
				k[p] += sign * step
				if math.Abs(k[p]) > refineReach {
					continue
				}
				tries++
				z2, t2 := moved(k)
				if r, ok := cellCorrelation(q, qw, qh, a, aw, ah, z2, t2, hide, true); ok && r > best {
					best, cur, better = r, k, true
				}
			}
		}
		if !better {
			step /= 2
		}
	}
	// The search saw every other cell: keep its transform only if every
	// cell agrees better under it, by refineGain, and no more cells are
	// off.
	z2, t2 := moved(cur)
	if r1, ok := cellCorrelation(q, qw, qh, a, aw, ah, z2, t2, hide, false); !ok || 1-r1 > refineGain*(1-r0) {
		return z, t
	}
	_, _, _, _, _, us, vs, _ = correlate(q, qw, qh, a, aw, ah, z2, t2, hide)
	if off1, ok := cellsOff(us, vs); !ok || off1 > off0 {
		return z, t
	}
	return z2, t2
}

// cellCorrelation is the correlation of the thumbnail cells of the asset
// that z, t puts inside the query with the query's luma there (eachCell;
// with hide, the captions' cells left out), and whether there were at
// least minCells of them. With half, only every other cell counts (half
// the cost; the cells' pattern keeps its resolution), and minCells/2 of
// them.
func cellCorrelation(q *fingerprint.Features, qw, qh int, a *fingerprint.Features, aw, ah int, z, t complex128, hide, half bool) (float64, bool) {
	var m moments
	_, ok := eachCell(q, qw, qh, a, aw, ah, z, t, hide, half, func(_, _ int, u, v float64) { m.add(u, v) })
	need := float64(minCells)
	if half {
		need /= 2
	}
	if !ok || m.k < need {
		return 0, false
	}
	r, _, _ := m.fit()
	return r, true
}

// measure sets the evidence of g under the transform z, t fitted to pairs
// (within tol; in is scratch): the covered and guided keypoints and the
// coverage; and under pz, pt (z, t refined on the pixels) the overlaps
// and the pixel and colour comparisons. With hide, the query's captions
// are left out (Geometry.Captioned).
func (g *Geometry) measure(q *fingerprint.Features, qw, qh int, a *fingerprint.Features, aw, ah int, z, t, pz, pt complex128, tol float64, pairs []pair, in []bool, hide bool) {
	g.Covered, g.Guided, g.Hidden, g.GuidedRatio, g.Coverage = 0, 0, 0, 0, 0
	g.Occlusion, g.Agrees, g.Captioned = nil, false, nil
	s := cmplx.Abs(z)
	aUnit := 31 * float64(aw) / float64(a.Width)
	// Asset keypoints that land inside the query picture, their bounding
	// box, and those of them found again where they land (Guided).
	cov := newBox()
	gtol := tol * guidedTolerance
	grid := newPointGrid(q, qw, qh, gtol)
	rot := int(math.Round(cmplx.Phase(z) / (2 * math.Pi) * 256))
	// The patch sizes the query's pyramid shows, in query pixels: an
	// asset keypoint whose patch the transform makes smaller than half a
	// level under the query's finest (a copy scaled down, set small in a
	// larger picture) or larger than half a level over its coarsest
	// cannot be found there, and is not counted as covered.
	qUnit := 31 * float64(qw) / float64(q.Width)
	minPatch, maxPatch := qUnit/math.Sqrt2, qUnit*fingerprint.LevelScale(fingerprint.FeatureLevels-1)*math.Sqrt2
	for i := range a.Points {
		ap := complex(float64(a.Points[i].X)*float64(aw), float64(a.Points[i].Y)*float64(ah))
		p := z*ap + t
		if patch := aUnit * fingerprint.LevelScale(a.Points[i].Level) * s; patch < minPatch || patch > maxPatch {
			continue
		}
		if real(p) >= 0 && real(p) <= float64(qw) && imag(p) >= 0 && imag(p) <= float64(qh) {
			// Under a caption the keypoint is hidden: not covered.
			if hide {
				r := 15.5 * fingerprint.LevelScale(a.Points[i].Level) * aUnit / 31 * s
				x, y, mx, my := real(p)/float64(qw), imag(p)/float64(qh), r/float64(qw), r/float64(qh)
				if captioned(q, x-mx, y-my, x+mx, y+my) {
					g.Hidden++
					continue
				}
			}
			g.Covered++
			cov.add(ap)
			if grid.find(&a.Points[i], p, gtol, rot) {
				g.Guided++
			}
		}
	}
	g.InlierRatio = round3(float64(g.Inliers) / float64(max(g.Covered, g.Inliers)))
	if g.Covered > 0 {
		g.GuidedRatio = round3(float64(g.Guided) / float64(max(g.Covered, g.Guided)))
	}
	ps := cmplx.Abs(pz)
	area := overlapArea(pz, pt, float64(aw), float64(ah), float64(qw), float64(qh))
	g.QueryOverlap = round3(min(1, area/(float64(qw)*float64(qh))))
	g.AssetOverlap = round3(min(1, area/(ps*ps*float64(aw)*float64(ah))))
	countInliers(pairs, z, t, tol, in)
	inl := newBox()
	for i := range pairs {
		if in[i] {
			inl.add(pairs[i].a)
		}
	}
	if c := cov.area(); c > 0 {
		g.Coverage = round3(min(1, inl.area()/c))
	}
	g.comparePixels(q, qw, qh, a, aw, ah, pz, pt, hide)
}

// comparePixels sets the pixel and colour comparisons of g under the
// transform z, t (with hide, the query's captions left out): the
// correlations, the cells off, the occlusion and whether every cell
// agrees.
func (g *Geometry) comparePixels(q *fingerprint.Features, qw, qh int, a *fingerprint.Features, aw, ah int, z, t complex128, hide bool) {
	var us, vs []float64
	var at []cellAt
	g.Correlation, g.FullCorrelation, g.Off, g.Cells, g.CaptionCells, us, vs, at = correlate(q, qw, qh, a, aw, ah, z, t, hide)
	var colorOff []int
	var cs colorSamples
	g.ColorOff, g.ColorCells, colorOff, cs = correlateColor(q, qw, qh, a, aw, ah, z, t, hide)
	g.Recoloured = false
	if lum := recolouredLuma(q, cs, g.ColorOff, g.ColorCells, g.FullCorrelation); lum != nil {
		if c, f, off, cells, caps, us2, vs2, at2 := correlateWith(q, qw, qh, a, aw, ah, z, t, hide, lum); f > g.FullCorrelation {
			g.Correlation, g.FullCorrelation, g.Off, g.Cells, g.CaptionCells, us, vs, at = c, f, off, cells, caps, us2, vs2, at2
			g.Recoloured = true
		}
	}
	g.Occlusion, g.Agrees = nil, false
	if g.Correlation >= -0.5 {
		var judged bool
		g.Occlusion, judged = occlusion(us, vs, at, colorOff)
		g.Agrees = judged && g.Occlusion == nil && g.ColorCells > 0
	}
}

// correlateColor compares the asset's colour grid cells that land inside
// the query under the transform z, t with the query's colour there
// (compareColor): the share off, the cells compared, the indexes of those
// off and the colours compared; zeros when not compared.
func correlateColor(q *fingerprint.Features, qw, qh int, a *fingerprint.Features, aw, ah int, z, t complex128, hide bool) (off float64, cells int, offAt []int, cs colorSamples) {
	const n = fingerprint.ColorSide
	s := cmplx.Abs(z)
	hx, hy := float64(aw)/n*s/2, float64(ah)/n*s/2
	if r := math.Abs(math.Sin(cmplx.Phase(z))); r > math.Sqrt2/2 {
		hx, hy = hy, hx
	}
	fx, fy := hx/float64(qw), hy/float64(qh)
	inside := footprintInside(z, aw, ah, hx, hy)
	place := func(u, v float64) (float64, float64, bool) {
		ac := complex(u*float64(aw), v*float64(ah))
		c := z*ac + t
		x, y := real(c)/float64(qw), imag(c)/float64(qh)
		return x, y, x-fx >= 0 && y-fy >= 0 && x+fx <= 1 && y+fy <= 1 && inside(ac) && !(hide && captioned(q, x-fx, y-fy, x+fx, y+fy))
	}
	off, cells, offAt, cs, ok := compareColor(q, a, place, fx, fy)
	if !ok {
		return 0, 0, nil, cs
	}
	return off, cells, offAt, cs
}

// captioned reports whether the box (x0, y0)-(x1, y1) of the query, in
// fractions of its width and height, meets one of its captions
// (fingerprint.Features.Captions).
func captioned(q *fingerprint.Features, x0, y0, x1, y1 float64) bool {
	for _, r := range q.Captions {
		if x1 > float64(r.X0) && x0 < float64(r.X1) && y1 > float64(r.Y0) && y0 < float64(r.Y1) {
			return true
		}
	}
	return false
}

// box is a bounding box.
type box struct{ minX, minY, maxX, maxY float64 }

func newBox() box { return box{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)} }

func (b *box) add(p complex128) {
	b.minX, b.minY = min(b.minX, real(p)), min(b.minY, imag(p))
	b.maxX, b.maxY = max(b.maxX, real(p)), max(b.maxY, imag(p))
}

func (b *box) area() float64 {
	if b.maxX < b.minX {
		return 0
	}
	return (b.maxX - b.minX) * (b.maxY - b.minY)
}

// minCells is the least number of thumbnail cells a correlation is
// measured on.
const minCells = 48

// correlate compares the asset's thumbnail with the query's luma under the
// transform z, t (see Geometry.Correlation).
func correlate(q *fingerprint.Features, qw, qh int, a *fingerprint.Features, aw, ah int, z, t complex128, hide bool) (trimmed, full, off float64, cells, captions int, us, vs []float64, at []cellAt) {
	return correlateWith(q, qw, qh, a, aw, ah, z, t, hide, q.MeanLuma)
}

// correlateWith is correlate with the query's luma over a box read by lum
// (Features.MeanLuma, or the query's colour read back through a hue turn:
// recolouredLuma).
func correlateWith(q *fingerprint.Features, qw, qh int, a *fingerprint.Features, aw, ah int, z, t complex128, hide bool, lum lumaFunc) (trimmed, full, off float64, cells, captions int, us, vs []float64, at []cellAt) {
	captions, ok := eachCellWith(q, qw, qh, a, aw, ah, z, t, hide, false, lum, func(i, j int, u, v float64) {
		us = append(us, u)
		vs = append(vs, v)
		at = append(at, cellAt{i, j})
	})
	if !ok {
		return -1, -1, 0, 0, 0, nil, nil, nil
	}
	cells = len(us)
	if cells < minCells {
		return -1, -1, 0, cells, captions, nil, nil, nil
	}
	// Robust to an overlay (a caption, a logo): fit v = alpha + beta u,
	// leave out the tenth of the cells that fit worst, correlate the rest.
	r, alpha, beta := pearson(us, vs, nil)
	full = r
	off = offShare(us, vs, alpha, beta)
	if beta != 0 || alpha != 0 {
		r, _, _ = pearson(us, vs, bestFitting(us, vs, alpha, beta, 9, 10))
	}
	return round3(r), round3(full), round3(off), cells, captions, us, vs, at
}

// eachCell calls fn with each of the asset's thumbnail cells (row i,
// column j) that the transform z, t puts inside the query, its thumbnail
// value u and the query's mean luma v over the cell's footprint there
// (see Geometry.Correlation); with hide, those that meet a caption are
// counted instead (captions); with half, only every other cell, as on
// the black squares of a chessboard. It reports false when the asset has
// no thumbnail or the query no pixels.
func eachCell(q *fingerprint.Features, qw, qh int, a *fingerprint.Features, aw, ah int, z, t complex128, hide, half bool, fn func(i, j int, u, v float64)) (captions int, ok bool) {
	return eachCellWith(q, qw, qh, a, aw, ah, z, t, hide, half, q.MeanLuma, fn)
}

// lumaFunc reads the query's mean luma over a box (fractions of the
// query).
type lumaFunc func(x0, y0, x1, y1 float64) (float64, bool)

// eachCellWith is eachCell with the query's luma read by lum.
func eachCellWith(q *fingerprint.Features, qw, qh int, a *fingerprint.Features, aw, ah int, z, t complex128, hide, half bool, lum lumaFunc, fn func(i, j int, u, v float64)) (captions int, ok bool) {
	const n = fingerprint.ThumbSide
	if len(a.Thumb) != n*n {
		return 0, false
	}
	ok = cellFootprints(qw, qh, aw, ah, z, t, half, func(i, j int, x0, y0, x1, y1 float64) bool {
		if hide && captioned(q, x0, y0, x1, y1) {
			captions++
			return true
		}
		v, ok := lum(x0, y0, x1, y1)
		if ok {
			fn(i, j, float64(a.Thumb[i*n+j]), v)
		}
		return ok
	})
	if !ok {
		return 0, false
	}
	return captions, true
}

// cellFootprints calls fn with each cell (row i, column j) of an aw x ah
// picture's thumbnail grid that the transform z, t puts inside the query
// (qw x qh), and the cell's footprint there, in fractions of the query:
// an axis-aligned box of the cell's size (turned 90 degrees when the
// transform is closer to a quarter turn) that lies inside the query and
// inside the picture (footprintInside); with half, only every other cell,
// as the black squares of a chessboard. It stops, reporting false, when
// fn returns false.
func cellFootprints(qw, qh, aw, ah int, z, t complex128, half bool, fn func(i, j int, x0, y0, x1, y1 float64) bool) bool {
	const n = fingerprint.ThumbSide
	cw, ch := float64(aw)/n, float64(ah)/n
	s := cmplx.Abs(z)
	hx, hy := cw*s/2, ch*s/2
	if r := math.Abs(math.Sin(cmplx.Phase(z))); r > math.Sqrt2/2 {
		hx, hy = hy, hx
	}
	fx, fy := hx/float64(qw), hy/float64(qh)
	inside := footprintInside(z, aw, ah, hx, hy)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if half && (i+j)%2 == 1 {
				continue
			}
			ac := complex((float64(j)+0.5)*cw, (float64(i)+0.5)*ch)
			c := z*ac + t
			x, y := real(c)/float64(qw), imag(c)/float64(qh)
			if x-fx < 0 || y-fy < 0 || x+fx > 1 || y+fy > 1 || !inside(ac) {
				continue
			}
			if !fn(i, j, x-fx, y-fy, x+fx, y+fy) {
				return false
			}
		}
	}
	return true
}

// turnedDegrees: a transform turned further than this off a quarter turn
// turns the copy (footprintInside).
const turnedDegrees = 1

// footprintInside returns a test of whether the footprint in the query of
// the asset cell centred at ac (asset pixels), the axis-aligned box of
// half sides hx, hy (query pixels) about where z and a translation put
// ac, lies inside the asset (aw x ah). Only under a transform that turns
// the asset off a quarter turn can it reach past the asset's edge, into
// whatever the query shows beyond it (the white fill of a turned copy,
// the picture a copy is set in): about sin(angle)/2 of the cell, 2% at 2
// degrees, 13% at 15, plus the pixels the turned edge cuts through, which
// is enough to put an edge cell off. Such cells are left out of the
// comparison when the transform is turned more than turnedDegrees off a
// quarter turn; closer, the turn is the fit's noise (copies neither
// turned nor mirrored come out within a few tenths of a degree), and
// every cell is kept (the test passes them all). Leaving the edge cells
// out at any turn brought 3 false matches on the accuracy benchmark
// (docs/MATCHING.md, Measured, "A censored colour fit, lines of letters
// as wide overlays, turned copies' edge cells"), pictures whose
// differing cells lay along the edge of the overlap.
func footprintInside(z complex128, aw, ah int, hx, hy float64) func(ac complex128) bool {
	deg := math.Abs(math.Remainder(cmplx.Phase(z)*180/math.Pi, 90))
	if z == 0 || deg <= turnedDegrees {
		return func(complex128) bool { return true }
	}
	zi := 1 / z
	// The box's corners relative to its centre, in asset pixels.
	var ds [4]complex128
	for k, d := range []complex128{complex(-hx, -hy), complex(hx, -hy), complex(-hx, hy), complex(hx, hy)} {
		ds[k] = zi * d
	}
	const eps = 1e-3 // asset pixels: an unturned cell's box is the cell
	w, h := float64(aw), float64(ah)
	return func(ac complex128) bool {
		for _, d := range ds {
			p := ac + d
			if real(p) < -eps || imag(p) < -eps || real(p) > w+eps || imag(p) > h+eps {
				return false
			}
		}
		return true
	}
}

// bestFitting marks the pairs (u, v) that the line v = alpha + beta u
// misses by no more than it misses the pair at num/den of them, ranked
// from the best fitting: about num/den of the pairs.
func bestFitting(us, vs []float64, alpha, beta float64, num, den int) []bool {
	res := make([]float64, len(us))
	for i := range us {
		res[i] = math.Abs(vs[i] - alpha - beta*us[i])
	}
	sorted := slices.Clone(res)
	slices.Sort(sorted)
	cut := sorted[len(us)*num/den]
	keep := make([]bool, len(us))
	for i := range keep {
		keep[i] = res[i] <= cut
	}
	return keep
}

// offShare is the share of the pairs (u, v) that the line v = alpha +
// beta u misses by more than the standard deviation of v.
func offShare(us, vs []float64, alpha, beta float64) float64 {
	var mean, sq float64
	for _, v := range vs {
		mean += v
	}
	mean /= float64(len(vs))
	for _, v := range vs {
		sq += (v - mean) * (v - mean)
	}
	sd := math.Sqrt(sq / float64(len(vs)))
	off := 0
	for i := range us {
		if math.Abs(vs[i]-alpha-beta*us[i]) > sd {
			off++
		}
	}
	return float64(off) / float64(len(us))
}

// pearson is the correlation of the kept pairs (all when keep is nil) and
// the least-squares line v = alpha + beta u. A flat side correlates 1 with
// another flat side and 0 with anything else.
func pearson(us, vs []float64, keep []bool) (r, alpha, beta float64) {
	var m moments
	for i := range us {
		if keep == nil || keep[i] {
			m.add(us[i], vs[i])
		}
	}
	return m.fit()
}

// moments accumulates the sums that a correlation and a least-squares
// line between two series are computed from.
type moments struct{ su, sv, suu, svv, suv, k float64 }

func (m *moments) add(u, v float64) {
	m.su += u
	m.sv += v
	m.suu += u * u
	m.svv += v * v
	m.suv += u * v
	m.k++
}

// fit is pearson's result over the pairs added.
func (m *moments) fit() (r, alpha, beta float64) {
	vu, vv := m.suu-m.su*m.su/m.k, m.svv-m.sv*m.sv/m.k
	if vu <= 1e-9 || vv <= 1e-9 {
		if vu <= 1e-9 && vv <= 1e-9 {
			return 1, 0, 0
		}
		return 0, 0, 0
	}
	cov := m.suv - m.su*m.sv/m.k
	beta = cov / vu
	return cov / math.Sqrt(vu*vv), (m.sv - beta*m.su) / m.k, beta
}

// countInliers counts the pairs that z, t maps within tol whose orientation
// and patch size agree with the transform; it marks them in in when given.
func countInliers(pairs []pair, z, t complex128, tol float64, in []bool) int {
	rot := int(math.Round(cmplx.Phase(z) / (2 * math.Pi) * 256))
	s := cmplx.Abs(z)
	n := 0
	for i := range pairs {
		p := &pairs[i]
		// |w| is at least its larger component: most pairs are far off,
		// and need no square root.
		w := z*p.a + t - p.q
		ok := math.Abs(real(w)) <= tol && math.Abs(imag(w)) <= tol && cmplx.Abs(w) <= tol
		if ok {
			ok = angleAgrees(p.dAngle, rot)
		}
		if ok {
			r := p.scaleRatio / s
			ok = r > 0.4 && r < 2.5
		}
		if in != nil {
			in[i] = ok
		}
		if ok {
			n++
		}
	}
	return n
}

// fitSimilarity is the least-squares similarity transform of the marked
// pairs.
func fitSimilarity(pairs []pair, in []bool) (z, t complex128, ok bool) {
	var ma, mq complex128
	n := 0
	for i := range pairs {
		if in[i] {
			ma += pairs[i].a
			mq += pairs[i].q
			n++
		}
	}
	if n < 2 {
		return 0, 0, false
	}
	ma /= complex(float64(n), 0)
	mq /= complex(float64(n), 0)
	var num complex128
	var den float64
	for i := range pairs {
		if in[i] {
			da, dq := pairs[i].a-ma, pairs[i].q-mq
			num += dq * cmplx.Conj(da)
			den += real(da)*real(da) + imag(da)*imag(da)
		}
	}
	if den == 0 {
		return 0, 0, false
	}
	z = num / complex(den, 0)
	return z, mq - z*ma, true
}

// overlapArea is the area of the asset rectangle (aw x ah) mapped by z, t,
// clipped to the query rectangle (qw x qh).
func overlapArea(z, t complex128, aw, ah, qw, qh float64) float64 {
	poly := []complex128{t, z*complex(aw, 0) + t, z*complex(aw, ah) + t, z*complex(0, ah) + t}
	// Sutherland-Hodgman against the four sides of the query.
	clips := []struct {
		inside func(p complex128) bool
		cross  func(a, b complex128) complex128
	}{
		{func(p complex128) bool { return real(p) >= 0 }, func(a, b complex128) complex128 { return atX(a, b, 0) }},
		{func(p complex128) bool { return real(p) <= qw }, func(a, b complex128) complex128 { return atX(a, b, qw) }},
		{func(p complex128) bool { return imag(p) >= 0 }, func(a, b complex128) complex128 { return atY(a, b, 0) }},
		{func(p complex128) bool { return imag(p) <= qh }, func(a, b complex128) complex128 { return atY(a, b, qh) }},
	}
	for _, c := range clips {
		if len(poly) == 0 {
			return 0
		}
		var out []complex128
		for i, cur := range poly {
			prev := poly[(i+len(poly)-1)%len(poly)]
			switch ci, pi := c.inside(cur), c.inside(prev); {
			case ci && pi:
				out = append(out, cur)
			case ci && !pi:
				out = append(out, c.cross(prev, cur), cur)
			case !ci && pi:
				out = append(out, c.cross(prev, cur))
			}
		}
		poly = out
	}
	var a float64
	for i, p := range poly {
		q := poly[(i+1)%len(poly)]
		a += real(p)*imag(q) - real(q)*imag(p)
	}
	return math.Abs(a) / 2
}

func atX(a, b complex128, x float64) complex128 {
	f := (x - real(a)) / (real(b) - real(a))
	return complex(x, imag(a)+f*(imag(b)-imag(a)))
}

func atY(a, b complex128, y float64) complex128 {
	f := (y - imag(a)) / (imag(b) - imag(a))
	return complex(real(a)+f*(real(b)-real(a)), y)
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// pointGrid buckets a picture's keypoints (in pixels) in square cells at
// least tol on a side, and no more than pointGridMax cells on the longer
// side: a keypoint within tol of a place lies in the place's cell or one
// of its 8 neighbours.
type pointGrid struct {
	f      *fingerprint.Features
	w, h   float64
	side   float64
	bw, bh int
	start  []int32 // cell k holds order[start[k]:start[k+1]]
	order  []int32
}

const pointGridMax = 32

func newPointGrid(f *fingerprint.Features, w, h int, tol float64) *pointGrid {
	g := &pointGrid{f: f, w: float64(w), h: float64(h), side: max(tol, float64(max(w, h))/pointGridMax)}
	g.bw, g.bh = int(g.w/g.side)+1, int(g.h/g.side)+1
	// A counting sort of the keypoints by cell: counts in start[k+2],
	// summed, then start[k+1] advanced as cell k is filled, which leaves
	// cell k at order[start[k]:start[k+1]].
	g.start = make([]int32, g.bw*g.bh+2)
	cell := make([]int32, len(f.Points))
	for j := range f.Points {
		x, y := float64(f.Points[j].X)*g.w, float64(f.Points[j].Y)*g.h
		cell[j] = int32(min(int(y/g.side), g.bh-1)*g.bw + min(int(x/g.side), g.bw-1))
		g.start[cell[j]+2]++
	}
	for k := 2; k < len(g.start); k++ {
		g.start[k] += g.start[k-1]
	}
	g.order = make([]int32, len(f.Points))
	for j, k := range cell {
		g.order[g.start[k+1]] = int32(j)
		g.start[k+1]++
	}
	return g
}

// find reports whether a keypoint lies within tol of p (pixels) with an
// orientation rot (1/256 turns) from ap's, within angleTolerance, and a
// descriptor within maxPairDistance of ap's.
func (g *pointGrid) find(ap *fingerprint.Keypoint, p complex128, tol float64, rot int) bool {
	bx, by := int(real(p)/g.side), int(imag(p)/g.side)
	for y := max(0, by-1); y <= min(g.bh-1, by+1); y++ {
		for x := max(0, bx-1); x <= min(g.bw-1, bx+1); x++ {
			k := y*g.bw + x
			for _, j := range g.order[g.start[k]:g.start[k+1]] {
				qp := &g.f.Points[j]
				if cmplx.Abs(complex(float64(qp.X)*g.w, float64(qp.Y)*g.h)-p) > tol {
					continue
				}
				if !angleAgrees(int(qp.Angle)-int(ap.Angle), rot) {
					continue
				}
				if fingerprint.DescDistance(&ap.Desc, &qp.Desc) <= maxPairDistance {
					return true
				}
			}
		}
	}
	return false
}

// angleAgrees reports whether an orientation difference d (1/256 turns)
// is within angleTolerance of a transform's rotation rot, modulo a turn.
func angleAgrees(d, rot int) bool {
	x := ((d-rot)%256 + 256 + 128) % 256
	return x-128 <= angleTolerance && 128-x <= angleTolerance
}
