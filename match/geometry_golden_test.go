package match

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"image"
	"os"
	"strings"
	"testing"

	"golang.org/x/image/draw"

	"github.com/sleuthhq/sleuth/fingerprint"
	"github.com/sleuthhq/sleuth/imaging"
)

var updateVerify = flag.Bool("update", false, "rewrite testdata/verify.golden from the current Verify")

const verifyGolden = "testdata/verify.golden"

// verifyCase is one verification of the golden test and the benchmark.
type verifyCase struct {
	name           string
	q, a           *fingerprint.Features
	qw, qh, aw, ah int
}

// verifyCases are synthetic pairs (copies and unrelated pictures) and the
// features of real pictures against edited copies of them.
func verifyCases(tb testing.TB) []verifyCase {
	tb.Helper()
	var cs []verifyCase
	for seed := range uint64(12) {
		a, q := syntheticPair(seed, 400, 300, 500, 400, 0.7+0.1*float64(seed), float64(seed)*13-60, 30, 20, 150)
		cs = append(cs, verifyCase{fmt.Sprintf("synthetic-%d", seed), q, a, 500, 400, 400, 300})
		a2, _ := syntheticPair(seed, 400, 300, 400, 300, 1, 0, 0, 0, 0)
		_, q2 := syntheticPair(seed+100, 400, 300, 400, 300, 1, 0, 0, 0, 200)
		cs = append(cs, verifyCase{fmt.Sprintf("unrelated-%d", seed), q2, a2, 400, 300, 400, 300})
	}
	const dir = "../testdata/pdq/reg-test-input/labelme-subset/"
	var real []*image.RGBA
	for _, f := range []string{"q0003.jpg", "q0291.jpg", "q2821.jpg"} {
		im, err := imaging.DecodeFile(dir+f, imaging.Limits{})
		if err != nil {
			tb.Fatal(err)
		}
		real = append(real, im.RGBA)
	}
	for i, src := range real {
		W, H := src.Rect.Dx(), src.Rect.Dy()
		a := fingerprint.ExtractFeatures(src, fingerprint.AssetFeatures)
		// A crop scaled up, the picture embedded in a frame, and the
		// next picture (unrelated).
		crop := image.NewRGBA(image.Rect(0, 0, W, H))
		draw.CatmullRom.Scale(crop, crop.Rect, src, image.Rect(W/5, H/6, W-W/8, H-H/7), draw.Src, nil)
		framed := image.NewRGBA(image.Rect(0, 0, W*3/2, H*3/2))
		for k := range framed.Pix {
			framed.Pix[k] = 200
		}
		draw.Copy(framed, image.Pt(W/4, H/3), src, src.Rect, draw.Src, nil)
		other := real[(i+1)%len(real)]
		for _, q := range []*image.RGBA{crop, framed, other} {
			f := fingerprint.ExtractFeatures(q, fingerprint.QueryFeatures)
			cs = append(cs, verifyCase{fmt.Sprintf("real-%d-%dx%d", i, q.Rect.Dx(), q.Rect.Dy()), f, a, q.Rect.Dx(), q.Rect.Dy(), W, H})
		}
	}
	return cs
}

// TestVerifyGolden checks Verify's results against those of the golden
// file (made before any speed work on it). Run with -update to rewrite it.
func TestVerifyGolden(t *testing.T) {
	var got []string
	for _, c := range verifyCases(t) {
		g, ok := Verify(c.q, c.qw, c.qh, c.a, c.aw, c.ah)
		// The occlusion is a pointer: hashed by value, after the other
		// fields (and after the fitted pixels').
		occ, fitted := g.Occlusion, g.Fitted
		g.Occlusion, g.Fitted = nil, nil
		s := fmt.Sprintf("%#v", g)
		s = strings.Replace(s, ", Occlusion:(*match.Occlusion)(nil)", "", 1)
		// So is the pixel evidence under the fitted transform, which came
		// after the golden file: left out when the refinement kept it.
		s = strings.Replace(s, ", Fitted:(*match.PixelEvidence)(nil)", "", 1)
		if fitted != nil {
			s += fmt.Sprintf(" %#v", *fitted)
		}
		// The captions' evidence, none without captions, came after the
		// golden file: left out when none, so that it still holds.
		s = strings.Replace(s, ", Captioned:(*match.Geometry)(nil), Hidden:0, CaptionCells:0", "", 1)
		// So did the luma read through the colour map: left out when not.
		s = strings.Replace(s, ", Recoloured:false", "", 1)
		if occ != nil {
			s += fmt.Sprintf(" %#v", *occ)
		}
		got = append(got, fmt.Sprintf("%s %v %x", c.name, ok, sha256.Sum256([]byte(s))))
	}
	if *updateVerify {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(verifyGolden, []byte(strings.Join(got, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	b, err := os.ReadFile(verifyGolden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	want := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(want) != len(got) {
		t.Fatalf("golden file has %d lines, the test makes %d", len(want), len(got))
	}
	found := 0
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("Verify changed:\n got %s\nwant %s", got[i], want[i])
		}
		if strings.Contains(got[i], " true ") {
			found++
		}
	}
	if found < 10 || found == len(got) {
		t.Errorf("%d of %d cases verified: the cases do not exercise both outcomes", found, len(got))
	}
}

// BenchmarkVerify runs Verify over the golden cases (one op is all of
// them).
func BenchmarkVerify(b *testing.B) {
	cs := verifyCases(b)
	b.ResetTimer()
	for b.Loop() {
		for _, c := range cs {
			Verify(c.q, c.qw, c.qh, c.a, c.aw, c.ah)
		}
	}
}
