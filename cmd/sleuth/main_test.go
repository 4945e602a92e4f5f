package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// sleuth runs the command in-process and returns its exit code and output.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	code = run(context.Background(), e, args)
	return code, out.String(), errb.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run go test -update if the change is intended)\n got:\n%s\nwant:\n%s", path, got, want)
	}
}

const td = "../../testdata/pdq/"

var goldenFiles = []string{
	td + "misc-images/wee.jpg",
	td + "misc-images/modes/P.png",
	td + "misc-images/modes/PA.webp",
	td + "reg-test-input/exif-rotn/exif-rotn-6.jpg",
	td + "reg-test-input/labelme-subset/q0003.jpg",
}

func TestFingerprintTableGolden(t *testing.T) {
	code, out, errOut := runCLI(t, append([]string{"fingerprint"}, goldenFiles...)...)
	if code != exitOK || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	golden(t, "fingerprint.txt", out)
}

func TestFingerprintJSONGolden(t *testing.T) {
	// Flags may follow the files.
	code, out, errOut := runCLI(t, append(append([]string{"fingerprint"}, goldenFiles...), "--json")...)
	if code != exitOK || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(goldenFiles) {
		t.Fatalf("%d lines for %d files", len(lines), len(goldenFiles))
	}
	for i, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		if m["file"] != goldenFiles[i] {
			t.Errorf("line %d is for %v, want %s (order must follow the arguments)", i, m["file"], goldenFiles[i])
		}
	}
	golden(t, "fingerprint.jsonl", out)
}

func TestFingerprintErrors(t *testing.T) {
	dir := t.TempDir()
	rnd := filepath.Join(dir, "random.bin")
	os.WriteFile(rnd, bytes.Repeat([]byte{0x13, 0x77, 0x00, 0xfe}, 1000), 0o644)
	code, out, errOut := runCLI(t, "fingerprint", "--json", rnd, filepath.Join(dir, "missing.jpg"), td+"misc-images/wee.jpg")
	if code != exitFail {
		t.Errorf("exit %d, want %d", code, exitFail)
	}
	if errOut != "" {
		t.Errorf("JSON mode wrote to stderr: %q", errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 3 lines, got %q", out)
	}
	var first, second, third fingerprintLine
	json.Unmarshal([]byte(lines[0]), &first)
	json.Unmarshal([]byte(lines[1]), &second)
	json.Unmarshal([]byte(lines[2]), &third)
	if first.Error == nil || first.Error.Code != "sleuth.image.unsupported" || first.Result == nil || first.Nid == "" {
		t.Errorf("random bytes: %s", lines[0])
	}
	if second.Error == nil || second.Error.Code != "sleuth.file.unreadable" {
		t.Errorf("missing file: %s", lines[1])
	}
	if third.Error != nil || third.Pixels == nil {
		t.Errorf("good file after bad ones: %s", lines[2])
	}

	// Table mode: errors on stderr with their code, good rows on stdout.
	code, out, errOut = runCLI(t, "fingerprint", rnd, td+"misc-images/wee.jpg")
	if code != exitFail || !strings.Contains(errOut, "[sleuth.image.unsupported]") || !strings.Contains(out, "wee.jpg") {
		t.Errorf("table mode: exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
}

func TestUsage(t *testing.T) {
	tests := []struct {
		args []string
		code int
		out  string // substring of stdout+stderr
	}{
		{nil, exitUsage, "Commands:"},
		{[]string{"help"}, exitOK, "fingerprint"},
		{[]string{"nope"}, exitUsage, `unknown command "nope"`},
		{[]string{"fingerprint"}, exitUsage, "Usage: sleuth fingerprint"},
		{[]string{"fingerprint", "--bogus"}, exitUsage, "flag provided but not defined"},
		{[]string{"help", "fingerprint"}, exitOK, "-json"},
		{[]string{"version"}, exitOK, "sleuth "},
		{[]string{"--version"}, exitOK, "sleuth "},
	}
	for _, tt := range tests {
		code, out, errOut := runCLI(t, tt.args...)
		if code != tt.code || !strings.Contains(out+errOut, tt.out) {
			t.Errorf("sleuth %v: exit %d, output %q; want exit %d and %q", tt.args, code, out+errOut, tt.code, tt.out)
		}
	}
}

func TestHumanBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB", 10 << 20: "10 MiB", 45613057: "44 MiB"} {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestBinary builds the real binary (without cgo, as users get it) and runs it.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "sleuth")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "fingerprint", "--json", td+"misc-images/wee.jpg", "../../testdata/images/test8.heic", "../../testdata/images/test8.avif").Output()
	if err != nil {
		t.Fatalf("sleuth fingerprint: %v", err)
	}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var line fingerprintLine
		if err := json.Unmarshal([]byte(l), &line); err != nil || line.Error != nil || line.Pixels == nil || line.PDQQuality == 0 {
			t.Errorf("bad line %s (%v)", l, err)
		}
	}
	cmd := exec.Command(bin, "fingerprint", "/nonexistent/file.png")
	if err := cmd.Run(); err == nil || cmd.ProcessState.ExitCode() != exitFail {
		t.Errorf("missing file: %v", err)
	}
}

func TestParseInterspersed(t *testing.T) {
	tests := []struct {
		args []string
		pos  string
		json bool
		n    int
	}{
		{[]string{"a", "b"}, "a b", false, 0},
		{[]string{"--json", "a", "-n", "3", "b"}, "a b", true, 3},
		{[]string{"a", "--json", "b", "--n=-2"}, "a b", true, -2},
		{[]string{"add", "-10", "--n", "-5"}, "add -10", false, -5},
		{[]string{"a", "--", "--json", "-x"}, "a --json -x", false, 0},
		{[]string{"-", "-json=false"}, "-", false, 0},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		j := fs.Bool("json", false, "")
		n := fs.Int("n", 0, "")
		pos, err := parseInterspersed(fs, tt.args)
		if err != nil || strings.Join(pos, " ") != tt.pos || *j != tt.json || *n != tt.n {
			t.Errorf("%q: pos %q json %v n %d err %v; want %q %v %d", tt.args, pos, *j, *n, err, tt.pos, tt.json, tt.n)
		}
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(new(strings.Builder))
	fs.Int("n", 0, "")
	for _, bad := range [][]string{{"--n"}, {"--nope"}, {"a", "--n", "x"}} {
		if _, err := parseInterspersed(fs, bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
