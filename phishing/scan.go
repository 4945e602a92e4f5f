package phishing

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/sleuthhq/sleuth"
)

// Finding kinds.
const (
	// KindBlacklist: a link's domain, or a parent of it, is on the blacklist.
	KindBlacklist = "blacklist"
	// KindFuzzy: a link's domain is within the tolerance of a fuzzylist
	// domain (eth-phishing-detect's fuzzy match).
	KindFuzzy = "fuzzy"
	// KindLookalike: a punycode domain whose Unicode form imitates a
	// whitelisted or fuzzylist domain.
	KindLookalike = "punycode_lookalike"
	// KindLure: a claim / airdrop / reward / mint-now wording and a link to
	// a domain that is not whitelisted, in the same field.
	KindLure = "lure"
)

// Field is one text of a token to scan, named as in its metadata
// ("name", "description", "attributes[0].value", "external_url",
// "animation_url").
type Field struct {
	Name string
	Text string
}

// Finding is one piece of phishing evidence.
type Finding struct {
	Kind   string `json:"kind"`
	Field  string `json:"field"`
	Link   string `json:"link"`
	Domain string `json:"domain"`
	// List is the list that decided: "blacklist", "fuzzylist" or, for a
	// look-alike, "whitelist" or "fuzzylist" (the imitated domain's).
	List string `json:"list,omitempty"`
	// Entry is the list entry: the blacklisted domain (or parent), the
	// fuzzylist domain, or the imitated domain.
	Entry string `json:"entry,omitempty"`
	// Distance is the Levenshtein distance of a fuzzy match.
	Distance *int `json:"distance,omitempty"`
	// Tolerance is the configuration's fuzzy tolerance (fuzzy matches).
	Tolerance *int `json:"tolerance,omitempty"`
	// Unicode is the Unicode form of a punycode domain.
	Unicode string `json:"unicode,omitempty"`
	// Keyword is a lure's wording.
	Keyword string `json:"keyword,omitempty"`
	// Source names the lists (Lists.Source).
	Source string `json:"source,omitempty"`
}

// String describes the finding in one line.
func (f Finding) String() string {
	switch f.Kind {
	case KindBlacklist:
		return fmt.Sprintf("%s links to %s, on the blacklist (%s)", f.Field, f.Domain, f.Entry)
	case KindFuzzy:
		return fmt.Sprintf("%s links to %s, %d edits from %s on the fuzzylist", f.Field, f.Domain, *f.Distance, f.Entry)
	case KindLookalike:
		return fmt.Sprintf("%s links to %s (%s), a look-alike of %s", f.Field, f.Domain, f.Unicode, f.Entry)
	case KindLure:
		return fmt.Sprintf("%s says %q next to a link to %s", f.Field, f.Keyword, f.Domain)
	}
	return f.Kind
}

// Scan checks every link of every field and returns the findings, in
// field order, each (kind, field, domain) once; none for a clean token.
func (l *Lists) Scan(fields []Field) []Finding {
	var out []Finding
	tol := DefaultTolerance
	if l.Config.Tolerance != nil {
		tol = *l.Config.Tolerance
	}
	for _, f := range fields {
		links := Extract(f.Text)
		keyword := lureKeyword(withoutLinks(f.Text, links))
		lured := false
		for _, link := range links {
			base := Finding{Field: f.Name, Link: link.Text, Domain: link.Domain, Source: l.Source}
			r := l.Detector.Check(link.Domain)
			if r.Type == TypeWhitelist {
				continue
			}
			switch {
			case r.Phishing:
				out = append(out, l.verdict(base, r, "", tol))
			case strings.Contains(link.Domain, "xn--"):
				u, target, ok := l.lookalike(link.Domain)
				if ok {
					fd := base
					fd.Kind, fd.Unicode, fd.Entry, fd.List = KindLookalike, u, target, "whitelist"
					if l.inFuzzylist(target) {
						fd.List = "fuzzylist"
					}
					out = append(out, fd)
				} else if u != "" {
					// eth-phishing-detect's own tests check Unicode names
					// ("myetherwallèt.com"): check the Unicode form too.
					if ur := l.Detector.Check(u); ur.Phishing {
						out = append(out, l.verdict(base, ur, u, tol))
					}
				}
			}
			if keyword != "" && !lured {
				lured = true
				fd := base
				fd.Kind, fd.Keyword = KindLure, keyword
				out = append(out, fd)
			}
		}
	}
	return out
}

// verdict is the finding for a detector's phishing verdict.
func (l *Lists) verdict(base Finding, r Result, unicodeForm string, tol int) Finding {
	fd := base
	fd.Unicode = unicodeForm
	if r.Type == TypeFuzzy {
		d := r.Distance
		fd.Kind, fd.List, fd.Entry, fd.Distance, fd.Tolerance = KindFuzzy, "fuzzylist", r.Match, &d, &tol
		return fd
	}
	fd.Kind, fd.List, fd.Entry = KindBlacklist, "blacklist", r.Entry
	return fd
}

// withoutLinks blanks the links out of text, so that a lure word inside a
// URL ("https://x.io/claim") does not count as wording.
func withoutLinks(text string, links []Link) string {
	for _, l := range links {
		text = strings.ReplaceAll(text, l.Text, " ")
	}
	return text
}

func (l *Lists) inFuzzylist(d string) bool {
	for _, f := range l.Config.Fuzzylist {
		if f == d {
			return true
		}
	}
	return false
}

// ScanRecord scans an NFT record's fields (RecordFields).
func (l *Lists) ScanRecord(r *sleuth.NFTRecord) []Finding {
	return l.Scan(RecordFields(r))
}

// RecordFields returns the texts of a record that are scanned: from its
// metadata (when it is a JSON object) name, description, every string in
// attributes, external_url and animation_url, then the record's own
// animation_url when the metadata did not give the same one.
func RecordFields(r *sleuth.NFTRecord) []Field {
	fields := MetadataFields(r.Metadata)
	if r.AnimationURL != "" {
		dup := false
		for _, f := range fields {
			if f.Name == "animation_url" && f.Text == r.AnimationURL {
				dup = true
			}
		}
		if !dup {
			fields = append(fields, Field{Name: "animation_url", Text: r.AnimationURL})
		}
	}
	return fields
}

// maxAttributeStrings bounds the strings taken from attributes.
const maxAttributeStrings = 1000

// MetadataFields returns the scanned texts of token metadata (ERC-721,
// ERC-1155 and Metaplex JSON have the same field names). Metadata that is
// not a JSON object gives none.
func MetadataFields(md json.RawMessage) []Field {
	md = bytes.TrimSpace(md)
	if len(md) == 0 || md[0] != '{' {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(md, &m) != nil {
		return nil
	}
	var out []Field
	for _, k := range []string{"name", "description"} {
		if s, ok := jsonString(m[k]); ok && s != "" {
			out = append(out, Field{Name: k, Text: s})
		}
	}
	if raw, ok := m["attributes"]; ok {
		var v any
		if json.Unmarshal(raw, &v) == nil {
			n := 0
			walkStrings("attributes", v, func(path, s string) {
				if n < maxAttributeStrings && s != "" {
					n++
					out = append(out, Field{Name: path, Text: s})
				}
			})
		}
	}
	for _, k := range []string{"external_url", "animation_url"} {
		if s, ok := jsonString(m[k]); ok && s != "" {
			out = append(out, Field{Name: k, Text: s})
		}
	}
	return out
}

func jsonString(raw json.RawMessage) (string, bool) {
	var s string
	if len(raw) == 0 || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// walkStrings calls fn for every string in v, with its path
// ("attributes[2].value"), objects' keys in sorted order.
func walkStrings(path string, v any, fn func(path, s string)) {
	switch x := v.(type) {
	case string:
		fn(path, x)
	case []any:
		for i, e := range x {
			walkStrings(fmt.Sprintf("%s[%d]", path, i), e, fn)
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			walkStrings(path+"."+k, x[k], fn)
		}
	}
}
