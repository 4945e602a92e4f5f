package edits

import (
	"image"
	"image/color"
	"math"

	xdraw "golang.org/x/image/draw"
)

// The pixel operations behind the edits. Each takes an *image.RGBA whose
// bounds start at (0,0) and returns a new one (the source is never
// modified).

func fill(dst *image.RGBA, r image.Rectangle, c color.RGBA) {
	r = r.Intersect(dst.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		i := dst.PixOffset(r.Min.X, y)
		for x := r.Min.X; x < r.Max.X; x++ {
			dst.Pix[i], dst.Pix[i+1], dst.Pix[i+2], dst.Pix[i+3] = c.R, c.G, c.B, 255
			i += 4
		}
	}
}

func clone(s *image.RGBA) *image.RGBA {
	d := image.NewRGBA(s.Rect)
	copy(d.Pix, s.Pix)
	return d
}

func clamp8(v float64) uint8 {
	if v <= 0 {
		return 0
	}
	if v >= 255 {
		return 255
	}
	return uint8(v + 0.5)
}

// scale resizes s to w x h (Catmull-Rom, which filters properly when
// shrinking).
func scale(s image.Image, w, h int) *image.RGBA {
	w, h = max(w, 1), max(h, 1)
	d := image.NewRGBA(image.Rect(0, 0, w, h))
	xdraw.CatmullRom.Scale(d, d.Rect, s, s.Bounds(), xdraw.Over, nil)
	return d
}

func resizeBy(f float64) pix {
	return func(s *image.RGBA, _ *Env) *image.RGBA {
		return scale(s, int(math.Round(float64(s.Rect.Dx())*f)), int(math.Round(float64(s.Rect.Dy())*f)))
	}
}

func hflip(s *image.RGBA, _ *Env) *image.RGBA {
	w, h := s.Rect.Dx(), s.Rect.Dy()
	d := image.NewRGBA(s.Rect)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			copy(d.Pix[d.PixOffset(w-1-x, y):][:4], s.Pix[s.PixOffset(x, y):][:4])
		}
	}
	return d
}

// rot90 turns s a quarter turn clockwise.
func rot90(s *image.RGBA, _ *Env) *image.RGBA {
	w, h := s.Rect.Dx(), s.Rect.Dy()
	d := image.NewRGBA(image.Rect(0, 0, h, w))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			copy(d.Pix[d.PixOffset(h-1-y, x):][:4], s.Pix[s.PixOffset(x, y):][:4])
		}
	}
	return d
}

func rot180(s *image.RGBA, _ *Env) *image.RGBA {
	w, h := s.Rect.Dx(), s.Rect.Dy()
	d := image.NewRGBA(s.Rect)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			copy(d.Pix[d.PixOffset(w-1-x, h-1-y):][:4], s.Pix[s.PixOffset(x, y):][:4])
		}
	}
	return d
}

// bilinear samples s at (fx, fy) (pixel centres at integer+0.5); ok is
// false outside the picture.
func bilinear(s *image.RGBA, fx, fy float64) (r, g, b float64, ok bool) {
	w, h := s.Rect.Dx(), s.Rect.Dy()
	fx, fy = fx-0.5, fy-0.5
	if fx < -0.5 || fy < -0.5 || fx > float64(w)-0.5 || fy > float64(h)-0.5 {
		return 0, 0, 0, false
	}
	x0, y0 := int(math.Floor(fx)), int(math.Floor(fy))
	tx, ty := fx-float64(x0), fy-float64(y0)
	at := func(x, y int) []uint8 {
		x, y = min(max(x, 0), w-1), min(max(y, 0), h-1)
		return s.Pix[s.PixOffset(x, y):][:3]
	}
	p00, p10, p01, p11 := at(x0, y0), at(x0+1, y0), at(x0, y0+1), at(x0+1, y0+1)
	mix := func(c int) float64 {
		top := float64(p00[c])*(1-tx) + float64(p10[c])*tx
		bot := float64(p01[c])*(1-tx) + float64(p11[c])*tx
		return top*(1-ty) + bot*ty
	}
	return mix(0), mix(1), mix(2), true
}

// rotateBy turns the picture by deg degrees, in a random direction, about
// its centre, on a canvas of the same size; uncovered corners are white.
func rotateBy(deg float64) pix {
	return func(s *image.RGBA, env *Env) *image.RGBA {
		a := deg * math.Pi / 180
		if env.Rand.IntN(2) == 0 {
			a = -a
		}
		w, h := s.Rect.Dx(), s.Rect.Dy()
		cx, cy := float64(w)/2, float64(h)/2
		sin, cos := math.Sin(a), math.Cos(a)
		d := image.NewRGBA(s.Rect)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				// Inverse rotation of the destination pixel's centre.
				dx, dy := float64(x)+0.5-cx, float64(y)+0.5-cy
				sx, sy := cos*dx+sin*dy+cx, -sin*dx+cos*dy+cy
				i := d.PixOffset(x, y)
				r, g, b, ok := bilinear(s, sx, sy)
				if !ok {
					r, g, b = 255, 255, 255
				}
				d.Pix[i], d.Pix[i+1], d.Pix[i+2], d.Pix[i+3] = clamp8(r), clamp8(g), clamp8(b), 255
			}
		}
		return d
	}
}

// cropWindow returns the window kept by a crop removing frac of the area.
func cropWindow(w, h int, frac float64, off bool, env *Env) image.Rectangle {
	k := math.Sqrt(1 - frac)
	cw, ch := max(1, int(math.Round(float64(w)*k))), max(1, int(math.Round(float64(h)*k)))
	fx, fy := (w-cw)/2, (h-ch)/2
	if off {
		// Off-centre: a random position, pushed at least a quarter of the
		// free margin away from the centre on one axis.
		px, py := env.Rand.Float64(), env.Rand.Float64()
		if math.Abs(px-0.5) < 0.25 && math.Abs(py-0.5) < 0.25 {
			if env.Rand.IntN(2) == 0 {
				px = 0.125 + 0.75*float64(env.Rand.IntN(2))
			} else {
				py = 0.125 + 0.75*float64(env.Rand.IntN(2))
			}
		}
		fx, fy = int(px*float64(w-cw)), int(py*float64(h-ch))
	}
	return image.Rect(fx, fy, fx+cw, fy+ch)
}

func cropBy(frac float64, off bool) pix {
	return func(s *image.RGBA, env *Env) *image.RGBA {
		r := cropWindow(s.Rect.Dx(), s.Rect.Dy(), frac, off, env)
		d := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
		xdraw.Draw(d, d.Rect, s, r.Min, xdraw.Src)
		return d
	}
}

func randColor(env *Env) color.RGBA {
	return color.RGBA{uint8(env.Rand.IntN(256)), uint8(env.Rand.IntN(256)), uint8(env.Rand.IntN(256)), 255}
}

// padBy adds a border so that each side grows by frac, split unevenly.
func padBy(frac float64, pattern bool) pix {
	return func(s *image.RGBA, env *Env) *image.RGBA {
		w, h := s.Rect.Dx(), s.Rect.Dy()
		pw, ph := int(math.Round(float64(w)*frac)), int(math.Round(float64(h)*frac))
		left := int(float64(pw) * (0.25 + 0.5*env.Rand.Float64()))
		top := int(float64(ph) * (0.25 + 0.5*env.Rand.Float64()))
		d := image.NewRGBA(image.Rect(0, 0, w+pw, h+ph))
		c1 := randColor(env)
		fill(d, d.Rect, c1)
		if pattern {
			c2 := randColor(env)
			step := max(4, (w+h)/40+env.Rand.IntN(8))
			checks := env.Rand.IntN(2) == 0
			for y := 0; y < d.Rect.Dy(); y++ {
				for x := 0; x < d.Rect.Dx(); x++ {
					on := ((x+y)/step)%2 == 0 // diagonal stripes
					if checks {
						on = (x/step+y/step)%2 == 0
					}
					if on {
						i := d.PixOffset(x, y)
						d.Pix[i], d.Pix[i+1], d.Pix[i+2] = c2.R, c2.G, c2.B
					}
				}
			}
		}
		xdraw.Draw(d, image.Rect(left, top, left+w, top+h), s, image.Point{}, xdraw.Src)
		return d
	}
}

func grayscale(s *image.RGBA, _ *Env) *image.RGBA {
	d := clone(s)
	for i := 0; i < len(d.Pix); i += 4 {
		y := clamp8(0.299*float64(d.Pix[i]) + 0.587*float64(d.Pix[i+1]) + 0.114*float64(d.Pix[i+2]))
		d.Pix[i], d.Pix[i+1], d.Pix[i+2] = y, y, y
	}
	return d
}

// hueShift turns every hue by 90-150 degrees (random sign) and raises the
// saturation by 30%.
func hueShift(s *image.RGBA, env *Env) *image.RGBA {
	a := (90 + 60*env.Rand.Float64()) * math.Pi / 180
	if env.Rand.IntN(2) == 0 {
		a = -a
	}
	// Rotation about the grey axis in RGB space (the YIQ-style hue turn).
	cos, sin := math.Cos(a), math.Sin(a)
	const k = 1.0 / 3
	sq := math.Sqrt(k)
	m := [3][3]float64{
		{cos + (1-cos)*k, k*(1-cos) - sq*sin, k*(1-cos) + sq*sin},
		{k*(1-cos) + sq*sin, cos + k*(1-cos), k*(1-cos) - sq*sin},
		{k*(1-cos) - sq*sin, k*(1-cos) + sq*sin, cos + k*(1-cos)},
	}
	d := clone(s)
	for i := 0; i < len(d.Pix); i += 4 {
		r, g, b := float64(d.Pix[i]), float64(d.Pix[i+1]), float64(d.Pix[i+2])
		nr := m[0][0]*r + m[0][1]*g + m[0][2]*b
		ng := m[1][0]*r + m[1][1]*g + m[1][2]*b
		nb := m[2][0]*r + m[2][1]*g + m[2][2]*b
		y := (nr + ng + nb) / 3
		d.Pix[i], d.Pix[i+1], d.Pix[i+2] = clamp8(y+(nr-y)*1.3), clamp8(y+(ng-y)*1.3), clamp8(y+(nb-y)*1.3)
	}
	return d
}

// tint blends the picture 50-70% towards a duotone of a random colour
// (sepia-like filters).
func tint(s *image.RGBA, env *Env) *image.RGBA {
	c := randColor(env)
	t := 0.5 + 0.2*env.Rand.Float64()
	d := clone(s)
	for i := 0; i < len(d.Pix); i += 4 {
		l := (0.299*float64(d.Pix[i]) + 0.587*float64(d.Pix[i+1]) + 0.114*float64(d.Pix[i+2])) / 255
		for ch, cv := range []uint8{c.R, c.G, c.B} {
			duo := l * (0.5*float64(cv) + 0.5*255)
			d.Pix[i+ch] = clamp8(float64(d.Pix[i+ch])*(1-t) + duo*t)
		}
	}
	return d
}

// contrast applies a strong contrast change (x0.5 or x1.8 about the mean
// grey) and a brightness shift of up to ±40.
func contrast(s *image.RGBA, env *Env) *image.RGBA {
	k := 0.5
	if env.Rand.IntN(2) == 0 {
		k = 1.8
	}
	shift := (env.Rand.Float64()*2 - 1) * 40
	d := clone(s)
	for i := 0; i < len(d.Pix); i += 4 {
		for ch := 0; ch < 3; ch++ {
			d.Pix[i+ch] = clamp8((float64(d.Pix[i+ch])-128)*k + 128 + shift)
		}
	}
	return d
}

// blurBy applies an approximate Gaussian blur (three box passes) whose
// sigma is frac of the longest side.
func blurBy(frac float64) pix {
	return func(s *image.RGBA, _ *Env) *image.RGBA {
		sigma := frac * float64(max(s.Rect.Dx(), s.Rect.Dy()))
		// Box radius for three passes giving this sigma.
		r := max(1, int(math.Round((math.Sqrt(4*sigma*sigma+1)-1)/2)))
		d := clone(s)
		tmp := image.NewRGBA(s.Rect)
		for pass := 0; pass < 3; pass++ {
			boxBlur(tmp, d, r, true)
			boxBlur(d, tmp, r, false)
		}
		return d
	}
}

// boxBlur writes to dst the running mean of src over 2r+1 pixels along rows
// (horizontal) or columns, clamping at the edges.
func boxBlur(dst, src *image.RGBA, r int, horizontal bool) {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	n, m := h, w // lines, length
	if !horizontal {
		n, m = w, h
	}
	at := func(line, k int) int {
		k = min(max(k, 0), m-1)
		if horizontal {
			return src.PixOffset(k, line)
		}
		return src.PixOffset(line, k)
	}
	win := float64(2*r + 1)
	for line := 0; line < n; line++ {
		var sum [3]float64
		for k := -r; k <= r; k++ {
			p := at(line, k)
			for c := 0; c < 3; c++ {
				sum[c] += float64(src.Pix[p+c])
			}
		}
		for k := 0; k < m; k++ {
			o := dst.PixOffset(k, line)
			if !horizontal {
				o = dst.PixOffset(line, k)
			}
			for c := 0; c < 3; c++ {
				dst.Pix[o+c] = clamp8(sum[c] / win)
			}
			dst.Pix[o+3] = 255
			in, out := at(line, k+r+1), at(line, k-r)
			for c := 0; c < 3; c++ {
				sum[c] += float64(src.Pix[in+c]) - float64(src.Pix[out+c])
			}
		}
	}
}

// gaussNoise adds independent Gaussian noise of the given standard
// deviation (in 8-bit levels) to every channel.
func gaussNoise(sd float64) pix {
	return func(s *image.RGBA, env *Env) *image.RGBA {
		d := clone(s)
		for i := 0; i < len(d.Pix); i += 4 {
			for c := 0; c < 3; c++ {
				d.Pix[i+c] = clamp8(float64(d.Pix[i+c]) + env.Rand.NormFloat64()*sd)
			}
		}
		return d
	}
}

// saltPepper sets a fraction p of the pixels to black or white.
func saltPepper(p float64) pix {
	return func(s *image.RGBA, env *Env) *image.RGBA {
		d := clone(s)
		for i := 0; i < len(d.Pix); i += 4 {
			if env.Rand.Float64() < p {
				v := uint8(255 * env.Rand.IntN(2))
				d.Pix[i], d.Pix[i+1], d.Pix[i+2] = v, v, v
			}
		}
		return d
	}
}

// embedIn scales the picture to cover frac of the output's area and places
// it at a random position over an unrelated picture from env.Others (a
// generated gradient when there is none). The background is scaled so that
// the source keeps its own resolution when possible, within 1024 pixels on
// the longest side.
func embedIn(frac float64) pix {
	return func(s *image.RGBA, env *Env) *image.RGBA {
		var bg image.Image
		if len(env.Others) > 0 {
			bg = env.Others[env.Rand.IntN(len(env.Others))]
		} else {
			bg = gradientPicture(env, 256, 192)
		}
		w, h := s.Rect.Dx(), s.Rect.Dy()
		bb := bg.Bounds()
		// Output size: the background's aspect, area = source area / frac.
		aspect := float64(bb.Dx()) / float64(bb.Dy())
		area := float64(w*h) / frac
		ow, oh := math.Sqrt(area*aspect), math.Sqrt(area/aspect)
		// The source must fit inside: grow the canvas if needed.
		if g := math.Max(float64(w)/ow, float64(h)/oh); g > 0.95 {
			ow, oh = ow*g/0.95, oh*g/0.95
		}
		sf := 1.0
		if l := math.Max(ow, oh); l > 1024 {
			sf = 1024 / l
		}
		W, H := max(1, int(ow*sf)), max(1, int(oh*sf))
		sw, sh := max(1, int(float64(w)*sf)), max(1, int(float64(h)*sf))
		// Re-fit so the source covers frac of W*H.
		k := math.Sqrt(frac * float64(W*H) / float64(sw*sh))
		sw, sh = min(W, max(1, int(float64(sw)*k))), min(H, max(1, int(float64(sh)*k)))
		d := scale(bg, W, H)
		x0, y0 := env.Rand.IntN(W-sw+1), env.Rand.IntN(H-sh+1)
		src := image.Image(s)
		if sw != w || sh != h {
			src = scale(s, sw, sh)
		}
		xdraw.Draw(d, image.Rect(x0, y0, x0+sw, y0+sh), src, image.Point{}, xdraw.Src)
		return d
	}
}

// gradientPicture is a stand-in background: a two-colour diagonal ramp.
func gradientPicture(env *Env, w, h int) *image.RGBA {
	a, b := randColor(env), randColor(env)
	d := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			t := float64(x+y) / float64(w+h)
			i := d.PixOffset(x, y)
			d.Pix[i] = clamp8(float64(a.R)*(1-t) + float64(b.R)*t)
			d.Pix[i+1] = clamp8(float64(a.G)*(1-t) + float64(b.G)*t)
			d.Pix[i+2] = clamp8(float64(a.B)*(1-t) + float64(b.B)*t)
			d.Pix[i+3] = 255
		}
	}
	return d
}
