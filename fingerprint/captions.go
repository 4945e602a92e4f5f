package fingerprint

import "slices"

// Captions: the lines of outlined letters a reposter writes over a
// picture ("FOR SALE", "mint now", a handle), light letters with a dark
// outline, the way meme captions are drawn. Such letters hide the keypoints
// and the cells under them and draw keypoints of their own: a copy under a
// large caption keeps too few of its keypoints for the inlier ratio, and
// too many of its cells differ. A query's Features.Captions name where the
// letters are, so that a verification can also be judged on what they
// leave to see (match.Geometry.Captioned; docs/MATCHING.md, "Captions").
//
// The finder scans the rows of the luma frame for light runs no wider than
// a stroke with a dark run on each side (within a pixel), no wider than
// two outlines: letters crossed by a row. Rows with at least
// minCaptionHits such crossings that follow each other make a band (a
// line of letters), which is cut where its crossings leave a gap wider
// than the band is tall; each piece with enough crossings is a caption
// rectangle, widened by a quarter of the band's height (the outline above
// and below the letters, which a row does not cross).

// CaptionRect is a rectangle of a picture, in fractions of its width and
// height.
type CaptionRect struct {
	X0, Y0, X1, Y1 float32
}

const (
	// captionDark and captionLight bound the luma of an outline's and of
	// a letter's pixels (JPEG rings around them: not 0 and 255).
	captionDark  = 80
	captionLight = 190
	// minCaptionHits is the least number of letter crossings of a row of
	// a caption band; minCaptionRows the least height of a band, in rows
	// of the frame.
	minCaptionHits = 3
	minCaptionRows = 4
	// maxCaptionRowsDiv: a band taller than 1/maxCaptionRowsDiv of the
	// frame is not a line of letters (whose crossed part is at most about
	// a tenth of the picture: letters of large captions are a seventh of
	// it tall) but a pattern: a grid, a fence, a checked cloth.
	maxCaptionRowsDiv = 6
	// maxCaptions bounds the rectangles returned.
	maxCaptions = 16
)

// captionCrossing is one light run bounded by dark ones on a row: the x
// range from the left outline's start to the right one's end.
type captionCrossing struct{ x0, x1 int }

// findCaptions returns the caption rectangles of the luma frame g (nil
// when none), at most maxCaptions. The stroke and outline widths it
// accepts scale with the frame's height, as captions are written to it.
func findCaptions(g *grayImage) []CaptionRect {
	if g.w < minFeatureSide || g.h < minFeatureSide {
		return nil
	}
	// A letter's stroke is about a sixth of its height, an outline about
	// a fourteenth; the letters of a large caption are about a seventh of
	// the picture tall.
	maxStroke := max(3, g.h/28+2)
	maxDark := max(3, g.h/48+2)
	rows := make([][]captionCrossing, g.h)
	var runs []captionRun
	for y := range g.h {
		rows[y], runs = rowCrossings(g.pix[y*g.w:(y+1)*g.w], maxStroke, maxDark, nil, runs[:0])
	}
	var out []CaptionRect
	for y := 0; y < g.h && len(out) < maxCaptions; {
		if len(rows[y]) < minCaptionHits {
			y++
			continue
		}
		// A band: rows with enough crossings, gaps of up to two rows.
		y0, y1 := y, y
		for y1+1 < g.h {
			next := -1
			for k := y1 + 1; k <= min(g.h-1, y1+3); k++ {
				if len(rows[k]) >= minCaptionHits {
					next = k
					break
				}
			}
			if next < 0 {
				break
			}
			y1 = next
		}
		y = y1 + 1
		height := y1 - y0 + 1
		if height < minCaptionRows || height > g.h/maxCaptionRowsDiv {
			continue
		}
		var cs []captionCrossing
		for k := y0; k <= y1; k++ {
			cs = append(cs, rows[k]...)
		}
		slices.SortFunc(cs, func(a, b captionCrossing) int { return a.x0 - b.x0 })
		grow := max(1, height/4)
		emit := func(part []captionCrossing) {
			// Enough crossings: on average two on each of the band's rows.
			if len(part) < 2*height || len(out) == maxCaptions {
				return
			}
			x0, x1 := part[0].x0, part[0].x1
			for _, c := range part {
				x1 = max(x1, c.x1)
			}
			out = append(out, CaptionRect{
				X0: float32(max(0, x0-grow)) / float32(g.w),
				Y0: float32(max(0, y0-grow)) / float32(g.h),
				X1: float32(min(g.w, x1+1+grow)) / float32(g.w),
				Y1: float32(min(g.h, y1+1+grow)) / float32(g.h),
			})
		}
		start, reach := 0, cs[0].x1
		for i := 1; i < len(cs); i++ {
			if cs[i].x0-reach > height {
				emit(cs[start:i])
				start = i
			}
			reach = max(reach, cs[i].x1)
		}
		emit(cs[start:])
	}
	return out
}

// captionRun is a run of pixels of one class of a row: 0 dark, 1 light,
// 2 neither.
type captionRun struct {
	class  uint8
	x0, x1 int // [x0, x1)
}

// rowCrossings appends to dst the crossings of one row of luma: light runs
// of 1 to maxStroke pixels with a dark run of 1 to maxDark pixels on each
// side, at most one pixel of neither between them (antialiasing). It
// returns dst and rs, the row's runs (rs's array reused).
func rowCrossings(row []uint8, maxStroke, maxDark int, dst []captionCrossing, rs []captionRun) ([]captionCrossing, []captionRun) {
	rs = rs[:0]
	for x, v := range row {
		c := uint8(2)
		if v <= captionDark {
			c = 0
		} else if v >= captionLight {
			c = 1
		}
		if n := len(rs); n > 0 && rs[n-1].class == c {
			rs[n-1].x1 = x + 1
			continue
		}
		rs = append(rs, captionRun{c, x, x + 1})
	}
	// dark returns the dark run next to run i in direction d (-1, +1),
	// skipping one pixel of neither, or -1.
	dark := func(i, d int) int {
		j := i + d
		if j >= 0 && j < len(rs) && rs[j].class == 2 && rs[j].x1-rs[j].x0 == 1 {
			j += d
		}
		if j < 0 || j >= len(rs) || rs[j].class != 0 || rs[j].x1-rs[j].x0 > maxDark {
			return -1
		}
		return j
	}
	for i, r := range rs {
		if r.class != 1 || r.x1-r.x0 > maxStroke {
			continue
		}
		l, rt := dark(i, -1), dark(i, +1)
		if l < 0 || rt < 0 {
			continue
		}
		dst = append(dst, captionCrossing{rs[l].x0, rs[rt].x1})
	}
	return dst, rs
}
