package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/phishing"
)

var phishingCmd = &command{
	name:    "phishing",
	summary: "The phishing lists of the scam check (MetaMask's eth-phishing-detect): phishing show|update FILE|check DOMAIN_OR_TEXT...",
	usage:   "show | update FILE | check DOMAIN_OR_TEXT...",
}

func init() { phishingCmd.run = runPhishing }

// maxListFile bounds the file `phishing update` reads (gzip included).
const maxListFile = phishing.MaxConfigBytes

func runPhishing(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, phishingCmd)
	data := dataFlag(e, fs)
	asJSON := fs.Bool("json", false, "print JSON")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) == 0 {
		fs.Usage()
		return exitUsage
	}
	switch pos[0] {
	case "show":
		if len(pos) != 1 {
			fs.Usage()
			return exitUsage
		}
		l, err := phishing.Load(*data)
		if err != nil {
			return failf(e, err)
		}
		printLists(e.stdout, l, *asJSON)
		return exitOK
	case "update":
		if len(pos) != 2 {
			fs.Usage()
			return exitUsage
		}
		f, err := os.Open(pos[1])
		if err != nil {
			return failf(e, sleuth.Errorf(sleuth.CodeFileUnreadable, "%w", err))
		}
		b, err := io.ReadAll(io.LimitReader(f, maxListFile+1))
		f.Close()
		if err != nil {
			return failf(e, sleuth.Errorf(sleuth.CodeFileUnreadable, "%w", err))
		}
		if len(b) > maxListFile {
			return failf(e, sleuth.Errorf(phishing.CodeInvalidConfig, "%s is over %d MiB", pos[1], maxListFile>>20))
		}
		l, err := phishing.Install(*data, b)
		if err != nil {
			return failf(e, err)
		}
		if !*asJSON {
			fmt.Fprintf(e.stdout, "installed; the scam check uses it from the next start of sleuth serve\n")
		}
		printLists(e.stdout, l, *asJSON)
		return exitOK
	case "check":
		if len(pos) < 2 {
			fs.Usage()
			return exitUsage
		}
		l, err := phishing.Load(*data)
		if err != nil {
			return failf(e, err)
		}
		found := 0
		for _, arg := range pos[1:] {
			links := phishing.Extract(arg)
			if len(links) == 0 {
				// A bare host that is not under a public suffix: check it as
				// eth-phishing-detect would.
				links = []phishing.Link{{Text: arg, Domain: arg}}
			}
			findings := l.Scan([]phishing.Field{{Name: "argument", Text: arg}})
			found += len(findings)
			for _, link := range links {
				r := l.Detector.Check(link.Domain)
				if *asJSON {
					writeJSONLine(e.stdout, map[string]any{"input": arg, "domain": link.Domain, "verdict": r})
				} else {
					fmt.Fprintf(e.stdout, "%-40s phishing=%v type=%s", link.Domain, r.Phishing, r.Type)
					if r.Match != "" {
						fmt.Fprintf(e.stdout, " match=%s distance=%d", r.Match, r.Distance)
					}
					if r.Entry != "" {
						fmt.Fprintf(e.stdout, " entry=%s", r.Entry)
					}
					fmt.Fprintln(e.stdout)
				}
			}
			for _, f := range findings {
				if *asJSON {
					writeJSONLine(e.stdout, map[string]any{"input": arg, "finding": f})
				} else if f.Kind == phishing.KindLookalike || f.Kind == phishing.KindLure {
					fmt.Fprintf(e.stdout, "  %s\n", f)
				}
			}
		}
		if found > 0 {
			return exitFail
		}
		return exitOK
	}
	fs.Usage()
	return exitUsage
}

func printLists(w io.Writer, l *phishing.Lists, asJSON bool) {
	st := l.Stats()
	if asJSON {
		writeJSONLine(w, st)
		return
	}
	fmt.Fprintf(w, "source     %s\nsha256     %s\nversion    %s\ntolerance  %d\nwhitelist  %d\nblacklist  %d\nfuzzylist  %d\n",
		st.Source, st.SHA256, st.Version, st.Tolerance, st.Whitelist, st.Blacklist, st.Fuzzylist)
}

// writeJSONLine writes v as one line of JSON.
func writeJSONLine(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}
