package ingest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/fetch"
)

// CodeBadMetadata is the code of a metadata document that is not a JSON
// object, or is over MaxMetadataBytes.
const CodeBadMetadata = "sleuth.ingest.bad_metadata"

// metadata resolves a token URI to its metadata JSON, compacted.
func (p *Pipeline) metadata(ctx context.Context, uri string) (json.RawMessage, error) {
	var body []byte
	if s := strings.TrimSpace(uri); strings.HasPrefix(s, "{") {
		body = []byte(s) // on-chain JSON
	} else {
		b, err := p.fetch(ctx, uri)
		if err != nil {
			return nil, err
		}
		body = b
	}
	return ParseMetadata(body)
}

// ParseMetadata checks that b is one JSON object of at most
// MaxMetadataBytes (a UTF-8 byte order mark and surrounding white space are
// allowed) and returns it compacted. Otherwise the error has code
// sleuth.ingest.bad_metadata.
func ParseMetadata(b []byte) (json.RawMessage, error) {
	if len(b) > MaxMetadataBytes {
		return nil, sleuth.Errorf(CodeBadMetadata, "metadata: %d bytes is over the limit of %d", len(b), MaxMetadataBytes)
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return nil, sleuth.Errorf(CodeBadMetadata, "metadata: not a JSON object")
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return nil, sleuth.Errorf(CodeBadMetadata, "metadata: %w", err)
	}
	return json.RawMessage(buf.Bytes()), nil
}

// metaInfo is what the pipeline reads from a metadata document.
type metaInfo struct {
	image, animation  string
	name, description string
}

// parseMetadata reads the fields Sleuth uses from a metadata object. A
// field of the wrong type is ignored. The image is "image", else
// "image_url", else "image_data" (an SVG document, or a data: URI) as a
// data:image/svg+xml;base64 URI.
func parseMetadata(raw json.RawMessage) metaInfo {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return metaInfo{}
	}
	str := func(k string) string {
		var s string
		if json.Unmarshal(m[k], &s) != nil {
			return ""
		}
		return strings.TrimSpace(s)
	}
	info := metaInfo{
		image:       str("image"),
		animation:   str("animation_url"),
		name:        str("name"),
		description: str("description"),
	}
	if info.image == "" {
		info.image = str("image_url")
	}
	if info.image == "" {
		if svg := str("image_data"); svg != "" {
			if strings.HasPrefix(svg, "data:") {
				info.image = svg
			} else {
				info.image = "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString([]byte(svg))
			}
		}
	}
	return info
}

// normalizeOrKeep returns the canonical form of a media URL, or u as it is
// when it does not normalize (its fetch then fails and says why).
func normalizeOrKeep(u string) string {
	if u == "" {
		return ""
	}
	if n, err := fetch.Normalize(u); err == nil {
		return n
	}
	return u
}

// jsonEqual reports whether a and b are the same JSON once compacted.
func jsonEqual(a, b json.RawMessage) bool {
	var ca, cb bytes.Buffer
	if json.Compact(&ca, a) != nil || json.Compact(&cb, b) != nil {
		return bytes.Equal(a, b)
	}
	return bytes.Equal(ca.Bytes(), cb.Bytes())
}
