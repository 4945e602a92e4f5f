package fingerprint

import (
	"fmt"
	"image"
	"strconv"
	"strings"

	"github.com/sleuthhq/sleuth"
)

// Kinds of the extended perceptual fingerprints an asset may carry besides
// sleuth.KindPDQ and sleuth.KindPHash (see docs/FINGERPRINTS.md).
const (
	// KindTrimmedPDQ is the PDQ of the picture inside its uniform border,
	// 96 lower-case hex characters: the hash (64) then x0, y0, x1, y1 of
	// the rectangle in pixels of the upright picture (8 each). Present
	// only when a border was trimmed.
	KindTrimmedPDQ = "pdq_trim"
	// KindFeatures holds the local features (Features.String). Left out
	// of an asset's JSON form (sleuth.KindFeatures).
	KindFeatures = sleuth.KindFeatures
)

// Trim is the part of a picture inside a uniform border, and its PDQ.
type Trim struct {
	// Rect is the trimmed rectangle in pixels of the upright picture.
	Rect     image.Rectangle `json:"rect"`
	PDQ      PDQ             `json:"pdq"`
	Quality  int             `json:"pdq_quality"`
	Dihedral [8]PDQ          `json:"-"`
}

// Fraction is the trimmed rectangle's share of the picture's area.
func (t *Trim) Fraction(w, h int) float64 {
	if w <= 0 || h <= 0 {
		return 0
	}
	return float64(t.Rect.Dx()) * float64(t.Rect.Dy()) / (float64(w) * float64(h))
}

// String is the stored form of kind KindTrimmedPDQ.
func (t *Trim) String() string {
	return fmt.Sprintf("%s%08x%08x%08x%08x", t.PDQ, uint32(t.Rect.Min.X), uint32(t.Rect.Min.Y), uint32(t.Rect.Max.X), uint32(t.Rect.Max.Y))
}

// ParseTrim parses the stored form of kind KindTrimmedPDQ (its Dihedral
// variants are left zero). Errors have code sleuth.fingerprint.invalid.
func ParseTrim(s string) (*Trim, error) {
	if len(s) != 96 {
		return nil, sleuth.Errorf(sleuth.CodeInvalidFingerprint, "trimmed pdq must be 96 hex characters, got %d", len(s))
	}
	h, err := ParsePDQ(s[:64])
	if err != nil {
		return nil, err
	}
	var v [4]int
	for i := range v {
		f := s[64+8*i : 72+8*i]
		n, err := strconv.ParseUint(f, 16, 31)
		if err != nil || strings.ToLower(f) != f {
			return nil, sleuth.Errorf(sleuth.CodeInvalidFingerprint, "trimmed pdq: coordinate %q is not lower-case hex below 2^31", f)
		}
		v[i] = int(n)
	}
	r := image.Rect(v[0], v[1], v[2], v[3])
	if r.Min.X != v[0] || r.Min.Y != v[1] || r.Empty() {
		return nil, sleuth.Errorf(sleuth.CodeInvalidFingerprint, "trimmed pdq: empty or inverted rectangle")
	}
	return &Trim{Rect: r, PDQ: h}, nil
}

// TrimOf trims the uniform border of img (TrimBorders) and hashes the rest.
// It returns nil when the trim removes less than MinTrim of the area, or
// leaves too little to hash.
func TrimOf(img *image.RGBA) *Trim {
	r := TrimBorders(img)
	b := img.Rect
	if float64(r.Dx())*float64(r.Dy()) > (1-MinTrim)*float64(b.Dx())*float64(b.Dy()) {
		return nil
	}
	return partOf(img, r)
}

// partOf hashes the rectangle r of img; nil when it leaves too little to
// hash.
func partOf(img *image.RGBA, r image.Rectangle) *Trim {
	b := img.Rect
	sub, ok := img.SubImage(r).(*image.RGBA)
	if !ok {
		return nil
	}
	p := Perceptualize(sub)
	if p.Quality == 0 {
		return nil
	}
	return &Trim{Rect: r.Sub(b.Min), PDQ: p.PDQ, Quality: p.Quality, Dihedral: p.Dihedral}
}

// extend adds the extended fingerprints that opt asks for.
func (p *Pixels) extend(img *image.RGBA, opt Options) {
	if opt.ExactDihedral {
		exactDihedral(img, &p.PDQDihedral, &p.PHashDihedral, CommonDihedral)
	}
	if opt.Trim {
		p.Trim = TrimOf(img)
	}
	if opt.Features > 0 {
		p.Features = extractFeatures(img, opt.Features, extractOptions{captions: opt.Captions, inset: opt.Inset})
		if f := p.Features; f != nil && !f.Inset.Empty() {
			p.Inset = partOf(img, f.Inset)
		}
	}
}
