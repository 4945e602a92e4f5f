package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/accounts"
	"github.com/sleuthhq/sleuth/api"
	"github.com/sleuthhq/sleuth/engine"
	"github.com/sleuthhq/sleuth/fetch"
	"github.com/sleuthhq/sleuth/phishing"
	"github.com/sleuthhq/sleuth/store/sqlite"
)

var serveCmd = &command{
	name:    "serve",
	summary: "Serve the HTTP API (Numbers, aiRight, SolCheck and Verbitas compatible) on the data directory.",
}

var migrateCmd = &command{
	name:    "migrate",
	summary: "Create or upgrade the database in the data directory and print its schema version.",
}

func init() {
	serveCmd.run = runServe
	migrateCmd.run = runMigrate
}

// stringsFlag is a repeatable string flag.
type stringsFlag []string

func (s *stringsFlag) String() string     { return strings.Join(*s, ",") }
func (s *stringsFlag) Set(v string) error { *s = append(*s, v); return nil }

func runServe(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, serveCmd)
	data := dataFlag(e, fs)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on (\":8080\" for every interface; port 0 picks one)")
	rate := fs.Float64("rate", 10, "default requests per second per API key")
	burst := fs.Int("burst", 20, "default burst per API key")
	maxUpload := fs.Int64("max-upload", 64<<20, "largest uploaded or fetched file, bytes")
	allowPrivate := fs.Bool("allow-private-fetch", false, "let fileURL reach loopback and private addresses (for local testing only)")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	var gateways stringsFlag
	nf := addNotifyFlags(e, fs)
	fs.Var(&gateways, "ipfs-gateway", "IPFS gateway base URL, repeatable, tried in order (default ipfs.io, dweb.link, cloudflare-ipfs.com)")
	if _, code, ok := parseFlags(fs, args); !ok {
		return code
	}
	var handler slog.Handler = slog.NewTextHandler(e.stderr, nil)
	if *logFormat == "json" {
		handler = slog.NewJSONHandler(e.stderr, nil)
	}
	log := slog.New(handler)

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	st, err := sqlite.Open(ctx, dbPath(*data))
	if err != nil {
		return failf(e, err)
	}
	defer st.Close()
	if err := bootstrapAdmin(ctx, e, st); err != nil {
		return failf(e, err)
	}
	eng, err := engine.Open(ctx, st, engine.Options{Logger: log})
	if err != nil {
		return failf(e, err)
	}
	fetcher := fetch.New(fetch.Config{IPFSGateways: gateways, MaxBytes: *maxUpload, AllowPrivate: *allowPrivate})
	reports, stopReports, err := startReports(ctx, log, eng, fetcher, nf)
	if err != nil {
		return failf(e, err)
	}
	defer stopReports()
	lists, err := phishing.Load(*data)
	if err != nil {
		return failf(e, err)
	}
	log.Info("phishing lists", "source", lists.Source)
	srv := api.New(eng, st, fetcher, api.Config{
		RatePerSecond: *rate, Burst: *burst, MaxUploadBytes: *maxUpload, Logger: log, Reports: reports,
		Phishing: lists,
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return failf(e, err)
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    1 << 20,
		ErrorLog:          slog.NewLogLogger(handler, slog.LevelWarn),
	}
	log.Info("listening", "url", "http://"+ln.Addr().String(), "data", *data, "assets", eng.Stats().Assets)
	fmt.Fprintf(e.stderr, "sleuth: serving on http://%s (API description: /openapi.json); Ctrl-C stops\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return failf(e, err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight (30 s at most)")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return failf(e, err)
	}
	log.Info("stopped")
	return exitOK
}

// bootstrapAdmin makes the first account and an admin key when the store
// has no account yet, and prints the key once: a fresh install can be used
// at once.
func bootstrapAdmin(ctx context.Context, e *env, st *sqlite.DB) error {
	_, err := st.Account(ctx, 1)
	if err == nil || sleuth.ErrorCode(err) != sleuth.CodeAccountNotFound {
		return err
	}
	a := &sleuth.Account{Name: "admin"}
	if err := st.CreateAccount(ctx, a); err != nil {
		return err
	}
	if _, err := st.AddCredits(ctx, a.ID, 1000*sleuth.CreditUnit, "first start"); err != nil {
		return err
	}
	svc := &accounts.Service{Store: st}
	_, secret, err := svc.NewKey(ctx, a.ID, "first admin key", []sleuth.Scope{sleuth.ScopeAdmin})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "sleuth: first start: created account %d with 1000 credits and an admin key (shown once, keep it):\n\n    %s\n\n", a.ID, secret)
	return nil
}

func runMigrate(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, migrateCmd)
	data := dataFlag(e, fs)
	if _, code, ok := parseFlags(fs, args); !ok {
		return code
	}
	st, err := sqlite.Open(ctx, dbPath(*data))
	if err != nil {
		return failf(e, err)
	}
	defer st.Close()
	v, err := st.SchemaVersion(ctx)
	if err != nil {
		return failf(e, err)
	}
	fmt.Fprintf(e.stdout, "%s: schema version %d\n", st.Path(), v)
	return exitOK
}
