package ingest

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/engine"
	"github.com/sleuthhq/sleuth/fetch"
)

// MaxMetadataBytes is the largest metadata JSON document accepted (after
// decoding a data: URI). Larger documents are a metadata failure.
const MaxMetadataBytes = 1 << 20

// Options configure a Pipeline. The zero value is usable.
type Options struct {
	// Fetcher reads metadata and media. nil: fetch.New(fetch.Config{}),
	// the production configuration (public https, default gateways).
	Fetcher *fetch.Fetcher
	// CacheDir, when set, is the content-addressed cache of fetched media
	// (see the package doc); it is created when missing. "": no cache on
	// disk (the store still prevents registering the same bytes twice).
	CacheDir string
	// Workers is how many records Batch completes at once. <= 0: the
	// number of CPUs.
	Workers int
	// Logger receives one line per failure; nil discards them.
	Logger *slog.Logger
	// Progress, when set, is called after each record with the running
	// totals. Calls never overlap.
	Progress func(Stats)
	// Open, when set, is asked first for every metadata and media URL: it
	// resolves the URLs the Fetcher does not (such as file: paths chosen
	// by the operator, for an import from local files). ok false means
	// "not mine": the Fetcher reads the URL. Its bytes count as fetched.
	Open func(ctx context.Context, url string) (data []byte, ok bool, err error)
}

// Stats are the running totals of a Pipeline.
type Stats struct {
	Records int64 // records written to the store
	Skipped int64 // records already stored complete and unchanged: nothing written
	Assets  int64 // assets newly registered
	Fetched int64 // metadata documents and media files read through the Fetcher
	Cached  int64 // media resolved from the cache, without a fetch
	Failed  int64 // metadata documents and media files that failed
	Bytes   int64 // bytes read through the Fetcher
	// Elapsed is the time since the Pipeline was made.
	Elapsed time.Duration
}

// Result is what Record did with one record.
type Result struct {
	// Record is the record as stored (or as found, when Skipped).
	Record *sleuth.NFTRecord
	// Skipped is true when the stored record was already complete and
	// nothing the caller gave differed from it: nothing was written.
	Skipped bool
	// MetadataErr is why the metadata could not be resolved; nil when it
	// was, or when there was nothing to resolve.
	MetadataErr error
	// Media lists the media URLs of the record (image first), each with
	// its Nid or its error.
	Media []Media
}

// Media is the outcome for one media URL of a record.
type Media struct {
	URL string // as in the record (normalized when it could be)
	Nid string // the Nid of its bytes; "" when Err is set
	// Created is true when this call registered a new asset.
	Created bool
	// Cached is true when the bytes or the Nid came from the cache.
	Cached bool
	Err    error
}

// Pipeline completes and stores NFT records. It is safe for concurrent
// use.
type Pipeline struct {
	eng   *engine.Engine
	st    sleuth.Store
	opt   Options
	f     *fetch.Fetcher
	log   *slog.Logger
	cache *cache
	start time.Time

	records, skipped, assets, fetched, cached, failed, bytes atomic.Int64

	progMu sync.Mutex
}

// New returns a Pipeline that registers media with eng and stores records
// in st (normally eng.Store()). It does not own either.
func New(eng *engine.Engine, st sleuth.Store, opt Options) *Pipeline {
	p := &Pipeline{eng: eng, st: st, opt: opt, f: opt.Fetcher, log: opt.Logger, start: time.Now()}
	if p.f == nil {
		p.f = fetch.New(fetch.Config{})
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if p.opt.Workers <= 0 {
		p.opt.Workers = runtime.NumCPU()
	}
	if opt.CacheDir != "" {
		p.cache = &cache{dir: opt.CacheDir}
	}
	return p
}

// Stats returns the running totals.
func (p *Pipeline) Stats() Stats {
	return Stats{
		Records: p.records.Load(), Skipped: p.skipped.Load(), Assets: p.assets.Load(),
		Fetched: p.fetched.Load(), Cached: p.cached.Load(), Failed: p.failed.Load(),
		Bytes: p.bytes.Load(), Elapsed: time.Since(p.start),
	}
}

// Record completes rec and stores it.
//
// If rec.Metadata is empty and rec.TokenURI is set, the metadata JSON is
// fetched (ipfs://, ar://, https://, data: including base64 JSON, or
// on-chain JSON), and fills Metadata, ImageURL ("image", "image_url", or
// "image_data" SVG) and AnimationURL where rec leaves them empty. Each
// media URL is fetched through the safe fetcher (or found in the cache),
// registered with engine.Register (fingerprints, asset), and its Nid put in
// rec.AssetCids; then rec is stored with PutNFT.
//
// It is idempotent: when the store already holds the record complete
// (metadata resolved, every media URL registered) with the same TokenURI,
// nothing is fetched again; the fields a chain reader gives (owner,
// creator, created_at, spec, marketplace) are updated if they changed, and
// Result.Skipped is true when nothing did. When the stored record is
// incomplete (or its TokenURI changed) it is resolved again, keeping from
// it what rec leaves empty (creator, created_at, owner, spec, marketplace,
// and the metadata of an unchanged TokenURI). Assets are keyed by Nid, so
// the same bytes are never registered twice.
//
// Failed metadata or media is reported in Result (MetadataErr, Media[i].Err)
// and counted in Stats.Failed, never fatal: rec is stored with what was
// resolved, and a later call retries the rest. The error is non-nil only
// when rec is nil or lacks Chain, Contract or TokenID
// (sleuth.store.invalid), when the store fails, or when ctx ends; then rec
// may have been partly filled but was not stored.
func (p *Pipeline) Record(ctx context.Context, rec *sleuth.NFTRecord) (*Result, error) {
	res, err := p.record(ctx, rec)
	if err == nil {
		p.progress()
	}
	return res, err
}

func (p *Pipeline) record(ctx context.Context, rec *sleuth.NFTRecord) (*Result, error) {
	if rec == nil {
		return nil, sleuth.Errorf(sleuth.CodeStoreInvalid, "ingest: nil record")
	}
	if rec.Chain == "" || rec.Contract == "" || rec.TokenID == "" {
		return nil, sleuth.Errorf(sleuth.CodeStoreInvalid, "ingest %s/%s/%s: chain, contract and token id are required", rec.Chain, rec.Contract, rec.TokenID)
	}
	if err := ctx.Err(); err != nil {
		return nil, sleuth.Errorf(sleuth.CodeStoreFailed, "ingest: %w", err)
	}
	old, err := p.st.NFT(ctx, rec.Key())
	switch {
	case err == nil:
		if res, done, err := p.update(ctx, old, rec); done {
			return res, err
		}
		inherit(rec, old)
	case !errors.Is(err, sleuth.ErrNFTNotFound):
		return nil, err
	}

	res := &Result{Record: rec}
	if len(rec.Metadata) == 0 && rec.TokenURI != "" {
		meta, err := p.metadata(ctx, rec.TokenURI)
		if err != nil {
			if ctx.Err() != nil {
				return nil, sleuth.Errorf(sleuth.CodeStoreFailed, "ingest: %w", ctx.Err())
			}
			p.failed.Add(1)
			res.MetadataErr = err
			p.log.Warn("metadata failed", "chain", rec.Chain, "contract", rec.Contract, "token", rec.TokenID, "uri", short(rec.TokenURI), "err", err)
		} else {
			rec.Metadata = meta
		}
	}
	var info metaInfo
	if len(rec.Metadata) > 0 {
		info = parseMetadata(rec.Metadata)
		if rec.ImageURL == "" {
			rec.ImageURL = info.image
		}
		if rec.AnimationURL == "" {
			rec.AnimationURL = info.animation
		}
	}
	rec.ImageURL = normalizeOrKeep(rec.ImageURL)
	rec.AnimationURL = normalizeOrKeep(rec.AnimationURL)

	var cids []string
	for _, u := range mediaURLs(rec) {
		m := p.media(ctx, rec, info, u)
		if ctx.Err() != nil {
			return nil, sleuth.Errorf(sleuth.CodeStoreFailed, "ingest: %w", ctx.Err())
		}
		res.Media = append(res.Media, m)
		if m.Err != nil {
			p.failed.Add(1)
			p.log.Warn("media failed", "chain", rec.Chain, "contract", rec.Contract, "token", rec.TokenID, "url", short(u), "err", m.Err)
			continue
		}
		if !slices.Contains(cids, m.Nid) {
			cids = append(cids, m.Nid)
		}
	}
	rec.AssetCids = cids
	if err := p.st.PutNFT(ctx, rec); err != nil {
		return nil, err
	}
	p.records.Add(1)
	return res, nil
}

// update handles a record already in the store. done is false when the
// stored one is incomplete or stale and rec must be resolved in full.
func (p *Pipeline) update(ctx context.Context, old, rec *sleuth.NFTRecord) (*Result, bool, error) {
	if !complete(old) || old.TokenURI != rec.TokenURI ||
		(len(rec.Metadata) > 0 && !jsonEqual(rec.Metadata, old.Metadata)) ||
		(rec.ImageURL != "" && normalizeOrKeep(rec.ImageURL) != old.ImageURL) ||
		(rec.AnimationURL != "" && normalizeOrKeep(rec.AnimationURL) != old.AnimationURL) {
		return nil, false, nil
	}
	changed := false
	set := func(dst *string, v string) {
		if v != "" && *dst != v {
			*dst, changed = v, true
		}
	}
	set(&old.CurrentOwner, rec.CurrentOwner)
	set(&old.Creator, rec.Creator)
	set(&old.NFTSpec, rec.NFTSpec)
	set(&old.PrimaryMarketplace, rec.PrimaryMarketplace)
	if !rec.CreatedAt.IsZero() && !rec.CreatedAt.Equal(old.CreatedAt) {
		old.CreatedAt, changed = rec.CreatedAt, true
	}
	res := &Result{Record: old, Skipped: !changed}
	for i, u := range mediaURLs(old) {
		if i < len(old.AssetCids) {
			res.Media = append(res.Media, Media{URL: u, Nid: old.AssetCids[i], Cached: true})
		}
	}
	if !changed {
		p.skipped.Add(1)
		*rec = *old
		return res, true, nil
	}
	if err := p.st.PutNFT(ctx, old); err != nil {
		return nil, true, err
	}
	*rec = *old
	p.records.Add(1)
	return res, true, nil
}

// inherit fills the fields rec leaves empty from the stored record old,
// which is being resolved again (incomplete, or its token URI changed): a
// reader that saw only a transfer does not know the creator or the mint
// time, and the metadata of an unchanged token URI need not be fetched
// again.
func inherit(rec, old *sleuth.NFTRecord) {
	keep := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	keep(&rec.Creator, old.Creator)
	keep(&rec.CurrentOwner, old.CurrentOwner)
	keep(&rec.NFTSpec, old.NFTSpec)
	keep(&rec.PrimaryMarketplace, old.PrimaryMarketplace)
	if rec.CreatedAt.IsZero() {
		rec.CreatedAt = old.CreatedAt
	}
	if len(rec.Metadata) == 0 && rec.TokenURI == old.TokenURI && len(old.Metadata) > 0 {
		rec.Metadata = old.Metadata
	}
}

// complete reports whether a stored record needs no more fetching: its
// metadata is there (or there was none to fetch), and it has one asset per
// distinct media URL.
func complete(r *sleuth.NFTRecord) bool {
	if len(r.Metadata) == 0 && r.TokenURI != "" {
		return false
	}
	urls := mediaURLs(r)
	if r.ImageURL != "" && r.ImageURL == r.AnimationURL {
		urls = urls[:1]
	}
	return len(r.AssetCids) == len(urls)
}

// mediaURLs returns the record's media URLs, image first.
func mediaURLs(r *sleuth.NFTRecord) []string {
	var us []string
	if r.ImageURL != "" {
		us = append(us, r.ImageURL)
	}
	if r.AnimationURL != "" {
		us = append(us, r.AnimationURL)
	}
	return us
}

// Batch completes and stores recs with Options.Workers records at once,
// and returns their results in the order of recs. It stops at the first
// error Record returns (a store failure or the end of ctx) and returns it;
// results of records not done are then nil.
func (p *Pipeline) Batch(ctx context.Context, recs []*sleuth.NFTRecord) ([]*Result, error) {
	results := make([]*Result, len(recs))
	parent := ctx
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	var errOnce sync.Once
	var first error
	workers := min(p.opt.Workers, len(recs))
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(recs) || ctx.Err() != nil {
					return
				}
				r, err := p.Record(ctx, recs[i])
				if err != nil {
					errOnce.Do(func() { first = err; cancel(err) })
					return
				}
				results[i] = r
			}
		})
	}
	wg.Wait()
	if first == nil && parent.Err() != nil && slices.Contains(results, nil) {
		first = sleuth.Errorf(sleuth.CodeStoreFailed, "ingest: %w", parent.Err())
	}
	return results, first
}

func (p *Pipeline) progress() {
	if p.opt.Progress == nil {
		return
	}
	p.progMu.Lock()
	defer p.progMu.Unlock()
	p.opt.Progress(p.Stats())
}

// short cuts a URL for a log line.
func short(s string) string {
	if len(s) > 120 {
		return s[:117] + "..."
	}
	return s
}
