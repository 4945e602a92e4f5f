package imaging

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"os"

	"github.com/gen2brain/avif"
	"github.com/gen2brain/heic"
	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
	"golang.org/x/image/webp"

	"github.com/sleuthhq/sleuth"
)

// Limits bound the work and memory one decode may take. The zero value of a
// field means its default (see DefaultLimits).
type Limits struct {
	// MaxBytes is the largest file Decode accepts (default 256 MiB).
	MaxBytes int64
	// MaxPixels is the largest width*height a header may declare (default
	// 100 million: 10000x10000). It is checked before any pixel buffer is
	// allocated; decoded RGBA needs 4 bytes per pixel, so 100 MP is 400 MB.
	MaxPixels int64
	// MaxSVGBytes is the largest SVG document accepted (default 8 MiB).
	MaxSVGBytes int64
	// SVGSize is the length in pixels of the longest side of a rasterized
	// SVG (default 1024).
	SVGSize int
}

// DefaultLimits are the limits used when a field of Limits is zero.
var DefaultLimits = Limits{
	MaxBytes:    256 << 20,
	MaxPixels:   100_000_000,
	MaxSVGBytes: 8 << 20,
	SVGSize:     1024,
}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultLimits.MaxBytes
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = DefaultLimits.MaxPixels
	}
	if l.MaxSVGBytes <= 0 {
		l.MaxSVGBytes = DefaultLimits.MaxSVGBytes
	}
	if l.SVGSize <= 0 {
		l.SVGSize = DefaultLimits.SVGSize
	}
	return l
}

// Image is a decoded, canonical picture and what was learned decoding it.
type Image struct {
	// RGBA is upright (orientation applied) and opaque (alpha flattened over
	// white); its bounds start at (0,0).
	RGBA *image.RGBA
	// MIME is the sniffed type of the file, one of the MIME* constants.
	MIME string
	// Width and Height are RGBA's, after orientation.
	Width, Height int
	// Orientation is the EXIF orientation that was applied (1 when none).
	Orientation int
	// Translucent reports whether the source had any non-opaque pixel.
	Translucent bool
}

// DecodeFile reads and decodes the image file at path; see Decode.
func DecodeFile(path string, lim Limits) (*Image, error) {
	lim = lim.withDefaults()
	f, err := os.Open(path)
	if err != nil {
		return nil, sleuth.Errorf(sleuth.CodeFileUnreadable, "open %s: %w", path, err)
	}
	defer f.Close()
	data, err := ReadAllLimited(f, lim.MaxBytes)
	if err != nil {
		return nil, err
	}
	return Decode(data, lim)
}

// ReadAllLimited reads r to the end, failing with sleuth.file.too_large as
// soon as more than max bytes arrive.
func ReadAllLimited(r io.Reader, max int64) ([]byte, error) {
	var buf bytes.Buffer
	if st, ok := r.(interface{ Stat() (os.FileInfo, error) }); ok {
		if fi, err := st.Stat(); err == nil && fi.Mode().IsRegular() {
			if fi.Size() > max {
				return nil, tooLargeFile(fi.Size(), max)
			}
			buf.Grow(int(fi.Size()) + 1)
		}
	}
	n, err := buf.ReadFrom(io.LimitReader(r, max+1))
	if err != nil {
		return nil, sleuth.Errorf(sleuth.CodeFileUnreadable, "read: %w", err)
	}
	if n > max {
		return nil, tooLargeFile(n, max)
	}
	return buf.Bytes(), nil
}

func tooLargeFile(n, max int64) error {
	return sleuth.Errorf(sleuth.CodeFileTooLarge, "file is over the limit of %d bytes (read %d)", max, n)
}

// Decode decodes a whole image file held in data into its canonical form.
// The format is sniffed from the content. Errors are *sleuth.Error values
// with the codes listed in the package doc.
func Decode(data []byte, lim Limits) (img *Image, err error) {
	lim = lim.withDefaults()
	if int64(len(data)) > lim.MaxBytes {
		return nil, tooLargeFile(int64(len(data)), lim.MaxBytes)
	}
	mime := Sniff(data)
	if !Supported(mime) {
		return nil, sleuth.Errorf(sleuth.CodeUnsupportedType, "unsupported file type %s", mime)
	}
	defer func() {
		if r := recover(); r != nil {
			img, err = nil, sleuth.Errorf(sleuth.CodeImageCorrupt, "%s decoder failed: %w", mime, &DecoderPanic{Value: r})
		}
	}()

	var src image.Image
	if mime == MIMESVG {
		src, err = decodeSVG(data, lim)
	} else {
		src, err = decodeRaster(data, mime, lim)
	}
	if err != nil {
		return nil, err
	}
	rgba, translucent := Flatten(src)
	o := Orientation(data, mime)
	rgba = Orient(rgba, o)
	return &Image{
		RGBA:        rgba,
		MIME:        mime,
		Width:       rgba.Rect.Dx(),
		Height:      rgba.Rect.Dy(),
		Orientation: o,
		Translucent: translucent,
	}, nil
}

// DecoderPanic is the cause of a sleuth.image.corrupt error when a
// decoder panicked on the input: the panic was stopped at Decode.
type DecoderPanic struct{ Value any }

func (p *DecoderPanic) Error() string { return fmt.Sprintf("panic: %v", p.Value) }

type codec struct {
	decode       func(io.Reader) (image.Image, error)
	decodeConfig func(io.Reader) (image.Config, error)
}

var codecs = map[string]codec{
	MIMEJPEG: {jpeg.Decode, jpeg.DecodeConfig},
	MIMEPNG:  {png.Decode, png.DecodeConfig},
	MIMEGIF:  {gif.Decode, gif.DecodeConfig},
	MIMEWebP: {webp.Decode, webp.DecodeConfig},
	MIMEBMP:  {bmp.Decode, bmp.DecodeConfig},
	MIMETIFF: {tiff.Decode, tiff.DecodeConfig},
	MIMEAVIF: {avif.Decode, avif.DecodeConfig},
	MIMEHEIC: {heic.Decode, heic.DecodeConfig},
}

// decodeRaster checks the declared dimensions, then decodes.
func decodeRaster(data []byte, mime string, lim Limits) (image.Image, error) {
	c := codecs[mime]
	cfg, err := c.decodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, corrupt(mime, err)
	}
	if err := checkDims(int64(cfg.Width), int64(cfg.Height), lim); err != nil {
		return nil, err
	}
	src, err := c.decode(bytes.NewReader(data))
	if err != nil {
		return nil, corrupt(mime, err)
	}
	b := src.Bounds()
	// A decoder may return more than its header said (a GIF frame is
	// checked against the screen, a TIFF against its tags); check again.
	if err := checkDims(int64(b.Dx()), int64(b.Dy()), lim); err != nil {
		return nil, err
	}
	return src, nil
}

func checkDims(w, h int64, lim Limits) error {
	if w <= 0 || h <= 0 {
		return sleuth.Errorf(sleuth.CodeImageEmpty, "image has no pixels (%dx%d)", w, h)
	}
	if w > lim.MaxPixels || h > lim.MaxPixels || w*h > lim.MaxPixels {
		return sleuth.Errorf(sleuth.CodeImageTooLarge,
			"image declares %dx%d = %d pixels, over the limit of %d", w, h, w*h, lim.MaxPixels)
	}
	return nil
}

func corrupt(mime string, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return sleuth.Errorf(sleuth.CodeImageCorrupt, "%s is truncated: %w", mime, err)
	}
	return sleuth.Errorf(sleuth.CodeImageCorrupt, "%s cannot be decoded: %w", mime, err)
}

// String describes img in one line, for logs and errors.
func (img *Image) String() string {
	return fmt.Sprintf("%s %dx%d orientation=%d", img.MIME, img.Width, img.Height, img.Orientation)
}
