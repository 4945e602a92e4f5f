package main

import (
	"strings"
	"testing"
)

func TestCollectionsCommand(t *testing.T) {
	dir := scamData(t)
	orig, cp := "0x"+strings.Repeat("a", 40), "0x"+strings.Repeat("b", 40)
	scam := func() string {
		t.Helper()
		_, out, _ := runCLI(t, "scam-check", "--data", dir, "--chain", "1", "--contract", cp, "--token-id", "7")
		return out
	}
	if out := scam(); !strings.Contains(out, "FAKE") {
		t.Fatalf("copy of a verified collection: %q", out)
	}

	// Unverified, the original vouches for nothing: the copy passes.
	code, out, errOut := runCLI(t, "collections", "unverify", "--data", dir, "--chain", "ethereum", "--contract", "0x"+strings.ToUpper(orig[2:]))
	if code != exitOK || !strings.Contains(out, "verified=false") || !strings.Contains(out, `"Originals"`) {
		t.Fatalf("unverify: %d %q %q", code, out, errOut)
	}
	if out := scam(); !strings.HasPrefix(out, "CHECKS_PASSED") {
		t.Errorf("after unverify: %q", out)
	}

	code, out, errOut = runCLI(t, "collections", "verify", "--data", dir, "--chain", "eip155:1", "--contract", orig, "--market", "OpenSea")
	if code != exitOK || !strings.Contains(out, "verified=true") || !strings.Contains(out, `market="OpenSea"`) {
		t.Fatalf("verify: %d %q %q", code, out, errOut)
	}
	if out := scam(); !strings.Contains(out, "FAKE") {
		t.Errorf("after verify: %q", out)
	}
	code, out, _ = runCLI(t, "collections", "show", "--data", dir, "--chain", "1", "--contract", orig, "--json")
	if code != exitOK || !strings.Contains(out, `"verified": true`) || !strings.Contains(out, `"market_name": "OpenSea"`) {
		t.Errorf("show --json: %d %q", code, out)
	}

	// A collection nobody ingested can be vouched for, but not shown.
	other := "0x" + strings.Repeat("c", 40)
	if code, _, errOut := runCLI(t, "collections", "show", "--data", dir, "--chain", "1", "--contract", other); code != exitFail || !strings.Contains(errOut, "sleuth.collection.not_found") {
		t.Errorf("show unknown: %d %q", code, errOut)
	}
	if code, out, _ := runCLI(t, "collections", "verify", "--data", dir, "--chain", "1", "--contract", other); code != exitOK || !strings.Contains(out, "verified=true") {
		t.Errorf("verify unknown: %d %q", code, out)
	}

	for _, args := range [][]string{
		{"collections", "--data", dir},
		{"collections", "bless", "--data", dir, "--chain", "1", "--contract", orig},
		{"collections", "verify", "--data", dir, "--contract", orig},
		{"collections", "verify", "--data", dir, "--chain", "nochain", "--contract", orig},
	} {
		if code, _, _ := runCLI(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
}
