// Package jsonl imports NFT records exported by other indexers from a JSON
// Lines file: one JSON object per line, each naming one token. Parse turns
// one line into a sleuth.NFTRecord (Sleuth's own field names, plus the
// aliases other indexers use); Import reads a whole file, sends each record
// through ingest.Pipeline (which resolves metadata and media), registers
// media given as local files, reports every bad line with its number and a
// stable code without stopping, and keeps a checkpoint so that a re-run
// resumes after the last line done. The format is specified in
// docs/INGEST-FORMATS.md.
package jsonl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/ingest"
)

// Stable error codes of a bad line. An error from the pipeline or the store
// keeps its own code (sleuth.store.invalid, ...).
const (
	// CodeSyntax: the line is not one JSON object.
	CodeSyntax = "sleuth.jsonl.syntax"
	// CodeMissing: chain, contract or token id is missing.
	CodeMissing = "sleuth.jsonl.missing_field"
	// CodeField: a field has the wrong JSON type or a value that does not
	// parse (a date, a chain id, a token id, metadata).
	CodeField = "sleuth.jsonl.bad_field"
	// CodeTooLong: the line is longer than MaxLineBytes.
	CodeTooLong = "sleuth.jsonl.line_too_long"
	// CodeMedia: a local media path is absolute, leaves the file's
	// directory, or cannot be read.
	CodeMedia = "sleuth.jsonl.media"
	// CodeFile: the file cannot be read, or does not match its checkpoint.
	CodeFile = "sleuth.jsonl.file"
)

// MaxLineBytes is the longest line accepted (metadata included); a longer
// line is skipped with CodeTooLong.
const MaxLineBytes = 4 << 20

// SolanaMainnet is the CAIP-2 id of Solana mainnet-beta, which the chain
// name "solana" means.
const SolanaMainnet = "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp"

// Parsed is one line made into a record.
type Parsed struct {
	Record *sleuth.NFTRecord
	// ImagePath and AnimationPath are media given as local files: slash-
	// separated paths relative to the JSONL file's directory, checked to
	// stay inside it; the matching URL field of Record is then empty.
	// Import replaces them by file: URLs that Local reads.
	ImagePath, AnimationPath string
}

// Field names, in order of precedence: the first present wins.
var (
	fChain       = []string{"chain"}
	fChainID     = []string{"chain_id", "chainId", "chainID"}
	fContract    = []string{"contract", "contract_address", "contractAddress", "collection_address", "collectionAddress"}
	fTokenID     = []string{"token_id", "tokenId", "tokenID"}
	fImage       = []string{"image_url", "image", "imageUrl", "image_uri", "imageUri"}
	fAnimation   = []string{"animation_url", "animationUrl", "animation", "animation_uri"}
	fImagePath   = []string{"image_path", "imagePath"}
	fAnimPath    = []string{"animation_path", "animationPath"}
	fTokenURI    = []string{"token_uri", "tokenURI", "tokenUri", "metadata_uri", "metadataUri"}
	fMetadata    = []string{"metadata", "raw_metadata", "rawMetadata"}
	fOwner       = []string{"current_owner", "owner", "owner_address", "ownerAddress"}
	fCreator     = []string{"creator", "minter", "creator_address", "creatorAddress", "minter_address"}
	fCreatedAt   = []string{"created_at", "createdAt", "minted_at", "mintedAt", "mint_time", "timestamp"}
	fSpec        = []string{"nft_spec", "token_standard", "tokenStandard", "token_type", "tokenType", "standard"}
	fMarketplace = []string{"primary_marketplace", "primaryMarketplace", "marketplace"}
)

// chainNames maps the chain names exports use to CAIP-2 ids.
var chainNames = map[string]string{
	"ethereum": "eip155:1", "eth": "eip155:1", "eth-mainnet": "eip155:1",
	"polygon": "eip155:137", "matic": "eip155:137", "polygon-mainnet": "eip155:137",
	"optimism": "eip155:10", "arbitrum": "eip155:42161", "base": "eip155:8453",
	"bsc": "eip155:56", "avalanche": "eip155:43114", "zora": "eip155:7777777",
	"sepolia": "eip155:11155111",
	"solana":  SolanaMainnet, "sol": SolanaMainnet, "solana-mainnet": SolanaMainnet,
}

var (
	caip2      = regexp.MustCompile(`^[-a-z0-9]{3,8}:[-_a-zA-Z0-9]{1,32}$`)
	evmAddress = regexp.MustCompile(`^0[xX][0-9a-fA-F]{40}$`)
	hasScheme  = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*:`)
	decimalID  = regexp.MustCompile(`^[0-9]+$`)
)

// maxTokenBits is the width of an EVM token id.
const maxTokenBits = 256

// Parse turns one line (without its newline) into a record. Every error is
// a *sleuth.Error with one of this package's codes; the line is then
// skipped. Parse does no I/O: local media paths are checked for shape only.
func Parse(line []byte) (*Parsed, error) {
	if len(line) > MaxLineBytes {
		return nil, sleuth.Errorf(CodeTooLong, "line of %d bytes is over the limit of %d", len(line), MaxLineBytes)
	}
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] != '{' {
		return nil, sleuth.Errorf(CodeSyntax, "not a JSON object")
	}
	var obj map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil {
		return nil, sleuth.Errorf(CodeSyntax, "not a JSON object: %v", err)
	}
	if dec.More() {
		return nil, sleuth.Errorf(CodeSyntax, "more than one JSON value on the line")
	}
	p := &parser{obj: obj}
	rec := &sleuth.NFTRecord{}
	out := &Parsed{Record: rec}

	rec.Chain = p.chain()
	rec.Contract = p.str(fContract)
	rec.TokenID = p.tokenID()
	rec.ImageURL = p.str(fImage)
	rec.AnimationURL = p.str(fAnimation)
	rec.TokenURI = p.str(fTokenURI)
	rec.Metadata = p.metadata()
	rec.CurrentOwner = p.str(fOwner)
	rec.Creator = p.str(fCreator)
	rec.CreatedAt = p.time(fCreatedAt)
	rec.NFTSpec = p.spec()
	rec.PrimaryMarketplace = p.str(fMarketplace)
	out.ImagePath = p.str(fImagePath)
	out.AnimationPath = p.str(fAnimPath)
	if p.err != nil {
		return nil, p.err
	}
	var missing []string
	for _, f := range []struct{ name, v string }{{"chain", rec.Chain}, {"contract", rec.Contract}, {"token_id", rec.TokenID}} {
		if f.v == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return nil, sleuth.Errorf(CodeMissing, "missing %s", strings.Join(missing, ", "))
	}

	// Media without a URL scheme is a local file; an explicit path wins.
	for _, m := range []struct{ url, path *string }{{&rec.ImageURL, &out.ImagePath}, {&rec.AnimationURL, &out.AnimationPath}} {
		if *m.url != "" && !hasScheme.MatchString(*m.url) && *m.path == "" {
			*m.path = *m.url
		}
		if *m.path != "" {
			*m.url = ""
		}
	}
	for _, lp := range []*string{&out.ImagePath, &out.AnimationPath} {
		if *lp == "" {
			continue
		}
		clean, err := localPath(*lp)
		if err != nil {
			return nil, err
		}
		*lp = clean
	}

	if strings.HasPrefix(rec.Chain, "eip155:") {
		if err := normalizeEVM(rec); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// localPath checks a local media path: relative, slash- or backslash-
// separated, without ".." or empty elements; it returns it cleaned.
func localPath(p string) (string, error) {
	q := strings.ReplaceAll(p, `\`, "/")
	q = strings.TrimPrefix(q, "./")
	if strings.HasPrefix(q, "/") || strings.ContainsRune(q, 0) {
		return "", sleuth.Errorf(CodeMedia, "media path %q must be relative to the file's directory", p)
	}
	clean := path.Clean(q)
	if clean == "." || clean == ".." || strings.HasPrefix(clean, "../") {
		return "", sleuth.Errorf(CodeMedia, "media path %q leaves the file's directory", p)
	}
	return clean, nil
}

// normalizeEVM lower-cases the addresses of an EVM record and writes its
// token id in decimal, the forms chain/evm stores, so that a token
// imported twice, or imported and then read from the chain, is one record.
func normalizeEVM(rec *sleuth.NFTRecord) error {
	if !evmAddress.MatchString(rec.Contract) {
		return sleuth.Errorf(CodeField, "contract %q is not an EVM address (0x and 40 hex digits)", short(rec.Contract))
	}
	rec.Contract = strings.ToLower(rec.Contract)
	for _, a := range []*string{&rec.CurrentOwner, &rec.Creator} {
		if evmAddress.MatchString(*a) {
			*a = strings.ToLower(*a)
		}
	}
	id := rec.TokenID
	n, ok := new(big.Int), false
	switch {
	case strings.HasPrefix(id, "0x") || strings.HasPrefix(id, "0X"):
		_, ok = n.SetString(id[2:], 16)
	case decimalID.MatchString(id):
		_, ok = n.SetString(id, 10)
	}
	if !ok || n.BitLen() > maxTokenBits {
		return sleuth.Errorf(CodeField, "token_id %q is not a uint256 (decimal or 0x hex)", short(id))
	}
	rec.TokenID = n.String()
	return nil
}

// parser reads fields of one object, keeping the first error.
type parser struct {
	obj map[string]json.RawMessage
	err error
}

func (p *parser) fail(code, format string, args ...any) {
	if p.err == nil {
		p.err = sleuth.Errorf(code, format, args...)
	}
}

// first returns the first of names present and not null.
func (p *parser) first(names []string) (string, json.RawMessage) {
	for _, n := range names {
		if v, ok := p.obj[n]; ok && !isNull(v) {
			return n, v
		}
	}
	return "", nil
}

func isNull(v json.RawMessage) bool { return len(v) == 0 || string(v) == "null" }

// str reads a string field; a number is taken as its decimal text.
func (p *parser) str(names []string) string {
	name, v := p.first(names)
	if v == nil {
		return ""
	}
	switch v[0] {
	case '"':
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			p.fail(CodeField, "%s: %v", name, err)
			return ""
		}
		return strings.TrimSpace(s)
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return string(v)
	}
	p.fail(CodeField, "%s: want a string, got %s", name, kind(v))
	return ""
}

func (p *parser) chain() string {
	if name, v := p.first(fChain); v != nil {
		var s string
		if v[0] == '"' {
			s = p.str(fChain)
		} else if isNumber(v) {
			s = string(v)
		} else {
			p.fail(CodeField, "%s: want a string, got %s", name, kind(v))
			return ""
		}
		c, err := normalizeChain(s)
		if err != nil {
			p.fail(CodeField, "%s: %v", name, err)
		}
		return c
	}
	name, v := p.first(fChainID)
	if v == nil {
		return ""
	}
	s := p.str(fChainID)
	if p.err != nil {
		return ""
	}
	if strings.Contains(s, ":") {
		c, err := normalizeChain(s)
		if err != nil {
			p.fail(CodeField, "%s: %v", name, err)
		}
		return c
	}
	n, err := parseChainNumber(s)
	if err != nil {
		p.fail(CodeField, "%s: %v", name, err)
		return ""
	}
	return "eip155:" + strconv.FormatUint(n, 10)
}

// normalizeChain accepts a CAIP-2 id, a known chain name or an EVM chain
// id, and returns the CAIP-2 id.
func normalizeChain(s string) (string, error) {
	s = strings.TrimSpace(s)
	if c, ok := chainNames[strings.ToLower(s)]; ok {
		return c, nil
	}
	if n, err := parseChainNumber(s); err == nil {
		return "eip155:" + strconv.FormatUint(n, 10), nil
	}
	if caip2.MatchString(s) {
		if ref, ok := strings.CutPrefix(s, "eip155:"); ok {
			n, err := parseChainNumber(ref)
			if err != nil {
				return "", err
			}
			return "eip155:" + strconv.FormatUint(n, 10), nil
		}
		if s == "solana:mainnet" || s == "solana:mainnet-beta" {
			return SolanaMainnet, nil
		}
		return s, nil
	}
	return "", fmt.Errorf("%q is neither a CAIP-2 chain id, a known chain name nor an EVM chain id", short(s))
}

// parseChainNumber parses a positive EVM chain id, decimal or 0x hex.
func parseChainNumber(s string) (uint64, error) {
	var n uint64
	var err error
	if h, ok := strings.CutPrefix(strings.ToLower(s), "0x"); ok {
		n, err = strconv.ParseUint(h, 16, 64)
	} else {
		n, err = strconv.ParseUint(s, 10, 64)
	}
	if err != nil || n == 0 {
		return 0, fmt.Errorf("%q is not a positive chain id", short(s))
	}
	return n, nil
}

func (p *parser) tokenID() string {
	name, v := p.first(fTokenID)
	if v == nil {
		return ""
	}
	if isNumber(v) {
		if !decimalID.Match(v) {
			p.fail(CodeField, "%s: %s is not a non-negative integer", name, short(string(v)))
			return ""
		}
		return string(v)
	}
	return p.str(fTokenID)
}

// metadata reads the metadata as an object, or as a string holding one.
func (p *parser) metadata() json.RawMessage {
	name, v := p.first(fMetadata)
	if v == nil {
		return nil
	}
	raw := v
	if v[0] == '"' {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			p.fail(CodeField, "%s: %v", name, err)
			return nil
		}
		s = strings.TrimSpace(s)
		if s == "" {
			return nil
		}
		raw = json.RawMessage(s)
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' || !json.Valid(raw) {
		p.fail(CodeField, "%s: want a JSON object (or a string holding one)", name)
		return nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		p.fail(CodeField, "%s: %v", name, err)
		return nil
	}
	if buf.Len() > ingest.MaxMetadataBytes {
		p.fail(CodeField, "%s: %d bytes is over the limit of %d", name, buf.Len(), ingest.MaxMetadataBytes)
		return nil
	}
	return json.RawMessage(buf.Bytes())
}

// Unix times at or above this are taken as milliseconds (the year 5138
// in seconds).
const millisThreshold = 1e11

// time reads an RFC 3339 string, or Unix seconds (milliseconds at or above
// 1e11) as a number or a string of digits.
func (p *parser) time(names []string) time.Time {
	name, v := p.first(names)
	if v == nil {
		return time.Time{}
	}
	var s string
	if isNumber(v) {
		s = string(v)
	} else if v[0] == '"' {
		s = p.str(names)
		if s == "" {
			return time.Time{}
		}
	} else {
		p.fail(CodeField, "%s: want a date, got %s", name, kind(v))
		return time.Time{}
	}
	if t, err := parseTime(s); err == nil {
		return t
	}
	p.fail(CodeField, "%s: %q is neither RFC 3339 nor Unix seconds", name, short(s))
	return time.Time{}
}

func parseTime(s string) (time.Time, error) {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f >= 1e14 {
			return time.Time{}, fmt.Errorf("out of range")
		}
		if f >= millisThreshold {
			return time.UnixMilli(int64(f)).UTC(), nil
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC().Truncate(time.Microsecond), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			if t.Year() < 1970 || t.Year() > 9999 {
				return time.Time{}, fmt.Errorf("out of range")
			}
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("no layout matches")
}

// spec normalizes the token standard: "ERC721", "erc-721", "ERC_721" →
// "erc721"; "ERC1155" → "erc1155"; "metaplex", "NonFungible",
// "ProgrammableNonFungible" → "metaplex". Other values are kept lower-cased.
func (p *parser) spec() string {
	s := strings.ToLower(p.str(fSpec))
	s = strings.NewReplacer("-", "", "_", "", " ", "").Replace(s)
	switch s {
	case "erc721", "721":
		return "erc721"
	case "erc1155", "1155":
		return "erc1155"
	case "metaplex", "nonfungible", "programmablenonfungible", "nonfungibleedition", "fungibleasset":
		return "metaplex"
	}
	return s
}

func isNumber(v json.RawMessage) bool {
	return len(v) > 0 && (v[0] == '-' || v[0] >= '0' && v[0] <= '9')
}

func kind(v json.RawMessage) string {
	switch {
	case len(v) == 0:
		return "nothing"
	case v[0] == '{':
		return "an object"
	case v[0] == '[':
		return "an array"
	case v[0] == 't' || v[0] == 'f':
		return "a boolean"
	case isNumber(v):
		return "a number"
	}
	return "a value"
}

func short(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}
