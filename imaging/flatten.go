package imaging

import (
	"image"
	"image/color"
	"image/draw"
)

// Flatten returns src as an opaque *image.RGBA whose bounds start at (0,0),
// with any transparency composited over white (see the package doc). It
// has fast paths for the types the decoders produce and falls back to
// image/draw for the rest. The boolean reports whether src had any pixel
// that was not fully opaque.
func Flatten(src image.Image) (*image.RGBA, bool) {
	if s, ok := src.(*image.YCbCr); ok {
		if m := ycbcrToRGBA(s); m != nil {
			return m, false
		}
	}
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	switch s := src.(type) {
	case *image.YCbCr, *image.Gray, *image.CMYK:
		// Always opaque: image/draw converts these quickly.
		draw.Draw(dst, dst.Rect, s, b.Min, draw.Src)
		return dst, false
	case *image.NRGBA:
		return dst, flattenNRGBA(dst, s)
	case *image.RGBA:
		return dst, flattenRGBA(dst, s)
	case *image.Paletted:
		return dst, flattenPaletted(dst, s)
	}
	// Generic path (16-bit, NYCbCrA, Gray16, ...): premultiplied 16-bit
	// values from At, reduced to 8 bits, then composited over white.
	translucent := false
	i := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := src.At(x, y).RGBA()
			if a != 0xffff {
				translucent = true
			}
			r8, g8, b8, a8 := uint8(r>>8), uint8(g>>8), uint8(bl>>8), uint8(a>>8)
			dst.Pix[i+0] = r8 + (255 - a8)
			dst.Pix[i+1] = g8 + (255 - a8)
			dst.Pix[i+2] = b8 + (255 - a8)
			dst.Pix[i+3] = 255
			i += 4
		}
	}
	return dst, translucent
}

// over composites a premultiplied 8-bit value over white.
func over(c, a uint8) uint8 { return c + (255 - a) }

// premul turns a straight-alpha 8-bit value into a premultiplied one,
// rounding exactly as image/color does for NRGBA -> RGBA.
func premul(c, a uint8) uint8 {
	return uint8((uint32(c) * 0x101 * uint32(a) / 0xff) >> 8)
}

func flattenNRGBA(dst *image.RGBA, s *image.NRGBA) bool {
	translucent := false
	w, h := dst.Rect.Dx(), dst.Rect.Dy()
	for y := 0; y < h; y++ {
		sr := s.Pix[s.PixOffset(s.Rect.Min.X, s.Rect.Min.Y+y):][: w*4 : w*4]
		dr := dst.Pix[y*dst.Stride:][: w*4 : w*4]
		for x := 0; x < len(sr); x += 4 {
			a := sr[x+3]
			if a == 255 {
				dr[x], dr[x+1], dr[x+2] = sr[x], sr[x+1], sr[x+2]
			} else {
				translucent = true
				dr[x] = over(premul(sr[x], a), a)
				dr[x+1] = over(premul(sr[x+1], a), a)
				dr[x+2] = over(premul(sr[x+2], a), a)
			}
			dr[x+3] = 255
		}
	}
	return translucent
}

func flattenRGBA(dst *image.RGBA, s *image.RGBA) bool {
	translucent := false
	w, h := dst.Rect.Dx(), dst.Rect.Dy()
	for y := 0; y < h; y++ {
		sr := s.Pix[s.PixOffset(s.Rect.Min.X, s.Rect.Min.Y+y):][: w*4 : w*4]
		dr := dst.Pix[y*dst.Stride:][: w*4 : w*4]
		for x := 0; x < len(sr); x += 4 {
			a := sr[x+3]
			if a != 255 {
				translucent = true
			}
			dr[x] = over(sr[x], a)
			dr[x+1] = over(sr[x+1], a)
			dr[x+2] = over(sr[x+2], a)
			dr[x+3] = 255
		}
	}
	return translucent
}

func flattenPaletted(dst *image.RGBA, s *image.Paletted) bool {
	var lut [256][4]uint8
	for i := range lut {
		var c color.Color = color.Black // out-of-range indices read as opaque black, as image.Paletted.At does
		if i < len(s.Palette) {
			c = s.Palette[i]
		}
		r, g, b, a := c.RGBA()
		a8 := uint8(a >> 8)
		lut[i] = [4]uint8{over(uint8(r>>8), a8), over(uint8(g>>8), a8), over(uint8(b>>8), a8), a8}
	}
	translucent := false
	w, h := dst.Rect.Dx(), dst.Rect.Dy()
	for y := 0; y < h; y++ {
		sr := s.Pix[s.PixOffset(s.Rect.Min.X, s.Rect.Min.Y+y):][:w:w]
		dr := dst.Pix[y*dst.Stride:][: w*4 : w*4]
		for x, idx := range sr {
			c := lut[idx]
			if c[3] != 255 {
				translucent = true
			}
			dr[4*x], dr[4*x+1], dr[4*x+2], dr[4*x+3] = c[0], c[1], c[2], 255
		}
	}
	return translucent
}
