package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"time"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/api"
	"github.com/sleuthhq/sleuth/engine"
	"github.com/sleuthhq/sleuth/fetch"
	"github.com/sleuthhq/sleuth/jobs"
	"github.com/sleuthhq/sleuth/report"
)

var reportCmd = &command{
	name:    "report",
	summary: "Authenticity reports: of one NFT or picture (report nft), of a whole collection (report collection), or a collection report's status (report status).",
	usage:   "nft (FILE | --url URL | --chain C --contract A --token-id T) | collection --chain C --contract A [--wait] | status ID",
}

func init() { reportCmd.run = runReport }

func runReport(ctx context.Context, e *env, args []string) int {
	if len(args) > 0 {
		switch args[0] {
		case "nft":
			return runReportNFT(ctx, e, args[1:])
		case "collection":
			return runReportCollection(ctx, e, args[1:])
		case "status":
			return runReportStatus(ctx, e, args[1:])
		}
	}
	fs := newFlagSet(e, reportCmd)
	if _, code, ok := parseFlags(fs, args); !ok {
		return code
	}
	fs.Usage()
	return exitUsage
}

// printJSON writes v indented.
func printJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func runReportNFT(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, &command{name: "report nft", usage: "FILE | --url URL | --chain C --contract A --token-id T",
		summary: "Report on one picture: the NFTs of other contracts that copy it, by tier, with aiRight's flags and first use."})
	data := dataFlag(e, fs)
	u := fs.String("url", "", "fetch the picture from this URL (https, ipfs://, ar://, data:)")
	chain := fs.String("chain", "", "the token's chain: ethereum, polygon, solana, an EVM chain id or a CAIP-2 id")
	contract := fs.String("contract", "", "the token's contract address")
	token := fs.String("token-id", "", "the token id")
	asJSON := fs.Bool("json", false, "print aiRight's JSON report")
	allowHTTP := fs.Bool("allow-http", false, "fetch plain http:// URLs too")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	req := &report.NFTRequest{}
	inputs := 0
	if len(pos) == 1 {
		req.Path, inputs = pos[0], inputs+1
	} else if len(pos) > 1 {
		fs.Usage()
		return exitUsage
	}
	if *u != "" {
		inputs++
	}
	if *chain != "" || *contract != "" || *token != "" {
		c, err := report.ParseChain(*chain)
		if err != nil || *contract == "" || *token == "" {
			fmt.Fprintln(e.stderr, "sleuth: a token needs --chain (a known chain), --contract and --token-id")
			return exitUsage
		}
		req.Token = &sleuth.NFTKey{Chain: c, Contract: report.NormalizeContract(*contract), TokenID: *token}
		inputs++
	}
	if inputs != 1 {
		fs.Usage()
		return exitUsage
	}
	eng, closeStore, err := openEngine(ctx, e, *data, engine.Options{})
	if err != nil {
		return failf(e, err)
	}
	defer closeStore()
	f := fetch.New(fetch.Config{AllowHTTP: *allowHTTP})
	if *u != "" {
		res, err := f.Fetch(ctx, *u)
		if err != nil {
			return failf(e, err)
		}
		req.Data = res.Body
	}
	rp := &report.Reporter{Finder: report.Finder{Engine: eng, Store: eng.Store()}, Fetch: fetchBody(f)}
	rep, err := rp.NFT(ctx, req)
	if err != nil {
		return failf(e, err)
	}
	if *asJSON {
		printJSON(e.stdout, rep)
		return exitOK
	}
	fmt.Fprintf(e.stdout, "flag_red %v  flag_consider %v\n", rep.FlagRed, rep.FlagConsider)
	if fu := rep.FirstUse; fu != nil {
		fmt.Fprintf(e.stdout, "first use: %s %s #%s", fu.First.Chain, fu.First.Contract, fu.First.TokenID)
		if fu.Token != "" {
			fmt.Fprintf(e.stdout, " (this token is the %s one)", fu.Token)
		}
		fmt.Fprintln(e.stdout)
	}
	n := len(rep.ExactMatch) + len(rep.NearExact) + len(rep.Semantic)
	if n == 0 {
		fmt.Fprintln(e.stdout, "no copies in other contracts")
		return exitOK
	}
	const format = "%-10s %5s %-16s %-44s %-20s %s\n"
	fmt.Fprintf(e.stdout, format, "TIER", "SCORE", "CHAIN", "CONTRACT", "TOKEN", "MINTED")
	for _, list := range [][]report.Item{rep.ExactMatch, rep.NearExact, rep.Semantic} {
		for _, it := range list {
			minted := "-"
			if ms, err := strconv.ParseInt(it.CreationTime, 10, 64); err == nil {
				minted = time.UnixMilli(ms).UTC().Format(time.DateOnly)
			}
			fmt.Fprintf(e.stdout, format, it.Tier, fmt.Sprintf("%.3f", it.Score), it.Chain, it.Contract, it.TokenID, minted)
		}
	}
	return exitOK
}

// fetchBody adapts a fetcher to report.Reporter.Fetch.
func fetchBody(f *fetch.Fetcher) func(ctx context.Context, u string) ([]byte, error) {
	return func(ctx context.Context, u string) ([]byte, error) {
		res, err := f.Fetch(ctx, u)
		if err != nil {
			return nil, err
		}
		return res.Body, nil
	}
}

// notifyFlags are the webhook and SMTP settings of serve and report
// collection, each with an environment variable as its default.
type notifyFlags struct {
	secret, smtpHost, smtpFrom, smtpUser, smtpPassword *string
	smtpPort                                           *int
	allowPrivate                                       *bool
}

func addNotifyFlags(e *env, fs *flag.FlagSet) *notifyFlags {
	env := func(k, def string) string {
		if v := e.getenv(k); v != "" {
			return v
		}
		return def
	}
	port, _ := strconv.Atoi(env("SLEUTH_SMTP_PORT", "587"))
	return &notifyFlags{
		secret:       fs.String("webhook-secret", env("SLEUTH_WEBHOOK_SECRET", ""), "HMAC-SHA256 key that signs every report webhook (env SLEUTH_WEBHOOK_SECRET); empty: each report gets its own, returned once"),
		allowPrivate: fs.Bool("allow-private-webhooks", false, "let webhooks reach loopback and private addresses, over http too (for local testing only)"),
		smtpHost:     fs.String("smtp-host", env("SLEUTH_SMTP_HOST", ""), "SMTP server for report emails (env SLEUTH_SMTP_HOST); empty: no email"),
		smtpPort:     fs.Int("smtp-port", port, "SMTP port (env SLEUTH_SMTP_PORT)"),
		smtpFrom:     fs.String("smtp-from", env("SLEUTH_SMTP_FROM", ""), "From address of report emails (env SLEUTH_SMTP_FROM)"),
		smtpUser:     fs.String("smtp-user", env("SLEUTH_SMTP_USER", ""), "SMTP user, PLAIN auth over TLS (env SLEUTH_SMTP_USER)"),
		smtpPassword: fs.String("smtp-password", env("SLEUTH_SMTP_PASSWORD", ""), "SMTP password (env SLEUTH_SMTP_PASSWORD)"),
	}
}

// notifier builds the report notifier; an SMTP host without a From
// address is a usage error.
func (n *notifyFlags) notifier() (*report.Notifier, error) {
	if *n.smtpHost != "" && *n.smtpFrom == "" {
		return nil, sleuth.Errorf(sleuth.CodeBadRequest, "--smtp-host needs --smtp-from")
	}
	return report.NewNotifier(report.NotifierConfig{
		Secret:    *n.secret,
		Transport: fetch.New(fetch.Config{AllowPrivate: *n.allowPrivate}).Transport(),
		SMTP: report.SMTPConfig{Host: *n.smtpHost, Port: *n.smtpPort, From: *n.smtpFrom,
			User: *n.smtpUser, Password: *n.smtpPassword},
	}), nil
}

// startReports starts the job runner that makes collection reports over
// eng's store and returns the API's report settings and a function that
// stops the runner (a report in progress goes back to the queue, its
// committed tokens kept) and waits for it.
func startReports(ctx context.Context, log *slog.Logger, eng *engine.Engine, f *fetch.Fetcher, nf *notifyFlags) (api.ReportsConfig, func(), error) {
	n, err := nf.notifier()
	if err != nil {
		return api.ReportsConfig{}, nil, err
	}
	c := &report.Collections{
		Reporter: &report.Reporter{Finder: report.Finder{Engine: eng, Store: eng.Store()}, Fetch: fetchBody(f)},
		Jobs:     eng.Store(), Notifier: n, AllowHTTPWebhooks: *nf.allowPrivate,
	}
	r := jobs.New(eng.Store(), jobs.Config{Logger: log})
	r.Handle(report.KindCollection, c.Run)
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.Run(ctx)
	}()
	cfg := api.ReportsConfig{Queued: r.Wake, SharedWebhookSecret: !n.OwnSecrets(), AllowHTTPWebhooks: *nf.allowPrivate}
	return cfg, func() { cancel(); <-done }, nil
}

func runReportCollection(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, &command{name: "report collection", usage: "--chain C --contract A [--wait]",
		summary: "Queue the report of every indexed token of a collection (a running `sleuth serve` on the same data works on it), or with --wait make it here and print it."})
	data := dataFlag(e, fs)
	chain := fs.String("chain", "", "the collection's chain: ethereum, polygon, solana, an EVM chain id or a CAIP-2 id")
	contract := fs.String("contract", "", "the collection's contract address")
	wait := fs.Bool("wait", false, "make the report here, showing progress, and print it when done")
	webhook := fs.String("webhook", "", "POST the finished report to this URL, signed")
	email := fs.String("email", "", "email the finished report to this address (needs --smtp-host)")
	asJSON := fs.Bool("json", false, "print the finished report as JSON (with --wait)")
	nf := addNotifyFlags(e, fs)
	if _, code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *chain == "" || *contract == "" {
		fs.Usage()
		return exitUsage
	}
	eng, closeStore, err := openEngine(ctx, e, *data, engine.Options{})
	if err != nil {
		return failf(e, err)
	}
	defer closeStore()
	n, err := nf.notifier()
	if err != nil {
		return failf(e, err)
	}
	f := fetch.New(fetch.Config{})
	c := &report.Collections{
		Reporter: &report.Reporter{Finder: report.Finder{Engine: eng, Store: eng.Store()}, Fetch: fetchBody(f)},
		Jobs:     eng.Store(), Notifier: n, AllowHTTPWebhooks: *nf.allowPrivate,
	}
	sub, err := c.Submit(ctx, 0, report.CollectionRequest{Chain: *chain, Contract: *contract, WebhookURL: *webhook, Email: *email},
		"sleuth://local", n.OwnSecrets())
	if err != nil {
		return failf(e, err)
	}
	if sub.IsVerified {
		fmt.Fprintf(e.stdout, "the collection is verified (%s): no report needed\n", sub.MarketName)
		return exitOK
	}
	fmt.Fprintf(e.stdout, "report %s queued\n", sub.ID)
	if sub.WebhookSecret != "" {
		fmt.Fprintf(e.stdout, "webhook secret (shown once): %s\n", sub.WebhookSecret)
	}
	if !*wait {
		fmt.Fprintf(e.stdout, "a running `sleuth serve` on %s makes it; see `sleuth report status %s`\n", *data, sub.ID)
		return exitOK
	}
	r := jobs.New(eng.Store(), jobs.Config{})
	r.Handle(report.KindCollection, c.Run)
	var p *progress
	shown := 0
	for {
		st, err := c.Status(ctx, sub.ID, false)
		if err != nil {
			return failf(e, err)
		}
		if p == nil && st.Progress.Total > 0 {
			p = newProgress(e.stderr, "checking tokens", int(st.Progress.Total))
		}
		if p != nil && int(st.Progress.Done) > shown {
			p.add(int(st.Progress.Done) - shown)
			shown = int(st.Progress.Done)
		}
		if st.Status == report.StatusDone || st.Status == report.StatusFailed {
			j, err := eng.Store().Job(ctx, jobIDOf(sub.ID))
			if err == nil && j.Status != sleuth.JobDone && j.Status != sleuth.JobFailed {
				// Checked, but the notifications are still going out.
				time.Sleep(100 * time.Millisecond)
				continue
			}
			break
		}
		// Run this report (or whatever comes first in the queue) here; a
		// serve on the same data may have it already, then just watch.
		ran, err := r.RunOnce(ctx)
		if err != nil {
			return failf(e, err)
		}
		if !ran {
			select {
			case <-ctx.Done():
				return failf(e, ctx.Err())
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
	if p != nil {
		p.finish()
	}
	code := printCollection(ctx, e, c, sub.ID, *asJSON)
	if st, err := c.Status(ctx, sub.ID, false); code == exitOK && (err != nil || st.Status == report.StatusFailed) {
		return exitFail
	}
	return code
}

// jobIDOf is the job id in a report id ("12-abcd" -> 12).
func jobIDOf(ref string) sleuth.JobID {
	var id int64
	fmt.Sscanf(ref, "%d-", &id)
	return sleuth.JobID(id)
}

func runReportStatus(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, &command{name: "report status", usage: "ID", summary: "Print a collection report (done or in progress)."})
	data := dataFlag(e, fs)
	asJSON := fs.Bool("json", false, "print the report as JSON, with every token's detail")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		fs.Usage()
		return exitUsage
	}
	eng, closeStore, err := openEngine(ctx, e, *data, engine.Options{})
	if err != nil {
		return failf(e, err)
	}
	defer closeStore()
	c := &report.Collections{Reporter: &report.Reporter{Finder: report.Finder{Engine: eng, Store: eng.Store()}}, Jobs: eng.Store()}
	return printCollection(ctx, e, c, pos[0], *asJSON)
}

func printCollection(ctx context.Context, e *env, c *report.Collections, id string, asJSON bool) int {
	st, err := c.Status(ctx, id, asJSON)
	if err != nil {
		return failf(e, err)
	}
	if asJSON {
		printJSON(e.stdout, st)
		return exitOK
	}
	fmt.Fprintf(e.stdout, "report %s: %s %s\nstatus %s, %d of %d tokens checked (total supply %d)\n",
		st.ID, st.Chain, st.Contract, st.Status, st.NumberVerified, st.Progress.Total, st.TotalSupply)
	if st.Error != "" {
		fmt.Fprintf(e.stdout, "error: %s\n", st.Error)
	}
	s := st.Summary
	fmt.Fprintf(e.stdout, "red       %6d  %6.2f%%  %v\n", s.Red.Number, s.Red.Rate*100, s.Red.NFT)
	fmt.Fprintf(e.stdout, "consider  %6d  %6.2f%%  %v\n", s.Consider.Number, s.Consider.Rate*100, s.Consider.NFT)
	fmt.Fprintf(e.stdout, "reliable  %6d  %6.2f%%\n", s.Reliable.Number, s.Reliable.Rate*100)
	if len(st.Unchecked) > 0 {
		fmt.Fprintf(e.stdout, "unchecked %6d  %v\n", len(st.Unchecked), st.Unchecked)
	}
	for _, n := range st.Notifications {
		fmt.Fprintf(e.stdout, "%s %s ok=%v %s\n", n.At.Format(time.RFC3339), n.Kind, n.OK, n.Detail)
	}
	return exitOK
}
