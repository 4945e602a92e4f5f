package corpus

import (
	"context"
	"fmt"
	"image"
	"io"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/sleuthhq/sleuth/fingerprint"
	"github.com/sleuthhq/sleuth/imaging"
	"github.com/sleuthhq/sleuth/index"
	"github.com/sleuthhq/sleuth/match"
)

// The same drawing at another scale or place on its canvas, turned a
// quarter and shifted (OpenClipart's "nikon_coolpix_auban_" and
// "digital_camera_nikon_co_", one drawing filed twice at 94%; jigsaw
// pieces that are each other turned; Hedgewars's "Rock" and "RockShort",
// the second the first cut short) escapes the PDQ and the trimmed PDQ
// passes: the whole pictures, and their trimmed rectangles, are laid
// out differently. The benchmark counts a scaled, cropped, padded or
// turned copy as a copy, so such pairs are one work; left in, a query made
// from one finds the other and the answer key calls that false.
//
// The pass runs on the natural sources (the generated tokens are distinct
// by construction: they are the hard negatives) after the other passes:
// candidates come from the local features' vote index (the votes that
// agree on one rotation and scale, Votes.SearchConsistent, since the
// 2026-12-05 evening; before, the votes weighted by how common their
// descriptor is, which missed plain drawings), one similarity
// transform is verified (match.Verify), and a pair is merged only when the
// transform lays one picture almost wholly inside the other (geoDupInside
// of it) and the pixels agree over everything the two share: the
// correlation over every cell at least geoDupCorrelation, the colours
// within match.MaxColorOffCells cells, at least geoDupInliers keypoints
// and geoDupInlierRatio of those the transform puts inside the other
// picture agreeing through the ratio test, or geoDupGuidedRatio of them
// found again once the transform is known (match.Geometry.GuidedRatio:
// a drawing whose strokes repeat loses most of its pairs to the ratio
// test). Two pictures that differ anywhere in what they share
// (a member of a family emoji, a numbered series, a clock's hands) keep a
// full correlation under that. The thresholds were set by looking at the
// pairs a looser rule (0.985, no ratio) merged on the 2026-12-05 corpus:
// it also merged OpenClipart's hotel icons "web_access" and
// "email_access" (one frame, a dark glyph on a dark screen: 0.986) and
// dozens of "star_NNptMMstep" polygons of a few points more or less
// (inlier ratios 0.10 to 0.25). The guided ratio was added on the
// 2026-12-05 night: OpenClipart's "arrow07_1" is "arrow07_3" turned half
// a turn and shifted on its canvas (inlier ratio 0.188, guided 0.623),
// and a query made from one found the other as a false match in seven
// families once the consistent votes retrieved it.
const (
	geoDupInside      = 0.9
	geoDupCorrelation = 0.995
	geoDupInliers     = 20
	geoDupInlierRatio = 0.2
	geoDupGuidedRatio = 0.6
	geoDupCandidates  = 8
	geoDupMinVotes    = 3
)

// sameWork reports whether a verification says the two pictures are one
// work (see above). The pixels and colours are judged as compared under
// the transform fitted to the keypoints (match.Geometry.Fitted, when
// Verify refined it on the pixels): refined, they let through look-alikes
// that the bounds above keep apart (on the 2026-12-06 night corpus, two
// star polygons, two regional flags of France, OpenClipart's laundromat
// and dishwasher hotel icons, a lit and a bright-lit bulb).
func sameWork(g match.Geometry) bool {
	px := match.PixelEvidence{Correlation: g.Correlation, FullCorrelation: g.FullCorrelation, ColorOff: g.ColorOff, ColorCells: g.ColorCells}
	if g.Fitted != nil {
		px = *g.Fitted
	}
	return g.Inliers >= geoDupInliers && (g.InlierRatio >= geoDupInlierRatio || g.GuidedRatio >= geoDupGuidedRatio) &&
		max(g.QueryOverlap, g.AssetOverlap) >= geoDupInside &&
		px.Correlation >= geoDupCorrelation && px.FullCorrelation >= geoDupCorrelation &&
		px.ColorCells > 0 && int(px.ColorOff*float64(px.ColorCells)+0.5) <= match.MaxColorOffCells
}

// geometricDuplicates returns, for each entry, the index of an earlier
// entry it is the same work as (sameWork), or -1; only entries for which
// natural is true are compared. The entries' prepared pictures are read
// from dir.
func geometricDuplicates(ctx context.Context, dir string, entries []Entry, natural func(Entry) bool, workers int, prog io.Writer) ([]int, error) {
	type stored struct {
		f    *fingerprint.Features
		w, h int
	}
	load := func(e Entry) (*imaging.Image, error) {
		img, err := imaging.DecodeFile(filepath.Join(dir, filepath.FromSlash(e.Path)), imaging.Limits{})
		if err != nil {
			return nil, fmt.Errorf("corpus: geometric dedup: %w", err)
		}
		return img, nil
	}
	feats := make([]stored, len(entries))
	errs := make([]error, len(entries))
	Parallel(workers, len(entries), func(i int) {
		if !natural(entries[i]) || ctx.Err() != nil {
			return
		}
		img, err := load(entries[i])
		if err != nil {
			errs[i] = err
			return
		}
		f := fingerprint.ExtractFeatures(img.RGBA, fingerprint.AssetFeatures)
		if f == nil || len(f.Points) == 0 {
			return // no keypoints, no votes: nothing to compare
		}
		// Only what a store keeps: the query side's frames are large.
		feats[i] = stored{&fingerprint.Features{Width: f.Width, Height: f.Height, Points: f.Points, Thumb: f.Thumb, Color: f.Color}, img.Width, img.Height}
	})
	if err := firstError(ctx, errs); err != nil {
		return nil, err
	}
	votes := index.NewVotes()
	for i, s := range feats {
		if s.f != nil {
			votes.Add(index.ID(i), index.FeatureEntries(s.f))
		}
	}
	progress(prog, "corpus: looking for pictures that are others scaled, cropped or turned")
	dup := make([]int, len(entries))
	for i := range dup {
		dup[i] = -1
	}
	var done atomic.Int64
	var mu sync.Mutex // prog
	Parallel(workers, len(entries), func(i int) {
		if n := done.Add(1); n%2048 == 0 {
			mu.Lock()
			progress(prog, "corpus: %d/%d pictures compared", n, len(entries))
			mu.Unlock()
		}
		if feats[i].f == nil || ctx.Err() != nil {
			return
		}
		img, err := load(entries[i])
		if err != nil {
			errs[i] = err
			return
		}
		// The picture and its mirror image: a similarity transform does
		// not mirror.
		for _, pic := range []*image.RGBA{img.RGBA, mirror(img.RGBA)} {
			q := fingerprint.ExtractFeatures(pic, fingerprint.QueryFeatures)
			if q == nil {
				return
			}
			for _, h := range votes.SearchConsistent(index.FeatureEntries(q), geoDupMinVotes, geoDupCandidates) {
				j := int(h.ID)
				if j >= i {
					continue
				}
				a := feats[j]
				if g, ok := match.Verify(q, img.Width, img.Height, a.f, a.w, a.h); ok && sameWork(g) {
					dup[i] = j
					return
				}
			}
		}
	})
	if err := firstError(ctx, errs); err != nil {
		return nil, err
	}
	return dup, nil
}

// mirror returns img mirrored left to right.
func mirror(img *image.RGBA) *image.RGBA {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		src := img.Pix[img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y+y):]
		dst := out.Pix[y*out.Stride:]
		for x := 0; x < w; x++ {
			copy(dst[4*(w-1-x):4*(w-x)], src[4*x:4*x+4])
		}
	}
	return out
}

func firstError(ctx context.Context, errs []error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
