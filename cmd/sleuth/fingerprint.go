package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/fingerprint"
	"github.com/sleuthhq/sleuth/imaging"
)

var fingerprintCmd = &command{
	name:    "fingerprint",
	summary: "Print the Nid and every fingerprint of each file (sha256, BLAKE3, PDQ, pHash, pixel digest).",
	usage:   "FILE...",
}

func init() { fingerprintCmd.run = runFingerprint }

// errorJSON is the error object of a JSON line, the same shape the HTTP API uses.
type errorJSON struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// fingerprintLine is one line of `sleuth fingerprint --json`.
type fingerprintLine struct {
	File string `json:"file"`
	*fingerprint.Result
	Error *errorJSON `json:"error,omitempty"`
}

func runFingerprint(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, fingerprintCmd)
	asJSON := fs.Bool("json", false, "print one JSON object per file and line, with every field")
	jobs := fs.Int("jobs", runtime.GOMAXPROCS(0), "files fingerprinted in parallel")
	maxPixels := fs.Int64("max-pixels", imaging.DefaultLimits.MaxPixels, "refuse images whose header declares more pixels than this")
	maxBytes := fs.Int64("max-bytes", imaging.DefaultLimits.MaxBytes, "refuse to decode image files larger than this many bytes")
	files, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(files) == 0 {
		fs.Usage()
		return exitUsage
	}
	opt := fingerprint.Options{Limits: imaging.Limits{MaxPixels: *maxPixels, MaxBytes: *maxBytes}}

	out := newTableWriter(e.stdout, *asJSON)
	failed := 0
	for line := range fingerprintAll(ctx, files, opt, max(1, *jobs)) {
		if line.Error != nil {
			failed++
			if !*asJSON {
				fmt.Fprintf(e.stderr, "sleuth: %s: %s [%s]\n", line.File, line.Error.Message, line.Error.Code)
			}
		}
		out.write(line)
	}
	if ctx.Err() != nil {
		fmt.Fprintln(e.stderr, "sleuth: interrupted")
		return exitFail
	}
	if failed > 0 {
		return exitFail
	}
	return exitOK
}

// fingerprintAll fingerprints files with n workers and yields the lines in
// the order of files, each as soon as it and all before it are done.
func fingerprintAll(ctx context.Context, files []string, opt fingerprint.Options, n int) <-chan fingerprintLine {
	results := make([]chan fingerprintLine, len(files))
	for i := range results {
		results[i] = make(chan fingerprintLine, 1)
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(n, len(files)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i] <- fingerprintOne(files[i], opt)
			}
		}()
	}
	go func() {
		defer close(next)
		for i := range files {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	out := make(chan fingerprintLine)
	go func() {
		defer close(out)
		for i := range files {
			select {
			case l := <-results[i]:
				out <- l
			case <-ctx.Done():
				wg.Wait()
				return
			}
		}
	}()
	return out
}

func fingerprintOne(file string, opt fingerprint.Options) fingerprintLine {
	res, err := fingerprint.File(file, opt)
	line := fingerprintLine{File: file, Result: res}
	if err != nil {
		line.Error = &errorJSON{Code: sleuth.ErrorCode(err), Message: err.Error()}
	}
	return line
}

// tableWriter prints fingerprint lines as JSON or as an aligned table. The
// table needs no buffering: every column but the last has a fixed width,
// and the file name comes last.
type tableWriter struct {
	w      io.Writer
	json   *json.Encoder
	header bool
}

func newTableWriter(w io.Writer, asJSON bool) *tableWriter {
	t := &tableWriter{w: w}
	if asJSON {
		t.json = json.NewEncoder(w)
		t.json.SetEscapeHTML(false)
	}
	return t
}

const tableFormat = "%-13s %9s %11s %3s %-16s %-64s %-59s %s\n"

func (t *tableWriter) write(l fingerprintLine) {
	if t.json != nil {
		t.json.Encode(l)
		return
	}
	if l.Result == nil {
		return // nothing to show; the error went to stderr
	}
	if !t.header {
		fmt.Fprintf(t.w, tableFormat, "TYPE", "SIZE", "DIMENSIONS", "Q", "PHASH", "PDQ", "NID", "FILE")
		t.header = true
	}
	mime := strings.TrimPrefix(l.MIME, "image/")
	if i := strings.IndexByte(mime, ';'); i >= 0 {
		mime = mime[:i]
	}
	dims, q, ph, pdq := "-", "-", "-", "-"
	if p := l.Pixels; p != nil {
		dims = fmt.Sprintf("%dx%d", p.Width, p.Height)
		q = fmt.Sprint(p.PDQQuality)
		ph, pdq = p.PHash.String(), p.PDQ.String()
	}
	fmt.Fprintf(t.w, tableFormat, mime, humanBytes(l.Size), dims, q, ph, pdq, l.Nid, l.File)
}

// humanBytes formats n in B, KiB, MiB or GiB with three significant digits.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	v := float64(n) / float64(div)
	prec := 0
	if v < 10 {
		prec = 1
	}
	return fmt.Sprintf("%.*f %ciB", prec, v, "KMGTPE"[exp])
}
