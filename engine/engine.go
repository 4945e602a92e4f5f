// Package engine is Sleuth's core service: it owns the store and the
// in-memory indexes, keeps them in step, and offers the operations that the
// CLI and the HTTP API both call (register, search, delete, list), each as
// one method Op(ctx, *Req) (*Resp, error).
//
// At Open the indexes are built from the store (every asset, streamed);
// afterwards every Register and Delete made through the Engine updates the
// store first and the indexes second, so a query never sees an asset that
// is not committed. Writes made by another process to the same store are
// seen after the next Open.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"time"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/fingerprint"
	"github.com/sleuthhq/sleuth/imaging"
	"github.com/sleuthhq/sleuth/index"
	"github.com/sleuthhq/sleuth/match"
)

// Options configure an Engine. The zero value is usable.
type Options struct {
	// Limits bound decoding of registered and queried files.
	Limits imaging.Limits
	// Logger receives progress and warnings; nil discards them.
	Logger *slog.Logger
	// Progress, when set, is called while the index is built at Open with
	// the number of assets loaded so far.
	Progress func(loaded int)
}

// Engine is safe for concurrent use.
type Engine struct {
	store sleuth.Store
	opt   Options
	log   *slog.Logger
	pdq   *index.PDQ
	exact *exactIndex
	phash *phashIndex
	// trim indexes the PDQ of assets trimmed of a uniform border; votes
	// the keys of their local features (edited.go).
	trim  *index.PDQ
	votes *index.Votes
	// thumbs indexes the coarse layout of the assets' pixels, scanned
	// when nothing else found a sure match (thumbMatches, then
	// insetThumbMatches, croppedMatches, then turnedMatches).
	thumbs *index.Thumbs
}

// Open builds the indexes from st and returns an Engine over it. The
// Engine does not own st: close it after the Engine is no longer used.
func Open(ctx context.Context, st sleuth.Store, opt Options) (*Engine, error) {
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := &Engine{store: st, opt: opt, log: log, exact: newExactIndex(), phash: newPHashIndex(), votes: index.NewVotes(), thumbs: index.NewThumbs()}
	start := time.Now()
	// The PDQ index is built in one go from every stored hash (much faster
	// than adding them one by one); the other indexes are filled on the way.
	var ids, trimIDs []index.ID
	var hashes, trimHashes []fingerprint.PDQ
	n := 0
	err := st.EachAsset(ctx, func(a *sleuth.Asset) error {
		if err := e.indexOthers(a); err != nil {
			log.Warn("asset not indexed", "nid", a.Nid, "err", err)
			return nil
		}
		for _, p := range a.Perceptual {
			if p.Kind == sleuth.KindPDQ {
				h, err := fingerprint.ParsePDQ(p.Hash)
				if err != nil {
					log.Warn("stored PDQ unreadable", "nid", a.Nid, "err", err)
					continue
				}
				ids = append(ids, index.ID(a.ID))
				hashes = append(hashes, h)
			}
		}
		if t := storedTrim(a); t != nil {
			trimIDs = append(trimIDs, index.ID(a.ID))
			trimHashes = append(trimHashes, t.PDQ)
		}
		e.indexFeatures(a)
		n++
		if opt.Progress != nil && n%10000 == 0 {
			opt.Progress(n)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	e.pdq = index.BuildPDQ(ids, hashes)
	e.trim = index.BuildPDQ(trimIDs, trimHashes)
	log.Info("index built", "assets", n, "seconds", time.Since(start).Seconds(),
		"pdq_bytes", e.pdq.MemoryBytes(), "trim_bytes", e.trim.MemoryBytes(), "vote_bytes", e.votes.MemoryBytes(), "thumb_bytes", e.thumbs.MemoryBytes())
	return e, nil
}

// indexAsset adds a stored asset to every in-memory index.
func (e *Engine) indexAsset(a *sleuth.Asset) error {
	if err := e.indexOthers(a); err != nil {
		return err
	}
	for _, p := range a.Perceptual {
		if p.Kind != sleuth.KindPDQ {
			continue
		}
		h, err := fingerprint.ParsePDQ(p.Hash)
		if err != nil {
			return err
		}
		e.pdq.Add(index.ID(a.ID), h)
	}
	if t := storedTrim(a); t != nil {
		e.trim.Add(index.ID(a.ID), t.PDQ)
	}
	e.indexFeatures(a)
	return nil
}

// indexOthers adds a stored asset to the exact and pHash indexes.
func (e *Engine) indexOthers(a *sleuth.Asset) error {
	if a.ID <= 0 || a.ID > 1<<32-1 {
		return fmt.Errorf("asset id %d out of the index's range", a.ID)
	}
	for _, p := range a.Perceptual {
		if p.Kind == sleuth.KindPHash {
			h, err := fingerprint.ParsePHash(p.Hash)
			if err != nil {
				return err
			}
			e.phash.add(uint32(a.ID), h)
		}
	}
	e.exact.add(a)
	return nil
}

// Store returns the store the Engine works on.
func (e *Engine) Store() sleuth.Store { return e.store }

// AssetFromResult builds the asset record for a fingerprinted file.
func AssetFromResult(r *fingerprint.Result, source string) *sleuth.Asset {
	a := &sleuth.Asset{
		Nid:    r.Nid,
		Size:   r.Size,
		MIME:   r.MIME,
		Source: source,
		SHA256: r.SHA256.String(),
		BLAKE3: r.BLAKE3.String(),
	}
	if p := r.Pixels; p != nil {
		a.Width, a.Height = p.Width, p.Height
		a.PixelSHA256 = p.PixelSHA256.String()
		a.Perceptual = []sleuth.Perceptual{
			{Kind: sleuth.KindPDQ, Hash: p.PDQ.String(), Quality: p.PDQQuality},
			{Kind: sleuth.KindPHash, Hash: p.PHash.String()},
		}
		if p.Trim != nil {
			a.Perceptual = append(a.Perceptual, sleuth.Perceptual{Kind: fingerprint.KindTrimmedPDQ, Hash: p.Trim.String(), Quality: p.Trim.Quality})
		}
		if p.Features != nil {
			if s := p.Features.String(); s != "" {
				a.Perceptual = append(a.Perceptual, sleuth.Perceptual{Kind: fingerprint.KindFeatures, Hash: s})
			}
		}
	}
	return a
}

// RegisterRequest asks to register one file. Exactly one of Path and Data
// is set.
type RegisterRequest struct {
	Path   string
	Data   []byte
	Source string // defaults to Path
	Tree   sleuth.AssetTree
	// AllowNonImage registers files that are not images (exact
	// fingerprints only) instead of failing with sleuth.image.unsupported.
	AllowNonImage bool
}

// RegisterResponse says what happened.
type RegisterResponse struct {
	Asset *sleuth.Asset
	// Created is false when an asset with the same Nid was already there
	// (then Asset is the stored one, unchanged).
	Created bool
}

// Register fingerprints a file and stores it as an asset, unless an asset
// with the same Nid exists. Errors: those of fingerprint.File / Bytes
// (coded), sleuth.image.unsupported for non-images unless allowed, and the
// store's.
func (e *Engine) Register(ctx context.Context, req *RegisterRequest) (*RegisterResponse, error) {
	res, err := e.fingerprint(req.Path, req.Data, fingerprint.AssetFeatures)
	if err != nil && !(req.AllowNonImage && res != nil && errors.Is(err, sleuth.ErrUnsupportedType)) {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	source := req.Source
	if source == "" {
		source = req.Path
	}
	a := AssetFromResult(res, source)
	a.Tree = req.Tree
	// The AssetTree fields that describe the file itself come from the file.
	a.Tree.AssetCid, a.Tree.AssetSha256, a.Tree.EncodingFormat = a.Nid, a.SHA256, a.MIME
	created, err := e.store.PutAsset(ctx, a)
	if err != nil {
		return nil, err
	}
	if created {
		if err := e.indexAsset(a); err != nil {
			return nil, sleuth.Errorf(sleuth.CodeInternal, "index asset %s: %w", a.Nid, err)
		}
	} else if a, err = e.store.Asset(ctx, a.Nid); err != nil {
		return nil, err
	}
	return &RegisterResponse{Asset: a, Created: created}, nil
}

// fingerprint computes every fingerprint of a file, with up to features
// local features (0: none); a query's (QueryFeatures) turned and mirrored
// PDQ variants are hashed from the transformed pixels
// (fingerprint.Options.ExactDihedral), the captions over it and a picture
// set inside it are found (fingerprint.Options.Captions, Inset), and
// whether it looks speckled is noted (fingerprint.Options.Speckles).
func (e *Engine) fingerprint(path string, data []byte, features int) (*fingerprint.Result, error) {
	opt := e.fingerprintOptions(features)
	if path != "" {
		return fingerprint.File(path, opt)
	}
	return fingerprint.Bytes(data, opt)
}

// fingerprintOptions are the options of fingerprint (see there).
func (e *Engine) fingerprintOptions(features int) fingerprint.Options {
	return fingerprint.Options{Limits: e.opt.Limits, Trim: features > 0, Features: features,
		ExactDihedral: features == fingerprint.QueryFeatures, Captions: features == fingerprint.QueryFeatures,
		Inset: features == fingerprint.QueryFeatures, Speckles: features == fingerprint.QueryFeatures}
}

// despeckled returns the pixel fingerprints of the query picture (the
// file at path, or data) with its speckles taken out
// (fingerprint.DespeckledBytes), nil when it is not speckled.
func (e *Engine) despeckled(path string, data []byte) (*fingerprint.Pixels, error) {
	if path != "" {
		lim := e.opt.Limits
		if lim.MaxBytes <= 0 {
			lim.MaxBytes = imaging.DefaultLimits.MaxBytes
		}
		f, err := os.Open(path)
		if err != nil {
			return nil, sleuth.Errorf(sleuth.CodeFileUnreadable, "%w", err)
		}
		defer f.Close()
		if data, err = imaging.ReadAllLimited(f, lim.MaxBytes); err != nil {
			return nil, err
		}
	}
	return fingerprint.DespeckledBytes(data, e.fingerprintOptions(fingerprint.QueryFeatures))
}

// Fingerprint computes the fingerprints of a file without storing it
// (those Search computes for a query: with the trimmed PDQ, the local
// features and the turned and mirrored PDQ variants hashed exactly).
func (e *Engine) Fingerprint(path string, data []byte) (*fingerprint.Result, error) {
	return e.fingerprint(path, data, fingerprint.QueryFeatures)
}

// Has reports whether an asset with this Nid is registered.
func (e *Engine) Has(ctx context.Context, nid string) (bool, error) {
	return e.store.HasAsset(ctx, nid)
}

// Delete removes an asset from the store and the indexes and returns it.
func (e *Engine) Delete(ctx context.Context, nid string) (*sleuth.Asset, error) {
	a, err := e.store.DeleteAsset(ctx, nid)
	if err != nil {
		return nil, err
	}
	e.exact.remove(a)
	e.pdq.Remove(index.ID(a.ID))
	e.phash.remove(uint32(a.ID))
	e.trim.Remove(index.ID(a.ID))
	e.unindexFeatures(a)
	return a, nil
}

// Stats describes the indexes.
type Stats struct {
	Assets        int   `json:"assets"`
	PDQEntries    int   `json:"pdq_entries"`
	PDQIndexBytes int64 `json:"pdq_index_bytes"`
	// TrimEntries counts the assets with a trimmed PDQ; VotePostings the
	// (asset, descriptor key) pairs of the local-feature vote index.
	TrimEntries    int   `json:"trim_entries"`
	TrimIndexBytes int64 `json:"trim_index_bytes"`
	VotePostings   int   `json:"vote_postings"`
	VoteIndexBytes int64 `json:"vote_index_bytes"`
	// ThumbEntries counts the assets with a thumbnail vector.
	ThumbEntries    int   `json:"thumb_entries"`
	ThumbIndexBytes int64 `json:"thumb_index_bytes"`
}

// Stats returns the sizes of the in-memory indexes.
func (e *Engine) Stats() Stats {
	return Stats{Assets: e.exact.len(), PDQEntries: e.pdq.Len(), PDQIndexBytes: e.pdq.MemoryBytes(),
		TrimEntries: e.trim.Len(), TrimIndexBytes: e.trim.MemoryBytes(),
		VotePostings: e.votes.Len(), VoteIndexBytes: e.votes.MemoryBytes(),
		ThumbEntries: e.thumbs.Len(), ThumbIndexBytes: e.thumbs.MemoryBytes()}
}

// SearchRequest asks which registered assets are copies of a picture: a
// file (Path or Data) or fingerprints computed elsewhere (Query).
type SearchRequest struct {
	Path  string
	Data  []byte
	Query *match.Query
	// Limit caps the number of matches (0: 100).
	Limit int
	// MinScore drops matches scored lower.
	MinScore float64
	// Exclude lists Nids to leave out of the results. They are judged all
	// the same and compete with the others (match.Resolve): the asset a
	// query was made from still tells its look-alikes from its copies.
	Exclude []string
}

// SearchResponse holds the query's fingerprints and its matches, best first.
type SearchResponse struct {
	Query   *fingerprint.Result `json:"query,omitempty"`
	Matches []match.Match       `json:"matches"`
}

// Search finds the registered assets that are copies of the query picture.
// A query that is not an image can still match exactly (same bytes).
func (e *Engine) Search(ctx context.Context, req *SearchRequest) (*SearchResponse, error) {
	resp := &SearchResponse{}
	q := req.Query
	if q == nil {
		res, err := e.fingerprint(req.Path, req.Data, fingerprint.QueryFeatures)
		if err != nil && (res == nil || !errors.Is(err, sleuth.ErrUnsupportedType)) {
			return nil, err
		}
		resp.Query = res
		q = &match.Query{Exact: res.Exact, Pixels: res.Pixels}
	}
	judged, err := e.judgeQuery(ctx, q)
	if err != nil {
		return nil, err
	}
	// Nothing sure for a speckled query (salt and pepper): look it up
	// again with its speckles taken out (fingerprint.Despeckle), and keep
	// the better match of each asset.
	if resp.Query != nil && resp.Query.Pixels != nil && resp.Query.Speckled && !anySure(judged) {
		clean, err := e.despeckled(req.Path, req.Data)
		if err != nil {
			return nil, err
		}
		if clean != nil {
			more, err := e.judgeQuery(ctx, &match.Query{Exact: q.Exact, Pixels: clean})
			if err != nil {
				return nil, err
			}
			judged = mergeJudged(judged, more)
		}
	}
	excluded := make(map[string]bool, len(req.Exclude))
	for _, nid := range req.Exclude {
		excluded[nid] = true
	}
	// Weigh the matches against each other (the excluded assets too: a
	// query made from an asset matches it exactly, and that match keeps
	// its look-alikes from being lifted as copies), then keep those asked
	// for.
	match.Resolve(judged)
	for _, m := range judged {
		if m.Score >= req.MinScore && !excluded[m.Asset.Nid] {
			m.Asset = withoutFeatures(m.Asset)
			resp.Matches = append(resp.Matches, m)
		}
	}
	match.Sort(resp.Matches)
	limit := req.Limit
	if limit <= 0 {
		limit = 100
	}
	if len(resp.Matches) > limit {
		resp.Matches = resp.Matches[:limit]
	}
	if resp.Matches == nil {
		resp.Matches = []match.Match{}
	}
	return resp, nil
}

// judgeQuery gathers the query's candidates, judges them, and looks
// further while nothing is sure (Search, before the matches are weighed
// against each other).
func (e *Engine) judgeQuery(ctx context.Context, q *match.Query) ([]match.Match, error) {
	// Candidates: every asset an exact map names, and every asset within
	// PDQ distance 31 (whatever MinScore: a weak match still competes
	// with the others, see match.Resolve).
	cands := map[uint32]*match.Candidate{}
	add := func(id uint32) *match.Candidate {
		c, ok := cands[id]
		if !ok {
			c = &match.Candidate{PDQDistance: -1}
			cands[id] = c
		}
		return c
	}
	for _, id := range e.exact.lookup(exactSHA256, q.Exact.SHA256.String()) {
		add(id)
	}
	for _, id := range e.exact.lookup(exactBLAKE3, q.Exact.BLAKE3.String()) {
		add(id)
	}
	if p := q.Pixels; p != nil {
		for _, id := range e.exact.lookup(exactPixel, p.PixelSHA256.String()) {
			add(id)
		}
		for _, h := range e.pdq.Search(p.PDQDihedral[:], match.MaxNearExactDistance) {
			c := add(uint32(h.ID))
			c.PDQDistance, c.PDQVariant = h.Distance, h.Variant
		}
	}
	// Edited copies: trimmed hashes, and the assets the query's local
	// features vote for. Verified below: the voted ones (at most
	// MaxVerified for each of the two votes, editedCandidates) and the
	// nearest PDQ and trimmed-PDQ candidates (at most MaxExtraVerified).
	verify := e.editedCandidates(q, add)
	verify = addNearest(verify, cands, MaxExtraVerified)
	ids := make([]sleuth.AssetID, 0, len(cands))
	for id := range cands {
		ids = append(ids, sleuth.AssetID(id))
	}
	// One read of every candidate (assets deleted by another process since
	// Open are simply missing).
	assets, err := e.store.AssetsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	var judged []match.Match
	at := make(map[uint32]int, len(assets)) // asset id -> index in judged
	for _, a := range assets {
		c := cands[uint32(a.ID)]
		c.Asset = a
		completeEvidence(q, c, slices.Contains(verify, uint32(a.ID)))
		if m, ok := match.Judge(*q, *c); ok {
			at[uint32(a.ID)] = len(judged)
			judged = append(judged, m)
		}
	}
	// Nothing sure: look further, one way after another until something
	// is, each judging what it finds on the aligned pixels: the assets
	// laid out like the query (thumbMatches), like the picture set inside
	// it (insetThumbMatches), those the query shows a window of
	// (croppedMatches), those laid out like it turned back by a few
	// degrees (turnedMatches).
	type further = func(context.Context, *match.Query, map[uint32]*match.Candidate, []match.Match, map[uint32]int) ([]match.Match, error)
	return untilSure(judged, []further{e.thumbMatches, e.insetThumbMatches, e.croppedMatches, e.turnedMatches},
		func(judged []match.Match, f further) ([]match.Match, error) { return f(ctx, q, cands, judged, at) })
}

// mergeJudged adds to judged the matches of more, keeping for an asset
// matched in both the match scored higher (the first on a tie).
func mergeJudged(judged, more []match.Match) []match.Match {
	at := make(map[sleuth.AssetID]int, len(judged))
	for i, m := range judged {
		at[m.Asset.ID] = i
	}
	for _, m := range more {
		if i, ok := at[m.Asset.ID]; !ok {
			at[m.Asset.ID] = len(judged)
			judged = append(judged, m)
		} else if m.Score > judged[i].Score {
			judged[i] = m
		}
	}
	return judged
}

// LookupPHash returns the assets whose pHash is within maxDist of h, nearest
// first, at most limit (0: 100). It scans the pHashes kept in memory (8
// bytes per asset; about 1 ms per million assets).
func (e *Engine) LookupPHash(ctx context.Context, h fingerprint.PHash, maxDist, limit int) ([]PHashHit, error) {
	if limit <= 0 {
		limit = 100
	}
	hits := e.phash.search(h, maxDist)
	if len(hits) > limit {
		hits = hits[:limit]
	}
	return hits, nil
}

// QueryFromAsset rebuilds a search query from a registered asset's stored
// fingerprints, to find the copies of an asset given by its Nid. The
// dihedral variants are not stored, so every variant is the asset's PDQ
// and Search looks in one orientation only (local features, when stored,
// still find rotated copies).
func QueryFromAsset(a *sleuth.Asset) (*match.Query, error) {
	q := &match.Query{Exact: fingerprint.Exact{Nid: a.Nid, Size: a.Size, MIME: a.MIME}}
	var err error
	if q.Exact.SHA256, err = fingerprint.ParseDigest(a.SHA256); err != nil {
		return nil, err
	}
	if q.Exact.BLAKE3, err = fingerprint.ParseDigest(a.BLAKE3); err != nil {
		return nil, err
	}
	pdq, ok := a.PerceptualOf(sleuth.KindPDQ)
	if !ok || !imaging.Supported(a.MIME) {
		return q, nil
	}
	p := &fingerprint.Pixels{Width: a.Width, Height: a.Height, Orientation: 1, PDQQuality: pdq.Quality}
	if p.PDQ, err = fingerprint.ParsePDQ(pdq.Hash); err != nil {
		return nil, err
	}
	for i := range p.PDQDihedral {
		p.PDQDihedral[i] = p.PDQ
	}
	if ph, ok := a.PerceptualOf(sleuth.KindPHash); ok {
		if p.PHash, err = fingerprint.ParsePHash(ph.Hash); err != nil {
			return nil, err
		}
	}
	if a.PixelSHA256 != "" {
		if p.PixelSHA256, err = fingerprint.ParseDigest(a.PixelSHA256); err != nil {
			return nil, err
		}
	}
	// The edited tier's fingerprints, when stored: the trimmed PDQ (in one
	// orientation too) and the local features.
	if t := storedTrim(a); t != nil {
		for i := range t.Dihedral {
			t.Dihedral[i] = t.PDQ
		}
		p.Trim = t
	}
	p.Features = storedFeatures(a)
	q.Pixels = p
	return q, nil
}
