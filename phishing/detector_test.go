package phishing

import (
	"compress/gzip"
	"encoding/json"
	"os"
	"testing"
)

// The cases of eth-phishing-detect's test/index.js ("legacy config" and
// "current config"), run against the embedded snapshot.
var (
	blacklisted = []string{"metamask.com", "wallet-ethereum.net", "etherclassicwallet.com", "wallet-ethereum.net."}
	whitelisted = []string{"ledgerwallet.com", "metamask.io", "etherscan.io", "ethereum.org", "www.metamask.io",
		"faucet.metamask.io", "zero.metamask.io", "zero-faucet.metamask.io", "www.myetherwallet.com"}
	fuzzy       = []string{"metmask.io", "myetherwallet.cx", "myetherwallet.aaa", "myetherwallet.za", "myetherwallet.z"}
	notPhishing = []string{"example.com", "etherid.org", "ether.cards", "easyeth.com", "etherdomain.com", "ethnews.com",
		"cryptocompare.com", "kraken.com", "myetherwallet.groovehq.com", "dether.io", "ethermine.org", "slaask.com",
		"ethereumdev.io", "ethereumdev.kr", "etherplan.com", "etherplay.io", "ethtrade.org", "ethereumpool.co",
		"estream.to", "ethereum.os.tc", "theethereum.wiki", "taas.fund", "tether.to", "ether.direct", "themem.io",
		"metajack.im", "mestatalsl.biz", "thregg.com", "steem.io", "ethereum1.cz", "metalab.co", "originprotocol.com"}
	phishing = []string{"etherdelta-glthub.com", "omise-go.com", "omise-go.net", "numerai.tech", "decentraiand.org",
		"myetherwallet.com.ethpromonodes.com", "blockcrein.info", "blockchealn.info", "bllookchain.info",
		"blockcbhain.info", "tokenswap.org", "ethtrade.io", "myetherwallèt.com", "myetherwallet.cm",
		"myethervvallet.com", "metherwallet.com", "mtetherwallet.com", "my-etherwallet.com", "my-etherwallet.in",
		"myeherwallet.com", "myetcwallet.com", "myetehrwallet.com", "myeterwallet.com", "myethe.rwallet.com",
		"myethereallet.com", "myetherieumwallet.com", "myetherswallet.com", "myetherw.allet.com",
		"myetherwal.let.com", "myetherwalet.com", "myetherwaliet.com", "myetherwall.et.com", "myetherwaller.com",
		"myetherwallett.com", "myetherwaillet.com", "myetherwalllet.com", "myetherweb.com.de", "myethetwallet.com",
		"myethewallet.com", "myÄ—therwallet.com", "myelherwallel.com", "mvetherwallet.com", "myethewallet.net",
		"myetherwillet.com", "myetherwallel.com", "myeltherwallet.com", "myelherwallet.com", "wwwmyetherwallet.com",
		"myethermwallet.com", "myeth4rwallet.com", "myethterwallet.com", "origirprotocol.com"}
	noMatch = []string{"MetaMask", "localhost", "bancor", "127.0.0.1"}
	// test/alexa.json and test/dapps.json: popular sites, none phishing.
	popular = []string{"google.com", "youtube.com", "facebook.com", "baidu.com", "wikipedia.org", "yahoo.com",
		"google.co.in", "qq.com", "reddit.com", "amazon.com", "taobao.com", "twitter.com", "google.co.jp", "tmall.com",
		"vk.com", "live.com", "sohu.com", "instagram.com", "sina.com.cn", "jd.com", "weibo.com", "360.cn", "google.de",
		"google.co.uk", "linkedin.com", "list.tmall.com", "google.fr", "google.com.br", "google.ru", "yandex.ru",
		"google.com.hk", "netflix.com", "yahoo.co.jp", "google.it", "t.co", "google.es", "ebay.com", "pornhub.com",
		"imgur.com", "bing.com", "twitch.tv", "alipay.com", "google.ca", "msn.com", "google.com.mx", "tumblr.com",
		"xvideos.com", "ok.ru", "mail.ru", "microsoft.com",
		"etherdelta.github.io", "oasisdex.com", "registrar.ens.domains", "tokenfactory.surge.sh", "sai.oasisdex.surge.sh",
		"wallet.ethereum.org", "airalab.github.io", "sai-explorer.surge.sh", "web3.clustrex.com", "etheroll.com",
		"vote.district0x.io", "fdd.etherisc.com", "ethex.market", "ethereum.github.io", "smartroulette.io",
		"this-is-not-sai.surge.sh", "eos.io", "remix.ethereum.org", "metamask.github.io", "alexvandesande.github.io",
		"etherspinner.com", "www.dentacoin.com", "makerdao.com", "alpha.aragon.one",
		"develop--milestonetracker.netlify.com", "dentacoin.com", "www.etheroll.com", "aragon.network",
		"www.larvalabs.com", "sai.makerdao.com", "faucet.metamask.io", "thetokenfactory.com", "ico.token.im",
		"contribution.district0x.io", "rexmls.com", "claim.superdao.io", "wallet.gnosis.pm", "neverdie.com",
		"kaneki-shinobu.gitlab.io", "melon.network", "www.eos.io", "ponzico.win", "ethlance.com", "www.rexmls.com",
		"www.neverdie.com", "neverdie.io", "blockcat.io", "admin.gnosis.pm"}
	// test/metamaskGaq.csv: phishing hits that must be on the blacklist,
	// never only a fuzzy match.
	gaq = []string{"etherdelta.com", "etherdelta.gitnub.io", "district0x.net", "etherdelta.gilthub.io",
		"etherdelta.one", "ziber.io", "monetha.me", "smartcontractlink.com", "monetha.co", "tenxpay.io"}
)

type caseRow struct {
	domain   string
	phishing bool
	typ      string // "" when the test does not enforce it
}

func portedCases(legacy bool) []caseRow {
	black, white := TypeBlacklist, TypeWhitelist
	if !legacy {
		black, white = TypeBlocklist, TypeAllowlist
	}
	var rows []caseRow
	for _, d := range blacklisted {
		rows = append(rows, caseRow{d, true, black})
	}
	for _, d := range whitelisted {
		rows = append(rows, caseRow{d, false, white})
	}
	for _, d := range fuzzy {
		rows = append(rows, caseRow{d, true, TypeFuzzy})
	}
	for _, d := range notPhishing {
		rows = append(rows, caseRow{d, false, ""})
	}
	for _, d := range phishing {
		rows = append(rows, caseRow{d, true, ""})
	}
	for _, d := range noMatch {
		rows = append(rows, caseRow{d, false, TypeAll})
	}
	if legacy {
		for _, d := range popular {
			rows = append(rows, caseRow{d, false, ""})
		}
	}
	return rows
}

func embedded(t testing.TB) *Lists {
	t.Helper()
	l, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestLegacyConfig(t *testing.T) {
	d := embedded(t).Detector
	for _, c := range portedCases(true) {
		r := d.Check(c.domain)
		if r.Phishing != c.phishing || (c.typ != "" && r.Type != c.typ) {
			t.Errorf("Check(%q) = %+v, want result %v type %q", c.domain, r, c.phishing, c.typ)
		}
	}
	for _, dom := range gaq {
		if r := d.Check(dom); r.Type == TypeFuzzy {
			t.Errorf("MetaMask Gaq result %q should not be fuzzy: %+v", dom, r)
		}
	}
}

func TestCurrentConfig(t *testing.T) {
	c := embedded(t).Config
	tol := *c.Tolerance
	d, err := NewListDetector([]List{{Name: "MetaMask", Version: c.Version, Allowlist: c.Whitelist,
		Blocklist: c.Blacklist, Fuzzylist: c.Fuzzylist, Tolerance: &tol}})
	if err != nil {
		t.Fatal(err)
	}
	for _, cs := range portedCases(false) {
		r := d.Check(cs.domain)
		if r.Phishing != cs.phishing || (cs.typ != "" && r.Type != cs.typ) {
			t.Errorf("Check(%q) = %+v, want result %v type %q", cs.domain, r, cs.phishing, cs.typ)
		}
		if r.Type != TypeAll && (r.Name != "MetaMask" || r.Version != c.Version) {
			t.Errorf("Check(%q) = %+v: want name MetaMask version %s", cs.domain, r, c.Version)
		}
	}
}

func intp(i int) *int { return &i }

// cfg is a configuration of the "multiple configs" test: name, and the
// allow, block and fuzzy lists (tolerance 2, version 1).
func cfg(name string, allow, block, fuzzy []string) List {
	if allow == nil {
		allow = []string{}
	}
	if block == nil {
		block = []string{}
	}
	if fuzzy == nil {
		fuzzy = []string{}
	}
	return List{Name: name, Version: "1", Allowlist: allow, Blocklist: block, Fuzzylist: fuzzy, Tolerance: intp(2)}
}

// l is a list; l() is an empty list, not a missing one.
func l(s ...string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// TestMultipleConfigs ports the "multiple configs" test: every case, its
// expected result, type and deciding configuration.
func TestMultipleConfigs(t *testing.T) {
	tests := []struct {
		domain   string
		configs  []List
		phishing bool
		typ      string
		name     string
	}{
		{"default.com", nil, false, TypeAll, ""},
		{"default.com", []List{cfg("first", nil, nil, nil), cfg("second", nil, nil, nil)}, false, TypeAll, ""},
		{"blocked-by-first.com", []List{cfg("first", nil, l("blocked-by-first.com"), nil), cfg("second", nil, nil, nil)}, true, TypeBlocklist, "first"},
		{"blocked-by-second.com", []List{cfg("first", nil, nil, nil), cfg("second", nil, l("blocked-by-second.com"), nil)}, true, TypeBlocklist, "second"},
		{"blocked-by-both.com", []List{cfg("first", nil, l("blocked-by-both.com"), nil), cfg("second", nil, l("blocked-by-both.com"), nil)}, true, TypeBlocklist, "first"},
		{"fuzzy-first.com", []List{cfg("first", nil, nil, l("fuzzy-first.com")), cfg("second", nil, nil, nil)}, true, TypeFuzzy, "first"},
		{"fuzzy-firstab.com", []List{cfg("first", nil, nil, l("fuzzy-first.com")), cfg("second", nil, nil, nil)}, true, TypeFuzzy, "first"},
		{"fuzzy-firstabc.com", []List{cfg("first", nil, nil, l("fuzzy-first.com")), cfg("second", nil, nil, nil)}, false, TypeAll, ""},
		{"fuzzy-second.com", []List{cfg("first", nil, nil, nil), cfg("second", nil, nil, l("fuzzy-second.com"))}, true, TypeFuzzy, "second"},
		{"fuzzy-secondab.com", []List{cfg("first", nil, nil, nil), cfg("second", nil, nil, l("fuzzy-second.com"))}, true, TypeFuzzy, "second"},
		{"fuzzy-secondabc.com", []List{cfg("first", nil, nil, nil), cfg("second", nil, nil, l("fuzzy-second.com"))}, false, TypeAll, ""},
		{"fuzzy-both.com", []List{cfg("first", nil, nil, l("fuzzy-both.com")), cfg("second", nil, nil, l("fuzzy-both.com"))}, true, TypeFuzzy, "first"},
		{"blocked-first-fuzzy-second.com", []List{cfg("first", nil, l("blocked-first-fuzzy-second.com"), nil), cfg("second", nil, nil, l("blocked-first-fuzzy-second.com"))}, true, TypeBlocklist, "first"},
		{"fuzzy-first-blocked-second.com", []List{cfg("first", nil, nil, l("fuzzy-first-blocked-second.com")), cfg("second", nil, l("fuzzy-first-blocked-second.com"), nil)}, true, TypeFuzzy, "first"},
		{"allowed-first.com", []List{cfg("first", l("allowed-first.com"), nil, nil), cfg("second", nil, nil, nil)}, false, TypeAllowlist, "first"},
		{"allowed-second.com", []List{cfg("first", nil, nil, nil), cfg("second", l("allowed-second.com"), nil, nil)}, false, TypeAllowlist, "second"},
		{"allowed-and-blocked-first.com", []List{cfg("first", l("allowed-and-blocked-first.com"), l("allowed-and-blocked-first.com"), nil), cfg("second", nil, nil, nil)}, false, TypeAllowlist, "first"},
		{"allowed-and-fuzzy-first.com", []List{cfg("first", l("allowed-and-fuzzy-first.com"), nil, l("allowed-and-fuzzy-first.com")), cfg("second", nil, nil, nil)}, false, TypeAllowlist, "first"},
		{"allowed-and-blocked-second.com", []List{cfg("first", nil, nil, nil), cfg("second", l("allowed-and-blocked-second.com"), l("allowed-and-blocked-second.com"), nil)}, false, TypeAllowlist, "second"},
		{"allowed-and-fuzzy-second.com", []List{cfg("first", nil, nil, nil), cfg("second", l("allowed-and-fuzzy-second.com"), nil, l("allowed-and-fuzzy-second.com"))}, false, TypeAllowlist, "second"},
		{"blocked-first-allowed-second.com", []List{cfg("first", nil, l("blocked-first-allowed-second.com"), nil), cfg("second", l("blocked-first-allowed-second.com"), nil, nil)}, false, TypeAllowlist, "second"},
		{"allowed-first-blocked-second.com", []List{cfg("first", l("allowed-first-blocked-second.com"), nil, nil), cfg("second", nil, l("allowed-first-blocked-second.com"), nil)}, false, TypeAllowlist, "first"},
		{"fuzzy-first-allowed-second.com", []List{cfg("first", nil, nil, l("fuzzy-first-allowed-second.com")), cfg("second", l("fuzzy-first-allowed-second.com"), nil, nil)}, false, TypeAllowlist, "second"},
		{"allowed-first-fuzzy-second.com", []List{cfg("first", l("allowed-first-fuzzy-second.com"), nil, nil), cfg("second", nil, nil, l("allowed-first-fuzzy-second.com"))}, false, TypeAllowlist, "first"},
		// The version travels with the verdict.
		{"blocked-by-first.com", []List{cfg("first", nil, l("blocked-by-first.com"), nil)}, true, TypeBlocklist, "first"},
	}
	for _, tc := range tests {
		d, err := NewListDetector(tc.configs)
		if err != nil {
			t.Fatal(err)
		}
		r := d.Check(tc.domain)
		if r.Phishing != tc.phishing || r.Type != tc.typ || r.Name != tc.name {
			t.Errorf("%s: got %+v, want result %v type %s name %q", tc.domain, r, tc.phishing, tc.typ, tc.name)
		}
		if tc.name != "" && r.Version != "1" {
			t.Errorf("%s: version %q, want 1", tc.domain, r.Version)
		}
	}
}

// TestConfigValidation ports the validation cases of the current form.
func TestConfigValidation(t *testing.T) {
	valid := [][]List{
		{{Name: "first", Version: "1", Allowlist: l(), Blocklist: l(), Fuzzylist: l(), Tolerance: intp(2)}},
		{{Name: "first", Version: "1", Allowlist: l(), Fuzzylist: l(), Tolerance: intp(2)}},
		{{Name: "first", Version: "1", Allowlist: l(), Blocklist: l()}},
		{{Name: "first", Version: "1", Allowlist: l(), Blocklist: l(), Fuzzylist: l()}},
	}
	for i, v := range valid {
		if _, err := NewListDetector(v); err != nil {
			t.Errorf("valid %d: %v", i, err)
		}
	}
	invalid := []struct {
		list List
		want string
	}{
		{List{Name: "first", Version: "1", Blocklist: l("blocked-by-first.com"), Tolerance: intp(2)}, "configuration 0: Fuzzylist tolerance provided without fuzzylist"},
		{List{Name: "", Version: "1", Blocklist: l("blocked-by-first.com"), Fuzzylist: l(), Tolerance: intp(2)}, "configuration 0: Invalid config parameter: 'name'"},
		{List{Name: "first", Version: "", Blocklist: l("blocked-by-first.com"), Fuzzylist: l(), Tolerance: intp(2)}, "configuration 0: Invalid config parameter: 'version'"},
	}
	for _, tc := range invalid {
		_, err := NewListDetector([]List{tc.list})
		if err == nil || err.Error() != tc.want {
			t.Errorf("%+v: error %v, want %q", tc.list, err, tc.want)
		}
	}
}

// TestReference compares every verdict with the one eth-phishing-detect's
// own JavaScript gave on the same configuration (testdata/reference.js
// wrote the file).
func TestReference(t *testing.T) {
	f, err := os.Open("testdata/reference.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Package string
		Cases   []struct {
			Domain string
			Result bool
			Type   string
			Match  string
		}
	}
	if err := json.NewDecoder(zr).Decode(&ref); err != nil {
		t.Fatal(err)
	}
	if ref.Package != SnapshotPackage {
		t.Fatalf("reference made with %s, snapshot is %s", ref.Package, SnapshotPackage)
	}
	if len(ref.Cases) < 3000 {
		t.Fatalf("only %d reference cases", len(ref.Cases))
	}
	d := embedded(t).Detector
	for _, c := range ref.Cases {
		r := d.Check(c.Domain)
		if r.Phishing != c.Result || r.Type != c.Type || r.Match != c.Match {
			t.Errorf("Check(%q) = {%v %s %q}, JavaScript says {%v %s %q}", c.Domain, r.Phishing, r.Type, r.Match, c.Result, c.Type, c.Match)
		}
	}
}

func TestLevenshtein(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"", "abc", 3}, {"abc", "", 3}, {"kitten", "sitting", 3}, {"metamask", "metmask", 1},
		{"flaw", "lawn", 2}, {"myetherwallèt", "myetherwallet", 1}, {"a😀b", "ab", 2}, // an emoji is two UTF-16 units
	}
	for _, tc := range tests {
		a, b := utf16Of(tc.a), utf16Of(tc.b)
		if got := levenshtein(a, b); got != tc.want {
			t.Errorf("levenshtein(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := levenshtein(b, a); got != tc.want {
			t.Errorf("levenshtein(%q, %q) = %d, want %d", tc.b, tc.a, got, tc.want)
		}
	}
}
