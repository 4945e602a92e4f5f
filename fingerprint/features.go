package fingerprint

import (
	"cmp"
	"image"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
)

// Local features: keypoints with rotation-aware binary descriptors, in the
// manner of ORB (FAST corners ranked by the Harris response, orientation by
// intensity centroid, a rotated BRIEF test pattern), computed over a small
// scale pyramid of the picture's luma reduced to FeatureSide pixels. They
// let the matcher recognise a picture that was cropped, framed, rotated by
// any angle, overlaid or embedded in another picture, by finding many
// keypoints that one geometric transform maps onto each other.

const (
	// FeatureSide is the longest side of the frame features are found in.
	FeatureSide = 512
	// AssetFeatures is how many keypoints are kept for a registered asset;
	// QueryFeatures for a query (more: the query may be a larger picture
	// with the asset in one part of it).
	AssetFeatures = 192
	QueryFeatures = 512
	// featureLevels is the number of pyramid levels, each 1/sqrt(2) of the
	// one before.
	featureLevels = 5
	// FeatureLevels is featureLevels: a keypoint's Level is under it.
	FeatureLevels = featureLevels
	// featureBorder is the margin, in pixels of a level, where no keypoint
	// is taken: the descriptor's pattern (radius 13) and the orientation
	// patch (radius 15) must fit.
	featureBorder = 16
	patternRadius = 13
	orientRadius  = 15
	angleBins     = 32
	// minFeatureSide: pictures smaller than this on a side have no
	// keypoints.
	minFeatureSide = 48
	// MinThumbSide: pictures at least this on each side get a thumbnail
	// and a colour grid (Features without Points) when they have no
	// keypoints; smaller ones get no Features at all.
	MinThumbSide = 8
)

// Keypoint is one local feature.
type Keypoint struct {
	// X and Y are the position as fractions of the picture's width and
	// height, in [0, 1].
	X, Y float32
	// Level is the pyramid level it was found at: its patch spans
	// 31 * sqrt(2)^Level pixels of the FeatureSide frame.
	Level uint8
	// Angle is its orientation in 1/256 of a turn.
	Angle uint8
	// Desc is the 256-bit binary descriptor.
	Desc [4]uint64
}

// ThumbSide is the side of Features.Thumb.
const ThumbSide = 32

// Features is the set of local features of one picture.
type Features struct {
	// Width and Height are those of the frame the keypoints were found in
	// (the picture reduced so that its longest side is at most FeatureSide).
	Width, Height int
	Points        []Keypoint
	// Thumb is the picture's luma averaged over a ThumbSide x ThumbSide
	// grid of equal cells (row by row), so that a verifier can compare
	// the pixels of the area two pictures share; nil in blobs of version 1.
	Thumb []uint8

	// Color is the picture's mean R, G and B (interleaved) over a
	// ColorSide x ColorSide grid of equal cells (row by row); nil in blobs
	// of versions 1 and 2.
	Color []uint8

	// color is the picture's colour frame (MeanColor), kept like
	// integral.
	color *colorFrame

	// integral is the summed-area table of the frame's luma, (Width+1) x
	// (Height+1), or of the picture's own luma, (iw+1) x (ih+1), when iw
	// is set (fineFrames); kept only for features computed in this
	// process (a query), not stored.
	integral []uint32
	iw, ih   int

	// Captions are the lines of outlined letters found over the picture
	// (findCaptions) when asked (ExtractQueryFeatures, Options.Captions);
	// not stored.
	Captions []CaptionRect
	// Inset is the rectangle, in the picture's pixels, of a picture set
	// inside this one (FindInset), when asked (ExtractQueryFeatures,
	// Options.Inset) and found; empty otherwise. Not stored.
	Inset image.Rectangle
}

// MeanLuma returns the mean luma of the rectangle (x0, y0)-(x1, y1) of the
// picture, in fractions of its width and height, clipped to the picture;
// false when the picture's luma was not kept (stored features) or the
// rectangle lies outside. Pixels the rectangle cuts count by the share of
// them it covers, so a cell of a small picture (a 60 px sprite cut in 32
// cells) has the same mean however the picture was mirrored or turned.
func (f *Features) MeanLuma(x0, y0, x1, y1 float64) (float64, bool) {
	if f.integral == nil {
		return 0, false
	}
	s, W, H := f.integral, f.Width, f.Height
	if f.iw > 0 {
		W, H = f.iw, f.ih
	}
	w, h := float64(W), float64(H)
	x0, y0 = min(max(x0, 0), 1)*w, min(max(y0, 0), 1)*h
	x1, y1 = min(max(x1, 0), 1)*w, min(max(y1, 0), 1)*h
	area := (x1 - x0) * (y1 - y0)
	if x1 <= x0 || y1 <= y0 || area < 1e-9 {
		return 0, false
	}
	sum := satAt(s, W, H, x1, y1) - satAt(s, W, H, x0, y1) - satAt(s, W, H, x1, y0) + satAt(s, W, H, x0, y0)
	return sum / area, true
}

// thumb is the frame's luma averaged over a ThumbSide x ThumbSide grid of
// equal cells, each counting the pixels it cuts by the share it covers
// (MeanLuma), rounded to bytes.
func (f *Features) thumb() []uint8 {
	const n = ThumbSide
	out := make([]uint8, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			m, _ := f.MeanLuma(float64(j)/n, float64(i)/n, float64(j+1)/n, float64(i+1)/n)
			out[i*n+j] = uint8(min(max(math.Round(m), 0), 255))
		}
	}
	return out
}

// DescDistance is the Hamming distance between two descriptors (0..256).
func DescDistance(a, b *[4]uint64) int {
	return bits.OnesCount64(a[0]^b[0]) + bits.OnesCount64(a[1]^b[1]) +
		bits.OnesCount64(a[2]^b[2]) + bits.OnesCount64(a[3]^b[3])
}

// LevelScale is the size of a keypoint's patch relative to level 0.
func LevelScale(level uint8) float64 { return math.Pow(math.Sqrt2, float64(level)) }

// harris is the Harris corner response over a 7x7 window around (x, y).
// The sums are of integers, exact in an int as in a float64.
func harris(g *grayImage, x, y int) float32 {
	var sxx, syy, sxy int
	w := g.w
	for dy := -3; dy <= 3; dy++ {
		o := (y+dy)*w + x
		up := g.pix[o-w-3 : o-w+4]
		dn := g.pix[o+w-3 : o+w+4]
		r := g.pix[o-4 : o+5]
		for i := range 7 {
			ix := int(r[i+2]) - int(r[i])
			iy := int(dn[i]) - int(up[i])
			sxx += ix * ix
			syy += iy * iy
			sxy += ix * iy
		}
	}
	fxx, fyy, fxy := float64(sxx), float64(syy), float64(sxy)
	tr := fxx + fyy
	return float32(fxx*fyy - fxy*fxy - 0.04*tr*tr)
}

// orientUMax[dy] is the half-width of the orientation disc at row dy.
var orientUMax [orientRadius + 1]int

// pattern holds the BRIEF point pairs rotated to each of angleBins angles:
// pattern[bin][i] = (x1, y1, x2, y2).
var pattern [angleBins][256][4]int8

func init() {
	for dy := 0; dy <= orientRadius; dy++ {
		orientUMax[dy] = int(math.Floor(math.Sqrt(float64(orientRadius*orientRadius - dy*dy))))
	}
	// A fixed pattern: pairs drawn from an isotropic Gaussian (sigma 31/5)
	// inside a disc of radius patternRadius, from a fixed seed.
	rng := rand.New(rand.NewPCG(0x5eed, 0x0b1e))
	var base [256][4]float64
	pt := func() (float64, float64) {
		for {
			x, y := rng.NormFloat64()*31/5, rng.NormFloat64()*31/5
			if x*x+y*y <= patternRadius*patternRadius {
				return x, y
			}
		}
	}
	for i := range base {
		for {
			x1, y1 := pt()
			x2, y2 := pt()
			if math.Hypot(x1-x2, y1-y2) >= 2 {
				base[i] = [4]float64{x1, y1, x2, y2}
				break
			}
		}
	}
	for b := 0; b < angleBins; b++ {
		a := 2 * math.Pi * float64(b) / angleBins
		c, s := math.Cos(a), math.Sin(a)
		for i, p := range base {
			pattern[b][i] = [4]int8{
				int8(math.Round(c*p[0] - s*p[1])), int8(math.Round(s*p[0] + c*p[1])),
				int8(math.Round(c*p[2] - s*p[3])), int8(math.Round(s*p[2] + c*p[3])),
			}
		}
	}
}

// orientation is the angle of the intensity centroid of the disc around
// (x, y), in 1/256 turns.
func orientation(g *grayImage, x, y int) uint8 {
	var m10, m01 int
	w := g.w
	c := y*w + x
	for u := -orientRadius; u <= orientRadius; u++ {
		m10 += u * int(g.pix[c+u])
	}
	for v := 1; v <= orientRadius; v++ {
		d := orientUMax[v]
		for u := -d; u <= d; u++ {
			vp, vm := int(g.pix[c+v*w+u]), int(g.pix[c-v*w+u])
			m10 += u * (vp + vm)
			m01 += v * (vp - vm)
		}
	}
	a := math.Atan2(float64(m01), float64(m10))
	return uint8(int(math.Round(a/(2*math.Pi)*256)) & 255)
}

// describe computes the rotated BRIEF descriptor at (x, y) of the blurred
// level image.
func describe(g *grayImage, x, y int, angle uint8) [4]uint64 {
	bin := (int(angle)*angleBins + 128) / 256 % angleBins
	var d [4]uint64
	w := g.w
	c := y*w + x
	for i, p := range &pattern[bin] {
		a := g.pix[c+int(p[1])*w+int(p[0])]
		b := g.pix[c+int(p[3])*w+int(p[2])]
		if a < b {
			d[i>>6] |= 1 << (i & 63)
		}
	}
	return d
}

// ExtractFeatures finds up to n keypoints of img, spread over the picture
// (no more than a few per cell of an 8x8 grid before the strongest others
// fill in), with the picture's thumbnail and colour grid. A picture under
// 48 pixels on a side once reduced, or without any corner (a flat
// drawing, a soft gradient), gets the thumbnail and the colour grid
// without keypoints: its copies can still be compared pixel for pixel
// (match.CompareAligned), a tiny copy of a picture (a quarter of a sprite)
// or a blurred one most of all. It returns nil for pictures under
// MinThumbSide pixels on a side. Deterministic.
func ExtractFeatures(img *image.RGBA, n int) *Features {
	return extractFeatures(img, n, extractOptions{})
}

// ExtractQueryFeatures is ExtractFeatures that also finds the captions
// written over the picture (Features.Captions) and a picture set inside
// it (Features.Inset), as a query's features are (Options.Captions,
// Options.Inset).
func ExtractQueryFeatures(img *image.RGBA, n int) *Features {
	return extractFeatures(img, n, extractOptions{captions: true, inset: true})
}

// extractOptions are what extractFeatures does besides ExtractFeatures:
// find the captions, a picture set inside this one (Options.Captions,
// Options.Inset).
type extractOptions struct{ captions, inset bool }

// extractFeatures is ExtractFeatures, and does what o asks besides.
func extractFeatures(img *image.RGBA, n int, o extractOptions) *Features {
	if img == nil || n <= 0 || img.Rect.Dx() <= 0 || img.Rect.Dy() <= 0 {
		return nil
	}
	sc := featureScratchPool.Get().(*featureScratch)
	defer featureScratchPool.Put(sc)
	g0 := lumaFrame(img, FeatureSide, &sc.levels[0], sc)
	if g0.w < MinThumbSide || g0.h < MinThumbSide {
		return nil
	}
	if g0.w < minFeatureSide || g0.h < minFeatureSide {
		return pixelsOnly(img, g0)
	}
	levels := sc.levels[:1]
	for l := 1; l < featureLevels; l++ {
		s := LevelScale(uint8(l))
		w, h := int(math.Round(float64(g0.w)/s)), int(math.Round(float64(g0.h)/s))
		if w < minFeatureSide || h < minFeatureSide {
			break
		}
		levels = append(levels, *g0.shrink(w, h, &sc.levels[l], sc))
	}
	cs := sc.corners[:0]
	for _, t := range []int{20, 10, 5} {
		cs = cs[:0]
		for l := range levels {
			cs = fastCorners(&levels[l], t, featureBorder, l, cs, sc)
		}
		if len(cs) >= n {
			break
		}
	}
	sc.corners = cs
	if len(cs) == 0 {
		return pixelsOnly(img, g0)
	}
	// byRank orders corners by score, best first, then by level and
	// position: a total order, so that an unstable sort is deterministic
	// (and keeps corners of equal score in the order found).
	byRank := func(a, b corner) int {
		return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(a.level, b.level), cmp.Compare(a.y, b.y), cmp.Compare(a.x, b.x))
	}
	// The Harris response ranks the corners; only the 4n with the best
	// FAST scores are worth computing it for.
	if len(cs) > 4*n {
		cs = topByScore(cs, 4*n, sc)
	}
	for i := range cs {
		cs[i].score = harris(&levels[cs[i].level], cs[i].x, cs[i].y)
	}
	slices.SortFunc(cs, byRank)
	// Spread: at most perCell keypoints per cell of an 8x8 grid in the
	// first pass; the strongest of the rest fill what is left.
	const grid = 8
	perCell := max(2, 2*n/(grid*grid))
	var cells [grid * grid]int
	sc.taken = grow(sc.taken, len(cs))
	taken := sc.taken
	clear(taken)
	chosen := make([]corner, 0, min(n, len(cs)))
	var scale [featureLevels]float64
	for l := range scale {
		scale[l] = LevelScale(uint8(l))
	}
	cellOf := func(c corner) int {
		s := scale[c.level]
		gx := min(grid-1, int(float64(c.x)*s*grid/float64(g0.w)))
		gy := min(grid-1, int(float64(c.y)*s*grid/float64(g0.h)))
		return gy*grid + gx
	}
	for i, c := range cs {
		if len(chosen) == n {
			break
		}
		if k := cellOf(c); cells[k] < perCell {
			cells[k]++
			taken[i] = true
			chosen = append(chosen, c)
		}
	}
	for i, c := range cs {
		if len(chosen) == n {
			break
		}
		if !taken[i] {
			chosen = append(chosen, c)
		}
	}
	var blurred [featureLevels]*grayImage
	f := pixelsOnly(img, g0)
	f.Points = make([]Keypoint, 0, len(chosen))
	for _, c := range chosen {
		if blurred[c.level] == nil {
			blurred[c.level] = levels[c.level].blur(&sc.blurred[c.level], sc)
		}
		b := blurred[c.level]
		angle := orientation(b, c.x, c.y)
		// Fractions of the picture: level pixels are s level-0 pixels wide.
		s := scale[c.level]
		f.Points = append(f.Points, Keypoint{
			X:     float32((float64(c.x) + 0.5) * s / float64(g0.w)),
			Y:     float32((float64(c.y) + 0.5) * s / float64(g0.h)),
			Level: uint8(c.level),
			Angle: angle,
			Desc:  describe(b, c.x, c.y, angle),
		})
	}
	if o.captions {
		f.Captions = findCaptions(g0)
	}
	if o.inset {
		if r, ok := findInset(g0, sc); ok {
			f.Inset = refineInset(img, r, g0.w, g0.h)
		}
	}
	return f
}

// pixelsOnly returns the Features of img, whose luma frame is g0, without
// keypoints: the frame's size, thumbnail and colour grid, made from the
// fine frames of a narrow picture (fineFrames).
func pixelsOnly(img *image.RGBA, g0 *grayImage) *Features {
	f := &Features{Width: g0.w, Height: g0.h, integral: summedArea(g0)}
	colorSide := f.fineFrames(img, g0)
	f.Thumb = f.thumb()
	f.color = newColorFrame(img, colorSide)
	f.Color = f.color.grid()
	return f
}

// Fine frames. A narrow picture's frames are coarse across it: a 77x614
// query (a 64x512 sprite strip with a border) is reduced to a 64x512 luma
// frame, where the strip is 53 pixels wide and the asset's thumbnail
// cells 1.7 pixels wide, each frame pixel the mean of whole picture
// pixels; its colour frame is 16x128, the strip's colour cells 0.8 of a
// pixel wide. The cells laid on the asset's then mix their neighbours,
// and a copy found exactly (its inset rectangle on the strip's own
// pixels) correlated 0.91-0.97 with 16 or 32 colour cells off. So the
// luma averaged over cells (MeanLuma, the thumbnail) is the picture's at
// its own size when the luma frame is under fineMinSide on its shorter
// side and the picture is at most fineMaxPixels, and the colour
// (MeanColor, the colour grid) is the picture's at its own size (at most
// fineMaxColorSide on the longer side) when the usual colour frame would
// be under fineMinColorSide on its shorter side: an asset's stored
// thumbnail and colour grid as a query's cells, each the mean of its own
// pixels. A picture of usual proportions keeps the frames it had, and the
// keypoints are found in the luma frame as before. (Until 2026-12-07 the
// coarse frames made both; a narrow asset stored before keeps its
// thumbnail and colour grid, a little blurred across it.)
const (
	fineMinSide      = 128
	fineMaxPixels    = 4 << 20
	fineMinColorSide = 64
	fineMaxColorSide = 1024
)

// fineFrames keeps the luma of img at its own size in f (for MeanLuma)
// when the luma frame g0 is narrow (see Fine frames), and returns the
// longer side of the colour frame to make.
func (f *Features) fineFrames(img *image.RGBA, g0 *grayImage) int {
	W, H := img.Rect.Dx(), img.Rect.Dy()
	if min(g0.w, g0.h) < fineMinSide && (g0.w < W || g0.h < H) && W*H <= fineMaxPixels {
		var full grayImage
		lumaFrame(img, max(W, H), &full, nil)
		f.integral, f.iw, f.ih = summedArea(&full), full.w, full.h
	}
	if long, short := max(W, H), min(W, H); short*colorFrameSide < long*fineMinColorSide {
		return max(colorFrameSide, min(fineMaxColorSide, long))
	}
	return colorFrameSide
}

// topByScore returns the k corners of cs (k < len(cs)) that come first in
// the order of score, best first, then of index in cs, in the order of cs.
// The scores are FAST scores, whole numbers from 1 to 16*255+1.
func topByScore(cs []corner, k int, sc *featureScratch) []corner {
	const maxScore = 16*255 + 1
	hist := grow(sc.hist, maxScore+1)
	clear(hist)
	for _, c := range cs {
		hist[int(c.score)]++
	}
	// The k best are those scoring over cut and the first few scoring cut.
	cut, above := maxScore, 0
	for ; above+int(hist[cut]) < k; cut-- {
		above += int(hist[cut])
	}
	atCut := k - above
	top := grow(sc.top, k)[:0]
	for _, c := range cs {
		s := int(c.score)
		if s > cut {
			top = append(top, c)
		} else if s == cut && atCut > 0 {
			top = append(top, c)
			atCut--
		}
	}
	sc.hist, sc.top = hist, top
	return top
}

// voteBits are the descriptor bits that make a keypoint's vote key: the
// tests closest to even odds and least correlated with each other,
// measured on 17,334 keypoints of 150 corpus pictures (most tests are
// biased by the orientation the patch was turned to).
var voteBits = [20]uint8{253, 52, 30, 26, 205, 72, 237, 77, 196, 131, 227, 91, 141, 250, 150, 147, 103, 114, 115, 18}

// VoteKey is a 20-bit key of a descriptor for inverted indexes: copies of
// the same spot mostly share it or differ in one bit.
func VoteKey(d *[4]uint64) uint32 {
	var k uint32
	for i, b := range voteBits {
		k |= uint32(d[b>>6]>>(b&63)&1) << i
	}
	return k
}

// checkBits are 32 more tests, of even odds as far as could be had and
// none of voteBits: an index keeps them beside a vote key to confirm that
// two descriptors filed under one key are alike.
var checkBits = [32]uint8{168, 197, 146, 156, 221, 252, 159, 220, 194, 216, 206, 5, 178, 31, 12, 33, 86, 87, 190, 60, 143, 2, 42, 111, 108, 51, 43, 158, 192, 183, 24, 145}

// VoteCheck is the 32-bit confirmation of a descriptor (see checkBits).
func VoteCheck(d *[4]uint64) uint32 {
	var k uint32
	for i, b := range checkBits {
		k |= uint32(d[b>>6]>>(b&63)&1) << i
	}
	return k
}
