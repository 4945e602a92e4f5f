package jsonl

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/sleuthhq/sleuth/engine"
	"github.com/sleuthhq/sleuth/fetch"
	"github.com/sleuthhq/sleuth/ingest"
	"github.com/sleuthhq/sleuth/store/sqlite"
)

// noisePNG is a 128x128 image of random pixels: about 50 KB of PNG.
func noisePNG(b *testing.B, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 3))
	m := image.NewNRGBA(image.Rect(0, 0, 128, 128))
	for i := 0; i < len(m.Pix); i += 4 {
		v := r.Uint32()
		m.Pix[i], m.Pix[i+1], m.Pix[i+2], m.Pix[i+3] = uint8(v), uint8(v>>8), uint8(v>>16), 255
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkImportLocalMedia imports 200 records whose images (about 50 KB
// each, all distinct) are local files, into a fresh store each time: the
// whole path of `sleuth ingest jsonl` but the command line. It reports
// records per second.
func BenchmarkImportLocalMedia(b *testing.B) {
	const n = 200
	dir := b.TempDir()
	var lines bytes.Buffer
	size := 0
	for i := range n {
		img := noisePNG(b, uint64(i))
		size += len(img)
		name := fmt.Sprintf("m%03d.png", i)
		if err := os.WriteFile(filepath.Join(dir, name), img, 0o644); err != nil {
			b.Fatal(err)
		}
		fmt.Fprintf(&lines, `{"chain":"eip155:1","contract":"0x5af0d9827e0c53e4799bb226655a1de152a425a5","token_id":"%d","image":%q,"metadata":{"name":"n%d"}}`+"\n", i, name, i)
	}
	file := filepath.Join(dir, "bench.jsonl")
	if err := os.WriteFile(file, lines.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d records, %d KB of images on average", n, size/n/1024)
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "sleuth.db"))
		if err != nil {
			b.Fatal(err)
		}
		eng, err := engine.Open(ctx, st, engine.Options{})
		if err != nil {
			b.Fatal(err)
		}
		local, err := NewLocal(file, 0)
		if err != nil {
			b.Fatal(err)
		}
		p := ingest.New(eng, st, ingest.Options{Fetcher: fetch.New(fetch.Config{}), Open: local.Open})
		b.StartTimer()
		sum, err := Import(ctx, file, Options{Pipeline: p, Store: st, Local: local})
		b.StopTimer()
		if err != nil || sum.Stored != n || sum.Assets != n {
			b.Fatalf("%v %+v", err, sum)
		}
		b.ReportMetric(float64(n)/sum.Elapsed.Seconds(), "records/s")
		local.Close()
		st.Close()
		b.StartTimer()
	}
}
