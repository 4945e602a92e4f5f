package fingerprint

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"image"
	"io"
	"os"

	"lukechampine.com/blake3"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/cid"
	"github.com/sleuthhq/sleuth/imaging"
)

// Digest is a 256-bit cryptographic digest (sha256 or BLAKE3).
type Digest [32]byte

// String returns the digest as 64 lower-case hex characters.
func (d Digest) String() string { return hex.EncodeToString(d[:]) }

// MarshalText encodes the digest as hex, for JSON.
func (d Digest) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses 64 hex characters.
func (d *Digest) UnmarshalText(b []byte) error {
	v, err := ParseDigest(string(b))
	*d = v
	return err
}

// ParseDigest parses 64 hex characters (either case).
func ParseDigest(s string) (Digest, error) {
	var d Digest
	if err := parseHex(d[:], s, "digest"); err != nil {
		return Digest{}, err
	}
	return d, nil
}

func parseHex(dst []byte, s, what string) error {
	if len(s) != 2*len(dst) {
		return sleuth.Errorf(sleuth.CodeInvalidFingerprint, "%s must be %d hex characters, got %d", what, 2*len(dst), len(s))
	}
	if _, err := hex.Decode(dst, []byte(s)); err != nil {
		return sleuth.Errorf(sleuth.CodeInvalidFingerprint, "%s is not hex: %w", what, err)
	}
	return nil
}

// MarshalText encodes the hash as hex, for JSON.
func (h PDQ) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText parses 64 hex characters.
func (h *PDQ) UnmarshalText(b []byte) error {
	v, err := ParsePDQ(string(b))
	*h = v
	return err
}

// MarshalText encodes the hash as hex, for JSON.
func (h PHash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText parses 16 hex characters.
func (h *PHash) UnmarshalText(b []byte) error {
	v, err := ParsePHash(string(b))
	*h = v
	return err
}

// Exact holds the fingerprints of a file's bytes.
type Exact struct {
	Nid    string `json:"nid"`
	Size   int64  `json:"size"`
	SHA256 Digest `json:"sha256"`
	BLAKE3 Digest `json:"blake3"`
	// MIME is sniffed from the content, never taken from a name.
	MIME string `json:"mime"`
}

// Pixels holds the fingerprints of a decoded picture.
type Pixels struct {
	Width       int    `json:"width"`
	Height      int    `json:"height"`
	Orientation int    `json:"orientation"` // EXIF orientation applied, 1..8
	Translucent bool   `json:"translucent"` // the source had non-opaque pixels
	PDQ         PDQ    `json:"pdq"`
	PDQQuality  int    `json:"pdq_quality"`
	PDQDihedral [8]PDQ `json:"pdq_dihedral"`
	PHash       PHash  `json:"phash"`
	// PHashDihedral are the PHash of the dihedral variants, indexed as
	// PDQDihedral (and, like it, hashed exactly for the CommonDihedral
	// variants when Options.ExactDihedral asks): what compares a turned
	// or mirrored copy's pHash with its original's.
	PHashDihedral [8]PHash `json:"phash_dihedral"`
	PixelSHA256   Digest   `json:"pixel_sha256"`
	// Trim is the picture inside its uniform border with its PDQ: nil
	// unless Options.Trim asked for it and there is such a border.
	Trim *Trim `json:"trim,omitempty"`
	// Inset is a picture set inside this one (FindInset) with its PDQ:
	// nil unless Options.Inset asked for it (with Options.Features) and
	// there is one.
	Inset *Trim `json:"inset,omitempty"`
	// Features are the local features: nil unless Options.Features asked
	// for them (and for pictures too small to have any).
	Features *Features `json:"-"`
	// Speckled reports that the picture looks sprinkled with salt and
	// pepper (Speckled), when Options.Speckles asked; DespeckledBytes
	// then fingerprints it with its speckles taken out.
	Speckled bool `json:"-"`
}

// PHashOf returns the PHash of the dihedral variant k of the picture
// (PHash for DihedralOriginal), false when it was not computed (or is 0,
// as a flat picture's is: no evidence either way).
func (p *Pixels) PHashOf(k int) (PHash, bool) {
	if k == DihedralOriginal {
		return p.PHash, true
	}
	if k < 0 || k >= len(p.PHashDihedral) || p.PHashDihedral[k] == 0 {
		return 0, false
	}
	return p.PHashDihedral[k], true
}

// Result is every fingerprint of one file. Pixels is nil when the file is
// not an image that could be decoded.
type Result struct {
	Exact
	*Pixels
}

// Options configure File and Bytes.
type Options struct {
	// Limits bound decoding; zero fields take imaging.DefaultLimits.
	Limits imaging.Limits
	// Trim asks for the PDQ of the picture inside its uniform border
	// (Pixels.Trim).
	Trim bool
	// Features asks for up to this many local features (Pixels.Features);
	// 0: none.
	Features int
	// ExactDihedral hashes the CommonDihedral variants of the PDQ
	// (Pixels.PDQDihedral) from the transformed pixels rather than
	// predicting them from the DCT (ExactDihedral): what a query needs to
	// find its mirrored and turned copies at the distance of re-encoded
	// ones.
	ExactDihedral bool
	// Captions finds the captions written over the picture
	// (Features.Captions) with its local features: what a query needs to
	// find the copy under them.
	Captions bool
	// Inset looks for a picture set inside this one (FindInset) with
	// the local features, and hashes it (Pixels.Inset): what a query
	// needs to find a picture pasted into a screenshot, a mockup or a
	// collage.
	Inset bool
	// Speckles checks whether the picture looks sprinkled with salt and
	// pepper (Pixels.Speckled, from a sample of its rows): what a query
	// needs to know to be looked up again without them.
	Speckles bool
}

// ExactOf streams r through the Nid builder, sha256 and BLAKE3 in one pass
// and sniffs its MIME type. Memory use is constant whatever the size of r.
func ExactOf(r io.Reader) (Exact, error) {
	nb := cid.New()
	s := sha256.New()
	b := blake3.New(32, nil)
	sn := &sniffer{}
	buf := make([]byte, 1<<20)
	if _, err := io.CopyBuffer(io.MultiWriter(nb, s, b, sn), onlyReader{r}, buf); err != nil {
		return Exact{}, sleuth.Errorf(sleuth.CodeFileUnreadable, "read: %w", err)
	}
	return finishExact(nb, s, b, imaging.Sniff(sn.head)), nil
}

// onlyReader hides WriterTo and friends so that CopyBuffer uses our buffer.
type onlyReader struct{ io.Reader }

type sniffer struct{ head []byte }

func (s *sniffer) Write(p []byte) (int, error) {
	if n := imaging.SniffLen - len(s.head); n > 0 {
		s.head = append(s.head, p[:min(n, len(p))]...)
	}
	return len(p), nil
}

func finishExact(nb *cid.Builder, s, b hash.Hash, mime string) Exact {
	var e Exact
	e.Size = nb.Size()
	e.Nid = nb.Sum()
	s.Sum(e.SHA256[:0])
	b.Sum(e.BLAKE3[:0])
	e.MIME = mime
	return e
}

// exactOfBytes is ExactOf for data already in memory.
func exactOfBytes(data []byte) Exact {
	nb := cid.New()
	nb.Write(data)
	var e Exact
	e.Size = int64(len(data))
	e.Nid = nb.Sum()
	e.SHA256 = sha256.Sum256(data)
	e.BLAKE3 = blake3.Sum256(data)
	e.MIME = imaging.Sniff(data)
	return e
}

// Bytes fingerprints a whole file held in memory. For a supported image it
// returns exact and pixel fingerprints; for anything else, the exact
// fingerprints and an error with code sleuth.image.unsupported. An image
// that fails to decode gives the exact fingerprints and the decode error.
func Bytes(data []byte, opt Options) (*Result, error) {
	res := &Result{Exact: exactOfBytes(data)}
	if !imaging.Supported(res.MIME) {
		return res, sleuth.Errorf(sleuth.CodeUnsupportedType, "unsupported file type %s", res.MIME)
	}
	img, err := imaging.Decode(data, opt.Limits)
	if err != nil {
		return res, err
	}
	res.Pixels = PixelsOf(img)
	res.Pixels.extend(img.RGBA, opt)
	if opt.Speckles {
		res.Pixels.Speckled = Speckled(img.RGBA)
	}
	return res, nil
}

// DespeckledBytes decodes a picture held in memory and, when it is
// speckled (Despeckle), returns the pixel fingerprints of the picture with
// its speckles taken out, computed with opt; nil when it is not speckled.
// What a query that found nothing sure as it is, and looks speckled
// (Options.Speckles, Pixels.Speckled), needs to be looked up as it was
// (docs/MATCHING.md, "Speckled queries"): the whole picture is checked
// and mended here, a few milliseconds for a 512x512 picture.
func DespeckledBytes(data []byte, opt Options) (*Pixels, error) {
	img, err := imaging.Decode(data, opt.Limits)
	if err != nil {
		return nil, err
	}
	clean, _ := Despeckle(img.RGBA)
	if clean == nil {
		return nil, nil
	}
	d := *img
	d.RGBA = clean
	p := PixelsOf(&d)
	p.extend(clean, opt)
	return p, nil
}

// File fingerprints the file at path. Files that are not images are
// streamed (their exact fingerprints are computed in constant memory);
// images up to the byte limit are read once into memory and decoded.
func File(path string, opt Options) (*Result, error) {
	lim := opt.Limits
	if lim.MaxBytes <= 0 {
		lim.MaxBytes = imaging.DefaultLimits.MaxBytes
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, sleuth.Errorf(sleuth.CodeFileUnreadable, "%w", unwrapPath(err))
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, sleuth.Errorf(sleuth.CodeFileUnreadable, "%w", unwrapPath(err))
	}
	if fi.IsDir() {
		return nil, sleuth.Errorf(sleuth.CodeFileUnreadable, "is a directory")
	}
	head := make([]byte, imaging.SniffLen)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, sleuth.Errorf(sleuth.CodeFileUnreadable, "read: %w", err)
	}
	head = head[:n]
	if imaging.Supported(imaging.Sniff(head)) && fi.Size() <= lim.MaxBytes {
		data, err := imaging.ReadAllLimited(io.MultiReader(bytes.NewReader(head), f), lim.MaxBytes)
		if err != nil {
			return nil, err
		}
		return Bytes(data, opt)
	}
	e, err := ExactOf(io.MultiReader(bytes.NewReader(head), f))
	if err != nil {
		return nil, err
	}
	res := &Result{Exact: e}
	if imaging.Supported(e.MIME) {
		return res, sleuth.Errorf(sleuth.CodeFileTooLarge, "image file is %d bytes, over the decode limit of %d", e.Size, lim.MaxBytes)
	}
	return res, sleuth.Errorf(sleuth.CodeUnsupportedType, "unsupported file type %s", e.MIME)
}

// unwrapPath drops the *os.PathError wrapper, whose path the caller prints.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}

// PixelsOf computes the pixel fingerprints of a decoded picture. The pixel
// digest (sha256 of every pixel, the costliest part for big pictures) runs
// on its own goroutine beside the perceptual hashes.
func PixelsOf(img *imaging.Image) *Pixels {
	digest := make(chan Digest, 1)
	go func() { digest <- PixelDigest(img.RGBA) }()
	p := Perceptualize(img.RGBA)
	return &Pixels{
		Width:         img.Width,
		Height:        img.Height,
		Orientation:   img.Orientation,
		Translucent:   img.Translucent,
		PDQ:           p.PDQ,
		PDQQuality:    p.Quality,
		PDQDihedral:   p.Dihedral,
		PHash:         p.PHash,
		PHashDihedral: p.PHashDihedral,
		PixelSHA256:   <-digest,
	}
}

// PixelDigest is sha256 of (width, height as big-endian uint32) followed by
// the RGBA bytes, rows top to bottom, without stride padding.
func PixelDigest(img *image.RGBA) Digest {
	b := img.Rect
	w, h := b.Dx(), b.Dy()
	s := sha256.New()
	var hdr [8]byte
	binary.BigEndian.PutUint32(hdr[:4], uint32(w))
	binary.BigEndian.PutUint32(hdr[4:], uint32(h))
	s.Write(hdr[:])
	if w > 0 && h > 0 {
		if img.Stride == 4*w {
			off := img.PixOffset(b.Min.X, b.Min.Y)
			s.Write(img.Pix[off : off+4*w*h])
		} else {
			for y := b.Min.Y; y < b.Max.Y; y++ {
				off := img.PixOffset(b.Min.X, y)
				s.Write(img.Pix[off : off+4*w])
			}
		}
	}
	var d Digest
	s.Sum(d[:0])
	return d
}
