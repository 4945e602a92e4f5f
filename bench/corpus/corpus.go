// Package corpus builds and reads the image corpus of Sleuth's accuracy
// benchmark: real pictures from Debian packages (clip art, game art,
// wallpapers, documentation figures, sample photos), twemoji and generated
// avatar collections, prepared into one cache directory outside the
// repository and described by a manifest.
//
// Layout of a corpus directory (default $SLEUTH_CORPUS, else
// ~/.cache/sleuth/corpus):
//
//	debs/           .deb files fetched by scripts/corpus (apt-get download)
//	raw/<package>/  their contents (dpkg -x), twemoji (npm pack) and the
//	                DiceBear avatars as SVG (scripts/dicebear.mjs)
//	prep-<MaxSide>/<source>/<id>.png
//	                the prepared pictures: PNG, longest side <= MaxSide,
//	                named by the raw file's hash (a later run reuses them)
//	manifest.json   the Manifest: every prepared picture and its role
//
// Prepare walks raw/, decodes every candidate with Sleuth's own decoder
// (SVGs are rasterized by package imaging), scales it down, drops blank
// pictures and internal near-duplicates, and assigns roles with a seeded
// shuffle. Same raw files and seed, same manifest.
//
// Near-duplicates. Packages ship the same picture several times: symlinks,
// identical files, the PNG rendering of an SVG, the same wallpaper at
// several sizes, emoji skin-tone variants, animation frames. Symlinks and
// skin-tone variants (code points 1f3fb-1f3ff) are skipped; any other
// picture whose PDQ is within DedupDistance of an already kept picture's
// (over the 8 dihedral variants, so mirrored copies count) is dropped,
// candidates being visited in a fixed order. Generated avatar collections
// are exempt: their tokens are distinct works that look alike on purpose
// (the benchmark's hard negatives); only identical pixels are dropped
// there.
package corpus

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sleuthhq/sleuth"
)

// Error codes of this package.
const (
	// CodeCorpusMissing: the corpus directory or its manifest does not exist
	// (run scripts/corpus).
	CodeCorpusMissing = "sleuth.bench.corpus_missing"
	// CodeCorpusInvalid: the manifest does not parse or is inconsistent, or
	// the raw files are too few for the sizes asked.
	CodeCorpusInvalid = "sleuth.bench.corpus_invalid"
)

// Roles of a prepared picture.
const (
	// RoleOriginal pictures are indexed, and every edit of each is queried.
	RoleOriginal = "original"
	// RoleDistractor pictures are indexed and never queried.
	RoleDistractor = "distractor"
	// RoleHoldout pictures are not indexed; each is queried unmodified and
	// every match it gets is false.
	RoleHoldout = "holdout"
	// RoleBackground pictures are not indexed; the embed edits place
	// originals on them.
	RoleBackground = "background"
	// RoleLogo pictures are not indexed; the logo edits draw them over
	// originals.
	RoleLogo = "logo"
)

// ManifestFile is the manifest's name inside a corpus directory.
const ManifestFile = "manifest.json"

// Entry is one prepared picture.
type Entry struct {
	// ID is the first 16 hex digits of the sha256 of the raw file.
	ID string `json:"id"`
	// Role is one of the Role* constants.
	Role string `json:"role"`
	// Source names the Source it came from.
	Source string `json:"source"`
	// Raw is the raw file's path relative to the corpus directory.
	Raw string `json:"raw"`
	// Path is the prepared PNG's path relative to the corpus directory.
	Path string `json:"path"`
	// Width and Height are the prepared picture's.
	Width  int `json:"width"`
	Height int `json:"height"`
	// PDQ is the prepared picture's PDQ hash (hex), and PDQQuality its
	// quality.
	PDQ        string `json:"pdq"`
	PDQQuality int    `json:"pdq_quality"`
}

// SourceStat says what Prepare took from one source.
type SourceStat struct {
	Name       string `json:"name"`
	Package    string `json:"package"`
	Candidates int    `json:"candidates"` // files found (after the cap)
	Failed     int    `json:"failed"`     // did not decode, or too small
	Blank      int    `json:"blank"`      // nearly uniform
	Duplicates int    `json:"duplicates"` // same bytes, same pixels or within DedupDistance
	// Recoloured counts pictures dropped as the same picture as an earlier
	// one up to a global colour change (neardup.go); they are not in Kept.
	Recoloured int `json:"recoloured"`
	// Transformed counts pictures dropped as an earlier one scaled,
	// cropped, padded or turned (geodup.go).
	Transformed int `json:"transformed"`
	Kept        int `json:"kept"`
}

// Manifest describes a prepared corpus.
type Manifest struct {
	// Version is the manifest format, 1.
	Version int `json:"version"`
	// Seed drove candidate sampling and role assignment.
	Seed uint64 `json:"seed"`
	// MaxSide is the longest side of a prepared picture.
	MaxSide int `json:"max_side"`
	// DedupDistance is the PDQ distance under which pictures were merged.
	DedupDistance int          `json:"dedup_distance"`
	Sources       []SourceStat `json:"sources"`
	Entries       []Entry      `json:"entries"`
}

// Role returns the entries with the given role, in manifest order.
func (m *Manifest) Role(role string) []Entry {
	var es []Entry
	for _, e := range m.Entries {
		if e.Role == role {
			es = append(es, e)
		}
	}
	return es
}

// DefaultDir is $SLEUTH_CORPUS, else ~/.cache/sleuth/corpus (empty when
// neither can be determined).
func DefaultDir() string {
	if d := os.Getenv("SLEUTH_CORPUS"); d != "" {
		return d
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "sleuth", "corpus")
	}
	return ""
}

// Load reads the manifest of the corpus in dir. Errors: CodeCorpusMissing
// when there is none, CodeCorpusInvalid when it does not parse or names a
// role or file that is not there.
func Load(dir string) (*Manifest, error) {
	data, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, sleuth.Errorf(CodeCorpusMissing, "no corpus manifest in %s (build it with scripts/corpus): %w", dir, err)
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, sleuth.Errorf(CodeCorpusInvalid, "corpus manifest %s: %w", filepath.Join(dir, ManifestFile), err)
	}
	if m.Version != 1 {
		return nil, sleuth.Errorf(CodeCorpusInvalid, "corpus manifest version %d, want 1", m.Version)
	}
	for _, e := range m.Entries {
		switch e.Role {
		case RoleOriginal, RoleDistractor, RoleHoldout, RoleBackground, RoleLogo:
		default:
			return nil, sleuth.Errorf(CodeCorpusInvalid, "corpus entry %s: unknown role %q", e.ID, e.Role)
		}
		if !filepath.IsLocal(e.Path) {
			return nil, sleuth.Errorf(CodeCorpusInvalid, "corpus entry %s: bad path %q", e.ID, e.Path)
		}
	}
	return &m, nil
}

// write saves m as dir/manifest.json (through a temporary file).
func (m *Manifest) write(dir string) error {
	data, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, ManifestFile+".tmp")
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	return os.Rename(tmp, filepath.Join(dir, ManifestFile))
}
