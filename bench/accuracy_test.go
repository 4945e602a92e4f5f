package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	bcorpus "github.com/sleuthhq/sleuth/bench/corpus"
	"github.com/sleuthhq/sleuth/bench/edits"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// accBlobs draws random coloured ellipses on a random background.
func accBlobs(seed uint64, w, h int) *image.RGBA {
	rng := rand.New(rand.NewPCG(seed, 7))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	bg := [3]uint8{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256))}
	for i := range img.Pix {
		if i%4 == 3 {
			img.Pix[i] = 255
		} else {
			img.Pix[i] = bg[i%4]
		}
	}
	for k := 0; k < 14; k++ {
		cx, cy := rng.Float64()*float64(w), rng.Float64()*float64(h)
		rx, ry := (0.04+0.18*rng.Float64())*float64(w), (0.04+0.18*rng.Float64())*float64(h)
		c := color.RGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 255}
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				dx, dy := (float64(x)-cx)/rx, (float64(y)-cy)/ry
				if dx*dx+dy*dy <= 1 {
					img.SetRGBA(x, y, c)
				}
			}
		}
	}
	return img
}

// tinyCorpus prepares a synthetic corpus in a temporary directory with
// package corpus, as scripts/corpus does with real pictures. The pictures
// are 300x300: at that size the PDQ of a mirrored picture is (nearly) the
// mirrored PDQ; at other sizes (128, 192 and 256 in our trials) the
// reference PDQ's dihedral variants can be 30-46 bits off for sharp-edged
// synthetic pictures, which would make "PDQ finds flips" depend on the
// picture.
func tinyCorpus(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for i := 0; i < 56; i++ {
		path := filepath.Join(dir, "raw", "synthetic", "pictures", string(rune('a'+i/26))+string(rune('a'+i%26))+".png")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, accBlobs(uint64(i), 300, 300)); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	_, err := bcorpus.Prepare(context.Background(), bcorpus.PrepareConfig{
		Dir: dir, Seed: 1, MaxSide: 300, Originals: 12, Holdout: 6, Backgrounds: 3, Logos: 2,
		Sources: []bcorpus.Source{{Name: "synthetic", Packages: []string{"synthetic"}, Backdrop: true}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestAccuracyEndToEnd(t *testing.T) {
	dir := tinyCorpus(t)
	cfg := AccuracyConfig{Dir: dir, Families: []string{"exact", "flip", "rot90", "crop-50"}, Seed: 5, AllEdits: true}
	res, err := Accuracy(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := res.Corpus
	if c.Originals != 12 || c.Holdout != 6 || c.Indexed != c.Originals+c.Distractors || c.Distractors < 30 {
		t.Fatalf("corpus %+v", c)
	}
	// exact 1 + flip 1 + rot90 2 + crop-50 2 edits per original, + holdouts.
	if want := 12*6 + 6; res.Queries != want {
		t.Errorf("%d queries, want %d", res.Queries, want)
	}
	if len(res.Systems) != 2 || res.Systems[0].Name != SystemSleuth || res.Systems[1].Name != SystemPDQ {
		t.Fatalf("systems %+v", res.Systems)
	}
	for _, s := range res.Systems {
		fams := map[string]FamilyResult{}
		for _, f := range s.Families {
			fams[f.Family] = f
		}
		if len(s.Families) != 5 || s.Families[4].Family != HoldoutFamily {
			t.Errorf("%s: families %+v", s.Name, s.Families)
		}
		if !s.ThresholdFound {
			t.Errorf("%s: no threshold", s.Name)
		}
		for _, fam := range []string{"exact", "flip", "rot90"} {
			if f := fams[fam]; f.Queries != 12*len(editsOf(fam)) || f.Recall != 1 || f.AP != 1 {
				t.Errorf("%s %s: %+v, want every copy found", s.Name, fam, f)
			}
		}
		if s.Overall.Queries != res.Queries || len(s.Edits) != 6 || len(s.Calibration) != 2 {
			t.Errorf("%s: overall %+v, %d edit rows, %d calibration rows", s.Name, s.Overall, len(s.Edits), len(s.Calibration))
		}
	}
	pdqCrop := res.Systems[1].Families[3]
	if pdqCrop.Family != "crop-50" || pdqCrop.Recall > 0.25 {
		t.Errorf("PDQ-only finds %.0f%% of the 50%% crops; the baseline should miss most", pdqCrop.Recall*100)
	}
	var buf bytes.Buffer
	res.WriteTable(&buf)
	for _, want := range []string{"sleuth recall", "pdq-only recall", "crop-50", "holdout", "score >= 0.90", "crop-50-off"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, buf.String())
		}
	}
	// Same seed, same table (timings aside), with the match log on.
	var log bytes.Buffer
	logged := cfg
	logged.Matches = &log
	again, err := Accuracy(context.Background(), logged)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(log.String(), "\n"), "\n")
	if len(lines) != res.Queries {
		t.Errorf("match log: %d lines, want one per query (%d)", len(lines), res.Queries)
	}
	for _, l := range lines {
		var q QueryLog
		if err := json.Unmarshal([]byte(l), &q); err != nil {
			t.Fatalf("match log line %q: %v", l, err)
		}
		if q.Family == "exact" && (!q.Found || len(q.Matches) == 0 || !q.Matches[0].True || q.Matches[0].Match.Tier != "exact") {
			t.Errorf("match log: exact copy %+v", q)
		}
		if q.Family == HoldoutFamily && (q.Found || q.Truth != "") {
			t.Errorf("match log: holdout %+v", q)
		}
	}
	if a, b := untimed(res), untimed(again); a != b {
		t.Errorf("two runs with one seed differ:\n%s\n%s", a, b)
	}
	if _, err := Accuracy(context.Background(), AccuracyConfig{Dir: dir, Families: []string{"nope"}}); err == nil {
		t.Error("unknown family accepted")
	}
	if _, err := Accuracy(context.Background(), AccuracyConfig{Dir: dir, Originals: 1000}); err == nil {
		t.Error("more originals than the corpus has accepted")
	}
}

func editsOf(fam string) []edits.Edit {
	es, _ := edits.Select([]string{fam})
	return es
}

func untimed(r *AccuracyResult) string {
	var b bytes.Buffer
	r.writeTable(&b, false)
	return b.String()
}

// TestAccuracyMetrics checks threshold, recall, AP and calibration on
// hand-made records.
func TestAccuracyMetrics(t *testing.T) {
	ms := time.Millisecond
	recs := []queryRec{
		// Found at 0.95 by sleuth; pdq finds it at 0.6 beside a false 0.7.
		{family: "a", edit: "a-1", truth: "o1", answers: [2][]answer{{{"o1", 0.95}}, {{"x", 0.7}, {"o1", 0.6}}}, latency: [2]time.Duration{10 * ms, 2 * ms}},
		{family: "a", edit: "a-1", truth: "o2", answers: [2][]answer{{{"o2", 0.8}, {"x", 0.5}}, {}}, latency: [2]time.Duration{20 * ms, 3 * ms}},
		{family: "b", edit: "b-1", truth: "o3", answers: [2][]answer{{}, {{"o3", 0.9}}}, latency: [2]time.Duration{30 * ms, 4 * ms}},
		{family: HoldoutFamily, edit: HoldoutFamily, answers: [2][]answer{{{"y", 0.6}}, {}}, latency: [2]time.Duration{40 * ms, 5 * ms}},
	}
	es := []edits.Edit{{Family: "a", Name: "a-1"}, {Family: "b", Name: "b-1"}}
	res := score(recs, []string{"a", "b"}, es)
	s, p := res.Systems[0], res.Systems[1]
	// sleuth: 0.95 T, 0.8 T, 0.6 F, 0.5 F: best threshold 0.8 (2 true, 0 false).
	if !s.ThresholdFound || s.Threshold != 0.8 || s.TrueMatches != 2 || s.FalseMatches != 0 || s.PrecisionAny != 0.5 {
		t.Errorf("sleuth threshold %+v", s)
	}
	if f := s.Families[0]; f.Recall != 1 || f.Found != 2 || f.AP != 1 {
		t.Errorf("sleuth family a %+v", f)
	}
	if f := s.Families[2]; f.Family != HoldoutFamily || f.FalseAtThreshold != 0 || f.P50Millis != 40 {
		t.Errorf("sleuth holdout %+v", f)
	}
	// pdq: 0.9 T, 0.7 F, 0.6 T: threshold 0.9 (1 true); family a recall 0
	// at it; AP of a = (1/2)/2 (o1 ranked second) = 0.25.
	if p.Threshold != 0.9 || p.Families[0].Recall != 0 || p.Families[0].RecallAny != 0.5 || p.Families[0].AP != 0.25 || p.Families[1].Recall != 1 {
		t.Errorf("pdq %+v", p)
	}
	if c := s.Calibration[0]; c.MinScore != 0.9 || c.Matches != 1 || c.True != 1 {
		t.Errorf("sleuth calibration >= 0.9 %+v", c)
	}
	if c := s.Calibration[1]; c.Matches != 3 || c.True != 2 {
		t.Errorf("sleuth calibration >= 0.55 %+v", c)
	}
	if want := []FalseMatch{{Edit: HoldoutFamily, Match: "y", Score: 0.6}, {Edit: "a-1", Query: "", Match: "x", Score: 0.5}}; !reflect.DeepEqual(s.TopFalse, want) {
		t.Errorf("sleuth top false %+v", s.TopFalse)
	}
	if o := s.Overall; o.Queries != 4 || o.Found != 2 || o.P50Millis != 20 || o.P99Millis != 40 {
		t.Errorf("sleuth overall %+v", o)
	}
	// No threshold when the best-scored match is false and nothing else is.
	if _, ok := threshold([]scored{{0.9, false}}); ok {
		t.Error("threshold found with only a false match")
	}
	// Ties: a threshold takes every match of its score.
	if th, ok := threshold([]scored{{0.9, true}, {0.9, false}, {0.8, true}}); ok {
		t.Errorf("threshold %v over a tie of true and false", th)
	}
}

// TestAccuracyTableGolden renders a fixed result.
func TestAccuracyTableGolden(t *testing.T) {
	fam := func(f string, q, found int, ap float64, fa int, p50, p99 float64) FamilyResult {
		return FamilyResult{Family: f, Queries: q, Found: found, Recall: ratio(found, q), RecallAny: min(1, ratio(found, q)+0.05), AP: ap, FalseAtThreshold: fa, P50Millis: p50, P99Millis: p99}
	}
	res := &AccuracyResult{
		Corpus:  CorpusInfo{Dir: "/c", Seed: 1, ManifestSeed: 1, MaxSide: 512, Originals: 1000, Distractors: 10000, Holdout: 1000, Indexed: 11000},
		Queries: 4000,
		Systems: []SystemResult{
			{Name: SystemSleuth, Threshold: 0.61, ThresholdFound: true, Precision: 0.9995, TrueMatches: 2700, FalseMatches: 1, PrecisionAny: 0.62,
				Families:    []FamilyResult{fam("exact", 1000, 1000, 1, 0, 8.5, 20.25), fam("crop-20", 2000, 1700, 0.88, 1, 9, 31), fam(HoldoutFamily, 1000, 0, 0, 0, 7, 15)},
				Overall:     fam("all", 4000, 2700, 0.9, 1, 8, 30),
				Edits:       []EditResult{{"exact-png", "exact", 1000, 1000, 1}, {"crop-20", "crop-20", 1000, 900, 0.9}, {"crop-20-off", "crop-20", 1000, 800, 0.8}},
				Calibration: []Calibration{{0.9, 2000, 2000, 1}, {0.55, 2710, 2700, 0.99631}},
				TopFalse:    []FalseMatch{{Edit: "crop-20", Query: "aa", QueryRaw: "raw/x/a.png", Match: "bb", MatchRaw: "raw/x/b.png", Score: 0.7}}},
			{Name: SystemPDQ, Threshold: 0.75, ThresholdFound: true, Precision: 1, TrueMatches: 1100, PrecisionAny: 0.94,
				Families:    []FamilyResult{fam("exact", 1000, 1000, 1, 0, 4, 6), fam("crop-20", 2000, 100, 0.05, 0, 4, 6.5), fam(HoldoutFamily, 1000, 0, 0, 0, 4, 6)},
				Overall:     fam("all", 4000, 1100, 0.4, 0, 4, 6),
				Edits:       []EditResult{{"exact-png", "exact", 1000, 1000, 1}, {"crop-20", "crop-20", 1000, 60, 0.06}, {"crop-20-off", "crop-20", 1000, 40, 0.04}},
				Calibration: []Calibration{{0.9, 1000, 1000, 1}, {0.55, 1200, 1100, 0.91667}}},
		},
		IndexSeconds: 61.5, QuerySeconds: 420.25,
	}
	var buf bytes.Buffer
	res.WriteTable(&buf)
	golden := filepath.Join("testdata", "accuracy_table.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./bench -run AccuracyTableGolden -update)", err)
	}
	if buf.String() != string(want) {
		t.Errorf("table differs from %s:\n%s", golden, buf.String())
	}
	// JSON round trip keeps everything.
	data, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var back AccuracyResult
	if err := json.Unmarshal(data, &back); err != nil || !reflect.DeepEqual(&back, res) {
		t.Errorf("JSON round trip: %v", err)
	}
}
