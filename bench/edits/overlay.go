package edits

import (
	"image"
	"image/color"
	"math"
	"sync"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Captions a reposter might write over a picture.
var captions = []string{
	"FOR SALE", "mint now", "@cryptoking", "1/1 rare", "DM to buy",
	"not your keys", "#4271", "floor 0.2 ETH", "gm", "LIMITED DROP",
	"wow", "original art", "follow me", "free mint",
}

var (
	fontOnce sync.Once
	fontData *opentype.Font
	fontErr  error
)

func boldFont() (*opentype.Font, error) {
	fontOnce.Do(func() { fontData, fontErr = opentype.Parse(gobold.TTF) })
	return fontData, fontErr
}

// newFace returns the Go Bold face at size pixels (at least 6), or the
// fixed 7x13 face should the embedded font ever fail to load.
func newFace(size float64) font.Face {
	f, err := boldFont()
	if err == nil {
		var face font.Face
		if face, err = opentype.NewFace(f, &opentype.FaceOptions{Size: max(size, 6), DPI: 72, Hinting: font.HintingNone}); err == nil {
			return face
		}
	}
	return basicfont.Face7x13
}

// textOverlay writes a caption in white with a black outline. The caption
// is a line about 1/10 of the height (large: about 1/7, two words per line
// up to three lines, centred) at a random position.
func textOverlay(large bool) pix {
	return func(s *image.RGBA, env *Env) *image.RGBA {
		d := clone(s)
		w, h := d.Rect.Dx(), d.Rect.Dy()
		lines := []string{captions[env.Rand.IntN(len(captions))]}
		size := float64(h) / 10
		if large {
			size = float64(h) / 7
			lines = append(lines, captions[env.Rand.IntN(len(captions))])
		}
		face := newFace(size)
		defer func() { face.Close() }()
		dr := &font.Drawer{Face: face}
		widest := 0
		for _, l := range lines {
			widest = max(widest, dr.MeasureString(l).Ceil())
		}
		// Shrink to fit the width when needed.
		if widest > w*9/10 && widest > 0 {
			size = size * float64(w*9/10) / float64(widest)
			face.Close()
			face = newFace(size)
			dr.Face = face
			widest = 0
			for _, l := range lines {
				widest = max(widest, dr.MeasureString(l).Ceil())
			}
		}
		lh := int(math.Ceil(size * 1.2))
		blockH := lh * len(lines)
		x0 := env.Rand.IntN(max(1, w-widest))
		y0 := env.Rand.IntN(max(1, h-blockH)) + int(size)
		outline := max(1, int(size/14))
		for i, l := range lines {
			y := y0 + i*lh
			dr.Dst = d
			dr.Src = image.NewUniform(color.RGBA{0, 0, 0, 255})
			for dy := -outline; dy <= outline; dy += outline {
				for dx := -outline; dx <= outline; dx += outline {
					if dx == 0 && dy == 0 {
						continue
					}
					dr.Dot = fixed.P(x0+dx, y+dy)
					dr.DrawString(l)
				}
			}
			dr.Src = image.NewUniform(color.RGBA{255, 255, 255, 255})
			dr.Dot = fixed.P(x0, y)
			dr.DrawString(l)
		}
		return d
	}
}

// logoOverlay draws a logo over frac of the width near a random corner,
// with a margin of 2-5% of the width.
func logoOverlay(frac float64) pix {
	return func(s *image.RGBA, env *Env) *image.RGBA {
		d := clone(s)
		w, h := d.Rect.Dx(), d.Rect.Dy()
		var logo image.Image
		if len(env.Logos) > 0 {
			logo = env.Logos[env.Rand.IntN(len(env.Logos))]
		} else {
			logo = badge(env, 128)
		}
		lb := logo.Bounds()
		lw := max(1, int(float64(w)*frac))
		lh := max(1, lw*lb.Dy()/max(1, lb.Dx()))
		if lh > h/2 {
			lh = max(1, h/2)
			lw = max(1, lh*lb.Dx()/max(1, lb.Dy()))
		}
		m := max(1, int(float64(w)*(0.02+0.03*env.Rand.Float64())))
		x, y := m, m
		if env.Rand.IntN(2) == 0 {
			x = w - lw - m
		}
		if env.Rand.IntN(2) == 0 {
			y = h - lh - m
		}
		xdraw.CatmullRom.Scale(d, image.Rect(x, y, x+lw, y+lh), logo, lb, xdraw.Over, nil)
		return d
	}
}

// badge is a generated logo: a filled circle with a ring, on transparency.
func badge(env *Env, n int) *image.NRGBA {
	fg, ring := randColor(env), randColor(env)
	d := image.NewNRGBA(image.Rect(0, 0, n, n))
	c := float64(n) / 2
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			r := math.Hypot(float64(x)+0.5-c, float64(y)+0.5-c) / c
			var col color.NRGBA
			switch {
			case r < 0.75:
				col = color.NRGBA{fg.R, fg.G, fg.B, 255}
			case r < 1:
				col = color.NRGBA{ring.R, ring.G, ring.B, 255}
			}
			d.SetNRGBA(x, y, col)
		}
	}
	return d
}
