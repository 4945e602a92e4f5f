package jsonl

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/ingest"
)

// CheckpointChain is the Chain of the checkpoints Import keeps; their
// Source is the file's absolute path.
const CheckpointChain = "jsonl"

// DefaultMaxMediaBytes is the largest local media file read, unless
// Options.MaxMediaBytes says otherwise.
const DefaultMaxMediaBytes = 256 << 20

// prefixBytes is how much of the file the checkpoint fingerprints, to tell
// the same file grown from a different file.
const prefixBytes = 64 << 10

// Options configure Import.
type Options struct {
	// Pipeline completes and stores the records. Required. When the file
	// names media by local path, the Pipeline must have been made with
	// ingest.Options.Open set to Local.Open.
	Pipeline *ingest.Pipeline
	// Store keeps the checkpoint. Required (normally the Pipeline's).
	Store sleuth.CheckpointStore
	// Local resolves media given by local path (see NewLocal); nil: a line
	// with a local path is skipped with sleuth.jsonl.media.
	Local *Local
	// Workers is how many lines are completed at once; <= 0: the number
	// of CPUs.
	Workers int
	// Restart ignores the checkpoint and reads the file from its start.
	Restart bool
	// OnLine, when set, is called once per line read, in line order, after
	// the line is done. Calls never overlap.
	OnLine func(LineResult)
	// Logger receives a line per skipped line; nil discards them.
	Logger *slog.Logger
}

// LineResult is what happened to one line.
type LineResult struct {
	Line   int   // 1-based line number
	Offset int64 // byte offset of the line's start
	// Key is the record's identity; zero when the line did not parse.
	Key sleuth.NFTKey
	// Err is why the line was skipped (a *sleuth.Error); nil when the
	// record was stored or already there.
	Err error
	// Skipped is true when the record was already stored, unchanged.
	Skipped bool
	// MediaFailed counts the metadata documents and media files of the
	// record that could not be read or registered (the record is stored
	// without them).
	MediaFailed int
	// MediaErrs are those failures, each a coded error.
	MediaErrs []error
	// Assets counts the assets newly registered for this line.
	Assets int
}

// Summary is the outcome of Import.
type Summary struct {
	File string `json:"file"`
	// ResumedAt is the line after which this run started (0: the start).
	ResumedAt int `json:"resumed_at"`
	// Lines counts the lines read by this run; blank lines are not counted.
	Lines int `json:"lines"`
	// Stored counts records written (new or changed).
	Stored int `json:"stored"`
	// Unchanged counts records already stored as the line gives them.
	Unchanged int `json:"unchanged"`
	// Failed counts lines skipped with an error; Errors counts them by code.
	Failed int            `json:"failed"`
	Errors map[string]int `json:"errors,omitempty"`
	// MediaFailed counts metadata documents and media files that failed
	// (their records are stored without them).
	MediaFailed int `json:"media_failed"`
	// Assets counts the assets newly registered.
	Assets int `json:"assets"`
	// Seconds is Elapsed in seconds, for JSON.
	Seconds float64       `json:"seconds"`
	Elapsed time.Duration `json:"-"`
}

// cursor is the checkpoint's position: the byte offset after the last line
// done, and the sha256 of the file's first min(offset, 64 KiB) bytes.
type cursor struct {
	offset int64
	prefix string
}

func (c cursor) String() string { return strconv.FormatInt(c.offset, 10) + ":" + c.prefix }

func parseCursor(s string) (cursor, bool) {
	off, prefix, ok := strings.Cut(s, ":")
	n, err := strconv.ParseInt(off, 10, 64)
	if !ok || err != nil || n < 0 || len(prefix) != 64 {
		return cursor{}, false
	}
	return cursor{offset: n, prefix: prefix}, true
}

// prefixHash hashes the first min(n, 64 KiB) bytes of f.
func prefixHash(f *os.File, n int64) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, min(n, prefixBytes))); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Import reads the JSON Lines file at path and ingests each line's record.
//
// A line that does not parse, or whose record is refused, is reported
// (OnLine, Logger, Summary.Errors) and skipped; the import goes on. Lines
// are read in batches of 8 × Workers; after each batch the checkpoint
// (chain "jsonl", source the absolute path) records the byte offset and
// line number reached, so a later Import of the same file resumes there —
// also after the file has grown, but not when its first bytes changed
// (then it starts over, which is safe: records and assets already stored
// are not added twice). Restart ignores the checkpoint.
//
// The error is non-nil only when the file cannot be read (sleuth.jsonl.file),
// the store fails, or ctx ends; the summary then covers the lines done.
func Import(ctx context.Context, path string, opt Options) (*Summary, error) {
	start := time.Now()
	if opt.Pipeline == nil || opt.Store == nil {
		return nil, errors.New("jsonl: Import needs a Pipeline and a Store")
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.NumCPU()
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, sleuth.Errorf(CodeFile, "jsonl: %w", err)
	}
	f, err := os.Open(abs)
	if err != nil {
		return nil, sleuth.Errorf(CodeFile, "jsonl: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, sleuth.Errorf(CodeFile, "jsonl: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, sleuth.Errorf(CodeFile, "jsonl: %s is not a regular file", path)
	}

	sum := &Summary{File: abs, Errors: map[string]int{}}
	im := &importer{opt: opt}

	var offset int64
	line := 0
	if !opt.Restart {
		cp, err := opt.Store.Checkpoint(ctx, CheckpointChain, abs)
		switch {
		case err == nil:
			if c, ok := parseCursor(cp.Cursor); ok && c.offset <= fi.Size() {
				if h, err := prefixHash(f, c.offset); err == nil && h == c.prefix {
					offset, line = c.offset, int(cp.Block)
				}
			}
			if offset == 0 {
				opt.Logger.Info("jsonl: file changed since its checkpoint; starting over", "file", abs)
			}
		case !errors.Is(err, sleuth.ErrCheckpointNotFound):
			return nil, err
		}
	}
	sum.ResumedAt = line
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return nil, sleuth.Errorf(CodeFile, "jsonl: %w", err)
	}
	br := bufio.NewReaderSize(f, 64<<10)
	batchSize := 8 * opt.Workers
	done := false
	for !done {
		var batch []*pending
		for len(batch) < batchSize {
			b, n, tooLong, err := readLine(br, MaxLineBytes)
			if err != nil && err != io.EOF {
				sum.setElapsed(start)
				return sum, sleuth.Errorf(CodeFile, "jsonl: %s: line %d: %w", path, line+1, err)
			}
			if n == 0 && err == io.EOF {
				done = true
				break
			}
			line++
			pd := &pending{res: LineResult{Line: line, Offset: offset}}
			offset += n
			switch {
			case tooLong:
				pd.res.Err = sleuth.Errorf(CodeTooLong, "line of more than %d bytes", MaxLineBytes)
			case len(bytes.TrimSpace(b)) == 0:
				continue // blank line
			default:
				pd.parsed, pd.res.Err = Parse(b)
				if pd.res.Err == nil {
					pd.res.Key = pd.parsed.Record.Key()
				}
			}
			batch = append(batch, pd)
			if err == io.EOF {
				done = true
				break
			}
		}
		if err := im.run(ctx, batch); err != nil {
			sum.setElapsed(start)
			return sum, err
		}
		for _, pd := range batch {
			sum.add(pd.res)
			if pd.res.Err != nil {
				opt.Logger.Warn("jsonl: line skipped", "file", abs, "line", pd.res.Line, "code", sleuth.ErrorCode(pd.res.Err), "err", pd.res.Err)
			}
			if opt.OnLine != nil {
				opt.OnLine(pd.res)
			}
		}
		prefix, err := prefixHash(f, offset)
		if err != nil {
			sum.setElapsed(start)
			return sum, sleuth.Errorf(CodeFile, "jsonl: %w", err)
		}
		cp := &sleuth.Checkpoint{Chain: CheckpointChain, Source: abs, Block: uint64(line), Cursor: cursor{offset, prefix}.String()}
		if err := opt.Store.PutCheckpoint(ctx, cp); err != nil {
			sum.setElapsed(start)
			return sum, err
		}
	}
	sum.setElapsed(start)
	return sum, nil
}

func (s *Summary) setElapsed(start time.Time) {
	s.Elapsed = time.Since(start)
	s.Seconds = s.Elapsed.Seconds()
}

func (s *Summary) add(r LineResult) {
	s.Lines++
	switch {
	case r.Err != nil:
		s.Failed++
		s.Errors[sleuth.ErrorCode(r.Err)]++
	case r.Skipped:
		s.Unchanged++
	default:
		s.Stored++
	}
	s.MediaFailed += r.MediaFailed
	s.Assets += r.Assets
}

// String is the one-line summary `sleuth ingest jsonl` prints.
func (s *Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d lines", s.Lines)
	if s.ResumedAt > 0 {
		fmt.Fprintf(&b, " after line %d", s.ResumedAt)
	}
	rate := 0.0
	if sec := s.Elapsed.Seconds(); sec > 0 {
		rate = float64(s.Lines) / sec
	}
	fmt.Fprintf(&b, " in %.1fs (%.1f lines/s): %d stored, %d unchanged, %d failed; %d new assets, %d media failed",
		s.Elapsed.Seconds(), rate, s.Stored, s.Unchanged, s.Failed, s.Assets, s.MediaFailed)
	if len(s.Errors) > 0 {
		codes := make([]string, 0, len(s.Errors))
		for c := range s.Errors {
			codes = append(codes, c)
		}
		sort.Strings(codes)
		b.WriteString(" (")
		for i, c := range codes {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s: %d", c, s.Errors[c])
		}
		b.WriteString(")")
	}
	return b.String()
}

// readLine reads one line, newline excluded, and returns it with the
// number of bytes consumed (newline included). A line longer than max is
// consumed whole but not returned: tooLong is set. err is io.EOF when the
// file ends (the last line may still be returned with it).
func readLine(br *bufio.Reader, max int) (line []byte, n int64, tooLong bool, err error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		n += int64(len(chunk))
		if !tooLong {
			if len(buf)+len(chunk) > max+2 { // +2: "\r\n"
				tooLong, buf = true, nil
			} else {
				buf = append(buf, chunk...)
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if len(buf) > 0 && buf[len(buf)-1] == '\n' {
			buf = buf[:len(buf)-1]
			if len(buf) > 0 && buf[len(buf)-1] == '\r' {
				buf = buf[:len(buf)-1]
			}
		}
		if !tooLong && len(buf) > max {
			tooLong, buf = true, nil
		}
		return buf, n, tooLong, err
	}
}

// pending is one line of a batch.
type pending struct {
	parsed *Parsed
	res    LineResult
}

// importer completes the lines of a batch.
type importer struct {
	opt Options
}

// run completes every parsed line of batch with opt.Workers at once. It
// returns the first fatal error (store failure, end of ctx).
func (im *importer) run(ctx context.Context, batch []*pending) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	work := make(chan *pending)
	var wg sync.WaitGroup
	var once sync.Once
	var fatal error
	for range min(im.opt.Workers, len(batch)) {
		wg.Go(func() {
			for pd := range work {
				if err := im.one(ctx, pd); err != nil {
					once.Do(func() { fatal = err; cancel(err) })
				}
			}
		})
	}
	for _, pd := range batch {
		if pd.parsed == nil || pd.res.Err != nil {
			continue
		}
		select {
		case work <- pd:
		case <-ctx.Done():
		}
	}
	close(work)
	wg.Wait()
	if fatal != nil {
		return fatal
	}
	return ctx.Err()
}

// one ingests one parsed line; the error is fatal, a line's own failure
// goes in pd.res.Err.
func (im *importer) one(ctx context.Context, pd *pending) error {
	if ctx.Err() != nil {
		return nil
	}
	p := pd.parsed
	if p.ImagePath != "" || p.AnimationPath != "" {
		if im.opt.Local == nil {
			pd.res.Err = sleuth.Errorf(CodeMedia, "media given by local path, but local media are not enabled")
			return nil
		}
		if p.ImagePath != "" {
			p.Record.ImageURL = im.opt.Local.url(p.ImagePath)
		}
		if p.AnimationPath != "" {
			p.Record.AnimationURL = im.opt.Local.url(p.AnimationPath)
		}
	}
	res, err := im.opt.Pipeline.Record(ctx, p.Record)
	if err != nil {
		return lineOrFatal(ctx, pd, err)
	}
	pd.res.Skipped = res.Skipped
	if res.MetadataErr != nil {
		pd.mediaErr(res.MetadataErr)
	}
	for _, m := range res.Media {
		if m.Err != nil {
			pd.mediaErr(m.Err)
		}
		if m.Created {
			pd.res.Assets++
		}
	}
	return nil
}

// mediaErr records a failed metadata document or medium of the line.
func (pd *pending) mediaErr(err error) {
	pd.res.MediaFailed++
	pd.res.MediaErrs = append(pd.res.MediaErrs, err)
}

// lineOrFatal files a record the store refuses as the line's error, and
// returns any other error as fatal.
func lineOrFatal(ctx context.Context, pd *pending, err error) error {
	if ctx.Err() == nil && sleuth.ErrorCode(err) == sleuth.CodeStoreInvalid {
		pd.res.Err = err
		return nil
	}
	return err
}
