package fingerprint

import (
	"image"
	"slices"
)

// Border trimming: thieves add frames, letterboxing and padding, which move
// every PDQ bit. TrimBorders finds the picture inside such a border, plain
// or patterned (checks, stripes), so that the trimmed picture can be hashed
// as well.

const (
	// trimTolerance is the largest difference of any channel from a side's
	// border colour for a pixel to count as border.
	trimTolerance = 24
	// trimOutliers is the fraction of a line's pixels that may differ from
	// the border colour (JPEG ringing, noise, a stray mark) and still count
	// as border.
	trimOutliers = 0.02
	// trimMaxSide is the largest fraction of a side that can be trimmed.
	trimMaxSide = 0.45
	// MinTrim is the smallest fraction of the area that a trim must remove
	// for the trimmed picture to be worth its own hash.
	MinTrim = 0.03
)

// TrimBorders returns the rectangle of img left after removing uniform or
// patterned borders: on each side, the outermost rows or columns whose
// pixels (but for 2%) are within 24 of that side's outermost line's mean
// colour, up to 45% of the side. A side with no such border (or one of
// under trimGap lines: the last pixels of a JPEG picture may differ) may
// have a border of two colours in checks or stripes (twoColours): the
// lines of it, allowing trimGap lines all of mixtures (along the edge
// between checks), whose pixels (but for 2%) are within patternTolerance
// of a mixture of the two and at most trimMixed of them near neither. A
// two-coloured border reaching the 45% limit is the picture's own
// pattern, not trimmed. It returns img.Rect when there is no border, and
// never an empty rectangle.
func TrimBorders(img *image.RGBA) image.Rectangle {
	r := img.Rect
	w, h := r.Dx(), r.Dy()
	if w < 8 || h < 8 {
		return r
	}
	maxX, maxY := int(float64(w)*trimMaxSide), int(float64(h)*trimMaxSide)
	// Each side: the colour of its outermost line, then inward while the
	// lines keep that colour.
	top := trimSide(img, maxY, func(i int) (int, int, int, int) { return r.Min.X, r.Min.Y + i, 1, 0 }, w)
	bottom := trimSide(img, maxY, func(i int) (int, int, int, int) { return r.Min.X, r.Max.Y - 1 - i, 1, 0 }, w)
	left := trimSide(img, maxX, func(i int) (int, int, int, int) { return r.Min.X + i, r.Min.Y, 0, 1 }, h)
	right := trimSide(img, maxX, func(i int) (int, int, int, int) { return r.Max.X - 1 - i, r.Min.Y, 0, 1 }, h)
	if (top == maxY && bottom == maxY) || (left == maxX && right == maxX) {
		// Uniform to the limit from both sides: a flat picture, not a
		// frame around one.
		return r
	}
	out := image.Rect(r.Min.X+left, r.Min.Y+top, r.Max.X-right, r.Max.Y-bottom)
	if out.Dx() < 4 || out.Dy() < 4 {
		return r
	}
	return out
}

// trimSide counts the border lines of one side. line(i) gives the start
// (x, y) of the i-th line from the outside and its step (dx, dy); n is the
// line's length. A border is of one colour, that of its outermost line,
// or of two (a checked or striped frame, twoColours).
func trimSide(img *image.RGBA, max int, line func(i int) (x, y, dx, dy int), n int) int {
	x, y, dx, dy := line(0)
	c := lineMean(img, x, y, dx, dy, n)
	allowed := int(float64(n) * trimOutliers)
	i := 0
	for ; i < max; i++ {
		x, y, dx, dy := line(i)
		if lineOff(img, x, y, dx, dy, n, c, c, allowed) > allowed {
			break
		}
	}
	if i >= trimGap || i == max {
		return i
	}
	// No border of one colour, or a line or two (the odd colours JPEG
	// gives the last pixels of a picture whose size is not a multiple of
	// its blocks): perhaps a border of two, read from one of the next
	// trimGap lines, the two colours farthest apart (a line along the
	// edge between checks gives mixtures).
	var c1, c2 [3]int
	first, apart := i, -1
	for k := first; k < first+trimGap && k < max; k++ {
		x, y, dx, dy := line(k)
		if a, b, ok := twoColours(img, x, y, dx, dy, n, lineMean(img, x, y, dx, dy, n)); ok && colourDistance(a, b) > apart {
			c1, c2, apart = a, b, colourDistance(a, b)
		}
	}
	if apart < 0 {
		return first
	}
	mixed := int(float64(n) * trimMixed)
	border := func(i int) bool {
		x, y, dx, dy := line(i)
		return lineOff(img, x, y, dx, dy, n, c1, c2, allowed) <= allowed &&
			lineMixed(img, x, y, dx, dy, n, c1, c2, mixed) <= mixed
	}
	end := first
	for i := first; i < max; i++ {
		if border(i) {
			end = i + 1
		} else if i-end >= trimGap {
			// A line along the edge between checks is all mixture: the
			// border goes on if one of the next few lines is border
			// again.
			break
		}
	}
	if end == max {
		return first // a striped or checked picture, not a frame around one
	}
	return end
}

// trimMinShare is the least share of a two-coloured border's outermost
// line that each colour must cover: checks and stripes alternate, where
// the edge of a drawing on a plain ground is one colour and a few
// strokes.
const trimMinShare = 0.2

// trimMinChanges is the least number of times the outermost line of a
// two-coloured border changes from one colour to the other.
const trimMinChanges = 6

// evenRuns reports whether every run is within a third of the median
// run's length (3 pixels for short runs) of it.
func evenRuns(runs []int) bool {
	sorted := slices.Clone(runs)
	slices.Sort(sorted)
	m := sorted[len(sorted)/2]
	slack := max(3, m/3)
	return sorted[0] >= m-slack && sorted[len(sorted)-1] <= m+slack
}

// trimGap is how many lines of a two-coloured border may be all mixture
// (along the edge between its checks or stripes, JPEG having blurred it)
// between lines that are border.
const trimGap = 3

// colourDistance is the squared distance between two colours.
func colourDistance(a, b [3]int) int {
	return (a[0]-b[0])*(a[0]-b[0]) + (a[1]-b[1])*(a[1]-b[1]) + (a[2]-b[2])*(a[2]-b[2])
}

// lineMean is the mean colour of a line (start x, y, step dx, dy, n
// pixels).
func lineMean(img *image.RGBA, x, y, dx, dy, n int) [3]int {
	var sum [3]int
	for k := 0; k < n; k++ {
		o := img.PixOffset(x+k*dx, y+k*dy)
		sum[0] += int(img.Pix[o])
		sum[1] += int(img.Pix[o+1])
		sum[2] += int(img.Pix[o+2])
	}
	return [3]int{sum[0] / n, sum[1] / n, sum[2] / n}
}

// splitMeans assigns every stride-th of n pixels (at) to the nearer of c1
// and c2 and returns the means of each side and their counts; a side
// with no pixel keeps its colour.
func splitMeans(at func(int) [3]int, n, stride int, c1, c2 [3]int) (m1, m2 [3]int, n1, n2 int) {
	var s1, s2 [3]int
	for k := 0; k < n; k += stride {
		p := at(k)
		if colourDistance(p, c1) <= colourDistance(p, c2) {
			n1++
			for c := range p {
				s1[c] += p[c]
			}
		} else {
			n2++
			for c := range p {
				s2[c] += p[c]
			}
		}
	}
	m1, m2 = c1, c2
	for c := range 3 {
		if n1 > 0 {
			m1[c] = s1[c] / n1
		}
		if n2 > 0 {
			m2[c] = s2[c] / n2
		}
	}
	return m1, m2, n1, n2
}

// twoColoursSamples is about how many pixels of a line twoColours reads
// to find its two colours.
const twoColoursSamples = 128

// trimMixed is the fraction of a two-coloured border line's pixels that
// may be mixtures of its colours (the edges between checks or stripes,
// blurred by JPEG's chroma subsampling), not near either.
const trimMixed = 0.4

// lineOff counts the pixels of a line (start x, y, step dx, dy, n pixels)
// that lie farther than trimTolerance (in some channel) from c1 when c2 is
// c1, else farther than patternTolerance from every mixture of the two,
// stopping once the count passes limit.
func lineOff(img *image.RGBA, x, y, dx, dy, n int, c1, c2 [3]int, limit int) int {
	var d [3]int
	dd := 0
	for c := range d {
		d[c] = c2[c] - c1[c]
		dd += d[c] * d[c]
	}
	bad := 0
	if dd == 0 {
		// One colour (TrimBorders' usual case): no mixture to project on.
		for k := 0; k < n; k++ {
			o := img.PixOffset(x+k*dx, y+k*dy)
			p := img.Pix[o : o+3 : o+3]
			if absDiff(int(p[0]), c1[0]) > trimTolerance || absDiff(int(p[1]), c1[1]) > trimTolerance || absDiff(int(p[2]), c1[2]) > trimTolerance {
				if bad++; bad > limit {
					break
				}
			}
		}
		return bad
	}
	for k := 0; k < n; k++ {
		o := img.PixOffset(x+k*dx, y+k*dy)
		p := img.Pix[o : o+3 : o+3]
		dot := 0
		for c := range d {
			dot += (int(p[c]) - c1[c]) * d[c]
		}
		t := min(1, max(0, float64(dot)/float64(dd)))
		for c := range d {
			if absDiff(int(p[c]), c1[c]+int(t*float64(d[c])+0.5)) > patternTolerance {
				bad++
				break
			}
		}
		if bad > limit {
			break
		}
	}
	return bad
}

// lineMixed counts the pixels of a line that are near neither c1 nor c2,
// stopping once the count passes limit.
func lineMixed(img *image.RGBA, x, y, dx, dy, n int, c1, c2 [3]int, limit int) int {
	mixed := 0
	for k := 0; k < n; k++ {
		o := img.PixOffset(x+k*dx, y+k*dy)
		p := img.Pix[o : o+3 : o+3]
		if !nearColour(p, c1) && !nearColour(p, c2) {
			if mixed++; mixed > limit {
				break
			}
		}
	}
	return mixed
}

// nearColour reports whether p is within patternTolerance of c in every
// channel.
func nearColour(p []uint8, c [3]int) bool {
	return absDiff(int(p[0]), c[0]) <= patternTolerance && absDiff(int(p[1]), c[1]) <= patternTolerance && absDiff(int(p[2]), c[2]) <= patternTolerance
}

// patternTolerance is trimTolerance for the pixels of a two-coloured
// border: JPEG rings at the edges between its checks or stripes, and
// shifts saturated colours by its chroma subsampling.
const patternTolerance = 2 * trimTolerance

// twoColours finds the two colours of a patterned border line (mean: the
// line's mean colour): two means, seeded by the pixel farthest from the
// mean and the one farthest from that, refined three times on a sample
// and once on the whole line. It reports false unless the two are more
// than patternTolerance apart in some channel, each covers trimMinShare
// of the line, at most trimMixed of its pixels are near neither, at most
// trimOutliers off every mixture of them, and they alternate at least
// trimMinChanges times in runs of one length (evenRuns).
func twoColours(img *image.RGBA, x, y, dx, dy, n int, mean [3]int) (c1, c2 [3]int, ok bool) {
	// The colours are found on a sample of the line (every stride-th
	// pixel, twoColoursSamples or so): most lines, a photograph's, are
	// rejected on it.
	stride := max(1, n/twoColoursSamples)
	samples := (n + stride - 1) / stride
	at := func(k int) [3]int {
		o := img.PixOffset(x+k*dx, y+k*dy)
		return [3]int{int(img.Pix[o]), int(img.Pix[o+1]), int(img.Pix[o+2])}
	}
	farthest := func(from [3]int) [3]int {
		best, bd := from, -1
		for k := 0; k < n; k += stride {
			if p := at(k); colourDistance(p, from) > bd {
				best, bd = p, colourDistance(p, from)
			}
		}
		return best
	}
	c1 = farthest(mean)
	c2 = farthest(c1)
	for iter := range 3 {
		var n1, n2 int
		c1, c2, n1, n2 = splitMeans(at, n, stride, c1, c2)
		if float64(min(n1, n2)) < trimMinShare*float64(samples) {
			return c1, c2, false // a line of one colour with a few marks
		}
		if absDiff(c1[0], c2[0]) <= patternTolerance && absDiff(c1[1], c2[1]) <= patternTolerance && absDiff(c1[2], c2[2]) <= patternTolerance {
			return c1, c2, false // one colour and its noise
		}
		if iter == 0 {
			// Most lines are not made of two colours: rejected before
			// refining them further.
			near := 0
			for k := 0; k < n; k += stride {
				o := img.PixOffset(x+k*dx, y+k*dy)
				if p := img.Pix[o : o+3 : o+3]; nearColour(p, c1) || nearColour(p, c2) {
					near++
				}
			}
			if float64(near) < (1-trimMixed)*float64(samples) {
				return c1, c2, false
			}
		}
	}
	// The two colours as the means of the whole line's pixels nearest
	// each (the sample's may be off by the mixtures it happened to take).
	if stride > 1 {
		var n1, n2 int
		if c1, c2, n1, n2 = splitMeans(at, n, 1, c1, c2); n1 == 0 || n2 == 0 {
			return c1, c2, false
		}
	}
	// Checks and stripes alternate along the line in runs of one length,
	// where the edge of a figure on a plain ground changes colour once or
	// twice and a photograph's two colours come in runs of any length.
	var runs []int // the length of each run but the last, the first partial
	last, start := -1, 0
	for k := 0; k < n; k++ {
		o := img.PixOffset(x+k*dx, y+k*dy)
		p := img.Pix[o : o+3 : o+3]
		label := -1
		switch {
		case nearColour(p, c1):
			label = 0
		case nearColour(p, c2):
			label = 1
		}
		if label < 0 {
			continue
		}
		if last >= 0 && label != last {
			runs = append(runs, k-start)
			start = k
		}
		last = label
	}
	if len(runs) < trimMinChanges || !evenRuns(runs[1:]) {
		return c1, c2, false
	}
	allowed, mixed := int(float64(n)*trimOutliers), int(float64(n)*trimMixed)
	if lineOff(img, x, y, dx, dy, n, c1, c2, allowed) > allowed || lineMixed(img, x, y, dx, dy, n, c1, c2, mixed) > mixed {
		return c1, c2, false
	}
	return c1, c2, true
}

func absDiff(a, b int) int {
	if a > b {
		return a - b
	}
	return b - a
}
