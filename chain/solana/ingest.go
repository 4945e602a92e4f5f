package solana

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"time"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/ingest"
)

// IngestOptions configure Ingest.
type IngestOptions struct {
	Reader   *Reader
	Pipeline *ingest.Pipeline
	// Store is where records already stored are looked up (their
	// created_at is not looked up again). Required.
	Store sleuth.NFTStore
	// Workers is how many mints are read and completed at once; <= 0: the
	// number of CPUs.
	Workers int
	// OnMint, when set, is called after each mint (in no particular
	// order; calls never overlap).
	OnMint func(MintResult)
}

// MintResult is what Ingest did with one mint.
type MintResult struct {
	Mint string
	// Err is why the mint's record was not stored; nil when it was.
	Err error
	// LookupErrs are failed owner or created_at look-ups (the record is
	// stored without those fields).
	LookupErrs []error
	// MediaErrs are failed metadata documents and media files (the record
	// is stored without them).
	MediaErrs []error
	// Skipped is true when the record was already stored, unchanged.
	Skipped bool
	// Assets counts the assets newly registered for this mint.
	Assets int
}

// IngestSummary is the outcome of Ingest.
type IngestSummary struct {
	Mints        int `json:"mints"`
	Stored       int `json:"stored"`
	Unchanged    int `json:"unchanged"`
	Failed       int `json:"failed"`
	LookupFailed int `json:"lookups_failed"`
	MediaFailed  int `json:"media_failed"`
	Assets       int `json:"assets"`
	// RPCCalls counts the HTTP requests made to the RPC endpoint.
	RPCCalls int64   `json:"rpc_calls"`
	Seconds  float64 `json:"seconds"`
}

// Ingest builds the record of each metadata account (Reader.Record) and
// completes and stores it through the Pipeline. A mint whose record cannot
// be stored is reported in its MintResult and counted as failed; the error
// is non-nil only when the store fails or ctx ends. Records are
// idempotent: a re-run stores nothing twice, fetches nothing again for
// records already complete, and only refreshes owners.
func Ingest(ctx context.Context, mds []*Metadata, opt IngestOptions) (*IngestSummary, error) {
	start := time.Now()
	calls0 := opt.Reader.c.Calls()
	if opt.Workers <= 0 {
		opt.Workers = runtime.NumCPU()
	}
	sum := &IngestSummary{Mints: len(mds)}
	var mu sync.Mutex
	report := func(r MintResult) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case r.Err != nil:
			sum.Failed++
		case r.Skipped:
			sum.Unchanged++
		default:
			sum.Stored++
		}
		sum.LookupFailed += len(r.LookupErrs)
		sum.MediaFailed += len(r.MediaErrs)
		sum.Assets += r.Assets
		if opt.OnMint != nil {
			opt.OnMint(r)
		}
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	work := make(chan *Metadata)
	var wg sync.WaitGroup
	var once sync.Once
	var fatal error
	for range min(opt.Workers, max(len(mds), 1)) {
		wg.Go(func() {
			for md := range work {
				r, err := ingestOne(ctx, md, opt)
				if err != nil {
					once.Do(func() { fatal = err; cancel(err) })
					continue
				}
				report(r)
			}
		})
	}
feed:
	for _, md := range mds {
		select {
		case work <- md:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	sum.RPCCalls = opt.Reader.c.Calls() - calls0
	sum.Seconds = time.Since(start).Seconds()
	if fatal != nil {
		return sum, fatal
	}
	return sum, context.Cause(ctx)
}

func ingestOne(ctx context.Context, md *Metadata, opt IngestOptions) (MintResult, error) {
	res := MintResult{Mint: md.Mint.String()}
	key := sleuth.NFTKey{Chain: opt.Reader.Chain, Contract: md.Mint.String(), TokenID: md.Mint.String()}
	if k, ok := md.VerifiedCollection(); ok {
		key.Contract = k.String()
	}
	old, err := opt.Store.NFT(ctx, key)
	if err != nil && !errors.Is(err, sleuth.ErrNFTNotFound) {
		return res, err
	}
	rec, lookupErrs, err := opt.Reader.Record(ctx, md, old)
	if err != nil {
		return res, err
	}
	res.LookupErrs = lookupErrs
	pr, err := opt.Pipeline.Record(ctx, rec)
	if err != nil {
		if ctx.Err() == nil && sleuth.ErrorCode(err) == sleuth.CodeStoreInvalid {
			res.Err = err
			return res, nil
		}
		return res, err
	}
	res.Skipped = pr.Skipped
	if pr.MetadataErr != nil {
		res.MediaErrs = append(res.MediaErrs, pr.MetadataErr)
	}
	for _, m := range pr.Media {
		if m.Err != nil {
			res.MediaErrs = append(res.MediaErrs, m.Err)
		}
		if m.Created {
			res.Assets++
		}
	}
	return res, nil
}

// Collection returns the collection record of coll: the name and symbol
// of the collection NFT's own metadata (empty when it has none), and
// members as the supply.
func (r *Reader) Collection(ctx context.Context, coll PublicKey, members int) (*sleuth.Collection, error) {
	c := &sleuth.Collection{Chain: r.Chain, Contract: coll.String(), Supply: int64(members)}
	md, err := r.Metadata(ctx, coll)
	switch {
	case err == nil:
		c.Name, c.Symbol = md.Name, md.Symbol
		if md.CollectionSize != nil && *md.CollectionSize > 0 {
			c.Supply = int64(*md.CollectionSize)
		}
	case sleuth.ErrorCode(err) != CodeNotFound && sleuth.ErrorCode(err) != CodeBadAccount:
		return nil, err
	}
	return c, nil
}
