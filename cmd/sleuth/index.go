package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/engine"
	"github.com/sleuthhq/sleuth/fingerprint"
	"github.com/sleuthhq/sleuth/imaging"
)

var indexCmd = &command{
	name:    "index",
	summary: "Register image files as assets (directories recursively), skipping those already registered.",
	usage:   "DIR|FILE...",
}

func init() { indexCmd.run = runIndex }

// indexSummary is what `sleuth index` did; --json prints it.
type indexSummary struct {
	Files       int            `json:"files"`
	Added       int            `json:"added"`
	Existing    int            `json:"existing"`
	NotImages   int            `json:"not_images"`
	Failed      int            `json:"failed"`
	Seconds     float64        `json:"seconds"`
	FilesPerSec float64        `json:"files_per_second"`
	Assets      int            `json:"assets"` // registered in all, after this run
	Failures    []indexFailure `json:"failures"`
}

type indexFailure struct {
	File  string    `json:"file"`
	Error errorJSON `json:"error"`
}

func runIndex(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, indexCmd)
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	data := dataFlag(e, fs)
	jobs := fs.Int("jobs", runtime.GOMAXPROCS(0), "files processed in parallel")
	hidden := fs.Bool("hidden", false, "also index files and directories whose names start with a dot")
	maxPixels := fs.Int64("max-pixels", imaging.DefaultLimits.MaxPixels, "refuse images whose header declares more pixels than this")
	maxBytes := fs.Int64("max-bytes", imaging.DefaultLimits.MaxBytes, "refuse image files larger than this many bytes")
	roots, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(roots) == 0 {
		fs.Usage()
		return exitUsage
	}
	files, err := collectFiles(roots, *hidden)
	if err != nil {
		fmt.Fprintf(e.stderr, "sleuth: %v\n", err)
		return exitFail
	}
	lim := imaging.Limits{MaxPixels: *maxPixels, MaxBytes: *maxBytes}
	eng, closeStore, err := openEngine(ctx, e, *data, engine.Options{Limits: lim})
	if err != nil {
		fmt.Fprintf(e.stderr, "sleuth: %v\n", err)
		return exitFail
	}
	defer closeStore()

	start := time.Now()
	sum := indexSummary{Files: len(files), Failures: []indexFailure{}}
	var mu sync.Mutex
	prog := newProgress(e.stderr, "indexing", len(files))
	work := make(chan string)
	var wg sync.WaitGroup
	for range max(1, min(*jobs, len(files))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for path := range work {
				outcome, err := indexOne(ctx, eng, path)
				mu.Lock()
				switch {
				case err != nil:
					sum.Failed++
					sum.Failures = append(sum.Failures, indexFailure{path, errorJSON{sleuth.ErrorCode(err), err.Error()}})
				case outcome == "added":
					sum.Added++
				case outcome == "existing":
					sum.Existing++
				case outcome == "not_image":
					sum.NotImages++
				}
				mu.Unlock()
				prog.add(1)
			}
		}()
	}
feed:
	for _, f := range files {
		select {
		case work <- f:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	prog.finish()

	sum.Seconds = time.Since(start).Seconds()
	if sum.Seconds > 0 {
		sum.FilesPerSec = float64(sum.Added+sum.Existing+sum.NotImages+sum.Failed) / sum.Seconds
	}
	sum.Assets = eng.Stats().Assets
	sort.Slice(sum.Failures, func(i, j int) bool { return sum.Failures[i].File < sum.Failures[j].File })
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		enc.Encode(sum)
	} else {
		for _, f := range sum.Failures {
			fmt.Fprintf(e.stderr, "sleuth: %s: %s [%s]\n", f.File, f.Error.Message, f.Error.Code)
		}
		fmt.Fprintf(e.stdout, "indexed %d files in %.1fs (%.1f files/s): %d added, %d already registered, %d not images, %d failed; %d assets in %s\n",
			sum.Files, sum.Seconds, sum.FilesPerSec, sum.Added, sum.Existing, sum.NotImages, sum.Failed, sum.Assets, *data)
	}
	if ctx.Err() != nil {
		fmt.Fprintln(e.stderr, "sleuth: interrupted; what was indexed is kept")
		return exitFail
	}
	if sum.Failed > 0 {
		return exitFail
	}
	return exitOK
}

// indexOne registers one file unless its bytes are already registered or it
// is not an image. It hashes the bytes first (cheap) so that files already
// there are skipped without decoding them.
func indexOne(ctx context.Context, eng *engine.Engine, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", sleuth.Errorf(sleuth.CodeFileUnreadable, "%w", err)
	}
	ex, err := fingerprint.ExactOf(f)
	f.Close()
	if err != nil {
		return "", err
	}
	if !imaging.Supported(ex.MIME) {
		return "not_image", nil
	}
	if has, err := eng.Has(ctx, ex.Nid); err != nil {
		return "", err
	} else if has {
		return "existing", nil
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	res, err := eng.Register(ctx, &engine.RegisterRequest{Path: path, Source: abs})
	if err != nil {
		return "", err
	}
	if !res.Created {
		return "existing", nil
	}
	return "added", nil
}

// collectFiles expands directories (recursively, in lexical order) and
// keeps plain files; names starting with a dot are skipped unless hidden.
func collectFiles(roots []string, hidden bool) ([]string, error) {
	var files []string
	seen := map[string]bool{}
	addFile := func(p string) {
		if !seen[p] {
			seen[p] = true
			files = append(files, p)
		}
	}
	for _, root := range roots {
		fi, err := os.Stat(root)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			addFile(root)
			continue
		}
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if p != root && !hidden && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			switch {
			case d.Type().IsRegular():
				addFile(p)
			case d.Type()&fs.ModeSymlink != 0:
				if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
					addFile(p)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return files, nil
}
