package fingerprint

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/cid"
	"github.com/sleuthhq/sleuth/imaging"
)

func TestFileImage(t *testing.T) {
	path := "../testdata/pdq/bridge-mods/aaa-orig.jpg"
	res, err := File(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if res.Nid != cid.Bytes(data) || res.Size != int64(len(data)) || res.SHA256 != sha256.Sum256(data) {
		t.Errorf("exact fingerprints wrong: %+v", res.Exact)
	}
	if res.MIME != imaging.MIMEJPEG || res.Pixels == nil || res.Width != 1600 || res.Height != 1004 {
		t.Fatalf("got %+v", res)
	}
	want, _ := ParsePDQ("d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22")
	if d := res.PDQ.Distance(want); d > 10 {
		t.Errorf("PDQ %v is %d bits from the reference", res.PDQ, d)
	}
	if res.PDQDihedral[0] != res.PDQ {
		t.Error("dihedral variant 0 is not the hash itself")
	}
	// The same through Bytes.
	res2, err := Bytes(data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if *res2.Pixels != *res.Pixels || res2.Exact != res.Exact {
		t.Error("File and Bytes disagree")
	}
}

// JSON output carries every field the CLI documents, as hex strings.
func TestResultJSON(t *testing.T) {
	res, err := File("../testdata/pdq/misc-images/wee.jpg", Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for key, hexLen := range map[string]int{"nid": 0, "sha256": 64, "blake3": 64, "pdq": 64, "phash": 16, "pixel_sha256": 64} {
		s, ok := m[key].(string)
		if !ok || (hexLen > 0 && len(s) != hexLen) {
			t.Errorf("%s = %v", key, m[key])
		}
	}
	for _, key := range []string{"size", "width", "height", "pdq_quality", "mime", "pdq_dihedral"} {
		if _, ok := m[key]; !ok {
			t.Errorf("%s missing from %s", key, b)
		}
	}
	var back Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Exact != res.Exact || *back.Pixels != *res.Pixels {
		t.Error("JSON does not round-trip")
	}
}

// Files that are not images are streamed: exact fingerprints and a coded error.
func TestFileNotImage(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "doc.pdf")
	data := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("x"), 600_000)...)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := File(path, Options{})
	if !errors.Is(err, sleuth.ErrUnsupportedType) {
		t.Fatalf("err = %v", err)
	}
	if res == nil || res.Pixels != nil || res.Nid != cid.Bytes(data) || res.MIME != "application/pdf" || res.SHA256 != sha256.Sum256(data) {
		t.Fatalf("got %+v", res)
	}
	if _, err := File(filepath.Join(dir, "missing"), Options{}); sleuth.ErrorCode(err) != sleuth.CodeFileUnreadable {
		t.Errorf("missing file: %v", err)
	}
	if _, err := File(dir, Options{}); sleuth.ErrorCode(err) != sleuth.CodeFileUnreadable {
		t.Errorf("directory: %v", err)
	}
	// An image over the byte limit is hashed but not decoded.
	img := "../testdata/pdq/misc-images/wee.jpg"
	res, err = File(img, Options{Limits: imaging.Limits{MaxBytes: 100}})
	if !errors.Is(err, sleuth.ErrFileTooLarge) || res == nil || res.Nid == "" {
		t.Errorf("over the byte limit: %v %+v", err, res)
	}
	// A corrupt image keeps its exact fingerprints.
	trunc := filepath.Join(dir, "trunc.jpg")
	b, _ := os.ReadFile("../testdata/pdq/bridge-mods/square-512x512.jpg")
	os.WriteFile(trunc, b[:len(b)/2], 0o644)
	res, err = File(trunc, Options{})
	if !errors.Is(err, sleuth.ErrImageCorrupt) || res == nil || res.Nid != cid.Bytes(b[:len(b)/2]) {
		t.Errorf("truncated: %v %+v", err, res)
	}
}

// The same pixels give the same pixel digest in every lossless format.
func TestPixelDigestAcrossFormats(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 40, 30))
	for y := 0; y < 30; y++ {
		for x := 0; x < 40; x++ {
			src.SetNRGBA(x, y, color.NRGBA{uint8(x * 6), uint8(y * 8), uint8(x ^ y), 255})
		}
	}
	var digests []Digest
	for _, enc := range []func(*bytes.Buffer) error{
		func(b *bytes.Buffer) error { return png.Encode(b, src) },
		func(b *bytes.Buffer) error { return bmp.Encode(b, src) },
		func(b *bytes.Buffer) error { return tiff.Encode(b, src, &tiff.Options{Compression: tiff.Deflate}) },
	} {
		var buf bytes.Buffer
		if err := enc(&buf); err != nil {
			t.Fatal(err)
		}
		res, err := Bytes(buf.Bytes(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		digests = append(digests, res.PixelSHA256)
	}
	if digests[0] != digests[1] || digests[0] != digests[2] {
		t.Errorf("pixel digests differ: %v", digests)
	}
	// And the digest is the documented one.
	h := sha256.New()
	h.Write([]byte{0, 0, 0, 40, 0, 0, 0, 30})
	for y := 0; y < 30; y++ {
		for x := 0; x < 40; x++ {
			c := src.NRGBAAt(x, y)
			h.Write([]byte{c.R, c.G, c.B, 255})
		}
	}
	var want Digest
	h.Sum(want[:0])
	if digests[0] != want {
		t.Errorf("pixel digest %v, want %v", digests[0], want)
	}
	// A sub-image (non-zero origin, wider stride) digests its own pixels.
	rgba := image.NewRGBA(image.Rect(0, 0, 50, 40))
	for y := 0; y < 30; y++ {
		for x := 0; x < 40; x++ {
			c := src.NRGBAAt(x, y)
			rgba.SetRGBA(x+5, y+7, color.RGBA{c.R, c.G, c.B, 255})
		}
	}
	if got := PixelDigest(rgba.SubImage(image.Rect(5, 7, 45, 37)).(*image.RGBA)); got != want {
		t.Errorf("sub-image digest %v, want %v", got, want)
	}
}

// The reference photos stored with EXIF orientations 1, 3, 6 and 8 are
// four shots of one desk (different framings, so their upright hashes are
// not close to each other). The reference hashes the stored pixels and
// ignores EXIF; once Sleuth turns a photo upright, one of the dihedral
// variants of its hash must be the reference's raw hash: the transform
// that undoes the orientation.
func TestEXIFRotnHashes(t *testing.T) {
	raw := map[string]string{
		"1": "dc399924da5621d4c63973a56acfc926cf53db341b18367d318666cf9b142649",
		"3": "38cfabcfab36b94e39cfa0023946790ef44171417d850401f7616005ffc1fff2",
		"6": "e8783aad54ae0b63653192c279592d6ad4b5434a5fcd7071f7abcb594b481a94",
		"8": "eb507c23b4ada17ec2fe2b0ca52038b15e0e970fcaf3f0c9058ac8687bf92d1e",
	}
	// Undoing orientation 3 is a half turn; 6 and 8 are quarter turns.
	wantVariant := map[string]int{"1": DihedralOriginal, "3": DihedralRotate180, "6": DihedralRotate90, "8": DihedralRotate270}
	for _, o := range []string{"1", "3", "6", "8"} {
		res, err := File("../testdata/pdq/reg-test-input/exif-rotn/exif-rotn-"+o+".jpg", Options{})
		if err != nil {
			t.Fatal(err)
		}
		want, _ := ParsePDQ(raw[o])
		best, bestV := 257, -1
		for v, h := range res.PDQDihedral {
			if d := h.Distance(want); d < best {
				best, bestV = d, v
			}
		}
		t.Logf("orientation %s: upright hash %d bits from the raw reference, via dihedral variant %d", o, best, bestV)
		// Dihedral variants come from the DCT of the upright picture, not
		// from re-hashing rotated pixels: a few bits of slack, as in the
		// reference's own dihedral tests.
		if best > 20 {
			t.Errorf("orientation %s: no dihedral variant within 20 bits of the reference (best %d)", o, best)
		}
		if bestV != wantVariant[o] {
			t.Errorf("orientation %s matched variant %d, want %d", o, bestV, wantVariant[o])
		}
	}
}

// FuzzParseHashes: the hex parsers accept exactly their canonical lengths
// and round-trip (lower case).
func FuzzParseHashes(f *testing.F) {
	f.Add("0123456789abcdef")
	f.Add("d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22")
	f.Add("ZZ")
	f.Fuzz(func(t *testing.T, s string) {
		if h, err := ParsePHash(s); err == nil {
			if h2, err := ParsePHash(h.String()); err != nil || h2 != h || len(s) != 16 {
				t.Fatalf("pHash %q", s)
			}
		} else if sleuth.ErrorCode(err) != sleuth.CodeInvalidFingerprint {
			t.Fatalf("pHash %q: %v", s, err)
		}
		if d, err := ParseDigest(s); err == nil {
			if d2, err := ParseDigest(d.String()); err != nil || d2 != d || len(s) != 64 {
				t.Fatalf("digest %q", s)
			}
		} else if sleuth.ErrorCode(err) != sleuth.CodeInvalidFingerprint {
			t.Fatalf("digest %q: %v", s, err)
		}
	})
}
