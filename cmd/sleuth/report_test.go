package main

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/engine"
	"github.com/sleuthhq/sleuth/report"
	"github.com/sleuthhq/sleuth/store/sqlite"
)

// reportData makes a data directory with an original token (0xorig/1, day
// 0), its exact copy (0xcopy/7, day 5) and another picture (0xcopy/8).
func reportData(t *testing.T) string {
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
	nid := func(path string) string {
		r, err := eng.Register(ctx, &engine.RegisterRequest{Path: path})
		if err != nil {
			t.Fatal(err)
		}
		return r.Asset.Nid
	}
	orig, other := nid(td+"reg-test-input/labelme-subset/q0122.jpg"), nid(td+"reg-test-input/labelme-subset/q0291.jpg")
	day := func(n int) time.Time { return time.Date(2024, 1, 1+n, 0, 0, 0, 0, time.UTC) }
	for _, r := range []*sleuth.NFTRecord{
		{Chain: "eip155:1", Contract: "0xorig", TokenID: "1", AssetCids: []string{orig}, CreatedAt: day(0)},
		{Chain: "eip155:1", Contract: "0xcopy", TokenID: "7", AssetCids: []string{orig}, CreatedAt: day(5)},
		{Chain: "eip155:1", Contract: "0xcopy", TokenID: "8", AssetCids: []string{other}, CreatedAt: day(5)},
	} {
		if err := st.PutNFT(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestReportNFTCommand(t *testing.T) {
	dir := reportData(t)
	code, out, errOut := runCLI(t, "report", "nft", "--data", dir, "--chain", "ethereum", "--contract", "0xCOPY", "--token-id", "7", "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rep report.NFTReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if !rep.FlagRed || len(rep.ExactMatch) != 1 || rep.ExactMatch[0].Contract != "0xorig" || rep.FirstUse.Token != report.Later {
		t.Errorf("report: %s", out)
	}
	code, out, _ = runCLI(t, "report", "nft", "--data", dir, td+"reg-test-input/labelme-subset/q0122.jpg")
	if code != exitOK || !strings.Contains(out, "flag_red true") || !strings.Contains(out, "0xcopy") || !strings.Contains(out, "2024-01-01") {
		t.Errorf("table output (exit %d):\n%s", code, out)
	}
	code, _, errOut = runCLI(t, "report", "nft", "--data", dir, "--chain", "ethereum", "--contract", "0xorig", "--token-id", "404")
	if code != exitFail || !strings.Contains(errOut, sleuth.CodeNFTNotFound) {
		t.Errorf("missing token: exit %d, %s", code, errOut)
	}
	if code, _, _ := runCLI(t, "report", "nft", "--data", dir, "--chain", "ethereum"); code != exitUsage {
		t.Errorf("incomplete token: exit %d", code)
	}
	if code, _, _ := runCLI(t, "report", "nft", "--data", dir); code != exitUsage {
		t.Errorf("no input: exit %d", code)
	}
}

func TestReportCollectionCommand(t *testing.T) {
	dir := reportData(t)
	code, out, errOut := runCLI(t, "report", "collection", "--data", dir, "--chain", "ethereum", "--contract", "0xcopy", "--wait", "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// The JSON follows the "queued" line.
	i := strings.Index(out, "{")
	var st report.CollectionStatus
	if i < 0 || json.Unmarshal([]byte(out[i:]), &st) != nil {
		t.Fatalf("output: %s", out)
	}
	if st.Status != report.StatusDone || st.Summary.Red.Number != 1 || st.Summary.Red.NFT[0] != "7" || st.Summary.Reliable.Number != 1 {
		t.Errorf("report: %s", out)
	}
	// Queued without --wait, then read with status (not yet made).
	code, out, _ = runCLI(t, "report", "collection", "--data", dir, "--chain", "1", "--contract", "0xorig")
	id := regexp.MustCompile(`report (\d+-[a-z0-9]+) queued`).FindStringSubmatch(out)
	if code != exitOK || id == nil {
		t.Fatalf("queue: exit %d, %s", code, out)
	}
	code, out, _ = runCLI(t, "report", "status", "--data", dir, id[1])
	if code != exitOK || !strings.Contains(out, "status N/A") {
		t.Errorf("status: exit %d, %s", code, out)
	}
	code, _, errOut = runCLI(t, "report", "status", "--data", dir, "1-wrong")
	if code != exitFail || !strings.Contains(errOut, report.CodeReportNotFound) {
		t.Errorf("unknown report: exit %d, %s", code, errOut)
	}
}
