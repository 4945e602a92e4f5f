package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sleuthhq/sleuth/engine"
	"github.com/sleuthhq/sleuth/fetch"
	"github.com/sleuthhq/sleuth/ingest"
)

var ingestCmd = &command{
	name:    "ingest",
	summary: "Index NFTs from a chain or a file: ingest evm|solana|jsonl [flags].",
	usage:   "evm|solana|jsonl [flags] [arguments]",
}

func init() { ingestCmd.run = runIngest }

// ingestSource is one `sleuth ingest <name>` subcommand. Each source lives
// in its own file (ingest_evm.go, ingest_solana.go, ingest_jsonl.go) and
// registers itself from an init function with registerIngestSource.
type ingestSource struct {
	name    string
	summary string
	// run executes `sleuth ingest <name> args...`; it returns the exit code.
	run func(ctx context.Context, e *env, args []string) int
}

// ingestSources are the registered sources by name.
var ingestSources = map[string]*ingestSource{}

// registerIngestSource adds a source; a duplicate name is a programming
// error.
func registerIngestSource(s *ingestSource) {
	if _, dup := ingestSources[s.name]; dup {
		panic("ingest source registered twice: " + s.name)
	}
	ingestSources[s.name] = s
}

func runIngest(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		w := e.stdout
		if len(args) == 0 {
			w = e.stderr
		}
		fmt.Fprint(w, "Usage: sleuth ingest <source> [flags] [arguments]\n\nIndex NFTs: read their records, resolve metadata and media, fingerprint the media.\n\nSources:\n")
		names := make([]string, 0, len(ingestSources))
		for n := range ingestSources {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(w, "  %-8s %s\n", n, ingestSources[n].summary)
		}
		fmt.Fprint(w, "\nRun 'sleuth ingest <source> -h' for its flags.\n")
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	s := ingestSources[args[0]]
	if s == nil {
		fmt.Fprintf(e.stderr, "sleuth: ingest: unknown source %q\n", args[0])
		return exitUsage
	}
	return s.run(ctx, e, args[1:])
}

// ingestFlags are the flags every ingest source shares: where the data
// goes and how media is fetched.
type ingestFlags struct {
	data           *string
	ipfsGateways   stringList
	arGateways     stringList
	allowPrivate   *bool
	allowHTTP      *bool
	workers        *int
	cacheDir       *string
	maxBytes       *int64
	fetchTimeout   *time.Duration
	gatewayTimeout *time.Duration
	quiet          *bool
	// openURL, when set by a source before open, becomes
	// ingest.Options.Open (e.g. local files of a JSONL import).
	openURL func(ctx context.Context, url string) ([]byte, bool, error)
}

// stringList is a flag that may be repeated, each value possibly a
// comma-separated list.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(v string) error {
	for s := range strings.SplitSeq(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// addIngestFlags adds the shared flags to fs.
func addIngestFlags(e *env, fs *flag.FlagSet) *ingestFlags {
	f := &ingestFlags{data: dataFlag(e, fs)}
	fs.Var(&f.ipfsGateways, "ipfs-gateway", "IPFS path gateway base URL, tried in order (repeat or comma-separate; default: ipfs.io, dweb.link, cloudflare-ipfs.com)")
	fs.Var(&f.arGateways, "arweave-gateway", "Arweave gateway base URL (repeat or comma-separate; default: arweave.net)")
	f.allowPrivate = fs.Bool("allow-private", false, "let fetches reach loopback and private addresses on any port, and plain http (for a local devnet or gateway; never on a server)")
	f.allowHTTP = fs.Bool("allow-http", false, "allow plain http:// media and metadata URLs")
	f.workers = fs.Int("workers", 0, "records resolved at once (0: number of CPUs)")
	f.cacheDir = fs.String("cache", "", "media cache directory (default: <data>/media-cache; \"off\": none)")
	f.maxBytes = fs.Int64("max-bytes", 64<<20, "largest media file or metadata document fetched, in bytes")
	f.fetchTimeout = fs.Duration("fetch-timeout", fetch.DefaultTimeout, "time limit of one fetch, all gateways included")
	f.gatewayTimeout = fs.Duration("gateway-timeout", fetch.DefaultGatewayTimeout, "time limit of one gateway until its response headers")
	f.quiet = fs.Bool("quiet", false, "no progress lines on stderr")
	return f
}

// fetcher returns the Fetcher the flags describe.
func (f *ingestFlags) fetcher() *fetch.Fetcher {
	return fetch.New(fetch.Config{
		IPFSGateways:    f.ipfsGateways,
		ArweaveGateways: f.arGateways,
		MaxBytes:        *f.maxBytes,
		Timeout:         *f.fetchTimeout,
		GatewayTimeout:  *f.gatewayTimeout,
		AllowPrivate:    *f.allowPrivate,
		AllowHTTP:       *f.allowHTTP || *f.allowPrivate,
	})
}

// ingestRun is an open data directory with a Pipeline over it.
type ingestRun struct {
	eng      *engine.Engine
	pipe     *ingest.Pipeline
	progress *ingestProgress
	close    func()
}

// open opens the data directory and makes the Pipeline. label names the
// work in progress lines ("evm 0xabc…"). The caller must call close.
func (f *ingestFlags) open(ctx context.Context, e *env, label string) (*ingestRun, error) {
	eng, closeStore, err := openEngine(ctx, e, *f.data, engine.Options{})
	if err != nil {
		return nil, err
	}
	cache := *f.cacheDir
	switch cache {
	case "":
		cache = filepath.Join(*f.data, "media-cache")
	case "off":
		cache = ""
	}
	r := &ingestRun{eng: eng, close: closeStore}
	var out io.Writer = e.stderr
	if *f.quiet {
		out = nil
	}
	now := time.Now()
	r.progress = &ingestProgress{w: out, label: label, start: now, printed: now, interval: 2 * time.Second}
	r.pipe = ingest.New(eng, eng.Store(), ingest.Options{
		Fetcher:  f.fetcher(),
		CacheDir: cache,
		Workers:  *f.workers,
		Logger:   slog.New(slog.NewTextHandler(warnWriter(out), &slog.HandlerOptions{Level: slog.LevelWarn})),
		Progress: r.progress.stats,
		Open:     f.openURL,
	})
	return r, nil
}

// warnWriter is w, or io.Discard when w is nil.
func warnWriter(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// ingestProgress prints a line on stderr every interval: the position of
// the source (blocks scanned, set by the source) and the Pipeline's totals
// with the rate of records.
type ingestProgress struct {
	mu       sync.Mutex
	w        io.Writer
	label    string
	pos      string
	last     ingest.Stats
	start    time.Time
	printed  time.Time
	interval time.Duration
}

// stats is the Pipeline's Progress callback.
func (p *ingestProgress) stats(s ingest.Stats) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.last = s
	if time.Since(p.printed) >= p.interval {
		p.printLocked()
	}
}

// position sets the source's position (e.g. "block 120/4000") and prints
// when it is time.
func (p *ingestProgress) position(pos string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pos = pos
	if time.Since(p.printed) >= p.interval {
		p.printLocked()
	}
}

func (p *ingestProgress) printLocked() {
	p.printed = time.Now()
	if p.w == nil {
		return
	}
	fmt.Fprintf(p.w, "%s\n", p.lineLocked())
}

func (p *ingestProgress) lineLocked() string {
	s := p.last
	el := time.Since(p.start).Seconds()
	rate := 0.0
	if el > 0 {
		rate = float64(s.Records+s.Skipped) / el
	}
	line := p.label
	if p.pos != "" {
		line += ": " + p.pos
	}
	return fmt.Sprintf("%s: %d NFTs stored, %d unchanged, %d new assets, %d fetched (%s), %d cached, %d failed; %.1f NFTs/s",
		line, s.Records, s.Skipped, s.Assets, s.Fetched, humanBytes(s.Bytes), s.Cached, s.Failed, rate)
}

// summary returns the final line.
func (p *ingestProgress) summary() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lineLocked()
}
