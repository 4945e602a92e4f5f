package main

import (
	"context"
	"flag"
	"log/slog"
	"path/filepath"

	"github.com/sleuthhq/sleuth/engine"
	"github.com/sleuthhq/sleuth/store/sqlite"
)

// defaultDataDir is where Sleuth keeps its database when neither --data nor
// SLEUTH_DATA says otherwise.
const defaultDataDir = "sleuth-data"

// dataFlag adds --data to fs, defaulting to $SLEUTH_DATA or ./sleuth-data.
func dataFlag(e *env, fs *flag.FlagSet) *string {
	def := e.getenv("SLEUTH_DATA")
	if def == "" {
		def = defaultDataDir
	}
	return fs.String("data", def, "data directory (env SLEUTH_DATA)")
}

// dbPath is the SQLite file inside a data directory.
func dbPath(dataDir string) string { return filepath.Join(dataDir, "sleuth.db") }

// openEngine opens the store in dataDir and builds the engine's indexes,
// reporting progress on stderr for big stores.
func openEngine(ctx context.Context, e *env, dataDir string, opt engine.Options) (*engine.Engine, func(), error) {
	st, err := sqlite.Open(ctx, dbPath(dataDir))
	if err != nil {
		return nil, nil, err
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	var p *progress
	opt.Progress = func(n int) {
		if p == nil {
			p = newProgress(e.stderr, "loading index", 0)
		}
		p.add(10000)
	}
	eng, err := engine.Open(ctx, st, opt)
	if p != nil {
		p.finish()
	}
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return eng, func() { st.Close() }, nil
}
