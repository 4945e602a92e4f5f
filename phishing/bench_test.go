package phishing

import (
	"encoding/json"
	"testing"

	"github.com/sleuthhq/sleuth"
)

// BenchmarkScanRecord scans a typical token's metadata: a description
// with two links, five attributes, external_url and animation_url.
func BenchmarkScanRecord(b *testing.B) {
	lists, err := Embedded()
	if err != nil {
		b.Fatal(err)
	}
	r := &sleuth.NFTRecord{Metadata: json.RawMessage(`{"name":"Bored Ape #1234","description":"Limited drop. Claim your reward at https://opensae.io/claim or visit apes-official.xyz for details.",
		"attributes":[{"trait_type":"Background","value":"Blue"},{"trait_type":"Eyes","value":"Laser"},{"trait_type":"Fur","value":"Gold"},
		{"trait_type":"Hat","value":"Crown"},{"trait_type":"Mouth","value":"Grin"}],
		"external_url":"https://boredapeyachtclub.com/#/gallery","animation_url":"ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi/1.mp4"}`)}
	if len(lists.ScanRecord(r)) == 0 {
		b.Fatal("no findings")
	}
	b.ReportAllocs()
	for b.Loop() {
		lists.ScanRecord(r)
	}
}

// BenchmarkCheck is one domain through the detector (not on any list: the
// slowest path, every fuzzylist entry compared).
func BenchmarkCheck(b *testing.B) {
	lists, err := Embedded()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		lists.Detector.Check("www.some-new-nft-project.xyz")
	}
}

// BenchmarkParseEmbedded is the cost of loading the embedded snapshot.
func BenchmarkParseEmbedded(b *testing.B) {
	for b.Loop() {
		if _, err := Parse(snapshot); err != nil {
			b.Fatal(err)
		}
	}
}
