package phishing

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sleuthhq/sleuth"
)

func TestScan(t *testing.T) {
	lists := embedded(t)
	type want struct{ kind, field, domain, list, entry string }
	tests := []struct {
		name   string
		fields []Field
		want   []want
	}{
		{"clean", []Field{{"name", "Bridge #1"}, {"description", "An oil painting. https://opensea.io/x"}, {"external_url", "https://example.com"}}, nil},
		{"blacklisted url", []Field{{"external_url", "https://free-azuki.com/claim"}},
			[]want{{KindBlacklist, "external_url", "free-azuki.com", "blacklist", "free-azuki.com"}}},
		{"blacklisted parent", []Field{{"animation_url", "https://etherealart.nfts-mints.com/x.html"}},
			[]want{{KindBlacklist, "animation_url", "etherealart.nfts-mints.com", "blacklist", "nfts-mints.com"}}},
		{"fuzzy", []Field{{"description", "Trade it on opensae.io"}},
			[]want{{KindFuzzy, "description", "opensae.io", "fuzzylist", "opensea.io"}}},
		{"fuzzy other tld", []Field{{"attributes[0].value", "metamask.app"}},
			[]want{{KindFuzzy, "attributes[0].value", "metamask.app", "fuzzylist", "metamask.io"}}},
		{"whitelisted subdomain", []Field{{"description", "Claim your reward at https://faucet.metamask.io"}}, nil},
		{"lure", []Field{{"description", "Congratulations! Claim your airdrop at https://bored-rewards.xyz"}},
			[]want{{KindLure, "description", "bored-rewards.xyz", "", ""}}},
		{"lure mint now", []Field{{"name", "MINT NOW: apes-free.net"}},
			[]want{{KindLure, "name", "apes-free.net", "", ""}}},
		{"lure word in the url only", []Field{{"external_url", "https://apes.example/claim"}}, nil},
		{"lure word without link", []Field{{"description", "Holders can claim merch."}, {"external_url", "https://apes.example"}}, nil},
		{"lure plus blacklist", []Field{{"description", "Free mint at moonbirds.tv"}},
			[]want{{KindBlacklist, "description", "moonbirds.tv", "blacklist", "moonbirds.tv"}, {KindLure, "description", "moonbirds.tv", "", ""}}},
	}
	// Look-alikes, written in Unicode so that the test says what it means:
	// "оpensea.io" with a Cyrillic о, "metamаsk.io" with a Cyrillic а, a
	// mark on a fuzzylist name ("etherscàn.io"), a Ukrainian і in a
	// whitelisted name ("sushі.com").
	lookalikes := []struct{ unicode, entry, list string }{
		{"\u043epensea.io", "opensea.io", "fuzzylist"},
		{"metam\u0430sk.io", "metamask.io", "fuzzylist"},
		{"www.\u043epensea.io", "opensea.io", "fuzzylist"},
		{"\u043epensea.app", "opensea.io", "fuzzylist"},
		{"ethersc\u00e0n.io", "etherscan.io", "fuzzylist"},
		{"sush\u0456.com", "sushi.com", "whitelist"},
	}
	for _, la := range lookalikes {
		text := "https://" + la.unicode + "/claim"
		d := Extract(text)[0].Domain
		if !strings.Contains(d, "xn--") {
			t.Fatalf("%s: domain %s not punycode", la.unicode, d)
		}
		tests = append(tests, struct {
			name   string
			fields []Field
			want   []want
		}{"look-alike " + la.unicode, []Field{{"external_url", text}}, []want{{KindLookalike, "external_url", d, la.list, la.entry}}})
	}
	for _, tc := range tests {
		got := lists.Scan(tc.fields)
		var g []want
		for _, f := range got {
			g = append(g, want{f.Kind, f.Field, f.Domain, f.List, f.Entry})
			if f.Source != lists.Source || f.Link == "" {
				t.Errorf("%s: finding without source or link: %+v", tc.name, f)
			}
			if f.Kind == KindFuzzy && (f.Distance == nil || *f.Distance > *f.Tolerance) {
				t.Errorf("%s: fuzzy finding without a distance within tolerance: %+v", tc.name, f)
			}
		}
		if len(g) != len(tc.want) {
			t.Errorf("%s: got %+v, want %+v", tc.name, g, tc.want)
			continue
		}
		for i := range g {
			if g[i] != tc.want[i] {
				t.Errorf("%s: finding %d = %+v, want %+v", tc.name, i, g[i], tc.want[i])
			}
		}
	}
}

// A Unicode name that eth-phishing-detect itself flags (its tests check
// "myetherwallèt.com") is reported from its punycode form by the list's
// own verdict, with the Unicode form as evidence.
func TestScanUnicodeVerdict(t *testing.T) {
	got := embedded(t).Scan([]Field{{"description", "go to https://metàmsk.io"}})
	if len(got) != 1 || got[0].Kind != KindFuzzy || got[0].Entry != "metamask.io" || got[0].Unicode != "metàmsk.io" || *got[0].Distance != 2 {
		t.Fatalf("got %+v", got)
	}
	// The punycode form itself is on the blacklist: that decides.
	got = embedded(t).Scan([]Field{{"description", "go to https://myetherwallèt.com"}})
	if len(got) != 1 || got[0].Kind != KindBlacklist || got[0].Entry != "xn--myetherwallt-7db.com" {
		t.Fatalf("got %+v", got)
	}
}

func TestRecordFields(t *testing.T) {
	md := json.RawMessage(`{"name":"N","description":"D","image":"ipfs://x","external_url":"https://e.io",
		"animation_url":"https://a.io/x.html","attributes":[{"trait_type":"Site","value":"free-azuki.com"},{"trait_type":"Level","value":3},{"nested":{"b":"y","a":"x"}}]}`)
	r := &sleuth.NFTRecord{Metadata: md, AnimationURL: "https://other.io/y.html"}
	got := RecordFields(r)
	want := []Field{{"name", "N"}, {"description", "D"}, {"attributes[0].trait_type", "Site"}, {"attributes[0].value", "free-azuki.com"},
		{"attributes[1].trait_type", "Level"}, {"attributes[2].nested.a", "x"}, {"attributes[2].nested.b", "y"},
		{"external_url", "https://e.io"}, {"animation_url", "https://a.io/x.html"}, {"animation_url", "https://other.io/y.html"}}
	if len(got) != len(want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("field %d = %q, want %q", i, got[i], want[i])
		}
	}
	for _, md := range []string{``, `null`, `[]`, `"x"`, `{`, `{"name":3,"attributes":"free-azuki.com"}`} {
		if f := MetadataFields(json.RawMessage(md)); md != `{"name":3,"attributes":"free-azuki.com"}` && len(f) != 0 {
			t.Errorf("MetadataFields(%s) = %q", md, f)
		}
	}
	// attributes given as a bare string is still scanned.
	if f := MetadataFields(json.RawMessage(`{"name":3,"attributes":"free-azuki.com"}`)); len(f) != 1 || f[0].Name != "attributes" {
		t.Errorf("string attributes: %q", f)
	}
}

// FuzzMetadataFields: any bytes give fields without a panic, and scanning
// them never panics either.
func FuzzMetadataFields(f *testing.F) {
	f.Add([]byte(`{"name":"Claim at free-azuki.com","attributes":[{"value":"https://opensae.io"}]}`))
	f.Add([]byte(`{"attributes":{"a":[[[["x.io"]]]]}}`))
	f.Add([]byte(`nul`))
	lists, err := Embedded()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fields := MetadataFields(b)
		for _, fd := range fields {
			if fd.Name == "" || fd.Text == "" {
				t.Fatalf("empty field %q", fd)
			}
		}
		lists.Scan(fields)
	})
}

func TestLoadInstall(t *testing.T) {
	dir := t.TempDir()
	l, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(l.Source, "embedded "+SnapshotPackage) || l.Stats().Blacklist != 13752 || l.Stats().Tolerance != 2 {
		t.Fatalf("embedded lists: %+v", l.Stats())
	}
	// A newer list: one extra blacklisted domain.
	cfg := `{"version": 3, "tolerance": 1, "fuzzylist": ["opensea.io"], "whitelist": ["opensea.io"], "blacklist": ["brand-new-scam.xyz"]}`
	inst, err := Install(dir, []byte(cfg))
	if err != nil {
		t.Fatal(err)
	}
	if inst.Source != Path(dir) {
		t.Errorf("installed source %q", inst.Source)
	}
	l, err = Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if l.Source != Path(dir) || l.Stats().Blacklist != 1 || l.Stats().Version != "3" {
		t.Fatalf("loaded %+v", l.Stats())
	}
	if r := l.Detector.Check("a.brand-new-scam.xyz"); !r.Phishing || r.Type != TypeBlacklist {
		t.Errorf("installed list not used: %+v", r)
	}
	if r := l.Detector.Check("free-azuki.com"); r.Phishing {
		t.Errorf("old list still used: %+v", r)
	}
	// The embedded snapshot itself (gzipped) installs too.
	if _, err := Install(dir, snapshot); err != nil {
		t.Fatal(err)
	}
	// Invalid files are refused and leave the installed one alone.
	for _, bad := range []string{``, `[]`, `{}`, `{"blacklist": ["a.com/path"]}`, `{"blacklist": [""]}`, `{"whitelist": ["a b.com"]}`,
		`{"blacklist": ["x.com"], "tolerance": -1}`, "\x1f\x8bnot gzip"} {
		_, err := Install(dir, []byte(bad))
		if sleuth.ErrorCode(err) != CodeInvalidConfig {
			t.Errorf("Install(%q): %v, want %s", bad, err, CodeInvalidConfig)
		}
	}
	if l, err := Load(dir); err != nil || l.Stats().Blacklist != 13752 {
		t.Fatalf("after refused installs: %v %+v", err, l)
	}
	// A corrupt file in the data directory is an error, not a silent
	// fallback to the snapshot.
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); sleuth.ErrorCode(err) != CodeInvalidConfig {
		t.Errorf("Load of a corrupt file: %v", err)
	}
}

// FuzzParse: Parse never panics and either fails with CodeInvalidConfig or
// gives a usable detector.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"version":2,"tolerance":2,"fuzzylist":["metamask.io"],"whitelist":["metamask.io"],"blacklist":["x.com"]}`))
	f.Add([]byte(`{"version":"v","blacklist":["a"]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := Parse(b)
		if err != nil {
			if sleuth.ErrorCode(err) != CodeInvalidConfig {
				t.Fatalf("error code %s", sleuth.ErrorCode(err))
			}
			return
		}
		l.Detector.Check("metamask.io")
		l.Scan([]Field{{"description", "https://xn--metamsk-en4c.io claim x.com"}})
	})
}
