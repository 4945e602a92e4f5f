package report

import (
	"context"
	"testing"
	"time"

	"github.com/sleuthhq/sleuth"
)

// BenchmarkCollectionReport times a collection report of 100 tokens (half
// of them copies of another collection's) through the job runner, one
// SQLite commit per token, on a real store: the tokens/s it reports is the
// speed of `sleuth report collection` on a small index.
func BenchmarkCollectionReport(b *testing.B) {
	e := openEnv(b)
	collectionFixture(e, 100, 50)
	c := e.collections()
	r := newRunner(e, c)
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if _, err := c.Submit(ctx, 1, CollectionRequest{Chain: chain, Contract: "0xcopy"}, "http://x", false); err != nil {
			b.Fatal(err)
		}
		runAll(b, r)
	}
	b.ReportMetric(float64(100*b.N)/time.Since(start).Seconds(), "tokens/s")
}

// BenchmarkNFTReport times the report of one token (a copy of a token of
// another contract) against an index of 200 assets.
func BenchmarkNFTReport(b *testing.B) {
	e := openEnv(b)
	collectionFixture(e, 100, 50)
	ctx := context.Background()
	k := sleuth.NFTKey{Chain: chain, Contract: "0xcopy", TokenID: "3"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rep, err := e.rep.NFT(ctx, &NFTRequest{Token: &k})
		if err != nil || !rep.FlagRed {
			b.Fatalf("%+v, %v", rep, err)
		}
	}
}
