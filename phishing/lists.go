package phishing

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"unicode"

	"github.com/sleuthhq/sleuth"
)

// The embedded snapshot (data/SOURCE says where it comes from).
const (
	SnapshotPackage = "eth-phishing-detect@1.2.0"
	SnapshotDate    = "2026-11-23"
)

//go:embed data/config.json.gz
var snapshot []byte

// MaxConfigBytes bounds a configuration file (uncompressed).
const MaxConfigBytes = 64 << 20

// maxEntryLen is the longest list entry accepted (a DNS name is at most 253
// characters; Unicode entries are longer in bytes).
const maxEntryLen = 1024

// Lists is a loaded configuration with its detector and where it came from.
type Lists struct {
	Config   *Config
	Detector *Detector
	// Source says where the lists came from: "embedded
	// eth-phishing-detect@1.2.0 (2026-11-23)" or the file's path.
	Source string
	// SHA256 is the digest of the configuration's JSON, hex.
	SHA256 string

	// look-alike targets: whitelist and fuzzylist domains, and the same
	// without their top-level label.
	targets     map[string]bool
	targetForms map[string]string
}

// FileName is the file, in the data directory, that `sleuth phishing
// update` writes and Load prefers to the embedded snapshot.
const FileName = "phishing-config.json"

// Path returns the lists file of a data directory.
func Path(dataDir string) string { return filepath.Join(dataDir, FileName) }

var embeddedLists = sync.OnceValues(func() (*Lists, error) {
	l, err := Parse(snapshot)
	if err != nil {
		return nil, fmt.Errorf("embedded phishing snapshot: %w", err)
	}
	l.Source = "embedded " + SnapshotPackage + " (" + SnapshotDate + ")"
	return l, nil
})

// Embedded returns the snapshot built into the binary (parsed once).
func Embedded() (*Lists, error) { return embeddedLists() }

// Load returns the lists of a data directory: the file Install wrote when
// there is one, else the embedded snapshot. Errors: CodeInvalidConfig for
// a file that is not a valid configuration (it is not silently ignored);
// sleuth.file.unreadable when it cannot be read.
func Load(dataDir string) (*Lists, error) {
	p := Path(dataDir)
	b, err := readLimited(p)
	if errors.Is(err, fs.ErrNotExist) {
		return Embedded()
	}
	if err != nil {
		return nil, err
	}
	l, err := Parse(b)
	if err != nil {
		return nil, sleuth.Errorf(CodeInvalidConfig, "%s: %w", p, err)
	}
	l.Source = p
	return l, nil
}

func readLimited(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, sleuth.Errorf(sleuth.CodeFileUnreadable, "reading phishing lists: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxConfigBytes+1))
	if err != nil {
		return nil, sleuth.Errorf(sleuth.CodeFileUnreadable, "reading phishing lists: %w", err)
	}
	return b, nil
}

// Install validates a configuration (JSON, or gzipped JSON: the package's
// src/config.json) and writes it, as JSON, to the data directory, replacing
// the one there atomically. Errors: CodeInvalidConfig; sleuth.store.failed
// when the file cannot be written.
func Install(dataDir string, data []byte) (*Lists, error) {
	l, err := Parse(data)
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(l.Config)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, sleuth.Errorf(sleuth.CodeStoreFailed, "creating %s: %w", dataDir, err)
	}
	tmp, err := os.CreateTemp(dataDir, FileName+".*.tmp")
	if err != nil {
		return nil, sleuth.Errorf(sleuth.CodeStoreFailed, "writing phishing lists: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(raw); err != nil {
		tmp.Close()
		return nil, sleuth.Errorf(sleuth.CodeStoreFailed, "writing phishing lists: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, sleuth.Errorf(sleuth.CodeStoreFailed, "writing phishing lists: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, sleuth.Errorf(sleuth.CodeStoreFailed, "writing phishing lists: %w", err)
	}
	if err := os.Rename(tmp.Name(), Path(dataDir)); err != nil {
		return nil, sleuth.Errorf(sleuth.CodeStoreFailed, "writing phishing lists: %w", err)
	}
	l.Source = Path(dataDir)
	return l, nil
}

// Parse reads a legacy configuration (config.json, plain or gzipped) and
// builds its detector. Errors (CodeInvalidConfig): not JSON of that shape,
// over MaxConfigBytes, no entries at all, a negative tolerance, or an entry
// that is not a domain name (empty, longer than 1024 bytes, or holding a
// slash, white space or a control character).
func Parse(data []byte) (*Lists, error) {
	if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, sleuth.Errorf(CodeInvalidConfig, "phishing lists: gzip: %w", err)
		}
		data, err = io.ReadAll(io.LimitReader(zr, MaxConfigBytes+1))
		if err != nil {
			return nil, sleuth.Errorf(CodeInvalidConfig, "phishing lists: gzip: %w", err)
		}
	}
	if len(data) > MaxConfigBytes {
		return nil, sleuth.Errorf(CodeInvalidConfig, "phishing lists: over %d MiB", MaxConfigBytes>>20)
	}
	var c Config
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&c); err != nil {
		return nil, sleuth.Errorf(CodeInvalidConfig, "phishing lists: not an eth-phishing-detect config.json: %v", err)
	}
	if len(c.Blacklist)+len(c.Whitelist)+len(c.Fuzzylist) == 0 {
		return nil, sleuth.Errorf(CodeInvalidConfig, "phishing lists: no whitelist, blacklist or fuzzylist entries")
	}
	if c.Tolerance != nil && *c.Tolerance < 0 {
		return nil, sleuth.Errorf(CodeInvalidConfig, "phishing lists: negative tolerance %d", *c.Tolerance)
	}
	for name, list := range map[string][]string{"whitelist": c.Whitelist, "blacklist": c.Blacklist, "fuzzylist": c.Fuzzylist} {
		for i, e := range list {
			if err := checkEntry(e); err != nil {
				return nil, sleuth.Errorf(CodeInvalidConfig, "phishing lists: %s[%d] %q: %v", name, i, e, err)
			}
		}
	}
	sum := sha256.Sum256(data)
	l := &Lists{Config: &c, Detector: NewDetector(&c), SHA256: hex.EncodeToString(sum[:])}
	l.targets = map[string]bool{}
	l.targetForms = map[string]string{}
	for _, list := range [][]string{c.Fuzzylist, c.Whitelist} {
		for _, d := range list {
			l.targets[d] = true
			if f := fuzzyForm(parts(d)); f != "" && l.targetForms[f] == "" {
				l.targetForms[f] = d
			}
		}
	}
	return l, nil
}

func checkEntry(e string) error {
	switch {
	case e == "":
		return errors.New("empty")
	case len(e) > maxEntryLen:
		return errors.New("too long")
	case strings.ContainsRune(e, '/'):
		return errors.New("a path, not a domain")
	case strings.IndexFunc(e, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return errors.New("white space or a control character")
	}
	return nil
}

// Stats counts a configuration's entries.
type Stats struct {
	Source    string  `json:"source"`
	SHA256    string  `json:"sha256"`
	Version   Version `json:"version"`
	Tolerance int     `json:"tolerance"`
	Whitelist int     `json:"whitelist"`
	Blacklist int     `json:"blacklist"`
	Fuzzylist int     `json:"fuzzylist"`
}

// Stats describes the lists.
func (l *Lists) Stats() Stats {
	tol := DefaultTolerance
	if l.Config.Tolerance != nil {
		tol = *l.Config.Tolerance
	}
	return Stats{Source: l.Source, SHA256: l.SHA256, Version: l.Config.Version, Tolerance: tol,
		Whitelist: len(l.Config.Whitelist), Blacklist: len(l.Config.Blacklist), Fuzzylist: len(l.Config.Fuzzylist)}
}
