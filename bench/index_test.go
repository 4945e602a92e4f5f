package bench

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var (
	indexSizes  = flag.String("index.sizes", "", "comma-separated corpus sizes for TestIndexBenchReport (e.g. 100000,1000000)")
	indexTables = flag.String("index.tables", "8", "comma-separated table counts for TestIndexBenchReport")
)

func TestIndexBench(t *testing.T) {
	cfg := DefaultIndexConfig(20000)
	cfg.Queries, cfg.LinearQueries, cfg.PoolSize, cfg.TestdataDir = 100, 40, 100, smallPhotos
	if testing.Short() {
		cfg.Size, cfg.PoolSize = 5000, 30
	}
	r, err := IndexBench(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Recall != 1 || r.Mismatches != 0 {
		t.Errorf("recall %.4f with %d mismatching answers, want exact", r.Recall, r.Mismatches)
	}
	if r.MeanHits == 0 || r.Linear == nil || r.Linear.MeanHits == 0 {
		t.Errorf("no hits: %+v", r)
	}
	var b strings.Builder
	r.WriteTable(&b)
	t.Log("\n" + b.String())
}

func TestFindTestdata(t *testing.T) {
	d := findTestdata("")
	if filepath.Base(d) != "pdq" || filepath.Base(filepath.Dir(d)) != "testdata" {
		t.Errorf("findTestdata = %q, want .../testdata/pdq", d)
	}
	if got := findTestdata("x"); got != "x" {
		t.Errorf("findTestdata(x) = %q", got)
	}
}

// TestIndexBenchReport prints the tables for the sizes of -index.sizes:
//
//	go test ./bench -run IndexBenchReport -v -timeout 1h -args -index.sizes=100000,1000000 -index.tables=8,10
func TestIndexBenchReport(t *testing.T) {
	if *indexSizes == "" {
		t.Skip("no -index.sizes")
	}
	for _, s := range strings.Split(*indexSizes, ",") {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatal(err)
		}
		for _, tb := range strings.Split(*indexTables, ",") {
			cfg := DefaultIndexConfig(n)
			if cfg.Tables, err = strconv.Atoi(tb); err != nil {
				t.Fatal(err)
			}
			r, err := IndexBench(context.Background(), cfg, os.Stderr)
			if err != nil {
				t.Fatal(err)
			}
			r.WriteTable(os.Stdout)
			fmt.Println()
		}
	}
}
