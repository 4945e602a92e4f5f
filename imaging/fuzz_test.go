package imaging

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image/gif"
	"image/png"
	"os"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"

	"github.com/sleuthhq/sleuth"
)

// FuzzDecode feeds arbitrary bytes to every decoder through Decode. Decode
// must return a picture or a coded error; a decoder panic (which Decode
// stops and reports as DecoderPanic) fails the fuzz run so that it can be
// reported upstream or worked around.
func FuzzDecode(f *testing.F) {
	for _, name := range []string{
		pdqData + "misc-images/wee.jpg",
		pdqData + "bridge-mods/square-128x128.jpg",
		"../testdata/images/test8.avif",
	} {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	small := testPicture(9, 7)
	for _, enc := range []func(*bytes.Buffer) error{
		func(b *bytes.Buffer) error { return png.Encode(b, small) },
		func(b *bytes.Buffer) error { return gif.Encode(b, small, nil) },
		func(b *bytes.Buffer) error { return bmp.Encode(b, small) },
		func(b *bytes.Buffer) error { return tiff.Encode(b, small, nil) },
	} {
		var buf bytes.Buffer
		if err := enc(&buf); err == nil {
			f.Add(buf.Bytes())
		}
	}
	f.Add([]byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 3"><path d="M0 0L4 3z" stroke="red"/></svg>`))
	f.Add(pngHeader(1<<20, 1<<20))
	f.Add([]byte("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x00"))

	lim := Limits{MaxPixels: 1 << 16, MaxBytes: 1 << 20, SVGSize: 64}
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := Decode(data, lim)
		if err != nil {
			var dp *DecoderPanic
			if errors.As(err, &dp) {
				t.Fatalf("decoder panic: %v", dp.Value)
			}
			if c := sleuth.ErrorCode(err); c == sleuth.CodeInternal {
				t.Fatalf("uncoded error: %v", err)
			}
			return
		}
		if img.Width*img.Height > int(lim.MaxPixels) && img.MIME != MIMESVG {
			t.Fatalf("%v is over the pixel limit", img)
		}
		if len(img.RGBA.Pix) != 4*img.Width*img.Height {
			t.Fatalf("pixel buffer %d bytes for %v", len(img.RGBA.Pix), img)
		}
	})
}

// FuzzOrientation runs the EXIF walkers over arbitrary containers.
func FuzzOrientation(f *testing.F) {
	f.Add([]byte("\xff\xd8"), uint8(0))
	f.Add(append([]byte("\xff\xd8"), exifSegment(6, binary.BigEndian)...), uint8(0))
	f.Add(append([]byte("\x89PNG\r\n\x1a\n"), pngHeader(1, 1)...), uint8(1))
	f.Add([]byte("RIFF\x00\x00\x00\x00WEBPEXIF\x04\x00\x00\x00II*\x00"), uint8(2))
	f.Add([]byte("MM\x00*\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x08"), uint8(3))
	mimes := []string{MIMEJPEG, MIMEPNG, MIMEWebP, MIMETIFF}
	f.Fuzz(func(t *testing.T, data []byte, m uint8) {
		o := Orientation(data, mimes[int(m)%len(mimes)])
		if o < 1 || o > 8 {
			t.Fatalf("orientation %d", o)
		}
	})
}
