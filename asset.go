package sleuth

import (
	"time"
)

// AssetID is the store's identifier of an asset: positive, assigned in
// increasing order, never reused, and below 2^32 (the in-memory index keeps
// it in 32 bits).
type AssetID int64

// Asset is one registered media file, identified by its Nid.
type Asset struct {
	ID  AssetID `json:"id"`
	Nid string  `json:"nid"`
	// Size is the file's length in bytes; MIME its sniffed type.
	Size int64  `json:"size"`
	MIME string `json:"mime"`
	// Width and Height are those of the decoded, upright picture; zero for
	// a file that is not an image.
	Width  int `json:"width,omitempty"`
	Height int `json:"height,omitempty"`
	// FirstSeen is when this Sleuth first registered these bytes (UTC).
	FirstSeen time.Time `json:"first_seen"`
	// Source says where the file came from: a path, a URL, "upload", ...
	Source string `json:"source,omitempty"`
	// Exact fingerprints of the bytes and of the decoded pixels, lower-case
	// hex; PixelSHA256 is empty for files that are not images.
	SHA256      string `json:"sha256"`
	BLAKE3      string `json:"blake3"`
	PixelSHA256 string `json:"pixel_sha256,omitempty"`
	// Perceptual fingerprints of the picture (none for other files).
	Perceptual []Perceptual `json:"perceptual,omitempty"`
	// Tree holds the AssetTree fields of Numbers Protocol.
	Tree AssetTree `json:"asset_tree"`
}

// Perceptual is one perceptual fingerprint of an asset's picture: the PDQ
// and pHash of the whole picture today, of regions later.
type Perceptual struct {
	// Kind is "pdq" (256-bit) or "phash" (64-bit).
	Kind string `json:"kind"`
	// Hash is the lower-case hex form of the value.
	Hash string `json:"hash"`
	// Quality is PDQ's quality metric (0..100); 0 for other kinds.
	Quality int `json:"quality,omitempty"`
}

// Kinds of perceptual fingerprints.
const (
	KindPDQ   = "pdq"
	KindPHash = "phash"
)

// PerceptualOf returns the first fingerprint of the given kind.
func (a *Asset) PerceptualOf(kind string) (Perceptual, bool) {
	for _, p := range a.Perceptual {
		if p.Kind == kind {
			return p, true
		}
	}
	return Perceptual{}, false
}

// AssetTree is the descriptive record Numbers Protocol keeps for an asset.
// Field names follow Numbers' JSON; fields Sleuth does not model are kept in
// Extra as given.
type AssetTree struct {
	AssetCid              string         `json:"assetCid,omitempty"`
	AssetSha256           string         `json:"assetSha256,omitempty"`
	EncodingFormat        string         `json:"encodingFormat,omitempty"`
	AssetTimestampCreated int64          `json:"assetTimestampCreated,omitempty"`
	AssetCreator          string         `json:"assetCreator,omitempty"`
	AssetSourceType       string         `json:"assetSourceType,omitempty"`
	Abstract              string         `json:"abstract,omitempty"`
	Headline              string         `json:"headline,omitempty"`
	CreatorWallet         string         `json:"creatorWallet,omitempty"`
	License               *License       `json:"license,omitempty"`
	Extra                 map[string]any `json:"extra,omitempty"`
}

// License is an AssetTree licence.
type License struct {
	Name     string `json:"name,omitempty"`
	Document string `json:"document,omitempty"`
}
