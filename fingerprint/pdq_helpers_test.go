package fingerprint

import (
	"encoding/csv"
	"image"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/sleuthhq/sleuth/imaging"
)

const pdqTestdata = "../testdata/pdq"

// pdqDecodeTestImage decodes path with package imaging (libjpeg-compatible
// JPEG colour conversion, alpha flattened over white) and then undoes the
// EXIF orientation, because the reference hashes the stored pixels. ok is
// always true (every reference file decodes).
func pdqDecodeTestImage(t testing.TB, path string) (img *image.RGBA, ok bool) {
	t.Helper()
	m, err := imaging.DecodeFile(path, imaging.Limits{})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	inverse := [9]int{0, 1, 2, 3, 4, 5, 8, 7, 6} // 6 and 8 undo each other
	return imaging.Orient(m.RGBA, inverse[m.Orientation]), true
}

type pdqExpected struct {
	file    string
	hash    PDQ
	quality int
}

func pdqReadExpected(t testing.TB) []pdqExpected {
	t.Helper()
	f, err := os.Open(filepath.Join(pdqTestdata, "expected-pdq.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []pdqExpected
	for i, r := range recs {
		if i == 0 && r[0] == "file" {
			continue
		}
		h, err := ParsePDQ(r[1])
		if err != nil {
			t.Fatalf("csv row %d: %v", i, err)
		}
		q, err := strconv.Atoi(r[2])
		if err != nil {
			t.Fatalf("csv row %d: %v", i, err)
		}
		out = append(out, pdqExpected{r[0], h, q})
	}
	if len(out) == 0 {
		t.Fatal("expected-pdq.csv has no rows")
	}
	return out
}

// pdqPerceptualizeFile decodes a file under testdata/pdq and hashes it.
func pdqPerceptualizeFile(t testing.TB, rel string) (Perceptual, bool) {
	t.Helper()
	img, ok := pdqDecodeTestImage(t, filepath.Join(pdqTestdata, rel))
	if !ok {
		return Perceptual{}, false
	}
	return Perceptualize(img), true
}
