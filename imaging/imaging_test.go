package imaging

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"

	"github.com/sleuthhq/sleuth"
)

const pdqData = "../testdata/pdq/"

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSniff(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"jpeg", []byte{0xff, 0xd8, 0xff, 0xe0, 0, 0x10}, MIMEJPEG},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00"), MIMEPNG},
		{"gif87", []byte("GIF87a...."), MIMEGIF},
		{"gif89", []byte("GIF89a...."), MIMEGIF},
		{"webp", []byte("RIFF\x10\x00\x00\x00WEBPVP8 "), MIMEWebP},
		{"riff not webp", []byte("RIFF\x10\x00\x00\x00WAVEfmt "), "audio/wave"},
		{"bmp", []byte("BM\x00\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00"), MIMEBMP},
		{"tiff le", []byte("II*\x00\x08\x00\x00\x00"), MIMETIFF},
		{"tiff be", []byte("MM\x00*\x00\x00\x00\x08"), MIMETIFF},
		{"avif", []byte("\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf"), MIMEAVIF},
		{"avif compatible brand", []byte("\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1avifmiaf"), MIMEAVIF},
		{"heic", []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), MIMEHEIC},
		{"heif mif1 only", []byte("\x00\x00\x00\x14ftypmif1\x00\x00\x00\x00mif1"), "application/octet-stream"},
		{"mp4", []byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), "video/mp4"},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`), MIMESVG},
		{"svg with xml decl and bom", []byte("\xef\xbb\xbf  <?xml version=\"1.0\"?>\n<!-- c -->\n<SVG>"), MIMESVG},
		{"html", []byte("<html><body>hi</body></html>"), "text/html; charset=utf-8"},
		{"pdf", []byte("%PDF-1.7\n"), "application/pdf"},
		{"empty", nil, "text/plain; charset=utf-8"},
		{"zeros", make([]byte, 64), "application/octet-stream"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Sniff(tt.data); got != tt.want {
				t.Errorf("Sniff = %q, want %q", got, tt.want)
			}
		})
	}
}

// testPicture is an asymmetric picture with a translucent corner.
func testPicture(w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			a := uint8(255)
			if x < w/4 && y < h/4 {
				a = 100
			}
			if x < w/8 && y < h/8 {
				a = 0
			}
			m.SetNRGBA(x, y, color.NRGBA{uint8(x * 255 / w), uint8(y * 255 / h), uint8((x + y) % 256), a})
		}
	}
	return m
}

// wantFlat is the canonical form of src computed the slow, obvious way.
func wantFlat(src image.Image) *image.RGBA {
	b := src.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			r, g, bl, a := src.At(b.Min.X+x, b.Min.Y+y).RGBA()
			k := 255 - uint8(a>>8)
			dst.SetRGBA(x, y, color.RGBA{uint8(r>>8) + k, uint8(g>>8) + k, uint8(bl>>8) + k, 255})
		}
	}
	return dst
}

func encode(t *testing.T, f func(*bytes.Buffer) error) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := f(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDecodeLosslessFormats(t *testing.T) {
	src := testPicture(61, 37)
	pal := image.NewPaletted(src.Bounds(), []color.Color{
		color.NRGBA{0, 0, 0, 0}, color.NRGBA{255, 0, 0, 255}, color.NRGBA{0, 0, 255, 128}, color.White})
	for i := range pal.Pix {
		pal.Pix[i] = uint8(i % 4)
	}
	n64 := image.NewNRGBA64(src.Bounds())
	gray16 := image.NewGray16(src.Bounds())
	for y := 0; y < 37; y++ {
		for x := 0; x < 61; x++ {
			c := src.NRGBAAt(x, y)
			n64.SetNRGBA64(x, y, color.NRGBA64{uint16(c.R) * 257, uint16(c.G) * 257, uint16(c.B)*257 + 3, uint16(c.A) * 257})
			gray16.SetGray16(x, y, color.Gray16{uint16(x*1000 + y)})
		}
	}
	tests := []struct {
		name      string
		mime      string
		src       image.Image
		enc       func(*bytes.Buffer, image.Image) error
		wantAlpha bool
	}{
		{"png nrgba", MIMEPNG, src, func(b *bytes.Buffer, m image.Image) error { return png.Encode(b, m) }, true},
		{"png palette", MIMEPNG, pal, func(b *bytes.Buffer, m image.Image) error { return png.Encode(b, m) }, true},
		{"png 16-bit", MIMEPNG, n64, func(b *bytes.Buffer, m image.Image) error { return png.Encode(b, m) }, true},
		{"png gray16", MIMEPNG, gray16, func(b *bytes.Buffer, m image.Image) error { return png.Encode(b, m) }, false},
		{"gif", MIMEGIF, pal, func(b *bytes.Buffer, m image.Image) error { return gif.Encode(b, m, nil) }, true},
		{"bmp", MIMEBMP, src, func(b *bytes.Buffer, m image.Image) error { return bmp.Encode(b, m) }, false}, // BMP stores no alpha
		{"tiff", MIMETIFF, src, func(b *bytes.Buffer, m image.Image) error { return tiff.Encode(b, m, nil) }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := encode(t, func(b *bytes.Buffer) error { return tt.enc(b, tt.src) })
			img, err := Decode(data, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if img.MIME != tt.mime || img.Width != 61 || img.Height != 37 || img.Orientation != 1 {
				t.Fatalf("got %v, want %s 61x37", img, tt.mime)
			}
			if img.Translucent != tt.wantAlpha {
				t.Errorf("Translucent = %v, want %v", img.Translucent, tt.wantAlpha)
			}
			want := wantFlat(tt.src)
			if tt.name == "gif" || tt.name == "bmp" || tt.name == "tiff" {
				// Re-decode with the format's own decoder to learn what it stores.
				m, _, err := image.Decode(bytes.NewReader(data))
				if err != nil {
					t.Fatal(err)
				}
				want = wantFlat(m)
			}
			if d := maxDiff(img.RGBA, want); d > 0 {
				t.Errorf("pixels differ from the expected flattening by up to %d", d)
			}
		})
	}
}

func maxDiff(a, b *image.RGBA) int {
	if a.Rect != b.Rect {
		return 999
	}
	d := 0
	for i := range a.Pix {
		d = max(d, abs(int(a.Pix[i])-int(b.Pix[i])))
	}
	return d
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// meanLuma8 is a coarse 8x8 grid of mean luma, enough to tell pictures apart.
func meanLuma8(m *image.RGBA) [64]float64 {
	var g [64]float64
	var n [64]float64
	w, h := m.Rect.Dx(), m.Rect.Dy()
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*m.Stride + 4*x
			l := 0.299*float64(m.Pix[i]) + 0.587*float64(m.Pix[i+1]) + 0.114*float64(m.Pix[i+2])
			k := (y*8/h)*8 + x*8/w
			g[k] += l
			n[k]++
		}
	}
	for k := range g {
		g[k] /= n[k]
	}
	return g
}

func lumaDistance(a, b *image.RGBA) float64 {
	ga, gb := meanLuma8(a), meanLuma8(b)
	d := 0.0
	for k := range ga {
		d = max(d, abs64(ga[k]-gb[k]))
	}
	return d
}

func abs64(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// Every colour mode of the same photo decodes to the same picture (JPEG,
// CMYK JPEG, 1-bit, palette, grey and grey+alpha PNG, lossy and lossless WebP).
func TestDecodeModes(t *testing.T) {
	orig, err := DecodeFile(pdqData+"misc-images/modes/original.jpg", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(pdqData + "misc-images/modes/*.*")
	for _, f := range files {
		if filepath.Ext(f) == ".md" {
			continue
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			img, err := DecodeFile(f, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if img.Width != 1600 || img.Height != 1004 {
				t.Fatalf("size %dx%d", img.Width, img.Height)
			}
			// 1-bit and the odd Pillow modes shift tones; the scene must remain.
			limit := 12.0
			switch filepath.Base(f) {
			case "PA.webp": // palette quantisation
				limit = 20
			case "1.png", "HSV.webp", "LAB.webp", "I.webp", "F.webp":
				limit = 80
			}
			if d := lumaDistance(img.RGBA, orig.RGBA); d > limit {
				t.Errorf("luma grid differs from original.jpg by %.1f (limit %.0f)", d, limit)
			}
		})
	}
}

func TestDecodeHEIFFamily(t *testing.T) {
	for _, f := range []string{"test8.avif", "test10.avif", "test8.heic", "gray.heic"} {
		t.Run(f, func(t *testing.T) {
			img, err := DecodeFile("../testdata/images/"+f, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			want := MIMEAVIF
			if filepath.Ext(f) == ".heic" {
				want = MIMEHEIC
			}
			if img.MIME != want || img.Width != 512 || img.Height != 512 {
				t.Fatalf("got %v", img)
			}
			if allSame(img.RGBA) {
				t.Error("decoded picture is flat")
			}
		})
	}
}

func allSame(m *image.RGBA) bool {
	for i := 4; i < len(m.Pix); i++ {
		if m.Pix[i] != m.Pix[i%4] {
			return false
		}
	}
	return true
}

func TestDecodeProgressiveAndCMYK(t *testing.T) {
	for _, f := range []string{"misc-images/wee.jpg", "reg-test-input/dih/bridge-2-rotate-90.jpg", "misc-images/modes/CMYK.jpg"} {
		img, err := DecodeFile(pdqData+f, Limits{})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if allSame(img.RGBA) {
			t.Errorf("%s: flat picture", f)
		}
	}
}

func TestSVG(t *testing.T) {
	svg := []byte(`<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100">
  <rect x="100" y="0" width="100" height="100" fill="#ff0000"/>
</svg>`)
	img, err := Decode(svg, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if img.MIME != MIMESVG || img.Width != 1024 || img.Height != 512 || !img.Translucent {
		t.Fatalf("got %v translucent=%v", img, img.Translucent)
	}
	left := img.RGBA.RGBAAt(100, 256)
	right := img.RGBA.RGBAAt(900, 256)
	if left != (color.RGBA{255, 255, 255, 255}) || right != (color.RGBA{255, 0, 0, 255}) {
		t.Errorf("left %v (want white: transparent flattened), right %v (want red)", left, right)
	}

	sized := []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="30" height="60"><circle cx="15" cy="30" r="10"/></svg>`)
	img, err = Decode(sized, Limits{SVGSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	if img.Width != 50 || img.Height != 100 {
		t.Errorf("width/height SVG rasterized to %dx%d, want 50x100", img.Width, img.Height)
	}
}

func TestOrient(t *testing.T) {
	// A 3x2 picture whose pixels are numbered 0..5 in the red channel:
	//   0 1 2
	//   3 4 5
	src := image.NewRGBA(image.Rect(0, 0, 3, 2))
	for i := 0; i < 6; i++ {
		src.Pix[4*i] = uint8(i)
	}
	tests := []struct {
		o    int
		w, h int
		want []uint8
	}{
		{1, 3, 2, []uint8{0, 1, 2, 3, 4, 5}},
		{2, 3, 2, []uint8{2, 1, 0, 5, 4, 3}},
		{3, 3, 2, []uint8{5, 4, 3, 2, 1, 0}},
		{4, 3, 2, []uint8{3, 4, 5, 0, 1, 2}},
		{5, 2, 3, []uint8{0, 3, 1, 4, 2, 5}},
		{6, 2, 3, []uint8{3, 0, 4, 1, 5, 2}},
		{7, 2, 3, []uint8{5, 2, 4, 1, 3, 0}},
		{8, 2, 3, []uint8{2, 5, 1, 4, 0, 3}},
		{9, 3, 2, []uint8{0, 1, 2, 3, 4, 5}},
	}
	for _, tt := range tests {
		got := Orient(src, tt.o)
		if got.Rect.Dx() != tt.w || got.Rect.Dy() != tt.h {
			t.Errorf("orientation %d: size %v", tt.o, got.Rect)
			continue
		}
		for i, v := range tt.want {
			if got.Pix[4*i] != v {
				t.Errorf("orientation %d: pixel %d = %d, want %d", tt.o, i, got.Pix[4*i], v)
			}
		}
	}
}

// exifSegment builds a JPEG APP1 Exif segment holding one orientation tag.
func exifSegment(o int, bo binary.ByteOrder) []byte {
	t := make([]byte, 8+2+12+4)
	if bo == binary.LittleEndian {
		copy(t, "II*\x00")
	} else {
		copy(t, "MM\x00*")
	}
	bo.PutUint32(t[4:], 8)
	bo.PutUint16(t[8:], 1)
	bo.PutUint16(t[10:], 0x0112)
	bo.PutUint16(t[12:], 3)
	bo.PutUint32(t[14:], 1)
	bo.PutUint16(t[18:], uint16(o))
	body := append([]byte("Exif\x00\x00"), t...)
	seg := []byte{0xff, 0xe1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(body)+2))
	return append(seg, body...)
}

func TestEXIFOrientationJPEG(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 64, 32))
	for y := 0; y < 32; y++ {
		for x := 0; x < 64; x++ {
			if x >= 32 && y < 16 { // top-right block bright
				src.SetRGBA(x, y, color.RGBA{250, 250, 250, 255})
			} else {
				src.SetRGBA(x, y, color.RGBA{10, 10, 10, 255})
			}
		}
	}
	plain := encode(t, func(b *bytes.Buffer) error { return jpeg.Encode(b, src, &jpeg.Options{Quality: 95}) })
	for o := 1; o <= 8; o++ {
		for _, bo := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
			data := append(append(append([]byte{}, plain[:2]...), exifSegment(o, bo)...), plain[2:]...)
			if got := Orientation(data, MIMEJPEG); got != o {
				t.Fatalf("Orientation = %d, want %d", got, o)
			}
			img, err := Decode(data, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			want := Orient(wantFlat(src), o)
			if img.Width != want.Rect.Dx() || lumaDistance(img.RGBA, want) > 8 {
				t.Errorf("orientation %d (%v): decoded picture is not upright", o, bo)
			}
		}
	}
}

// The reference photos stored with orientations 1, 3, 6, 8 (four shots of
// one scene) carry their tags; 6 and 8 turn the stored landscape upright
// into portrait. Their fingerprints are compared in package fingerprint.
func TestEXIFRotnFiles(t *testing.T) {
	for _, tt := range []struct{ o, w, h int }{{1, 4032, 3024}, {3, 4032, 3024}, {6, 3024, 4032}, {8, 3024, 4032}} {
		name := filepath.Join(pdqData, "reg-test-input/exif-rotn", fmt.Sprintf("exif-rotn-%d.jpg", tt.o))
		img, err := DecodeFile(name, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if img.Orientation != tt.o || img.Width != tt.w || img.Height != tt.h {
			t.Errorf("%s: got %v, want orientation %d %dx%d", name, img, tt.o, tt.w, tt.h)
		}
	}
}

func TestOrientationOtherContainers(t *testing.T) {
	tiffBlock := exifSegment(6, binary.BigEndian)[10:] // strip marker, length, "Exif\0\0"
	// PNG with an eXIf chunk before IDAT.
	pngData := encode(t, func(b *bytes.Buffer) error { return png.Encode(b, testPicture(8, 4)) })
	chunk := make([]byte, 8+len(tiffBlock)+4)
	binary.BigEndian.PutUint32(chunk, uint32(len(tiffBlock)))
	copy(chunk[4:], "eXIf")
	copy(chunk[8:], tiffBlock)
	binary.BigEndian.PutUint32(chunk[8+len(tiffBlock):], crc32.ChecksumIEEE(chunk[4:8+len(tiffBlock)]))
	ihdrEnd := 8 + 8 + 13 + 4
	withExif := append(append(append([]byte{}, pngData[:ihdrEnd]...), chunk...), pngData[ihdrEnd:]...)
	img, err := Decode(withExif, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if img.Orientation != 6 || img.Width != 4 || img.Height != 8 {
		t.Errorf("PNG eXIf: got %v", img)
	}
	// WebP: a RIFF with an EXIF chunk (only the chunk walk is tested here).
	webp := []byte("RIFF\x00\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00EXIF")
	webp = binary.LittleEndian.AppendUint32(webp, uint32(len(tiffBlock)))
	webp = append(webp, tiffBlock...)
	if got := Orientation(webp, MIMEWebP); got != 6 {
		t.Errorf("WebP EXIF orientation = %d, want 6", got)
	}
	// Damaged EXIF blocks mean upright.
	for _, bad := range [][]byte{nil, []byte("II*\x00\xff\xff\xff\xff"), []byte("MM\x00*\x00\x00\x00\x08\xff\xff")} {
		if got := tiffOrientation(bad); got != 1 {
			t.Errorf("tiffOrientation(%q) = %d, want 1", bad, got)
		}
	}
}

// pngHeader builds a PNG signature and an IHDR chunk for w x h RGBA, with
// the right CRC, and no image data.
func pngHeader(w, h uint32) []byte {
	ihdr := make([]byte, 4+4+13)
	binary.BigEndian.PutUint32(ihdr, 13)
	copy(ihdr[4:], "IHDR")
	binary.BigEndian.PutUint32(ihdr[8:], w)
	binary.BigEndian.PutUint32(ihdr[12:], h)
	ihdr[16], ihdr[17] = 8, 6
	out := append([]byte("\x89PNG\r\n\x1a\n"), ihdr...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(ihdr[4:]))
}

func TestBadInput(t *testing.T) {
	jpg := readFile(t, pdqData+"bridge-mods/square-256x256.jpg")
	pngData := encode(t, func(b *bytes.Buffer) error { return png.Encode(b, testPicture(300, 200)) })
	gifData := encode(t, func(b *bytes.Buffer) error { return gif.Encode(b, testPicture(300, 200), nil) })
	webp := readFile(t, pdqData+"misc-images/modes/PA.webp")
	rnd := make([]byte, 1<<16)
	for i := range rnd {
		rnd[i] = byte(rand.New(rand.NewPCG(1, 2)).IntN(256)) ^ byte(i*7)
	}
	tests := []struct {
		name string
		data []byte
		lim  Limits
		code string
	}{
		{"random bytes", rnd, Limits{}, sleuth.CodeUnsupportedType},
		{"empty", nil, Limits{}, sleuth.CodeUnsupportedType},
		{"pdf", []byte("%PDF-1.4\n1 0 obj\n"), Limits{}, sleuth.CodeUnsupportedType},
		{"truncated jpeg", jpg[:len(jpg)/2], Limits{}, sleuth.CodeImageCorrupt},
		{"jpeg header only", jpg[:20], Limits{}, sleuth.CodeImageCorrupt},
		{"truncated png", pngData[:len(pngData)/2], Limits{}, sleuth.CodeImageCorrupt},
		{"truncated gif", gifData[:len(gifData)/2], Limits{}, sleuth.CodeImageCorrupt},
		{"truncated webp", webp[:len(webp)/3], Limits{}, sleuth.CodeImageCorrupt},
		{"png bomb 100000x100000", pngHeader(100000, 100000), Limits{}, sleuth.CodeImageTooLarge},
		{"png bomb 1x2^31-1", pngHeader(1, 1<<31-1), Limits{}, sleuth.CodeImageTooLarge},
		{"png over a small pixel limit", pngData, Limits{MaxPixels: 300*200 - 1}, sleuth.CodeImageTooLarge},
		{"png zero width", pngHeader(0, 10), Limits{}, sleuth.CodeImageCorrupt},
		{"file over byte limit", jpg, Limits{MaxBytes: 1000}, sleuth.CodeFileTooLarge},
		{"svg without size", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><rect width="5" height="5"/></svg>`), Limits{}, sleuth.CodeImageEmpty},
		{"svg over byte limit", append([]byte(`<svg viewBox="0 0 1 1">`), bytes.Repeat([]byte(" "), 2000)...), Limits{MaxSVGBytes: 1000}, sleuth.CodeImageTooLarge},
		{"svg not xml", []byte(`<svg <<<< >>>`), Limits{}, sleuth.CodeImageCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			img, err := Decode(tt.data, tt.lim)
			runtime.ReadMemStats(&after)
			if err == nil {
				t.Fatalf("decoded %v, want error %s", img, tt.code)
			}
			if got := sleuth.ErrorCode(err); got != tt.code {
				t.Fatalf("code %s (%v), want %s", got, err, tt.code)
			}
			var dp *DecoderPanic
			if errors.As(err, &dp) {
				t.Errorf("decoder panicked: %v", dp)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
				t.Errorf("allocated %d MB on bad input", alloc>>20)
			}
			t.Logf("%v", err)
		})
	}
}

func TestDecodeFileErrors(t *testing.T) {
	_, err := DecodeFile(filepath.Join(t.TempDir(), "missing.png"), Limits{})
	if sleuth.ErrorCode(err) != sleuth.CodeFileUnreadable {
		t.Errorf("missing file: %v", err)
	}
	big := filepath.Join(t.TempDir(), "big.bin")
	if err := os.WriteFile(big, make([]byte, 5000), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = DecodeFile(big, Limits{MaxBytes: 4096})
	if !errors.Is(err, sleuth.ErrFileTooLarge) {
		t.Errorf("big file: %v", err)
	}
}
