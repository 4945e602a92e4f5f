package bench

import (
	"image"
	"image/draw"
	"math"
	"math/rand/v2"
)

// This file draws the procedural pictures whose PDQ hashes seed the index
// benchmark's corpus: gradients, shapes, smooth noise, stripes, text-like
// pages, "collections" (a shared background with varying traits, as in
// generative NFT sets) and edits (crops, shifts, recolours) of photos.

type rgb struct{ r, g, b float64 }

func randRGB(rng *rand.Rand) rgb {
	return rgb{rng.Float64() * 255, rng.Float64() * 255, rng.Float64() * 255}
}

func (c rgb) mix(o rgb, t float64) rgb {
	return rgb{c.r + (o.r-c.r)*t, c.g + (o.g-c.g)*t, c.b + (o.b-c.b)*t}
}

func clamp8(v float64) uint8 { return uint8(math.Max(0, math.Min(255, v))) }

func (c rgb) set(img *image.RGBA, x, y int) {
	i := img.PixOffset(x, y)
	img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = clamp8(c.r), clamp8(c.g), clamp8(c.b), 255
}

func newImage(rng *rand.Rand) *image.RGBA {
	sizes := []int{96, 128, 128, 160}
	return image.NewRGBA(image.Rect(0, 0, sizes[rng.IntN(len(sizes))], sizes[rng.IntN(len(sizes))]))
}

// paint fills img with f(u, v), u and v in [0, 1).
func paint(img *image.RGBA, f func(u, v float64) rgb) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			f(float64(x)/float64(w), float64(y)/float64(h)).set(img, x, y)
		}
	}
}

func gradient(rng *rand.Rand, img *image.RGBA) {
	a, b := randRGB(rng), randRGB(rng)
	if rng.IntN(2) == 0 { // linear
		th := rng.Float64() * 2 * math.Pi
		dx, dy := math.Cos(th), math.Sin(th)
		paint(img, func(u, v float64) rgb { return a.mix(b, (u*dx+v*dy)/2+0.5) })
		return
	}
	cx, cy, rad := rng.Float64(), rng.Float64(), 0.3+rng.Float64()
	paint(img, func(u, v float64) rgb { return a.mix(b, math.Min(1, math.Hypot(u-cx, v-cy)/rad)) })
}

// noise fills img with smooth value noise of one to three octaves.
func noise(rng *rand.Rand, img *image.RGBA) {
	type octave struct {
		n    int
		grid []rgb
		amp  float64
	}
	var oct []octave
	amp := 1.0
	for i, n := 0, 2+rng.IntN(10); i < 1+rng.IntN(3); i, n = i+1, n*2 {
		o := octave{n: n, amp: amp, grid: make([]rgb, (n+1)*(n+1))}
		for j := range o.grid {
			o.grid[j] = randRGB(rng)
		}
		oct = append(oct, o)
		amp /= 2
	}
	paint(img, func(u, v float64) rgb {
		var c rgb
		tot := 0.0
		for _, o := range oct {
			fx, fy := u*float64(o.n), v*float64(o.n)
			ix, iy := int(fx), int(fy)
			tx, ty := fx-float64(ix), fy-float64(iy)
			g := func(x, y int) rgb { return o.grid[y*(o.n+1)+x] }
			p := g(ix, iy).mix(g(ix+1, iy), tx).mix(g(ix, iy+1).mix(g(ix+1, iy+1), tx), ty)
			c = rgb{c.r + p.r*o.amp, c.g + p.g*o.amp, c.b + p.b*o.amp}
			tot += o.amp
		}
		return rgb{c.r / tot, c.g / tot, c.b / tot}
	})
}

func stripes(rng *rand.Rand, img *image.RGBA) {
	a, b := randRGB(rng), randRGB(rng)
	th := rng.Float64() * math.Pi
	f := 2 + rng.Float64()*20
	dx, dy := math.Cos(th)*f, math.Sin(th)*f
	checker := rng.IntN(3) == 0
	paint(img, func(u, v float64) rgb {
		s := math.Sin(2 * math.Pi * (u*dx + v*dy))
		if checker {
			s *= math.Sin(2 * math.Pi * (u*dy - v*dx))
		}
		return a.mix(b, s/2+0.5)
	})
}

// shapes draws n rectangles, ellipses and triangles.
func shapes(rng *rand.Rand, img *image.RGBA, n int) {
	w, h := float64(img.Rect.Dx()), float64(img.Rect.Dy())
	for range n {
		c := randRGB(rng)
		cx, cy := rng.Float64()*w, rng.Float64()*h
		rx, ry := (0.05+rng.Float64()*0.3)*w, (0.05+rng.Float64()*0.3)*h
		kind := rng.IntN(3)
		for y := max(0, int(cy-ry)); y < min(int(h), int(cy+ry)+1); y++ {
			for x := max(0, int(cx-rx)); x < min(int(w), int(cx+rx)+1); x++ {
				u, v := (float64(x)-cx)/rx, (float64(y)-cy)/ry
				in := false
				switch kind {
				case 0:
					in = math.Abs(u) <= 1 && math.Abs(v) <= 1
				case 1:
					in = u*u+v*v <= 1
				case 2:
					in = v >= -1 && v <= 1 && math.Abs(u) <= (v+1)/2
				}
				if in {
					c.set(img, x, y)
				}
			}
		}
	}
}

func solid(img *image.RGBA, c rgb) { paint(img, func(u, v float64) rgb { return c }) }

// text draws a page of dark "words" on a light background.
func text(rng *rand.Rand, img *image.RGBA) {
	paper := rgb{220 + rng.Float64()*35, 220 + rng.Float64()*35, 210 + rng.Float64()*45}
	ink := rgb{rng.Float64() * 80, rng.Float64() * 80, rng.Float64() * 80}
	solid(img, paper)
	w, h := img.Rect.Dx(), img.Rect.Dy()
	lineH := 5 + rng.IntN(8)
	margin := 4 + rng.IntN(12)
	y := margin
	if rng.IntN(2) == 0 { // a heading block
		fillRect(img, margin, y, margin+w/3+rng.IntN(w/3), y+2*lineH, ink)
		y += 3 * lineH
	}
	for ; y+lineH < h-margin; y += lineH + 2 + lineH/3 {
		x := margin
		end := w - margin - rng.IntN(w/3+1)*rng.IntN(2)
		for x < end {
			wl := 3 + rng.IntN(lineH*3)
			fillRect(img, x, y, min(x+wl, end), y+lineH, ink)
			x += wl + 2 + rng.IntN(3)
		}
	}
}

func fillRect(img *image.RGBA, x0, y0, x1, y1 int, c rgb) {
	for y := max(y0, 0); y < min(y1, img.Rect.Dy()); y++ {
		for x := max(x0, 0); x < min(x1, img.Rect.Dx()); x++ {
			c.set(img, x, y)
		}
	}
}

// cropOf returns a w x h nearest-neighbour resample of the rectangle
// (x0, y0, x0+cw, y0+ch) of src.
func cropOf(src *image.RGBA, x0, y0, cw, ch, w, h int) *image.RGBA {
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		sy := y0 + y*ch/h
		for x := 0; x < w; x++ {
			sx := x0 + x*cw/w
			copy(dst.Pix[dst.PixOffset(x, y):dst.PixOffset(x, y)+4], src.Pix[src.PixOffset(sx, sy):src.PixOffset(sx, sy)+4])
		}
	}
	return dst
}

// photoEdit returns a random crop of src (40-100% of each side), resized to
// about 128 pixels, sometimes recoloured or with shapes or text pasted on.
func photoEdit(rng *rand.Rand, src *image.RGBA) *image.RGBA {
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	cw := max(8, int(float64(sw)*(0.4+0.6*rng.Float64())))
	ch := max(8, int(float64(sh)*(0.4+0.6*rng.Float64())))
	x0, y0 := rng.IntN(sw-cw+1), rng.IntN(sh-ch+1)
	w := 128
	h := max(32, min(256, w*ch/cw))
	img := cropOf(src, x0, y0, cw, ch, w, h)
	switch rng.IntN(4) {
	case 0:
		recolour(img, 0.7+0.6*rng.Float64(), 0.8+0.4*rng.Float64(), (rng.Float64()-0.5)*60)
	case 1:
		shapes(rng, img, 1+rng.IntN(3))
	case 2:
		overlay := image.NewRGBA(image.Rect(0, 0, w, h/4+1))
		text(rng, overlay)
		draw.Draw(img, overlay.Rect.Add(image.Pt(0, rng.IntN(h-h/4))), overlay, image.Point{}, draw.Src)
	}
	return img
}

// recolour scales contrast around mid-grey, saturation around each pixel's
// grey, and adds a brightness offset.
func recolour(img *image.RGBA, contrast, sat, bright float64) {
	p := img.Pix
	for i := 0; i+3 < len(p); i += 4 {
		r, g, b := float64(p[i]), float64(p[i+1]), float64(p[i+2])
		y := 0.299*r + 0.587*g + 0.114*b
		f := func(v float64) uint8 { return clamp8((y+(v-y)*sat-128)*contrast + 128 + bright) }
		p[i], p[i+1], p[i+2] = f(r), f(g), f(b)
	}
}

// addNoise adds uniform noise of the given amplitude to every channel.
func addNoise(rng *rand.Rand, img *image.RGBA, amp float64) {
	p := img.Pix
	for i := 0; i+3 < len(p); i += 4 {
		for c := 0; c < 3; c++ {
			p[i+c] = clamp8(float64(p[i+c]) + (rng.Float64()*2-1)*amp)
		}
	}
}

// shifted returns img shifted by (dx, dy) pixels with edge replication: a
// mild edit that moves few PDQ bits.
func shifted(img *image.RGBA, dx, dy int) *image.RGBA {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	dst := image.NewRGBA(img.Rect)
	for y := 0; y < h; y++ {
		sy := min(max(y-dy, 0), h-1)
		for x := 0; x < w; x++ {
			sx := min(max(x-dx, 0), w-1)
			copy(dst.Pix[dst.PixOffset(x, y):dst.PixOffset(x, y)+4], img.Pix[img.PixOffset(sx, sy):img.PixOffset(sx, sy)+4])
		}
	}
	return dst
}

// procedural draws one picture of a random kind; collection templates are
// passed in so that members of one collection share a background.
func procedural(rng *rand.Rand, photos []*image.RGBA, collections []*image.RGBA) *image.RGBA {
	img := newImage(rng)
	switch k := rng.IntN(10); {
	case k < 2:
		gradient(rng, img)
		if rng.IntN(2) == 0 {
			shapes(rng, img, 1+rng.IntN(6))
		}
	case k < 4:
		noise(rng, img)
	case k < 5:
		stripes(rng, img)
	case k < 6:
		solid(img, randRGB(rng))
		shapes(rng, img, 3+rng.IntN(10))
	case k < 7:
		text(rng, img)
	case k < 8 && len(collections) > 0:
		tpl := collections[rng.IntN(len(collections))]
		img = cropOf(tpl, 0, 0, tpl.Rect.Dx(), tpl.Rect.Dy(), tpl.Rect.Dx(), tpl.Rect.Dy())
		shapes(rng, img, 1+rng.IntN(3)) // the traits
	case len(photos) > 0:
		img = photoEdit(rng, photos[rng.IntN(len(photos))])
	default:
		noise(rng, img)
	}
	if rng.IntN(4) == 0 {
		addNoise(rng, img, 4+rng.Float64()*20)
	}
	return img
}
