package phishing

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/sleuthhq/sleuth"
)

// CodeInvalidConfig is the error code of a phishing configuration that
// cannot be used (HTTP 400 / CLI exit 2).
const CodeInvalidConfig = "sleuth.phishing.invalid_config"

// DefaultTolerance is the fuzzylist tolerance when a configuration gives
// none, as in eth-phishing-detect.
const DefaultTolerance = 3

// Version is a configuration's version: eth-phishing-detect accepts a
// number or a string; it is kept as text.
type Version string

// UnmarshalJSON accepts a JSON number or string.
func (v *Version) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*v = Version(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*v = Version(n.String())
	return nil
}

// MarshalJSON writes a version that is a number as a number.
func (v Version) MarshalJSON() ([]byte, error) {
	if _, err := strconv.ParseFloat(string(v), 64); err == nil && json.Valid([]byte(v)) {
		return []byte(v), nil
	}
	return json.Marshal(string(v))
}

// Config is eth-phishing-detect's legacy configuration, the shape of its
// src/config.json. A nil Tolerance means DefaultTolerance.
type Config struct {
	Version   Version  `json:"version"`
	Tolerance *int     `json:"tolerance,omitempty"`
	Fuzzylist []string `json:"fuzzylist"`
	Whitelist []string `json:"whitelist"`
	Blacklist []string `json:"blacklist"`
}

// List is one configuration of eth-phishing-detect's current form (a list
// of named configurations, checked in order). Name and Version are
// required; a Tolerance other than zero needs a Fuzzylist (possibly empty).
type List struct {
	Name      string   `json:"name"`
	Version   Version  `json:"version"`
	Allowlist []string `json:"allowlist,omitempty"`
	Blocklist []string `json:"blocklist,omitempty"`
	Fuzzylist []string `json:"fuzzylist,omitempty"`
	Tolerance *int     `json:"tolerance,omitempty"`
}

// Result types, as eth-phishing-detect names them. A legacy configuration
// reports whitelist / blacklist, a list of configurations allowlist /
// blocklist.
const (
	TypeWhitelist = "whitelist"
	TypeBlacklist = "blacklist"
	TypeAllowlist = "allowlist"
	TypeBlocklist = "blocklist"
	TypeFuzzy     = "fuzzy"
	TypeAll       = "all" // matched nothing
)

// Result is the verdict on one domain: eth-phishing-detect's {result,
// type, match, name, version}, plus the list entry that decided and the
// fuzzy distance.
type Result struct {
	// Phishing is eth-phishing-detect's result: true to block.
	Phishing bool `json:"result"`
	// Type says which list decided (the Type* constants).
	Type string `json:"type"`
	// Match is the fuzzylist domain a fuzzy result is near (as in
	// eth-phishing-detect); empty otherwise.
	Match string `json:"match,omitempty"`
	// Name and Version identify the configuration that decided (current
	// form only).
	Name    string  `json:"name,omitempty"`
	Version Version `json:"version,omitempty"`
	// Entry is the whitelist or blacklist entry that matched: the domain
	// itself or the parent domain on the list (Sleuth's addition).
	Entry string `json:"entry,omitempty"`
	// Distance is the Levenshtein distance of a fuzzy result.
	Distance int `json:"distance,omitempty"`
}

// Detector checks domains. It is immutable and safe for concurrent use.
type Detector struct {
	configs []compiled
	legacy  bool
}

type compiled struct {
	name      string
	version   Version
	allow     map[string]bool
	block     map[string]bool
	fuzzy     []fuzzyTarget
	tolerance int
}

type fuzzyTarget struct {
	domain string   // the list entry (its parts joined again)
	form   []uint16 // without its top-level label, UTF-16 as in JavaScript
}

// NewDetector returns a detector for a legacy configuration (config.json).
func NewDetector(c *Config) *Detector {
	tol := DefaultTolerance
	if c.Tolerance != nil {
		tol = *c.Tolerance
	}
	return &Detector{legacy: true, configs: []compiled{compile("", "", c.Whitelist, c.Blacklist, c.Fuzzylist, tol)}}
}

// NewListDetector returns a detector for configurations in the current
// form, checked in order: every allowlist first, then each configuration's
// blocklist and fuzzylist. Errors (code CodeInvalidConfig, with
// eth-phishing-detect's messages): an empty Name ("Invalid config
// parameter: 'name'"), an empty Version ("... 'version'"), a non-zero
// Tolerance without a Fuzzylist.
func NewListDetector(lists []List) (*Detector, error) {
	d := &Detector{}
	for i, l := range lists {
		if l.Tolerance != nil && *l.Tolerance != 0 && l.Fuzzylist == nil {
			return nil, sleuth.Errorf(CodeInvalidConfig, "configuration %d: Fuzzylist tolerance provided without fuzzylist", i)
		}
		if l.Name == "" {
			return nil, sleuth.Errorf(CodeInvalidConfig, "configuration %d: Invalid config parameter: 'name'", i)
		}
		if l.Version == "" {
			return nil, sleuth.Errorf(CodeInvalidConfig, "configuration %d: Invalid config parameter: 'version'", i)
		}
		tol := DefaultTolerance
		if l.Tolerance != nil {
			tol = *l.Tolerance
		}
		d.configs = append(d.configs, compile(l.Name, l.Version, l.Allowlist, l.Blocklist, l.Fuzzylist, tol))
	}
	return d, nil
}

func compile(name string, version Version, allow, block, fuzzy []string, tol int) compiled {
	c := compiled{name: name, version: version, allow: set(allow), block: set(block), tolerance: tol}
	for _, f := range fuzzy {
		c.fuzzy = append(c.fuzzy, fuzzyTarget{domain: f, form: utf16.Encode([]rune(fuzzyForm(parts(f))))})
	}
	return c
}

// set holds list entries. Matching a domain's parts against an entry's
// parts (eth-phishing-detect's matchPartsAgainstList: the entry's labels
// equal the domain's last labels) is the same as finding one of the
// domain's label suffixes among the entries, which a map does at once.
func set(list []string) map[string]bool {
	m := make(map[string]bool, len(list))
	for _, d := range list {
		m[d] = true
	}
	return m
}

// parts is eth-phishing-detect's domainToParts: the labels, top-level first.
func parts(domain string) []string {
	p := strings.Split(domain, ".")
	for i, j := 0, len(p)-1; i < j; i, j = i+1, j-1 {
		p[i], p[j] = p[j], p[i]
	}
	return p
}

// fuzzyForm is domainPartsToFuzzyForm: the domain without its top-level
// label.
func fuzzyForm(p []string) string {
	out := make([]string, 0, len(p))
	for i := len(p) - 1; i >= 1; i-- {
		out = append(out, p[i])
	}
	return strings.Join(out, ".")
}

// matchList returns the entry of list that the domain (labels p, top-level
// first) is, or is a subdomain of; the shortest such entry.
func matchList(p []string, list map[string]bool) (string, bool) {
	if len(list) == 0 {
		return "", false
	}
	var b strings.Builder
	for i := range p {
		// The suffix of i+1 labels, in domain order.
		b.Reset()
		for j := i; j >= 0; j-- {
			b.WriteString(p[j])
			if j > 0 {
				b.WriteByte('.')
			}
		}
		if s := b.String(); list[s] {
			return s, true
		}
	}
	return "", false
}

// Check returns the verdict on a domain, exactly as eth-phishing-detect's
// PhishingDetector.check: no case folding or other normalisation beyond
// removing one trailing dot (the caller gives a host name as a browser
// would, lower case and punycode).
func (d *Detector) Check(domain string) Result {
	r := d.check(domain)
	if d.legacy {
		switch r.Type {
		case TypeAllowlist:
			r.Type = TypeWhitelist
		case TypeBlocklist:
			r.Type = TypeBlacklist
		}
	}
	return r
}

func (d *Detector) check(domain string) Result {
	fqdn := strings.TrimSuffix(domain, ".")
	source := parts(fqdn)
	for _, c := range d.configs {
		if e, ok := matchList(source, c.allow); ok {
			return Result{Type: TypeAllowlist, Name: c.name, Version: c.version, Entry: e}
		}
	}
	var form []uint16
	for _, c := range d.configs {
		if e, ok := matchList(source, c.block); ok {
			return Result{Phishing: true, Type: TypeBlocklist, Name: c.name, Version: c.version, Entry: e}
		}
		if c.tolerance > 0 {
			if form == nil {
				// JavaScript's String.replace with a string pattern
				// replaces the first occurrence only.
				form = utf16.Encode([]rune(strings.Replace(fuzzyForm(source), "www.", "", 1)))
			}
			for _, t := range c.fuzzy {
				if dist := levenshtein(form, t.form); dist <= c.tolerance {
					return Result{Phishing: true, Type: TypeFuzzy, Match: t.domain, Name: c.name, Version: c.version, Distance: dist}
				}
			}
		}
	}
	return Result{Type: TypeAll}
}

// levenshtein is the edit distance of two UTF-16 strings (fast-levenshtein
// compares JavaScript string code units).
func levenshtein(a, b []uint16) int {
	if len(a) == 0 {
		return len(b)
	}
	if len(b) == 0 {
		return len(a)
	}
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := range a {
		diag := prev[0]
		prev[0] = i + 1
		for j := range b {
			cost := 1
			if a[i] == b[j] {
				cost = 0
			}
			next := min(diag+cost, prev[j]+1, prev[j+1]+1)
			diag = prev[j+1]
			prev[j+1] = next
		}
	}
	return prev[len(b)]
}
