package bench

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"text/tabwriter"
	"time"

	"golang.org/x/image/draw"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/accounts"
	"github.com/sleuthhq/sleuth/api"
	"github.com/sleuthhq/sleuth/engine"
	"github.com/sleuthhq/sleuth/fingerprint"
	"github.com/sleuthhq/sleuth/imaging"
	"github.com/sleuthhq/sleuth/store/sqlite"
)

// APIConfig configures APIBench. Zero fields take the defaults in
// parentheses.
type APIConfig struct {
	Assets      int           // indexed assets (100000)
	Concurrency int           // parallel clients in the throughput phase (4)
	Duration    time.Duration // bound on the throughput phase (20 s)
	Requests    int           // bound on the throughput phase's requests (2000)
	Sequential  int           // requests of the latency phase, and bare searches (50)
	Seed        uint64
	TestdataDir string // testdata/pdq; "" searches the working directory and its parents
	TempDir     string // for the database ("" is a fresh directory under os.TempDir)
}

// APIResult is what APIBench measured.
type APIResult struct {
	Assets      int
	Concurrency int
	UploadBytes int
	// Bare is engine.Search on the upload's bytes, in process, one at a time:
	// the fingerprint + search cost the server adds its work to.
	Bare LatencyStats
	// Sequential is POST /v1/theft-detection over loopback, one at a time.
	Sequential LatencyStats
	// Parallel is the same with Concurrency clients.
	Parallel LatencyStats
	// OverheadPct is how much the HTTP round trip adds to the bare cost, at
	// the median: 100 * (Sequential.P50 / Bare.P50 - 1).
	OverheadPct float64
	Errors      int
	FillSeconds float64
}

// APIBench measures theft detection over HTTP: it fills a fresh store with
// cfg.Assets assets (realistic PDQ codes, see NewPDQCorpus) plus the
// original of the query picture, starts the real API server on a loopback
// port, and uploads a 1024x1024 JPEG (a copy of that original) as a client
// would, first one request at a time (to compare with the bare cost in the
// same run), then with cfg.Concurrency clients until cfg.Duration or
// cfg.Requests. Only loopback is used.
func APIBench(ctx context.Context, cfg APIConfig, progress io.Writer) (*APIResult, error) {
	if cfg.Assets <= 0 {
		cfg.Assets = 100_000
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	if cfg.Duration <= 0 {
		cfg.Duration = 20 * time.Second
	}
	if cfg.Requests <= 0 {
		cfg.Requests = 2000
	}
	if cfg.Sequential <= 0 {
		cfg.Sequential = 50
	}
	dir := cfg.TempDir
	if dir == "" {
		d, err := os.MkdirTemp("", "sleuth-bench-api-*")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	st, err := sqlite.Open(ctx, filepath.Join(dir, "sleuth.db"))
	if err != nil {
		return nil, err
	}
	defer st.Close()

	// The corpus: realistic PDQ codes as assets.
	icfg := DefaultIndexConfig(cfg.Assets)
	icfg.Seed, icfg.TestdataDir = cfg.Seed, cfg.TestdataDir
	corpus, err := NewPDQCorpus(ctx, icfg, progress)
	if err != nil {
		return nil, err
	}
	res := &APIResult{Assets: cfg.Assets, Concurrency: cfg.Concurrency}
	start := time.Now()
	logf(progress, "storing %d assets...", cfg.Assets)
	for i, code := range corpus.Codes {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		a := syntheticAsset(i, code)
		if _, err := st.PutAsset(ctx, a); err != nil {
			return nil, err
		}
		if progress != nil && (i+1)%20000 == 0 {
			logf(progress, "  %d/%d", i+1, cfg.Assets)
		}
	}
	res.FillSeconds = time.Since(start).Seconds()

	eng, err := engine.Open(ctx, st, engine.Options{})
	if err != nil {
		return nil, err
	}
	td := findTestdata(cfg.TestdataDir)
	if td == "" {
		return nil, fmt.Errorf("bench: testdata/pdq not found; run from the repository or set the testdata directory")
	}
	photo := filepath.Join(td, "bridge-mods", "aaa-orig.jpg")
	if _, err := eng.Register(ctx, &engine.RegisterRequest{Path: photo}); err != nil {
		return nil, err
	}
	upload, err := query1024(photo)
	if err != nil {
		return nil, err
	}
	res.UploadBytes = len(upload)

	// Bare cost, in process.
	logf(progress, "timing %d bare searches...", cfg.Sequential)
	var bare []time.Duration
	for range cfg.Sequential {
		t := time.Now()
		// What POST /v1/theft-detection asks of the engine at threshold 0.12.
		if _, err := eng.Search(ctx, &engine.SearchRequest{Data: upload, Limit: 1000, MinScore: 0.88}); err != nil {
			return nil, err
		}
		bare = append(bare, time.Since(t))
	}
	res.Bare = latencyStatsOf(bare, 0)

	// The server, on loopback.
	acct := &sleuth.Account{Name: "bench"}
	if err := st.CreateAccount(ctx, acct); err != nil {
		return nil, err
	}
	if _, err := st.AddCredits(ctx, acct.ID, 1_000_000*sleuth.CreditUnit, "bench"); err != nil {
		return nil, err
	}
	_, key, err := (&accounts.Service{Store: st}).NewKey(ctx, acct.ID, "bench", []sleuth.Scope{sleuth.ScopeSearch})
	if err != nil {
		return nil, err
	}
	srv := api.New(eng, st, nil, api.Config{RatePerSecond: 1e6, Burst: 1e6})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	defer hs.Close()
	url := "http://" + ln.Addr().String() + "/v1/theft-detection"
	body, ctype := multipartBody(upload)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: cfg.Concurrency * 2}, Timeout: time.Minute}
	post := func() (time.Duration, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("Authorization", "token "+key)
		t := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("status %d", resp.StatusCode)
		}
		return time.Since(t), nil
	}

	logf(progress, "timing %d sequential requests...", cfg.Sequential)
	var seq []time.Duration
	for range cfg.Sequential {
		d, err := post()
		if err != nil {
			return nil, err
		}
		seq = append(seq, d)
	}
	res.Sequential = latencyStatsOf(seq, 0)
	res.OverheadPct = 100 * (res.Sequential.P50Micros/res.Bare.P50Micros - 1)

	logf(progress, "load: %d clients for at most %s or %d requests...", cfg.Concurrency, cfg.Duration, cfg.Requests)
	var mu sync.Mutex
	var par []time.Duration
	deadline := time.Now().Add(cfg.Duration)
	next := make(chan struct{})
	go func() {
		defer close(next)
		for range cfg.Requests {
			if time.Now().After(deadline) || ctx.Err() != nil {
				return
			}
			next <- struct{}{}
		}
	}()
	t0 := time.Now()
	var wg sync.WaitGroup
	for range cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				d, err := post()
				mu.Lock()
				if err != nil {
					res.Errors++
				} else {
					par = append(par, d)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	res.Parallel = latencyStatsOf(par, time.Since(t0))
	return res, nil
}

// latencyStatsOf summarizes latencies; wall, when set, gives the throughput.
func latencyStatsOf(ds []time.Duration, wall time.Duration) LatencyStats {
	s := LatencyStats{Queries: len(ds)}
	if len(ds) == 0 {
		return s
	}
	slices.Sort(ds)
	us := func(d time.Duration) float64 { return float64(d.Microseconds()) }
	s.P50Micros = us(ds[len(ds)/2])
	s.P99Micros = us(ds[min(len(ds)-1, len(ds)*99/100)])
	var total time.Duration
	for _, d := range ds {
		total += d
	}
	if wall > 0 {
		s.QPS = float64(len(ds)) / wall.Seconds()
	} else {
		s.QPS = float64(len(ds)) / total.Seconds()
	}
	return s
}

// syntheticAsset is a stored asset with a corpus PDQ code and made-up exact
// hashes (unique per i).
func syntheticAsset(i int, code fingerprint.PDQ) *sleuth.Asset {
	var d fingerprint.Digest
	copy(d[:], fmt.Sprintf("bench-asset-%024d", i))
	return &sleuth.Asset{
		Nid:  fmt.Sprintf("bafkreibench%044d", i),
		Size: 50_000, MIME: imaging.MIMEJPEG, Width: 512, Height: 512,
		Source: "bench", SHA256: d.String(), BLAKE3: d.String(), PixelSHA256: d.String(),
		Perceptual: []sleuth.Perceptual{{Kind: sleuth.KindPDQ, Hash: code.String(), Quality: 100}},
	}
}

// query1024 is the photo scaled to 1024x1024 and encoded as JPEG (quality 90).
func query1024(photo string) ([]byte, error) {
	src, err := imaging.DecodeFile(photo, imaging.Limits{})
	if err != nil {
		return nil, err
	}
	dst := image.NewRGBA(image.Rect(0, 0, 1024, 1024))
	draw.CatmullRom.Scale(dst, dst.Rect, src.RGBA, src.RGBA.Rect, draw.Src, nil)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 90}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func multipartBody(file []byte) ([]byte, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "query.jpg")
	fw.Write(file)
	mw.WriteField("threshold", "0.12")
	mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

// WriteTable prints the result as a readable table.
func (r *APIResult) WriteTable(w io.Writer) {
	fmt.Fprintf(w, "theft detection, %d-byte 1024x1024 JPEG upload, %d indexed assets\n\n", r.UploadBytes, r.Assets)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "phase\trequests\tp50 ms\tp99 ms\treq/s\t")
	row := func(name string, s LatencyStats) {
		fmt.Fprintf(tw, "%s\t%d\t%.2f\t%.2f\t%.1f\t\n", name, s.Queries, s.P50Micros/1000, s.P99Micros/1000, s.QPS)
	}
	row("bare fingerprint+search (in process)", r.Bare)
	row("HTTP, one at a time", r.Sequential)
	row(fmt.Sprintf("HTTP, %d clients", r.Concurrency), r.Parallel)
	tw.Flush()
	fmt.Fprintf(w, "\nHTTP overhead at the median: %+.1f%% over the bare cost; errors: %d; store filled in %.1fs\n", r.OverheadPct, r.Errors, r.FillSeconds)
}
