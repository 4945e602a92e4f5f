package engine

import (
	"context"
	"image"
	"image/color"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/image/draw"
	"golang.org/x/image/math/f64"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/fingerprint"
	"github.com/sleuthhq/sleuth/index"
	"github.com/sleuthhq/sleuth/match"
	"github.com/sleuthhq/sleuth/store/sqlite"
)

const labelme = td + "reg-test-input/labelme-subset/"

// cropTo keeps the window of frac of src's area (each side sqrt(frac))
// whose top-left corner is at (fx, fy) of the free margin.
func cropTo(src *image.RGBA, frac, fx, fy float64) *image.RGBA {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	cw, ch := int(float64(w)*math.Sqrt(frac)), int(float64(h)*math.Sqrt(frac))
	x0, y0 := int(float64(w-cw)*fx), int(float64(h-ch)*fy)
	out := image.NewRGBA(image.Rect(0, 0, cw, ch))
	draw.Draw(out, out.Rect, src, image.Pt(x0, y0), draw.Src)
	return out
}

// padBy adds a solid border so that each side grows by frac, unevenly.
func padBy(src *image.RGBA, frac float64, c color.RGBA) *image.RGBA {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	pw, ph := int(float64(w)*frac), int(float64(h)*frac)
	out := image.NewRGBA(image.Rect(0, 0, w+pw, h+ph))
	draw.Draw(out, out.Rect, image.NewUniform(c), image.Point{}, draw.Src)
	draw.Draw(out, src.Rect.Add(image.Pt(pw/3, ph*2/3)), src, image.Point{}, draw.Src)
	return out
}

// rotateBy turns src by deg degrees (clockwise on screen) about its
// centre on a white canvas of the same size.
func rotateBy(src *image.RGBA, deg float64) *image.RGBA {
	w, h := float64(src.Rect.Dx()), float64(src.Rect.Dy())
	out := image.NewRGBA(src.Rect)
	draw.Draw(out, out.Rect, image.White, image.Point{}, draw.Src)
	s, c := math.Sincos(deg * math.Pi / 180)
	cx, cy := w/2, h/2
	m := f64.Aff3{c, -s, cx - c*cx + s*cy, s, c, cy - s*cx - c*cy}
	draw.BiLinear.Transform(out, m, src, src.Rect, draw.Over, nil)
	return out
}

// embedIn scales src to cover frac of bg's area and draws it at (fx, fy)
// of the free space.
func embedIn(src, bg *image.RGBA, frac, fx, fy float64) *image.RGBA {
	out := image.NewRGBA(bg.Rect)
	draw.Draw(out, out.Rect, bg, image.Point{}, draw.Src)
	bw, bh := float64(bg.Rect.Dx()), float64(bg.Rect.Dy())
	k := math.Sqrt(frac * bw * bh / float64(src.Rect.Dx()*src.Rect.Dy()))
	sw, sh := int(float64(src.Rect.Dx())*k), int(float64(src.Rect.Dy())*k)
	x0, y0 := int((bw-float64(sw))*fx), int((bh-float64(sh))*fy)
	draw.CatmullRom.Scale(out, image.Rect(x0, y0, x0+sw, y0+sh), src, src.Rect, draw.Src, nil)
	return out
}

func TestSearchEditedCopies(t *testing.T) {
	e, path := openTest(t)
	bridge := register(t, e, td+"bridge-mods/aaa-orig.jpg")
	room := register(t, e, labelme+"q0122.jpg")
	for _, f := range []string{"q0291.jpg", "q0746.jpg", "q1050.jpg", "q2821.jpg"} {
		register(t, e, labelme+f)
	}
	for _, a := range []*sleuth.Asset{bridge, room} {
		if _, ok := a.PerceptualOf(fingerprint.KindFeatures); !ok {
			t.Fatalf("%s registered without local features", a.Source)
		}
	}
	st := e.Stats()
	if st.VotePostings < 6*100 {
		t.Errorf("stats %+v", st)
	}
	bridgePix := decode(t, td+"bridge-mods/aaa-orig.jpg")
	roomPix := decode(t, labelme+"q0122.jpg")
	unregistered := decode(t, labelme+"q0003.jpg")
	tests := []struct {
		name   string
		img    *image.RGBA
		want   *sleuth.Asset
		method string // "": trimmed_pdq or local_features
		// Expected transform (scale, rotation) and overlaps, roughly.
		scale, deg     float64
		qOv, aOv, slop float64
	}{
		{"crop 20% off-centre", cropTo(bridgePix, 0.8, 0.8, 0.2), bridge, match.MethodLocalFeatures, 1, 0, 1, 0.8, 0.05},
		{"crop 50%", cropTo(roomPix, 0.5, 0.5, 0.5), room, match.MethodLocalFeatures, 1, 0, 1, 0.5, 0.05},
		{"pad 20% solid", padBy(bridgePix, 0.2, color.RGBA{200, 30, 60, 255}), bridge, "", 0, 0, 0.69, 1, 0.05},
		{"rotate 5", rotateBy(bridgePix, 5), bridge, match.MethodLocalFeatures, 1, 5, 0.9, 0.9, 0.1},
		// Its local features verify under the sure band; the picture
		// found inside by its edges, laid on the room, is sure
		// (match.MethodInsetPixels), and keeps the verification's
		// transform.
		{"embedded at 30%", embedIn(roomPix, unregistered, 0.3, 0.7, 0.4), room, match.MethodInsetPixels, 0, 0, 0.3, 1, 0.05},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms := search(t, e, encodeJPEG(t, tt.img, 90))
			if len(ms) != 1 {
				t.Fatalf("%d matches, want 1: %+v", len(ms), ms)
			}
			m := ms[0]
			okMethod := m.Method == tt.method || tt.method == "" && (m.Method == match.MethodTrimmedPDQ || m.Method == match.MethodLocalFeatures)
			if m.Asset.ID != tt.want.ID || m.Tier != match.TierEdited || !okMethod || m.Score < 0.3 {
				t.Fatalf("match %s tier %s method %s score %v, want %s edited %s", m.Asset.Source, m.Tier, m.Method, m.Score, tt.want.Source, tt.method)
			}
			if _, ok := m.Asset.PerceptualOf(fingerprint.KindFeatures); ok {
				t.Error("the match's asset carries its local features")
			}
			if math.Abs(m.QueryOverlap-tt.qOv) > tt.slop || math.Abs(m.AssetOverlap-tt.aOv) > tt.slop {
				t.Errorf("overlaps query %v asset %v, want %v %v", m.QueryOverlap, m.AssetOverlap, tt.qOv, tt.aOv)
			}
			if m.Method == match.MethodInsetPixels && m.Score < match.SureScore {
				t.Errorf("score %v by %s, want sure", m.Score, m.Method)
			}
			if m.Method != match.MethodLocalFeatures && m.Method != match.MethodInsetPixels {
				return
			}
			tr := m.Transform
			if tr == nil || m.Inliers < match.MinInliers {
				t.Fatalf("no geometric evidence: %+v", m)
			}
			if tt.scale > 0 && math.Abs(tr.Scale-tt.scale) > 0.03 {
				t.Errorf("scale %v, want %v", tr.Scale, tt.scale)
			}
			if math.Abs(tr.RotationDeg-tt.deg) > 2 {
				t.Errorf("rotation %v, want %v", tr.RotationDeg, tt.deg)
			}
		})
	}
	// Half of the room, cut from its top right corner: its keypoints agree
	// on one side of the shared area only (coverage under 0.5), so the
	// verification is not sure; laid on the window it shows of the room,
	// every cell and colour agrees (cropped_pixels), and the
	// verification's evidence is kept beside.
	t.Run("crop 50% in a corner: found by its window", func(t *testing.T) {
		ms := search(t, e, encodeJPEG(t, cropTo(roomPix, 0.5, 0.9, 0.1), 90))
		if len(ms) != 1 || ms[0].Asset.ID != room.ID {
			t.Fatalf("matches %+v, want the room alone", ms)
		}
		m := ms[0]
		if m.Method != match.MethodCroppedPixels || m.Score < match.SureScore || m.Inliers == 0 || m.Coverage >= 0.5 ||
			math.Abs(m.AssetOverlap-0.5) > 0.05 || m.QueryOverlap != 1 {
			t.Errorf("method %q score %v inliers %d coverage %v overlaps %v/%v, want sure by cropped_pixels, half the room, the verification kept",
				m.Method, m.Score, m.Inliers, m.Coverage, m.QueryOverlap, m.AssetOverlap)
		}
		if tr := m.Transform; tr == nil || math.Abs(tr.Scale-1) > 0.03 {
			t.Errorf("transform %+v, want the window's place at scale 1", tr)
		}
	})
	t.Run("distinct picture", func(t *testing.T) {
		if ms := search(t, e, encodeJPEG(t, unregistered, 90)); len(ms) != 0 {
			t.Errorf("an unregistered picture matched: %+v", ms)
		}
	})

	// The fingerprints are stored: a new engine over the same store finds
	// the copies, and Delete takes them out of the indexes.
	st2, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	e2, err := Open(context.Background(), st2, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := e2.Stats(); got.VotePostings != e.Stats().VotePostings || got.TrimEntries != e.Stats().TrimEntries {
		t.Errorf("reopened stats %+v, want %+v", got, e.Stats())
	}
	crop := encodeJPEG(t, cropTo(bridgePix, 0.8, 0.1, 0.9), 90)
	if ms := search(t, e2, crop); len(ms) != 1 || ms[0].Asset.ID != bridge.ID || ms[0].Tier != match.TierEdited {
		t.Fatalf("after reopening: %+v", ms)
	}
	before := e2.Stats().VotePostings
	if _, err := e2.Delete(context.Background(), bridge.Nid); err != nil {
		t.Fatal(err)
	}
	if after := e2.Stats().VotePostings; after >= before {
		t.Errorf("vote postings %d -> %d after delete", before, after)
	}
	if ms := search(t, e2, crop); len(ms) != 0 {
		t.Errorf("deleted asset still found: %+v", ms)
	}
	if ms := search(t, e2, encodeJPEG(t, padBy(bridgePix, 0.2, color.RGBA{0, 0, 0, 255}), 90)); len(ms) != 0 {
		t.Errorf("deleted asset still found by its trimmed hash: %+v", ms)
	}
}

// Searching by a registered asset's Nid uses its stored local features.
func TestQueryFromAssetEdited(t *testing.T) {
	e, _ := openTest(t)
	ctx := context.Background()
	bridgePix := decode(t, td+"bridge-mods/aaa-orig.jpg")
	copyRes, err := e.Register(ctx, &RegisterRequest{Data: encodeJPEG(t, cropTo(bridgePix, 0.6, 0.3, 0.6), 90), Source: "crop.jpg"})
	if err != nil {
		t.Fatal(err)
	}
	orig := register(t, e, td+"bridge-mods/aaa-orig.jpg")
	q, err := QueryFromAsset(orig)
	if err != nil || q.Pixels.Features == nil {
		t.Fatalf("query %+v %v", q, err)
	}
	resp, err := e.Search(ctx, &SearchRequest{Query: q})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, m := range resp.Matches {
		if m.Asset.ID == copyRes.Asset.ID {
			found = m.Tier == match.TierEdited && filepath.Base(m.Asset.Source) == "crop.jpg"
		}
	}
	if !found {
		t.Errorf("the registered crop was not found from the original's Nid: %+v", resp.Matches)
	}
}

func TestAddNearest(t *testing.T) {
	cands := map[uint32]*match.Candidate{
		1: {PDQDistance: 12},
		2: {PDQDistance: -1, Trim: &match.TrimEvidence{Distance: 3}},
		3: {PDQDistance: 3},
		4: {PDQDistance: -1}, // exact or voted only: nothing to verify by distance
		5: {PDQDistance: 0},
		6: {PDQDistance: 20, Trim: &match.TrimEvidence{Distance: 1}},
		7: {PDQDistance: 3},
	}
	got := addNearest([]uint32{7}, cands, 4)
	want := []uint32{7, 5, 6, 3, 2} // 7 was voted; then by distance, PDQ before trimmed, then id
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	if got := addNearest(nil, cands, 0); len(got) != 0 {
		t.Errorf("limit 0: got %v", got)
	}
}

// badgeOver draws a square badge (rings of two colours) over frac of
// src's width, near its top-right corner.
func badgeOver(src *image.RGBA, frac float64, a, b color.RGBA) *image.RGBA {
	out := image.NewRGBA(src.Rect)
	draw.Draw(out, out.Rect, src, src.Rect.Min, draw.Src)
	w := src.Rect.Dx()
	n := int(float64(w) * frac)
	x0, y0 := w-n-w/30, w/30
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			c := a
			if (max(abs(2*x-n), abs(2*y-n))/(n/6+1))%2 == 1 {
				c = b
			}
			out.SetRGBA(x0+x, y0+y, c)
		}
	}
	return out
}

func abs(v int) int { return max(v, -v) }

// A copy under a logo matches its original with a differing rectangle;
// found alone it is lifted (match.Resolve; to sure, as the badge is
// solid), with another asset that differs in the same place matching too
// it is not.
func TestSearchOverlaid(t *testing.T) {
	e, _ := openTest(t)
	bridge := register(t, e, td+"bridge-mods/aaa-orig.jpg")
	register(t, e, labelme+"q0122.jpg")
	bridgePix := decode(t, td+"bridge-mods/aaa-orig.jpg")
	red, blue := color.RGBA{220, 20, 30, 255}, color.RGBA{20, 40, 230, 255}
	query := encodeJPEG(t, badgeOver(bridgePix, 0.2, red, blue), 90)

	ms := search(t, e, query)
	if len(ms) != 1 || ms[0].Asset.ID != bridge.ID {
		t.Fatalf("matches %+v, want the bridge alone", ms)
	}
	m := ms[0]
	// The badge covers its rectangle (a solid overlay): sure.
	if m.Alone != match.AloneOverlay || m.Score != match.SureScore || m.Occlusion == nil || m.Occlusion.Share > 0.3 || m.Occlusion.Density < 0.5 {
		t.Fatalf("overlaid copy: score %v alone %q occlusion %+v", m.Score, m.Alone, m.Occlusion)
	}

	// A look-alike registered beside it: the bridge under a larger yellow
	// and black sign, also one differing rectangle away from the query.
	// The two compete, and neither is lifted.
	sibling := badgeOver(bridgePix, 0.3, color.RGBA{250, 220, 0, 255}, color.RGBA{0, 0, 0, 255})
	res, err := e.Register(context.Background(), &RegisterRequest{Data: encodeJPEG(t, sibling, 95)})
	if err != nil {
		t.Fatal(err)
	}
	ms = search(t, e, query)
	var got *match.Match
	for i := range ms {
		if ms[i].Asset.ID == bridge.ID {
			got = &ms[i]
		}
		if ms[i].Alone != "" {
			t.Errorf("%s lifted with a competitor: %+v", ms[i].Asset.Source, ms[i])
		}
	}
	if got == nil || len(ms) < 2 {
		t.Fatalf("matches %+v, want the bridge and %s", ms, res.Asset.Nid)
	}
	if got.Score >= m.Score {
		t.Errorf("with a competitor the bridge scored %v, alone %v", got.Score, m.Score)
	}

	// The bridge itself, excluded from the results: it still competes,
	// so the look-alike under the sign is not lifted as its copy.
	resp, err := e.Search(context.Background(), &SearchRequest{Data: mustRead(t, td+"bridge-mods/aaa-orig.jpg"), Exclude: []string{bridge.Nid}})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, x := range resp.Matches {
		if x.Asset.ID == bridge.ID {
			t.Errorf("excluded asset returned: %+v", x)
		}
		if x.Asset.ID == res.Asset.ID {
			found = true
			if x.Alone != "" || x.Score >= 0.85 {
				t.Errorf("look-alike of an excluded query asset: score %v alone %q", x.Score, x.Alone)
			}
		}
	}
	if !found {
		t.Errorf("the look-alike was not returned: %+v", resp.Matches)
	}
}

// TestVoteEntries: the keypoints of a repeated pattern (a descriptor with
// maxTwins near twins or more among the query's own) do not vote; the
// others do, in their order.
func TestVoteEntries(t *testing.T) {
	desc := func(seed uint64) [4]uint64 {
		return [4]uint64{seed * 0x9e3779b97f4a7c15, seed * 0xbf58476d1ce4e5b9, seed * 0x94d049bb133111eb, seed ^ 0x2545f4914f6cdd1d}
	}
	near := func(d [4]uint64, bits int) [4]uint64 {
		for i := range bits {
			d[i%4] ^= 1 << (i * 7 % 64)
		}
		return d
	}
	pattern := desc(99)
	for _, c := range []struct {
		name    string
		twins   int // copies of the pattern's descriptor (each within twinDistance of the others)
		flipped int // bits each copy has flipped (alternately 0 and this many)
		want    int // entries kept of 20 distinct + twins
	}{
		{"no pattern", 0, 0, 20},
		{"fewer than maxTwins+1 copies", maxTwins, 0, 20 + maxTwins},
		{"maxTwins+1 copies", maxTwins + 1, 0, 20},
		{"copies a few bits apart", maxTwins + 5, twinDistance / 2, 20},
		{"copies too far apart", maxTwins + 5, twinDistance + 1, 20 + maxTwins + 5},
	} {
		f := &fingerprint.Features{Width: 100, Height: 100}
		for i := range 20 {
			f.Points = append(f.Points, fingerprint.Keypoint{X: 0.5, Y: 0.5, Desc: desc(uint64(i + 1))})
		}
		for i := range c.twins {
			d := pattern
			if i%2 == 1 {
				d = near(pattern, c.flipped)
			}
			f.Points = append(f.Points, fingerprint.Keypoint{Desc: d})
		}
		all := index.FeatureEntries(f)
		got := voteEntries(f, all)
		if len(got) != c.want {
			t.Errorf("%s: %d entries, want %d", c.name, len(got), c.want)
		}
		for i := range min(20, len(got)) {
			if got[i] != all[i] {
				t.Errorf("%s: entry %d = %+v, want %+v", c.name, i, got[i], all[i])
			}
		}
	}
	if voteEntries(nil, nil) != nil {
		t.Error("entries for no features")
	}
}

// TestSecondVote: a query holding a registered picture's keypoints and a
// repeated pattern's (one descriptor, many times), beside more than
// MaxVerified assets made of that pattern: the pattern's votes crowd the
// picture out of the first vote's best, and the second vote, without the
// pattern (voteEntries), brings it back among the candidates verified.
func TestSecondVote(t *testing.T) {
	e, _ := openTest(t)
	orig := register(t, e, labelme+"q0122.jpg")
	of := storedFeatures(orig)
	if of == nil || len(of.Points) < 100 {
		t.Fatalf("the photograph has too few keypoints: %v", of)
	}
	pattern := fingerprint.Keypoint{X: 0.5, Y: 0.5, Desc: [4]uint64{0x0123456789abcdef, 0xfedcba9876543210, 0x0f1e2d3c4b5a6978, 0x8796a5b4c3d2e1f0}}
	for i := range MaxVerified + 4 {
		e.votes.Add(index.ID(100000+i), index.FeatureEntries(&fingerprint.Features{Points: []fingerprint.Keypoint{pattern}}))
	}
	qf := &fingerprint.Features{Width: of.Width, Height: of.Height, Points: slices.Clone(of.Points)}
	for range len(of.Points) + 40 {
		qf.Points = append(qf.Points, pattern)
	}
	all := index.FeatureEntries(qf)
	if slices.ContainsFunc(e.votes.SearchConsistent(all, minVotes, MaxVerified), func(h index.VoteHit) bool { return uint32(h.ID) == uint32(orig.ID) }) {
		t.Fatalf("the photograph is among the first vote's best %d: the test no longer exercises the second vote", MaxVerified)
	}
	q := &match.Query{Pixels: &fingerprint.Pixels{Features: qf}}
	verify := e.editedCandidates(q, func(uint32) *match.Candidate { return &match.Candidate{} })
	if !slices.Contains(verify, uint32(orig.ID)) {
		t.Errorf("the photograph is not among the %d candidates verified", len(verify))
	}
	if len(verify) > 2*MaxVerified {
		t.Errorf("%d candidates verified, want at most %d", len(verify), 2*MaxVerified)
	}
	// Without the pattern, one vote and no second one.
	q.Pixels.Features = &fingerprint.Features{Width: of.Width, Height: of.Height, Points: slices.Clone(of.Points)}
	if v := e.editedCandidates(q, func(uint32) *match.Candidate { return &match.Candidate{} }); len(v) == 0 || v[0] != uint32(orig.ID) {
		t.Errorf("the photograph alone: candidates %v, want it first", v)
	}
}
