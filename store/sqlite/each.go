package sqlite

import (
	"context"
	"database/sql"
	"sync"

	"github.com/sleuthhq/sleuth"
)

// eachSpan is the width, in IDs, of the pages EachAsset reads: a page holds
// at most this many assets.
const eachSpan = 500

// EachAsset implements sleuth.AssetStore.
//
// It reads the assets in pages of eachSpan consecutive IDs, several pages at
// once on the read pool (each page one read transaction, a consistent
// snapshot of its assets and their fingerprints), and calls fn in ID order
// from the calling goroutine. At most two pages per reader are held in
// memory, and no database resource is held while fn runs. Assets added
// while it runs are seen when their ID is above the pages already read;
// deleted ones may or may not be.
func (db *DB) EachAsset(ctx context.Context, fn func(*sleuth.Asset) error) error {
	if err := ctx.Err(); err != nil {
		return failed(ctx, "each asset", err)
	}
	var after sleuth.AssetID
	for {
		var last int64
		err := db.read.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM assets`).Scan(&last)
		if err != nil {
			return failed(ctx, "each asset", err)
		}
		upto := sleuth.AssetID(last)
		if upto <= after {
			return nil
		}
		if err := db.eachRange(ctx, after, upto, fn); err != nil {
			return err
		}
		after = upto
	}
}

// eachRange calls fn for the assets with after < ID <= upto, in order.
func (db *DB) eachRange(ctx context.Context, after, upto sleuth.AssetID, fn func(*sleuth.Asset) error) error {
	pages := int((upto - after + eachSpan - 1) / eachSpan)
	readers := min(db.readers, pages)
	if readers <= 1 {
		for p := range pages {
			lo := after + sleuth.AssetID(p)*eachSpan
			as, err := db.eachPage(ctx, lo, min(lo+eachSpan, upto))
			if err != nil {
				return err
			}
			if err := eachCall(ctx, as, fn); err != nil {
				return err
			}
		}
		return nil
	}

	type result struct {
		as  []*sleuth.Asset
		err error
	}
	type job struct {
		lo, hi sleuth.AssetID
		out    chan result
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait() // after cancel: no goroutine outlives the call
	defer cancel()

	jobs := make(chan job)
	// order holds the pages handed out, in ID order; its capacity bounds
	// how far the readers run ahead of fn: at most 2*readers+1 pages are in
	// memory at once.
	order := make(chan chan result, readers)
	wg.Add(1)
	go func() { // dispatcher
		defer wg.Done()
		defer close(jobs)
		defer close(order)
		for p := range pages {
			lo := after + sleuth.AssetID(p)*eachSpan
			j := job{lo: lo, hi: min(lo+eachSpan, upto), out: make(chan result, 1)}
			select {
			case order <- j.out:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- j:
			case <-ctx.Done():
				return
			}
		}
	}()
	for range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				as, err := db.eachPage(ctx, j.lo, j.hi)
				j.out <- result{as, err}
			}
		}()
	}
	for out := range order {
		var r result
		select {
		case r = <-out:
		case <-ctx.Done():
			return failed(ctx, "each asset", ctx.Err())
		}
		if r.err != nil {
			return r.err
		}
		if err := eachCall(ctx, r.as, fn); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil { // order was closed early
		return failed(ctx, "each asset", err)
	}
	return nil
}

// eachPage reads the assets with lo < ID <= hi in one read transaction.
func (db *DB) eachPage(ctx context.Context, lo, hi sleuth.AssetID) ([]*sleuth.Asset, error) {
	var as []*sleuth.Asset
	err := db.withReadTx(ctx, "each asset", func(tx *sql.Tx) error {
		var err error
		as, err = assetPage(ctx, tx, lo, hi, eachSpan)
		return err
	})
	return as, err
}

// eachCall calls fn for each of as, checking ctx before each call.
func eachCall(ctx context.Context, as []*sleuth.Asset, fn func(*sleuth.Asset) error) error {
	for _, a := range as {
		if err := ctx.Err(); err != nil {
			return failed(ctx, "each asset", err)
		}
		if err := fn(a); err != nil {
			return err
		}
	}
	return nil
}
