// Package edits holds the transformations of Sleuth's accuracy benchmark:
// the ways a thief alters a picture before minting or posting it (resizing,
// recompression, format change, flips, rotations, crops, borders, text and
// logo overlays, recolouring, blur, noise, embedding in a larger picture,
// and combinations of two).
//
// Every Edit is a deterministic function of its inputs: the source picture,
// an Env carrying a random source seeded from (seed, edit name, item) and
// a pool of unrelated pictures (for backgrounds and logos). It returns the
// bytes of an encoded image file, so that an edited copy reaches Sleuth
// through the same decoder as a user's upload. Same inputs, same bytes.
//
// Conventions, in terms of the source's width w and height h:
//
//   - Output encoding: JPEG at quality 92 (what most tools write) unless the
//     edit is about the encoding (families exact, jpeg, format), where the
//     edit's name says the format.
//   - crop-P keeps a window whose area is (100-P)% of the source: each side
//     is sqrt(1-P/100) of the source's side. crop-P is centred; crop-P-off
//     puts the window at a random offset (at least a quarter of the free
//     margin off-centre on one axis).
//   - pad-P-solid and pad-P-pattern add a border so that the output is
//     (1+P/100)·w by (1+P/100)·h, split unevenly between opposite sides; the
//     border is one random colour, or stripes/checks of two colours.
//   - rotate-D turns the picture by D degrees (random sign) about its
//     centre, keeps the canvas size and fills the uncovered corners with
//     white, so the corners of the source are lost.
//   - embed-P scales the source so that it covers P% of the output's area
//     and places it at a random position on an unrelated picture from
//     Env.Others. Those pictures must not be indexed, or the copy would
//     legitimately match them too.
//   - logo-* draws a picture from Env.Logos (or a generated badge when the
//     pool is empty) over 12-20% of the width, near a random corner.
//
// The full list is All(); Families() lists the families in table order.
package edits

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/gen2brain/webp"
	xdraw "golang.org/x/image/draw"
)

// Env is what an edit may draw on besides the source picture.
type Env struct {
	// Rand is the edit's random source; NewEnv seeds it from (seed, edit
	// name, item) so every edit of every item has its own fixed stream.
	Rand *rand.Rand
	// Others are unrelated pictures used as backgrounds (embed). They must
	// not be among the indexed pictures.
	Others []image.Image
	// Logos are small pictures (emoji, logos) used by the logo overlays,
	// possibly translucent. When empty a generated badge is drawn.
	Logos []image.Image
}

// NewEnv returns an Env whose Rand is seeded from seed, the edit's name and
// the item's identity (for example the original's file name).
func NewEnv(seed uint64, edit, item string, others, logos []image.Image) *Env {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seed)
	h.Write(b[:])
	h.Write([]byte(edit))
	h.Write([]byte{0})
	h.Write([]byte(item))
	s := h.Sum64()
	return &Env{Rand: rand.New(rand.NewPCG(s, s^0x9e3779b97f4a7c15)), Others: others, Logos: logos}
}

// Edit is one transformation.
type Edit struct {
	// Family groups edits of one kind in the benchmark's table.
	Family string
	// Name is unique, e.g. "crop-20-off".
	Name string
	// Apply returns the encoded file of the edited picture. It fails only
	// on an empty source or when the encoder fails.
	Apply func(src image.Image, env *Env) ([]byte, error)
}

// The output encoding of edits that are not about encoding.
const defaultJPEGQuality = 92

// pix is an edit on pixels; wrap encodes its result.
type pix func(src *image.RGBA, env *Env) *image.RGBA

func enc(format string, quality int, f pix) func(image.Image, *Env) ([]byte, error) {
	return func(src image.Image, env *Env) ([]byte, error) {
		s := toRGBA(src)
		if s.Rect.Empty() {
			return nil, fmt.Errorf("edits: empty source picture")
		}
		return Encode(f(s, env), format, quality)
	}
}

func jpg(f pix) func(image.Image, *Env) ([]byte, error) { return enc("jpeg", defaultJPEGQuality, f) }

// Encode writes img as a file of the given format: "jpeg" (quality 1-100),
// "png", "gif" (Plan 9 palette, Floyd-Steinberg dithering), "webp" (lossy
// at quality, or lossless when quality is 0).
func Encode(img image.Image, format string, quality int) ([]byte, error) {
	var buf bytes.Buffer
	var err error
	switch format {
	case "jpeg":
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality})
	case "png":
		e := png.Encoder{CompressionLevel: png.BestSpeed}
		err = e.Encode(&buf, img)
	case "gif":
		err = gif.Encode(&buf, img, nil)
	case "webp":
		err = webp.Encode(&buf, img, webp.Options{Quality: quality, Lossless: quality == 0})
	default:
		return nil, fmt.Errorf("edits: unknown format %q", format)
	}
	if err != nil {
		return nil, fmt.Errorf("edits: encode %s: %w", format, err)
	}
	return buf.Bytes(), nil
}

// combo chains two pixel edits and encodes as JPEG, or at the given JPEG
// quality when q > 0.
func combo(q int, fs ...pix) func(image.Image, *Env) ([]byte, error) {
	if q <= 0 {
		q = defaultJPEGQuality
	}
	return enc("jpeg", q, func(s *image.RGBA, env *Env) *image.RGBA {
		for _, f := range fs {
			s = f(s, env)
		}
		return s
	})
}

func identity(s *image.RGBA, _ *Env) *image.RGBA { return s }

var all = buildAll()

func buildAll() []Edit {
	var es []Edit
	add := func(family, name string, f func(image.Image, *Env) ([]byte, error)) {
		es = append(es, Edit{Family: family, Name: name, Apply: f})
	}
	add("exact", "exact-png", enc("png", 0, identity))
	for _, f := range []float64{0.25, 0.5, 0.75, 1.5, 2} {
		add("resize", fmt.Sprintf("resize-%g", f), jpg(resizeBy(f)))
	}
	for _, q := range []int{30, 50, 70, 90} {
		add("jpeg", fmt.Sprintf("jpeg-%d", q), enc("jpeg", q, identity))
	}
	add("format", "format-png", enc("png", 0, identity))
	add("format", "format-webp", enc("webp", 75, identity))
	add("format", "format-gif", enc("gif", 0, identity))
	add("flip", "hflip", jpg(hflip))
	add("rot90", "rot90", jpg(rot90))
	add("rot90", "rot180", jpg(rot180))
	for _, d := range []float64{2, 5} {
		add("rotate-small", fmt.Sprintf("rotate-%g", d), jpg(rotateBy(d)))
	}
	for _, d := range []float64{10, 15} {
		add("rotate-large", fmt.Sprintf("rotate-%g", d), jpg(rotateBy(d)))
	}
	for _, p := range []int{5, 20, 50} {
		fam := fmt.Sprintf("crop-%d", p)
		add(fam, fam, jpg(cropBy(float64(p)/100, false)))
		add(fam, fam+"-off", jpg(cropBy(float64(p)/100, true)))
	}
	add("pad", "pad-10-solid", jpg(padBy(0.10, false)))
	add("pad", "pad-20-solid", jpg(padBy(0.20, false)))
	add("pad", "pad-20-pattern", jpg(padBy(0.20, true)))
	add("pad", "pad-30-pattern", jpg(padBy(0.30, true)))
	add("text", "text-caption", jpg(textOverlay(false)))
	add("text", "text-large", jpg(textOverlay(true)))
	add("logo", "logo-small", jpg(logoOverlay(0.12)))
	add("logo", "logo-large", jpg(logoOverlay(0.20)))
	add("gray", "grayscale", jpg(grayscale))
	add("color", "color-hue", jpg(hueShift))
	add("color", "color-tint", jpg(tint))
	add("color", "color-contrast", jpg(contrast))
	add("blur", "blur-1", jpg(blurBy(0.01)))
	add("blur", "blur-2", jpg(blurBy(0.02)))
	add("noise", "noise-gauss-12", jpg(gaussNoise(12)))
	add("noise", "noise-gauss-25", jpg(gaussNoise(25)))
	add("noise", "noise-saltpepper", jpg(saltPepper(0.02)))
	for _, p := range []int{20, 35, 50} {
		add("embed", fmt.Sprintf("embed-%d", p), jpg(embedIn(float64(p)/100)))
	}
	add("combo", "crop-20+jpeg-50", combo(50, cropBy(0.20, true)))
	add("combo", "pad-20+text", combo(0, padBy(0.20, false), textOverlay(false)))
	add("combo", "resize-0.5+rotate-5", combo(0, resizeBy(0.5), rotateBy(5)))
	add("combo", "hflip+color-hue", combo(0, hflip, hueShift))
	add("combo", "grayscale+crop-5", combo(0, grayscale, cropBy(0.05, true)))
	add("combo", "logo+resize-0.5", combo(0, logoOverlay(0.15), resizeBy(0.5)))
	return es
}

// All returns every edit, grouped by family in table order. The slice is a
// copy.
func All() []Edit { return slices.Clone(all) }

// Families returns the family names in table order.
func Families() []string {
	var fs []string
	for _, e := range all {
		if !slices.Contains(fs, e.Family) {
			fs = append(fs, e.Family)
		}
	}
	return fs
}

// Select returns the edits of the named families (all when families is
// empty), or an error naming an unknown family.
func Select(families []string) ([]Edit, error) {
	if len(families) == 0 {
		return All(), nil
	}
	known := Families()
	for _, f := range families {
		if !slices.Contains(known, f) {
			return nil, fmt.Errorf("edits: unknown family %q (known: %s)", f, strings.Join(known, ", "))
		}
	}
	var es []Edit
	for _, e := range all {
		if slices.Contains(families, e.Family) {
			es = append(es, e)
		}
	}
	return es, nil
}

// toRGBA returns src as an *image.RGBA whose bounds start at (0,0),
// flattening translucent pixels over white.
func toRGBA(src image.Image) *image.RGBA {
	b := src.Bounds()
	if r, ok := src.(*image.RGBA); ok && b.Min == (image.Point{}) && opaque(r) {
		return r
	}
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	fill(dst, dst.Rect, color.RGBA{255, 255, 255, 255})
	xdraw.Draw(dst, dst.Rect, src, b.Min, xdraw.Over)
	return dst
}

func opaque(r *image.RGBA) bool {
	for i := 3; i < len(r.Pix); i += 4 {
		if r.Pix[i] != 255 {
			return false
		}
	}
	return true
}
