package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/engine"
	"github.com/sleuthhq/sleuth/store/sqlite"
)

// scamData indexes a verified original, a later copy in another contract
// and a token with a phishing link.
func scamData(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, dbPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	eng, err := engine.Open(ctx, st, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := eng.Register(ctx, &engine.RegisterRequest{Path: td + "reg-test-input/labelme-subset/q0122.jpg"})
	if err != nil {
		t.Fatal(err)
	}
	day := func(n int) time.Time { return time.Date(2024, 1, 1+n, 0, 0, 0, 0, time.UTC) }
	orig, cp := "0x"+strings.Repeat("a", 40), "0x"+strings.Repeat("b", 40)
	for _, rec := range []*sleuth.NFTRecord{
		{Chain: "eip155:1", Contract: orig, TokenID: "1", AssetCids: []string{r.Asset.Nid}, CreatedAt: day(0)},
		{Chain: "eip155:1", Contract: cp, TokenID: "7", AssetCids: []string{r.Asset.Nid}, CreatedAt: day(5)},
		{Chain: "eip155:1", Contract: cp, TokenID: "8", CreatedAt: day(5), Metadata: json.RawMessage(`{"description":"claim at free-azuki.com"}`)},
	} {
		if err := st.PutNFT(ctx, rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.PutCollection(ctx, &sleuth.Collection{Chain: "eip155:1", Contract: orig, Name: "Originals", Verified: true}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestScamCheckCommand(t *testing.T) {
	dir := scamData(t)
	orig, cp := "0x"+strings.Repeat("A", 40), "0x"+strings.Repeat("b", 40)
	code, out, errOut := runCLI(t, "scam-check", "--data", dir, "--chain", "ethereum", "--contract", orig, "--token-id", "1")
	if code != exitOK || !strings.HasPrefix(out, "CHECKS_PASSED") {
		t.Errorf("original: %d %q %q", code, out, errOut)
	}
	code, out, _ = runCLI(t, "scam-check", "--data", dir, "--chain", "1", "--contract", cp, "--token-id", "7", "--json")
	var v struct {
		Result        string
		MaliciousType string `json:"malicious_type"`
		Reasons       []struct {
			Fake struct{ Original struct{ Contract string } }
		}
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil || code != exitOK || v.MaliciousType != "FAKE" || v.Reasons[0].Fake.Original.Contract != strings.ToLower(orig) {
		t.Errorf("copy: %d %s %v", code, out, err)
	}
	code, out, _ = runCLI(t, "scam-check", "--data", dir, "--chain", "ethereum", "--contract", cp, "--token-id", "8")
	if code != exitOK || !strings.HasPrefix(out, "SUSPECTED_MALICIOUS PHISHING") || !strings.Contains(out, "free-azuki.com, on the blacklist") {
		t.Errorf("phishing: %d %q", code, out)
	}
	if code, _, errOut = runCLI(t, "scam-check", "--data", dir, "--chain", "ethereum", "--contract", cp, "--token-id", "404"); code != exitFail || !strings.Contains(errOut, sleuth.CodeNFTNotFound) {
		t.Errorf("missing token: %d %q", code, errOut)
	}
	if code, _, _ = runCLI(t, "scam-check", "--data", dir, "--chain", "ethereum", "--contract", cp); code != exitUsage {
		t.Errorf("no token id: exit %d", code)
	}

	// Stolen: report, list, the scam check says STOLEN, resolve, show.
	code, out, errOut = runCLI(t, "stolen", "report", "--data", dir, "--chain", "ethereum", "--contract", strings.ToUpper(cp), "--token-id", "7", "--note", "phished", "--as", "5")
	if code != exitOK || !strings.Contains(out, "reported: stolen report 1") {
		t.Fatalf("report: %d %q %q", code, out, errOut)
	}
	if _, out, _ = runCLI(t, "stolen", "list", "--data", dir, "--status", "open"); !strings.Contains(out, "eip155:1 "+cp+" #7") {
		t.Errorf("list: %q", out)
	}
	if _, out, _ = runCLI(t, "scam-check", "--data", dir, "--chain", "ethereum", "--contract", cp, "--token-id", "7"); !strings.HasPrefix(out, "SUSPECTED_MALICIOUS STOLEN") {
		t.Errorf("stolen copy: %q", out)
	}
	if code, _, _ = runCLI(t, "stolen", "resolve", "1", "--data", dir); code != exitUsage {
		t.Errorf("resolve without a resolution: exit %d", code)
	}
	if code, out, _ = runCLI(t, "stolen", "resolve", "1", "--data", dir, "--resolution", "recovered", "--note", "back"); code != exitOK ||
		!strings.Contains(out, "resolved (recovered)") || !strings.Contains(out, "by account 5: phished") || !strings.Contains(out, "by local operator: back") {
		t.Errorf("resolve: %d %q", code, out)
	}
	if code, _, errOut = runCLI(t, "stolen", "resolve", "1", "--data", dir, "--resolution", "recovered"); code != exitFail || !strings.Contains(errOut, sleuth.CodeStolenState) {
		t.Errorf("resolve twice: %d %q", code, errOut)
	}
}

func TestPhishingCommand(t *testing.T) {
	dir := t.TempDir()
	code, out, _ := runCLI(t, "phishing", "show", "--data", dir)
	if code != exitOK || !strings.Contains(out, "embedded eth-phishing-detect@1.2.0") || !strings.Contains(out, "blacklist  13752") {
		t.Errorf("show: %d %q", code, out)
	}
	code, out, _ = runCLI(t, "phishing", "check", "--data", dir, "metamask.io", "https://opensae.io/x")
	if code != exitFail || !strings.Contains(out, "type=whitelist") || !strings.Contains(out, "match=opensea.io distance=2") {
		t.Errorf("check: %d %q", code, out)
	}
	if code, _, _ = runCLI(t, "phishing", "check", "--data", dir, "metamask.io"); code != exitOK {
		t.Errorf("check of a safe domain: exit %d", code)
	}
	// update: a bad file is refused, a good one installed and used.
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"blacklist":["a/b"]}`), 0o644)
	if code, _, errOut := runCLI(t, "phishing", "update", "--data", dir, bad); code != exitFail || !strings.Contains(errOut, "sleuth.phishing.invalid_config") {
		t.Errorf("update with a bad file: %d %q", code, errOut)
	}
	good := filepath.Join(dir, "config.json")
	os.WriteFile(good, []byte(`{"version":3,"tolerance":2,"fuzzylist":[],"whitelist":[],"blacklist":["new-scam.xyz"]}`), 0o644)
	if code, out, _ = runCLI(t, "phishing", "update", "--data", dir, good); code != exitOK || !strings.Contains(out, "blacklist  1") {
		t.Errorf("update: %d %q", code, out)
	}
	if code, out, _ = runCLI(t, "phishing", "check", "--data", dir, "www.new-scam.xyz"); code != exitFail || !strings.Contains(out, "entry=new-scam.xyz") {
		t.Errorf("check with the installed list: %d %q", code, out)
	}
	if code, _, _ = runCLI(t, "phishing", "update", "--data", dir); code != exitUsage {
		t.Errorf("update without a file: exit %d", code)
	}
}
