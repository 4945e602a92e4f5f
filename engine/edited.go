package engine

import (
	"cmp"
	"context"
	"image"
	"maps"
	"slices"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/fingerprint"
	"github.com/sleuthhq/sleuth/index"
	"github.com/sleuthhq/sleuth/match"
)

// The edited tier's candidates (docs/MATCHING.md): assets whose trimmed
// PDQ is near the query's whole or trimmed PDQ (or whose whole PDQ is near
// the query's trimmed one), those whose whole PDQ is near the PDQ of a
// picture set inside the query (its inset, fingerprint.FindInset), and
// the assets that most of the query's local feature descriptors vote for
// with one rotation and scale
// (index.Votes.SearchConsistent; until the 2026-12-05 night the votes
// weighted by how common each descriptor is, index.Votes.Search, which
// lost the plain drawings: docs/MATCHING.md), again without the
// descriptors repeated within the query when many are (voteEntries). Each
// is then judged on the trimmed and inset hashes with their aligned
// pixels, and on a geometric verification of the local features.

const (
	// MaxVerified bounds the assets a query's local features are verified
	// against (the vote index's best), for each of the two votes (the
	// second only for a query with repeated descriptors, voteEntries).
	MaxVerified = 16
	// MaxExtraVerified bounds the PDQ and trimmed-PDQ candidates verified
	// besides the voted ones, nearest first: their local features must
	// agree too for the surest scores.
	MaxExtraVerified = 16
	// minVotes is the least number of votes, agreeing on one rotation and
	// scale, for a verification.
	minVotes = 3
	// MaxThumbCandidates bounds the assets found by their thumbnail
	// vectors (index.Thumbs) that a query's pixels are compared with,
	// minThumbCosine the least cosine of the two vectors.
	MaxThumbCandidates = 16
	minThumbCosine     = 0.8
	// MaxTurnedCandidates bounds the assets found by the query's
	// thumbnail vector turned back (turnedMatches) that its pixels are
	// compared with, turned.
	MaxTurnedCandidates = 16
	// MaxTurnedMirrored bounds those found only through the query's
	// mirror image turned back, compared with too (unmirrored), after
	// the others.
	MaxTurnedMirrored = 8
	// MaxCropCandidates bounds the assets found by the query's thumbnail
	// vector (unmirrored) whose windows are searched for the query
	// (croppedMatches).
	MaxCropCandidates = 8
	// MaxCropMirrored bounds the assets nearer the query's mirror image
	// whose windows are searched too, when the others left nothing sure
	// (croppedMatches).
	MaxCropMirrored = 4
	// minCropCosine and minTurnedCosine are the least cosines of the
	// thumbnail lookups of croppedMatches and turnedMatches, under
	// minThumbCosine: a crop or a turn moves the 8x8 layout further from
	// the asset's than a re-encoding or a resize does, and the window
	// search or the turned comparison that follows decides, with its own
	// bars. Probed on copies the benchmark missed at 0.8 (2026-12-07
	// evening): crops whose window correlated 0.998-1.000 at cosines of
	// 0.26-0.79, 64x512 sprite strips turned by 5 degrees whose turn
	// correlated 0.991-0.999 at 0.59-0.81. From 0.8 to 0.7: 32 copies
	// found, 2 lost, no false match (docs/MATCHING.md, Measured).
	minCropCosine   = 0.7
	minTurnedCosine = 0.7
)

// addNearest adds to verify the PDQ and trimmed-PDQ candidates not yet in
// it, nearest first (PDQ before trimmed at the same distance, then by
// id), at most limit of them.
func addNearest(verify []uint32, cands map[uint32]*match.Candidate, limit int) []uint32 {
	type near struct {
		id   uint32
		dist int
	}
	var ns []near
	for id, c := range cands {
		d := 2 * (match.MaxNearExactDistance + 1)
		if c.PDQDistance >= 0 {
			d = 2 * c.PDQDistance
		}
		if c.Trim != nil {
			d = min(d, 2*c.Trim.Distance+1)
		}
		if d < 2*(match.MaxNearExactDistance+1) && !slices.Contains(verify, id) {
			ns = append(ns, near{id, d})
		}
	}
	slices.SortFunc(ns, func(a, b near) int {
		if a.dist != b.dist {
			return a.dist - b.dist
		}
		return int(a.id) - int(b.id)
	})
	for _, n := range ns[:min(len(ns), limit)] {
		verify = append(verify, n.id)
	}
	return verify
}

// storedTrim returns the asset's trimmed PDQ, or nil.
func storedTrim(a *sleuth.Asset) *fingerprint.Trim {
	p, ok := a.PerceptualOf(fingerprint.KindTrimmedPDQ)
	if !ok {
		return nil
	}
	t, err := fingerprint.ParseTrim(p.Hash)
	if err != nil {
		return nil
	}
	t.Quality = p.Quality
	return t
}

// storedFeatures returns the asset's local features, or nil.
func storedFeatures(a *sleuth.Asset) *fingerprint.Features {
	p, ok := a.PerceptualOf(fingerprint.KindFeatures)
	if !ok {
		return nil
	}
	f, err := fingerprint.ParseFeatures(p.Hash)
	if err != nil {
		return nil
	}
	return f
}

func (e *Engine) indexFeatures(a *sleuth.Asset) {
	if f := storedFeatures(a); f != nil {
		e.votes.Add(index.ID(a.ID), index.FeatureEntries(f))
		if v, ok := match.ThumbVector(f.Thumb); ok {
			e.thumbs.Add(index.ID(a.ID), v)
		}
	}
}

func (e *Engine) unindexFeatures(a *sleuth.Asset) {
	if f := storedFeatures(a); f != nil {
		e.votes.Remove(index.ID(a.ID), index.FeatureEntries(f))
	}
	e.thumbs.Remove(index.ID(a.ID))
}

// editedCandidates adds to cands the candidates of the edited tier, with
// their trimmed-PDQ and inset-PDQ evidence, and returns the ids of those
// to verify geometrically.
func (e *Engine) editedCandidates(q *match.Query, add func(uint32) *match.Candidate) []uint32 {
	p := q.Pixels
	if p == nil {
		return nil
	}
	qw, qh := p.Width, p.Height
	setTrim := func(c *match.Candidate, t match.TrimEvidence) {
		if c.Trim == nil || t.Distance < c.Trim.Distance {
			c.Trim = &t
		}
	}
	// The query trimmed, against whole assets.
	if qt := p.Trim; qt != nil && qt.Quality >= match.MinQuality {
		for _, h := range e.pdq.Search(qt.Dihedral[:], match.MaxTrimDistance) {
			setTrim(add(uint32(h.ID)), match.TrimEvidence{
				Distance: h.Distance, Variant: h.Variant,
				QueryFraction: qt.Fraction(qw, qh), AssetFraction: 1,
				QueryQuality: qt.Quality, AssetQuality: -1, // the asset's is read from it
			})
		}
	}
	// Trimmed assets, against the whole query and the trimmed query.
	if p.PDQQuality >= match.MinQuality {
		for _, h := range e.trim.Search(p.PDQDihedral[:], match.MaxTrimDistance) {
			setTrim(add(uint32(h.ID)), match.TrimEvidence{
				Distance: h.Distance, Variant: h.Variant, QueryFraction: 1, AssetFraction: -1,
				QueryQuality: p.PDQQuality, AssetQuality: -1,
			})
		}
	}
	if qt := p.Trim; qt != nil && qt.Quality >= match.MinQuality {
		for _, h := range e.trim.Search(qt.Dihedral[:], match.MaxTrimDistance) {
			setTrim(add(uint32(h.ID)), match.TrimEvidence{
				Distance: h.Distance, Variant: h.Variant, QueryFraction: qt.Fraction(qw, qh), AssetFraction: -1,
				QueryQuality: qt.Quality, AssetQuality: -1,
			})
		}
	}
	// A picture set inside the query, against whole assets.
	if qi := p.Inset; qi != nil && qi.Quality >= match.MinQuality {
		for _, h := range e.pdq.Search(qi.Dihedral[:], match.MaxTrimDistance) {
			c := add(uint32(h.ID))
			if c.Inset == nil || h.Distance < c.Inset.Distance {
				c.Inset = &match.TrimEvidence{
					Distance: h.Distance, Variant: h.Variant,
					QueryFraction: qi.Fraction(qw, qh), AssetFraction: 1,
					QueryQuality: qi.Quality, AssetQuality: -1,
				}
			}
		}
	}
	var verify []uint32
	if p.Features != nil {
		all := index.FeatureEntries(p.Features)
		for _, h := range e.votes.SearchConsistent(all, minVotes, MaxVerified) {
			add(uint32(h.ID))
			verify = append(verify, uint32(h.ID))
		}
		// A query many of whose descriptors repeat votes again without
		// them (voteEntries): the best of that vote not verified yet are
		// verified too.
		if es := voteEntries(p.Features, all); float64(len(all)-len(es)) >= minPatternShare*float64(len(all)) {
			for _, h := range e.votes.SearchConsistent(es, minVotes, MaxVerified) {
				if id := uint32(h.ID); !slices.Contains(verify, id) {
					add(id)
					verify = append(verify, id)
				}
			}
		}
	}
	return verify
}

// thumbVariants are the dihedral variants of the query whose thumbnail
// vectors are searched: the picture and its mirror image, which
// index.Thumbs scores in one scan (about 2 ms at 100,000 assets). Turned
// copies keep their exact dihedral hashes, and turned symbols (an arrow,
// a hand) are often other symbols of the same set.
var thumbVariants = []int{fingerprint.DihedralOriginal, fingerprint.DihedralFlipY}

// thumbMatches finds the assets whose thumbnail vectors are nearest the
// query's (index.Thumbs; at most MaxThumbCandidates, thumbVariants),
// compares their pixels with the query's laid on them, and judges them
// again with that evidence: the new matches are appended to judged, those
// of candidates judged already (at: asset id -> index in judged)
// replaced. Candidates with PDQ evidence have their pixels compared
// already: they count as rivals (match.ThumbEvidence), and those laid on
// the query by one of thumbVariants are judged again with that evidence.
func (e *Engine) thumbMatches(ctx context.Context, q *match.Query, cands map[uint32]*match.Candidate, judged []match.Match, at map[uint32]int) ([]match.Match, error) {
	if q.Pixels == nil || q.Pixels.Features == nil {
		return judged, nil
	}
	vs, ok := match.ThumbVectors(q.Pixels.Features)
	if !ok {
		return judged, nil
	}
	qv := [index.ThumbDims]int8(vs[fingerprint.DihedralOriginal])
	found, err := e.thumbCandidates(ctx, &qv, cands,
		func(c *match.Candidate) bool { return c.PDQDistance >= 0 },
		func(c *match.Candidate, k int) *match.ThumbEvidence {
			c.Thumb = &match.ThumbEvidence{Variant: k}
			return c.Thumb
		},
		func(af *fingerprint.Features, k int) (match.AlignedEvidence, bool) {
			return match.CompareAligned(q.Pixels.Features, af, k)
		})
	if err != nil {
		return nil, err
	}
	// The PDQ candidates whose pixels were laid on the query by one of
	// thumbVariants are judged again too (match.Match.liftByThumb).
	for id, c := range cands {
		if c.Asset != nil && c.Aligned != nil && c.Thumb == nil && slices.Contains(thumbVariants, c.PDQVariant) &&
			c.PDQDistance >= 0 && c.PDQDistance <= match.MaxNearExactDistance {
			c.Thumb = &match.ThumbEvidence{Variant: c.PDQVariant, Aligned: c.Aligned}
			found = append(found, id)
		}
	}
	setThumbRivals(cands)
	return judgeAgain(q, cands, found, judged, at), nil
}

// thumbCandidates makes the candidates of the assets whose thumbnail
// vectors are nearest qv (index.Thumbs; at most MaxThumbCandidates, the
// picture and its mirror image): an asset not among cands yet is added
// and loaded; one judged already (judged reports it) or not loaded is
// skipped; evidence gives each its thumbnail evidence for the variant,
// whose Aligned compare fills in from the asset's stored features. It
// returns the ids of the candidates given evidence.
func (e *Engine) thumbCandidates(ctx context.Context, qv *[index.ThumbDims]int8, cands map[uint32]*match.Candidate,
	judged func(*match.Candidate) bool, evidence func(c *match.Candidate, variant int) *match.ThumbEvidence,
	compare func(af *fingerprint.Features, variant int) (match.AlignedEvidence, bool)) ([]uint32, error) {
	var found, fetch []uint32
	var variants []int
	for _, h := range e.thumbs.Search(qv, minThumbCosine, MaxThumbCandidates) {
		id := uint32(h.ID)
		if c, known := candidateOf(cands, id, &fetch); known && (judged(c) || c.Asset == nil) {
			continue
		}
		k := fingerprint.DihedralOriginal
		if h.Mirrored {
			k = fingerprint.DihedralFlipY
		}
		found, variants = append(found, id), append(variants, k)
	}
	if err := e.loadCandidates(ctx, cands, fetch); err != nil {
		return nil, err
	}
	for i, id := range found {
		c := cands[id]
		t := evidence(c, variants[i])
		if c.Asset == nil {
			continue // deleted since Open
		}
		if af := storedFeatures(c.Asset); af != nil {
			if al, ok := compare(af, t.Variant); ok {
				t.Aligned = &al
			}
		}
	}
	return found, nil
}

// anySure reports whether one of the matches is sure (match.SureScore):
// the fallbacks of Search, and the later groups of candidates within
// one, run only while none is.
func anySure(judged []match.Match) bool {
	return slices.ContainsFunc(judged, func(m match.Match) bool { return m.Score >= match.SureScore })
}

// untilSure runs each of steps on judged in turn while none of its
// matches is sure (anySure), and returns what the last one run left.
func untilSure[T any](judged []match.Match, steps []T, run func([]match.Match, T) ([]match.Match, error)) ([]match.Match, error) {
	for _, s := range steps {
		if anySure(judged) {
			break
		}
		var err error
		if judged, err = run(judged, s); err != nil {
			return nil, err
		}
	}
	return judged, nil
}

// candidateOf returns the candidate of asset id, adding a new one to cands
// (and its id to fetch, to be loaded) when there was none; known reports
// whether it was there.
func candidateOf(cands map[uint32]*match.Candidate, id uint32, fetch *[]uint32) (c *match.Candidate, known bool) {
	if c, ok := cands[id]; ok {
		return c, true
	}
	c = &match.Candidate{PDQDistance: -1}
	cands[id] = c
	*fetch = append(*fetch, id)
	return c, false
}

// judgeAgain judges the candidates found again (those loaded): a new
// match is appended to judged, one of a candidate judged already (at:
// asset id -> index in judged) replaced.
func judgeAgain(q *match.Query, cands map[uint32]*match.Candidate, found []uint32, judged []match.Match, at map[uint32]int) []match.Match {
	for _, id := range found {
		c := cands[id]
		if c.Asset == nil {
			continue
		}
		m, ok := match.Judge(*q, *c)
		if !ok {
			continue
		}
		if i, ok := at[id]; ok {
			judged[i] = m
		} else {
			at[id] = len(judged)
			judged = append(judged, m)
		}
	}
	return judged
}

// insetThumbMatches finds the assets whose thumbnail vectors are nearest
// that of the picture set inside the query (its inset,
// fingerprint.Features.Inset; match.InsetThumbVector, the picture and its
// mirror image, at most MaxThumbCandidates), lays the inset's pixels on
// each whole asset and judges them again with that evidence
// (match.Candidate.InsetThumb), as thumbMatches does the whole query's. A
// candidate with an inset-PDQ match has the inset compared already: it
// counts as a rival. It finds the copies set inside a picture whose hash
// says nothing (stripes, a flag of bands, flat pictures whose PDQ
// quality is low).
//
// When that leaves nothing sure, the picture inside the query's border,
// plain or patterned (fingerprint.Pixels.Trim), if it is not the inset,
// is looked up and compared the same way (match.ThumbEvidence.Part): the
// inset found by luma steps can be a part of it (a flag's white band,
// inside a grey border that steps little against its red one), and a
// flat picture's trimmed PDQ is of too low a quality to be looked up
// (editedCandidates).
func (e *Engine) insetThumbMatches(ctx context.Context, q *match.Query, cands map[uint32]*match.Candidate, judged []match.Match, at map[uint32]int) ([]match.Match, error) {
	p := q.Pixels
	if p == nil || p.Features == nil {
		return judged, nil
	}
	type part struct {
		r       image.Rectangle
		trimmed bool
	}
	parts := []part{{r: p.Features.Inset}}
	if p.Trim != nil && p.Trim.Rect != p.Features.Inset {
		parts = append(parts, part{p.Trim.Rect, true})
	}
	return untilSure(judged, parts, func(judged []match.Match, pt part) ([]match.Match, error) {
		return e.insetPartMatches(ctx, q, cands, judged, at, pt.r, pt.trimmed)
	})
}

// insetPartMatches is insetThumbMatches for the part ir of the query
// (pixels; trimmed: the picture inside its border, not the inset).
func (e *Engine) insetPartMatches(ctx context.Context, q *match.Query, cands map[uint32]*match.Candidate, judged []match.Match, at map[uint32]int, ir image.Rectangle, trimmed bool) ([]match.Match, error) {
	p := q.Pixels
	if trimmed {
		// The inset's comparisons are of another part of the query: no
		// rivals to this one's.
		for _, c := range cands {
			c.InsetThumb = nil
		}
	}
	if ir.Empty() || float64(ir.Dx())*float64(ir.Dy()) < match.MinInsetFraction*float64(p.Width)*float64(p.Height) {
		return judged, nil
	}
	qr := match.FractionRect(ir, p.Width, p.Height)
	v, ok := match.InsetThumbVector(p.Features, qr)
	if !ok {
		return judged, nil
	}
	var part image.Rectangle
	if trimmed {
		part = ir
	}
	qv := [index.ThumbDims]int8(v)
	found, err := e.thumbCandidates(ctx, &qv, cands,
		func(c *match.Candidate) bool { return c.Inset != nil },
		func(c *match.Candidate, k int) *match.ThumbEvidence {
			c.InsetThumb = &match.ThumbEvidence{Variant: k, Part: part}
			return c.InsetThumb
		},
		func(af *fingerprint.Features, k int) (match.AlignedEvidence, bool) {
			return match.CompareAlignedRect(p.Features, af, k, qr, match.Whole)
		})
	if err != nil || len(found) == 0 {
		return judged, err
	}
	match.SetInsetThumbRivals(slices.Collect(maps.Values(cands)))
	return judgeAgain(q, cands, found, judged, at), nil
}

// croppedMatches finds the assets whose thumbnail vectors are nearest the
// query's (at most MaxCropCandidates, cosine >= minCropCosine), looks for
// the window of each that the query may show (match.FindCropWindow), lays
// the query on it (CompareAlignedWindow) and judges them again with that
// evidence (match.Candidate.Cropped). It finds the copies cropped
// off-centre or by up to half their area whose hash and keypoints say
// nothing: small sprites, smooth wallpapers, flat drawings.
//
// The windows are only ever looked for unmirrored. An asset whose vector
// is nearer the query's mirror image than the query's (a picture near
// symmetric about its vertical axis, whose two cosines are close) is
// looked at too, when its own cosine is at least minCropCosine, but only
// after the others left nothing sure, and at most MaxCropMirrored of
// them: taken with the others, such look-alikes crowded out or stood as
// rivals to the true window (docs/MATCHING.md, "Cropped copies").
func (e *Engine) croppedMatches(ctx context.Context, q *match.Query, cands map[uint32]*match.Candidate, judged []match.Match, at map[uint32]int) ([]match.Match, error) {
	p := q.Pixels
	if p == nil || p.Features == nil {
		return judged, nil
	}
	v, ok := match.ThumbVector(p.Features.Thumb)
	if !ok {
		return judged, nil
	}
	qv := [index.ThumbDims]int8(v)
	plain, mirrored := cropHits(e.thumbs.Search(&qv, minCropCosine, 2*MaxCropCandidates))
	return untilSure(judged, [][]uint32{plain, mirrored}, func(judged []match.Match, ids []uint32) ([]match.Match, error) {
		return e.judgeWindows(ctx, q, cands, judged, at, ids)
	})
}

// cropHits splits the hits of the query's vector (best first) into the
// assets croppedMatches looks at first, at most MaxCropCandidates found
// unmirrored, and those it looks at after them, at most MaxCropMirrored
// nearer the query's mirror image but with their own cosine (Plain) at
// least minCropCosine.
func cropHits(hits []index.ThumbHit) (plain, mirrored []uint32) {
	for _, h := range hits {
		switch id := uint32(h.ID); {
		case !h.Mirrored && len(plain) < MaxCropCandidates:
			plain = append(plain, id)
		case h.Mirrored && h.Plain >= minCropCosine && len(mirrored) < MaxCropMirrored:
			mirrored = append(mirrored, id)
		}
	}
	return plain, mirrored
}

// judgeWindows looks for the window of each asset of ids that the query
// may show and judges those it finds again; see croppedMatches.
func (e *Engine) judgeWindows(ctx context.Context, q *match.Query, cands map[uint32]*match.Candidate, judged []match.Match, at map[uint32]int, ids []uint32) ([]match.Match, error) {
	p := q.Pixels
	var fetch []uint32
	for _, id := range ids {
		candidateOf(cands, id, &fetch)
	}
	if err := e.loadCandidates(ctx, cands, fetch); err != nil {
		return nil, err
	}
	found := make([]uint32, 0, len(ids))
	for _, id := range ids {
		c := cands[id]
		if c.Asset == nil {
			continue // deleted since Open
		}
		af := storedFeatures(c.Asset)
		if af == nil {
			continue
		}
		w, _, ok := match.FindCropWindow(p.Features, p.Width, p.Height, af, c.Asset.Width, c.Asset.Height)
		if !ok {
			continue
		}
		al, ok := match.CompareAlignedWindow(p.Features, af, w)
		if !ok {
			continue
		}
		c.Cropped = &match.CropEvidence{Window: w, Thumb: match.ThumbEvidence{Aligned: &al}}
		found = append(found, id)
	}
	if len(found) == 0 {
		return judged, nil
	}
	match.SetCropRivals(slices.Collect(maps.Values(cands)))
	return judgeAgain(q, cands, found, judged, at), nil
}

// completeEvidence fills in what the candidate's evidence needs from the
// loaded asset: the asset side of trimmed and inset matches, the aligned
// comparison of the pixels for a PDQ, trimmed or inset match, and the
// geometric verification when asked.
func completeEvidence(q *match.Query, c *match.Candidate, verify bool) {
	a := c.Asset
	if t := c.Trim; t != nil {
		if t.AssetFraction < 0 {
			at := storedTrim(a)
			if at == nil {
				c.Trim = nil
			} else {
				t.AssetFraction, t.AssetQuality = at.Fraction(a.Width, a.Height), at.Quality
			}
		} else if pdq, ok := a.PerceptualOf(sleuth.KindPDQ); ok {
			t.AssetQuality = pdq.Quality
		}
	}
	if t := c.Inset; t != nil {
		if pdq, ok := a.PerceptualOf(sleuth.KindPDQ); ok {
			t.AssetQuality = pdq.Quality
		}
	}
	if q.Pixels == nil || q.Pixels.Features == nil {
		return
	}
	pdqMatch := c.PDQDistance >= 0 && c.PDQDistance <= match.MaxNearExactDistance
	if !verify && !pdqMatch && c.Trim == nil && c.Inset == nil {
		return
	}
	af := storedFeatures(a)
	if af == nil {
		return
	}
	if pdqMatch {
		if al, ok := match.CompareAligned(q.Pixels.Features, af, c.PDQVariant); ok {
			c.Aligned = &al
		}
	}
	if t := c.Trim; t != nil {
		qr, ar := match.Whole, match.Whole
		if qt := q.Pixels.Trim; t.QueryFraction < 1 && qt != nil {
			qr = match.FractionRect(qt.Rect, q.Pixels.Width, q.Pixels.Height)
		}
		if t.AssetFraction < 1 {
			if at := storedTrim(a); at != nil {
				ar = match.FractionRect(at.Rect, a.Width, a.Height)
			}
		}
		if al, ok := match.CompareAlignedRect(q.Pixels.Features, af, t.Variant, qr, ar); ok {
			t.Aligned = &al
		}
	}
	if t, qi := c.Inset, q.Pixels.Inset; t != nil && qi != nil {
		qr := match.FractionRect(qi.Rect, q.Pixels.Width, q.Pixels.Height)
		if al, ok := match.CompareAlignedRect(q.Pixels.Features, af, t.Variant, qr, match.Whole); ok {
			t.Aligned = &al
		}
	}
	if !verify {
		return
	}
	if g, ok := match.Verify(q.Pixels.Features, q.Pixels.Width, q.Pixels.Height, af, a.Width, a.Height); ok {
		c.Geometry = &g
	}
}

// withoutFeatures returns a with the local features left out of its
// perceptual fingerprints (they are kilobytes of base64, of no use to a
// reader of the match), as a copy when there were any.
func withoutFeatures(a *sleuth.Asset) *sleuth.Asset {
	i := slices.IndexFunc(a.Perceptual, func(p sleuth.Perceptual) bool { return p.Kind == fingerprint.KindFeatures })
	if i < 0 {
		return a
	}
	b := *a
	b.Perceptual = slices.DeleteFunc(slices.Clone(a.Perceptual), func(p sleuth.Perceptual) bool { return p.Kind == fingerprint.KindFeatures })
	return &b
}

// voteEntries returns the vote index entries es of a query's local
// features f (index.FeatureEntries, one per keypoint), in a new slice,
// less those of the keypoints with at least maxTwins near twins among the
// query's own (descriptors within twinDistance bits): the corners of a
// pattern (a checked border, a tiled background) or of a flat drawing
// whose corners are all alike. Such descriptors vote for every picture
// with like corners and can crowd a copy out of the best MaxVerified; but
// they are also most of the votes of a drawing whose own strokes repeat
// (star polygons, chess pieces), so the engine votes with every entry
// first, and without these only in a second vote, when they are at least
// minPatternShare of the keypoints (docs/MATCHING.md, "Local features").
// Its cost, comparing every pair of the query's keypoints:
// BenchmarkVoteEntries.
func voteEntries(f *fingerprint.Features, es []index.VoteEntry) []index.VoteEntry {
	if f == nil {
		return nil
	}
	twins := make([]int, len(f.Points))
	for i := range f.Points {
		for j := i + 1; j < len(f.Points); j++ {
			if fingerprint.DescDistance(&f.Points[i].Desc, &f.Points[j].Desc) <= twinDistance {
				twins[i]++
				twins[j]++
			}
		}
	}
	out := make([]index.VoteEntry, 0, len(es))
	for i, e := range es {
		if twins[i] < maxTwins {
			out = append(out, e)
		}
	}
	return out
}

// maxTwins, twinDistance and minPatternShare: see voteEntries. The first
// two were chosen on the accuracy benchmark's pad and embed families, the
// third was not tuned (docs/MATCHING.md, "Local features").
const (
	maxTwins        = 10
	twinDistance    = 32
	minPatternShare = 0.1
)

// turnedMatches finds the assets laid out like the query turned back by
// a few degrees (match.TurnSearchAngles: index.Thumbs searched once for
// each, about 2 ms at 100,000 assets), lays the query on each turned
// (match.CompareTurned, near every angle its vector was found under and
// near the angle of the other sign) and judges them again with that
// evidence (match.ThumbEvidence.Turned): the new sure matches are
// appended to judged, those of candidates judged already (at: asset id ->
// index in judged) replaced when the turn makes them sure. At most
// MaxTurnedCandidates assets found unmirrored, those of the largest cosine
// (at least minTurnedCosine), then at most MaxTurnedMirrored found only
// through the query's mirror image, compared only when the others left
// nothing sure (turnedHits).
//
// The pixels are only ever compared unmirrored (a mirrored and turned copy
// keeps its keypoints better than its layout): a hit through the mirror
// image is kept for a picture near symmetric about its vertical axis (a
// playing card), whose mirror image's cosine edges out its own about half
// the time, and the opposite angles because such a picture's vector may
// come nearest under the angle of the wrong sign (among the other cards of
// a deck, the angle for a turn of +5 degrees can be -3). Measured on the
// benchmark's turned families (docs/MATCHING.md, "Turned copies").
func (e *Engine) turnedMatches(ctx context.Context, q *match.Query, cands map[uint32]*match.Candidate, judged []match.Match, at map[uint32]int) ([]match.Match, error) {
	p := q.Pixels
	if p == nil || p.Features == nil {
		return judged, nil
	}
	plain, mirrored := turnedHits(func(deg float64) []index.ThumbHit {
		v, ok := match.TurnedThumbVector(p.Features, p.Width, p.Height, deg)
		if !ok {
			return nil
		}
		qv := [index.ThumbDims]int8(v)
		return e.thumbs.Search(&qv, minTurnedCosine, MaxTurnedCandidates)
	})
	// Those found only through the mirror image are compared when those
	// found unmirrored left nothing sure: a look-alike among them would
	// otherwise stand as a rival (setThumbRivals) to a turn the others
	// show plainly.
	return untilSure(judged, [][]*turnedHit{plain, mirrored}, func(judged []match.Match, hits []*turnedHit) ([]match.Match, error) {
		return e.judgeTurned(ctx, q, cands, judged, at, hits)
	})
}

// turnedHit is an asset turnedMatches found: its largest cosines with the
// query's vector turned back, unmirrored (0: none) and mirrored, and the
// angles to compare the pixels near.
type turnedHit struct {
	id             uint32
	cosine, mirror float32
	angles         []float64
}

// turnedHits gathers the assets search finds for each of
// match.TurnSearchAngles (the query's vector turned back by that angle
// looked up, nil when the query has none): those found unmirrored under
// some angle (plain), at most MaxTurnedCandidates of the largest cosine,
// and those found only through the query's mirror image (mirrored), at
// most MaxTurnedMirrored; each with the angles it was found under and
// their opposites, and in order of cosine, then id.
func turnedHits(search func(deg float64) []index.ThumbHit) (plain, mirrored []*turnedHit) {
	hits := map[uint32]*turnedHit{}
	for _, deg := range match.TurnSearchAngles {
		for _, h := range search(deg) {
			id := uint32(h.ID)
			x, ok := hits[id]
			if !ok {
				x = &turnedHit{id: id}
				hits[id] = x
			}
			if h.Mirrored {
				x.mirror = max(x.mirror, h.Cosine)
			} else {
				x.cosine = max(x.cosine, h.Cosine)
			}
			for _, d := range []float64{deg, -deg} {
				if !slices.Contains(x.angles, d) {
					x.angles = append(x.angles, d)
				}
			}
		}
	}
	for _, h := range hits {
		if h.cosine > 0 {
			plain = append(plain, h)
		} else {
			mirrored = append(mirrored, h)
		}
	}
	slices.SortFunc(plain, func(a, b *turnedHit) int {
		return cmp.Or(cmp.Compare(b.cosine, a.cosine), cmp.Compare(a.id, b.id))
	})
	slices.SortFunc(mirrored, func(a, b *turnedHit) int {
		return cmp.Or(cmp.Compare(b.mirror, a.mirror), cmp.Compare(a.id, b.id))
	})
	return plain[:min(len(plain), MaxTurnedCandidates)], mirrored[:min(len(mirrored), MaxTurnedMirrored)]
}

// judgeTurned lays the query on each asset of hits turned
// (match.CompareTurned) and judges those it fits again; see
// turnedMatches.
func (e *Engine) judgeTurned(ctx context.Context, q *match.Query, cands map[uint32]*match.Candidate, judged []match.Match, at map[uint32]int, hits []*turnedHit) ([]match.Match, error) {
	p := q.Pixels
	var fetch []uint32
	for _, h := range hits {
		if c, ok := cands[h.id]; !ok || c.Asset == nil {
			if !ok {
				cands[h.id] = &match.Candidate{PDQDistance: -1}
			}
			fetch = append(fetch, h.id)
		}
	}
	if err := e.loadCandidates(ctx, cands, fetch); err != nil {
		return nil, err
	}
	var found []uint32
	for _, h := range hits {
		c := cands[h.id]
		if c.Asset == nil {
			continue // deleted since Open
		}
		af := storedFeatures(c.Asset)
		if af == nil {
			continue
		}
		ev, ok := match.CompareTurned(p.Features, p.Width, p.Height, af, c.Asset.Width, c.Asset.Height, h.angles)
		if !ok {
			continue
		}
		if t := c.Thumb; t != nil && t.Aligned != nil && t.Aligned.SoftCorrelation >= ev.Aligned.Correlation {
			continue // laid on the query unturned, it agrees better
		}
		c.Thumb = &match.ThumbEvidence{Variant: fingerprint.DihedralOriginal, Aligned: &ev.Aligned, Turned: &ev}
		found = append(found, h.id)
	}
	if len(found) == 0 {
		return judged, nil
	}
	setThumbRivals(cands)
	for _, id := range found {
		// Only a sure turned match is kept: the turn is fitted to the
		// pixels, and a weaker match would only compete with those the
		// other rules found (match.Resolve), or replace a likely one
		// whose own evidence Resolve may yet lift.
		m, ok := match.Judge(*q, *cands[id])
		if !ok || m.Score < match.SureScore {
			continue
		}
		if i, ok := at[id]; ok {
			if m.Score > judged[i].Score {
				judged[i] = m
			}
		} else {
			at[id] = len(judged)
			judged = append(judged, m)
		}
	}
	return judged, nil
}

// loadCandidates reads the assets ids (candidates of cands) from the
// store, in one read, into their candidates; an asset deleted since Open
// is simply missing.
func (e *Engine) loadCandidates(ctx context.Context, cands map[uint32]*match.Candidate, ids []uint32) error {
	if len(ids) == 0 {
		return nil
	}
	aids := make([]sleuth.AssetID, len(ids))
	for i, id := range ids {
		aids[i] = sleuth.AssetID(id)
	}
	assets, err := e.store.AssetsByIDs(ctx, aids)
	if err != nil {
		return err
	}
	for _, a := range assets {
		cands[uint32(a.ID)].Asset = a
	}
	return nil
}

// setThumbRivals sets the rivals of the thumbnail evidence of cands
// (match.SetThumbRivals): every candidate of the query counts.
func setThumbRivals(cands map[uint32]*match.Candidate) {
	match.SetThumbRivals(slices.Collect(maps.Values(cands)))
}
