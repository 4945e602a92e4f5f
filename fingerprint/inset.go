package fingerprint

import (
	"image"
	"slices"
)

// Insets: a picture set inside another (a screenshot of a marketplace, a
// mockup, a collage) keeps its own pixels but moves every bit of the
// whole picture's PDQ. FindInset finds the rectangle of such a picture by
// its four straight edges: lines across which the luma steps at nearly
// every pixel, which a photograph or a drawing rarely draws at full
// length on all four sides of one rectangle, and which are not its
// texture (the lines a few pixels beside them step far less often).
//
// Limits: a picture whose edge melts into the one around it (a drawing on
// white pasted on white, dark on dark) shows no edge there and is not
// found; nor is one touching the picture's edge, turned, or under a
// fifth of the picture's width or height.

const (
	// insetLumaStep is the least difference of luma between the pixels
	// on either side of a line for the pixel to count as a step:
	// neighbours, or the pixels one further out (a step that JPEG or
	// resampling spread over two pixels).
	insetLumaStep = 20
	// insetMinSide is the least share of the picture's width (height) a
	// found rectangle's width (height) may have; insetMaxArea the largest
	// share of its area (more is a border, TrimBorders' case).
	insetMinSide = 0.2
	insetMaxArea = 0.9
	// insetMinSteps is the least share of each side's pixels that step,
	// and insetMinEnds of each quarter at its ends (a side running on
	// past the picture's corner steps less there); insetMaxBeside the
	// largest share of that share that may step on the lines insetBeside
	// pixels outside and inside it (texture steps everywhere).
	insetMinSteps  = 0.8
	insetMinEnds   = 0.5
	insetMaxBeside = 0.5
	insetBeside    = 3
	// insetLines bounds the candidate lines kept in each direction: those
	// with the longest runs of steps.
	insetLines = 24
	// insetMinPixels is the least width and height of a picture searched
	// (and of its luma frame).
	insetMinPixels = 48
)

// Step flags of one pixel of a line.
const (
	stepNear   = 1 // the neighbours across the line differ
	stepSpread = 2 // the pixels one further out do
)

// stepMap holds the steps across the lines of a picture in one direction,
// row by row (s[y*w+x]): across the line before column x (vertical) or
// before row y.
type stepMap struct {
	s        []uint8
	w, h     int
	vertical bool
}

// lines is the number of lines, n their length.
func (m *stepMap) lines() int {
	if m.vertical {
		return m.w
	}
	return m.h
}

func (m *stepMap) n() int {
	if m.vertical {
		return m.h
	}
	return m.w
}

// at is pixel i of line l.
func (m *stepMap) at(l, i int) uint8 {
	if m.vertical {
		return m.s[i*m.w+l]
	}
	return m.s[l*m.w+i]
}

// FindInset returns the rectangle of a picture set inside img, and false
// when there is none. It is searched in img's luma frame (reduced to at
// most FeatureSide pixels a side, as for the local features): the
// largest rectangle, at least insetMinSide of each side and at most
// insetMaxArea of the area, not touching the frame's edge, whose four
// sides step (insetLumaStep) at >= insetMinSteps of their pixels and >=
// insetMinEnds of each end quarter, the lines insetBeside pixels outside
// and inside each side stepping at most insetMaxBeside as often (of
// rectangles as large, the one whose weakest side steps most). Its sides
// are then placed on img's own lines (refineInset). About 0.9 ms for a
// 512x512 frame, besides reducing img to it (BenchmarkFindInset).
func FindInset(img *image.RGBA) (image.Rectangle, bool) {
	W, H := img.Rect.Dx(), img.Rect.Dy()
	if W < insetMinPixels || H < insetMinPixels {
		return image.Rectangle{}, false
	}
	sc := featureScratchPool.Get().(*featureScratch)
	defer featureScratchPool.Put(sc)
	g := lumaFrame(img, FeatureSide, &sc.levels[0], sc)
	r, ok := findInset(g, sc)
	if !ok {
		return r, false
	}
	return refineInset(img, r, g.w, g.h), true
}

// findInset is FindInset on a luma frame; its buffers come from sc.
func findInset(g *grayImage, sc *featureScratch) (image.Rectangle, bool) {
	w, h := g.w, g.h
	if w < insetMinPixels || h < insetMinPixels {
		return image.Rectangle{}, false
	}
	sc.insetSteps = grow(sc.insetSteps, 2*w*h)
	vs, hs := steps(g.pix, w, h, sc.insetSteps)
	sc.insetSums = sc.insetSums[:0]
	xs := insetCandidates(&vs, int(insetMinSide*float64(h)))
	ys := insetCandidates(&hs, int(insetMinSide*float64(w)))
	if len(xs) < 2 || len(ys) < 2 {
		return image.Rectangle{}, false
	}
	// Prefix sums of the steps along each candidate line and the lines
	// insetBeside either side of it.
	type line [3][]int32
	sums := func(m *stepMap, ls []int) []line {
		out := make([]line, len(ls))
		for i, l := range ls {
			for k, d := range [3]int{0, -insetBeside, insetBeside} {
				n := m.n()
				at := len(sc.insetSums)
				sc.insetSums = append(sc.insetSums, make([]int32, n+1)...)
				p := sc.insetSums[at : at+n+1 : at+n+1]
				if l+d >= 1 && l+d < m.lines() {
					for j := range n {
						p[j+1] = p[j]
						if m.at(l+d, j) != 0 {
							p[j+1]++
						}
					}
				}
				out[i][k] = p
			}
		}
		return out
	}
	vl, hl := sums(&vs, xs), sums(&hs, ys)
	// side is the share of the pixels from a to b of line l that step; 0
	// when a line beside it steps more than insetMaxBeside as often, or
	// fewer than insetMinEnds of its first or last quarter do (a side
	// that runs on past the picture's corner).
	frac := func(p []int32, a, b int) float64 { return float64(p[b]-p[a]) / float64(b-a) }
	side := func(l line, a, b int) float64 {
		on := frac(l[0], a, b)
		if max(frac(l[1], a, b), frac(l[2], a, b)) > insetMaxBeside*on {
			return 0
		}
		if q := max(1, (b-a)/4); min(frac(l[0], a, a+q), frac(l[0], b-q, b)) < insetMinEnds {
			return 0
		}
		return on
	}
	best, bestScore, bestArea := image.Rectangle{}, 0.0, 0
	minW, minH := int(insetMinSide*float64(w)), int(insetMinSide*float64(h))
	for i, x0 := range xs {
		for j, x1 := range xs[i+1:] {
			if x1-x0 < minW {
				continue
			}
			for k, y0 := range ys {
				for m, y1 := range ys[k+1:] {
					area := (x1 - x0) * (y1 - y0)
					if y1-y0 < minH || float64(area) > insetMaxArea*float64(w*h) {
						continue
					}
					if area < bestArea || (area == bestArea && bestScore >= 1) {
						continue
					}
					s := side(vl[i], y0, y1)
					if s < insetMinSteps {
						continue
					}
					s = min(s, side(vl[i+1+j], y0, y1), side(hl[k], x0, x1), side(hl[k+1+m], x0, x1))
					if s >= insetMinSteps && (area > bestArea || s > bestScore) {
						best, bestScore, bestArea = image.Rect(x0, y0, x1, y1), s, area
					}
				}
			}
		}
	}
	return best, bestScore > 0
}

// refineInset places the sides of r, found in img's luma frame of w x h
// pixels, on img's own lines: each side on the line within a frame pixel
// of its place across which most of its pixels' lumas step between
// neighbours (the nearest of them: JPEG shares colours between two rows
// or columns, not lumas). It returns r scaled
// when that leaves too small a rectangle.
func refineInset(img *image.RGBA, r image.Rectangle, w, h int) image.Rectangle {
	W, H := img.Rect.Dx(), img.Rect.Dy()
	sx, sy := func(x int) int { return (x*W + w/2) / w }, func(y int) int { return (y*H + h/2) / h }
	f := max((W+w-1)/w, (H+h-1)/h)
	r = image.Rect(sx(r.Min.X), sy(r.Min.Y), sx(r.Max.X), sy(r.Max.Y))
	luma := func(x, y int) uint8 {
		p := img.Pix[y*img.Stride+4*x:]
		return uint8((299*int(p[0]) + 587*int(p[1]) + 114*int(p[2]) + 500) / 1000)
	}
	// count returns the pixels across vertical line l (between columns
	// l-1 and l) from a to b, or horizontal line l when vertical is
	// false, that step.
	count := func(l, a, b int, vertical bool) int {
		n := 0
		for i := a; i < b; i++ {
			if vertical && lumaStep(luma(l, i), luma(l-1, i)) || !vertical && lumaStep(luma(i, l), luma(i, l-1)) {
				n++
			}
		}
		return n
	}
	place := func(l, a, b, lines int, vertical bool) int {
		bestL, bestN := l, -1
		for k := 0; k <= 2*f; k++ {
			d := (k + 1) / 2 // 0, 1, -1, 2, -2, ...
			if k%2 == 0 {
				d = -d
			}
			if m := l + d; m >= 1 && m < lines {
				if n := count(m, a, b, vertical); n > bestN {
					bestL, bestN = m, n
				}
			}
		}
		return bestL
	}
	out := r
	out.Min.X = place(r.Min.X, r.Min.Y, r.Max.Y, W, true)
	out.Max.X = place(r.Max.X, r.Min.Y, r.Max.Y, W, true)
	out.Min.Y = place(r.Min.Y, r.Min.X, r.Max.X, H, false)
	out.Max.Y = place(r.Max.Y, r.Min.X, r.Max.X, H, false)
	if out.Dx() < insetMinPixels/2 || out.Dy() < insetMinPixels/2 {
		return r.Add(img.Rect.Min)
	}
	return out.Add(img.Rect.Min)
}

// steps marks the steps across the columns and the rows of px (w x h),
// in buf (2 w h bytes, every one written).
func steps(px []uint8, w, h int, buf []uint8) (vs, hs stepMap) {
	vs = stepMap{s: buf[:w*h], w: w, h: h, vertical: true}
	hs = stepMap{s: buf[w*h : 2*w*h], w: w, h: h}
	clear(hs.s[:w]) // no line before row 0
	for y := 0; y < h; y++ {
		row := px[y*w : y*w+w]
		vrow := vs.s[y*w : y*w+w]
		vrow[0] = 0 // no line before column 0
		for x := 1; x < w; x++ {
			var s uint8
			if lumaStep(row[x], row[x-1]) {
				s = stepNear
			}
			if x >= 2 && x+1 < w && lumaStep(row[x+1], row[x-2]) {
				s |= stepSpread
			}
			vrow[x] = s
		}
		if y == 0 {
			continue
		}
		up := px[(y-1)*w : y*w]
		hrow := hs.s[y*w : y*w+w]
		spread := y >= 2 && y+1 < h
		var up2, down []uint8
		if spread {
			up2, down = px[(y-2)*w:(y-1)*w], px[(y+1)*w:(y+2)*w]
		}
		for x := range hrow {
			var s uint8
			if lumaStep(row[x], up[x]) {
				s = stepNear
			}
			if spread && lumaStep(down[x], up2[x]) {
				s |= stepSpread
			}
			hrow[x] = s
		}
	}
	return vs, hs
}

// lumaStep reports whether two lumas differ by insetLumaStep or more.
func lumaStep(a, b uint8) bool {
	// |a - b| >= insetLumaStep, in one unsigned comparison.
	return uint(int(a)-int(b)+insetLumaStep-1) >= 2*insetLumaStep-1
}

// insetCandidates returns the lines of m (not the picture's edges, nor
// within insetBeside of them) holding a run of at least minRun pixels
// that step but for gaps of a few, the insetLines of the longest runs, in
// increasing order.
func insetCandidates(m *stepMap, minRun int) []int {
	lines := m.lines()
	gap := 2 + m.n()/100
	// The run state of every line, updated row by row.
	longest, start, last := make([]int, lines), make([]int, lines), make([]int, lines)
	for l := range start {
		start[l], last[l] = -1, -1
	}
	for y := 0; y < m.h; y++ {
		row := m.s[y*m.w : y*m.w+m.w]
		for x, b := range row {
			if b == 0 {
				continue
			}
			l, i := y, x
			if m.vertical {
				l, i = x, y
			}
			if start[l] < 0 || i-last[l] > gap {
				start[l] = i
			}
			last[l] = i
			longest[l] = max(longest[l], i-start[l]+1)
		}
	}
	type cand struct{ line, run int }
	var cs []cand
	for l := 2; l < lines-1; l++ {
		if longest[l] >= minRun {
			cs = append(cs, cand{l, longest[l]})
		}
	}
	slices.SortStableFunc(cs, func(a, b cand) int { return b.run - a.run })
	if len(cs) > insetLines {
		cs = cs[:insetLines]
	}
	out := make([]int, len(cs))
	for i, c := range cs {
		out[i] = c.line
	}
	slices.Sort(out)
	return out
}
