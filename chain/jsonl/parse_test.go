package jsonl

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sleuthhq/sleuth"
)

func TestParse(t *testing.T) {
	const addr = "0xBC4CA0EdA7647A8aB7C2061c2E118A18a936f13D"
	const lower = "0xbc4ca0eda7647a8ab7c2061c2e118a18a936f13d"
	for _, tc := range []struct {
		name string
		line string
		want sleuth.NFTRecord
		img  string // want ImagePath
		anim string // want AnimationPath
	}{
		{
			name: "sleuth's own field names",
			line: `{"chain":"eip155:1","contract":"` + lower + `","token_id":"7","asset_cids":["bafkreiignored"],` +
				`"primary_marketplace":"opensea","current_owner":"0xAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","nft_spec":"erc721",` +
				`"creator":"0x1111111111111111111111111111111111111111","created_at":"2021-04-23T00:12:34Z",` +
				`"metadata":{"name": "Ape #7"},"image_url":"ipfs://QmImg","animation_url":"ar://abc","token_uri":"ipfs://QmMeta/7",` +
				`"updated_at":"2024-01-01T00:00:00Z"}`,
			want: sleuth.NFTRecord{Chain: "eip155:1", Contract: lower, TokenID: "7", PrimaryMarketplace: "opensea",
				CurrentOwner: "0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NFTSpec: "erc721",
				Creator: "0x1111111111111111111111111111111111111111", CreatedAt: time.Date(2021, 4, 23, 0, 12, 34, 0, time.UTC),
				Metadata: json.RawMessage(`{"name":"Ape #7"}`), ImageURL: "ipfs://QmImg", AnimationURL: "ar://abc", TokenURI: "ipfs://QmMeta/7"},
		},
		{
			name: "aliases: chain_id number, tokenId number, tokenURI, image, owner, minter, unix seconds",
			line: `{"chain_id":137,"contract_address":"` + addr + `","tokenId":42,"tokenURI":"https://x.test/42",` +
				`"image":"https://x.test/42.png","owner":"0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","minter":"0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC",` +
				`"created_at":1619136754,"token_type":"ERC1155"}`,
			want: sleuth.NFTRecord{Chain: "eip155:137", Contract: lower, TokenID: "42", TokenURI: "https://x.test/42",
				ImageURL: "https://x.test/42.png", CurrentOwner: "0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
				Creator: "0xcccccccccccccccccccccccccccccccccccccccc", CreatedAt: time.Unix(1619136754, 0).UTC(), NFTSpec: "erc1155"},
		},
		{
			name: "metadata as a string, hex token id, chain name, milliseconds, image_url over image",
			line: `{"chain":"ethereum","contractAddress":"` + addr + `","token_id":"0x00ff","metadata":"{\"name\":\"x\", \"image\":\"ipfs://m\"}",` +
				`"image_url":"ipfs://first","image":"ipfs://second","createdAt":1619136754123,"standard":"erc-721"}`,
			want: sleuth.NFTRecord{Chain: "eip155:1", Contract: lower, TokenID: "255", Metadata: json.RawMessage(`{"name":"x","image":"ipfs://m"}`),
				ImageURL: "ipfs://first", CreatedAt: time.UnixMilli(1619136754123).UTC(), NFTSpec: "erc721"},
		},
		{
			name: "local media: a path without a scheme, and explicit paths",
			line: `{"chain":"eip155:8453","contract":"` + lower + `","token_id":"1","image":"./media/1.png","animation_path":"media\\1.mp4","animation_url":"https://x.test/1.mp4"}`,
			// The explicit local animation wins over its URL.
			want: sleuth.NFTRecord{Chain: "eip155:8453", Contract: lower, TokenID: "1"},
			img:  "media/1.png", anim: "media/1.mp4",
		},
		{
			name: "solana: mint as token id, case kept, metaplex spec, chain id string",
			line: `{"chain":"solana","contract":"J1S9H3QjnRtBbbuD4HjPV6RpRhwuk4zKbxsnCHuTgh9w","token_id":"7Xq6vM9Ng8brXcN3jW3czYEX4wpYpMVc3HMRmG2AsWUL",` +
				`"token_standard":"ProgrammableNonFungible","creator":"AbCdEf","chain_id":1}`,
			want: sleuth.NFTRecord{Chain: SolanaMainnet, Contract: "J1S9H3QjnRtBbbuD4HjPV6RpRhwuk4zKbxsnCHuTgh9w",
				TokenID: "7Xq6vM9Ng8brXcN3jW3czYEX4wpYpMVc3HMRmG2AsWUL", NFTSpec: "metaplex", Creator: "AbCdEf"},
		},
		{
			name: "CAIP-2 chain_id string, RFC 3339 with offset, null fields ignored",
			line: `{"chain_id":"eip155:0x89","contract":"` + lower + `","token_id":"1","created_at":"2022-01-02T03:04:05+02:00","image_url":null,"image":"ipfs://i","metadata":null}`,
			want: sleuth.NFTRecord{Chain: "eip155:137", Contract: lower, TokenID: "1", ImageURL: "ipfs://i",
				CreatedAt: time.Date(2022, 1, 2, 1, 4, 5, 0, time.UTC)},
		},
		{
			name: "other chains are kept as given",
			line: `{"chain":"tezos:NetXdQprcVkpaWU","contract":"KT1RJ6PbjHpwc3M5rw5s2Nbmefwbuwbdxton","token_id":"152"}`,
			want: sleuth.NFTRecord{Chain: "tezos:NetXdQprcVkpaWU", Contract: "KT1RJ6PbjHpwc3M5rw5s2Nbmefwbuwbdxton", TokenID: "152"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse([]byte(tc.line))
			if err != nil {
				t.Fatal(err)
			}
			got := *p.Record
			if string(got.Metadata) != string(tc.want.Metadata) {
				t.Errorf("metadata = %s, want %s", got.Metadata, tc.want.Metadata)
			}
			got.Metadata, tc.want.Metadata = nil, nil
			if !got.CreatedAt.Equal(tc.want.CreatedAt) {
				t.Errorf("created_at = %v, want %v", got.CreatedAt, tc.want.CreatedAt)
			}
			got.CreatedAt, tc.want.CreatedAt = time.Time{}, time.Time{}
			gj, _ := json.Marshal(got)
			wj, _ := json.Marshal(tc.want)
			if string(gj) != string(wj) {
				t.Errorf("record\n got %s\nwant %s", gj, wj)
			}
			if p.ImagePath != tc.img || p.AnimationPath != tc.anim {
				t.Errorf("paths = %q, %q; want %q, %q", p.ImagePath, p.AnimationPath, tc.img, tc.anim)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	const c = `"contract":"0xbc4ca0eda7647a8ab7c2061c2e118a18a936f13d"`
	for _, tc := range []struct {
		line, code, msg string
	}{
		{``, CodeSyntax, "not a JSON object"},
		{`[1,2]`, CodeSyntax, "not a JSON object"},
		{`{"chain":`, CodeSyntax, "not a JSON object"},
		{`{"a":1} {"b":2}`, CodeSyntax, "more than one"},
		{`{}`, CodeMissing, "missing chain, contract, token_id"},
		{`{"chain":"eip155:1",` + c + `}`, CodeMissing, "missing token_id"},
		{`{"chain":"eip155:1",` + c + `,"token_id":"-1"}`, CodeField, "not a uint256"},
		{`{"chain":"eip155:1",` + c + `,"token_id":-1}`, CodeField, "not a non-negative integer"},
		{`{"chain":"eip155:1",` + c + `,"token_id":1.5}`, CodeField, "not a non-negative integer"},
		{`{"chain":"eip155:1",` + c + `,"token_id":"0x1` + strings.Repeat("0", 64) + `"}`, CodeField, "not a uint256"},
		{`{"chain":"eip155:1","contract":"0x12","token_id":"1"}`, CodeField, "not an EVM address"},
		{`{"chain":"not a chain",` + c + `,"token_id":"1"}`, CodeField, "neither a CAIP-2"},
		{`{"chain":"eip155:abc",` + c + `,"token_id":"1"}`, CodeField, "not a positive chain id"},
		{`{"chain_id":0,` + c + `,"token_id":"1"}`, CodeField, "not a positive chain id"},
		{`{"chain":true,` + c + `,"token_id":"1"}`, CodeField, "want a string, got a boolean"},
		{`{"chain":"eip155:1",` + c + `,"token_id":"1","created_at":"yesterday"}`, CodeField, "neither RFC 3339"},
		{`{"chain":"eip155:1",` + c + `,"token_id":"1","created_at":{}}`, CodeField, "want a date"},
		{`{"chain":"eip155:1",` + c + `,"token_id":"1","created_at":1e300}`, CodeField, "neither RFC 3339"},
		{`{"chain":"eip155:1",` + c + `,"token_id":"1","metadata":"not json"}`, CodeField, "want a JSON object"},
		{`{"chain":"eip155:1",` + c + `,"token_id":"1","metadata":[1]}`, CodeField, "want a JSON object"},
		{`{"chain":"eip155:1",` + c + `,"token_id":"1","image":["a"]}`, CodeField, "want a string, got an array"},
		{`{"chain":"eip155:1",` + c + `,"token_id":"1","image":"/etc/passwd"}`, CodeMedia, "must be relative"},
		{`{"chain":"eip155:1",` + c + `,"token_id":"1","image_path":"../secret.png"}`, CodeMedia, "leaves the file's directory"},
		{`{"chain":"eip155:1",` + c + `,"token_id":"1","image":"a/../../b.png"}`, CodeMedia, "leaves the file's directory"},
		{`{"chain":"eip155:1",` + c + `,"token_id":"1","image":"."}`, CodeMedia, "leaves the file's directory"},
		{`{"x":"` + strings.Repeat("a", MaxLineBytes) + `"}`, CodeTooLong, "over the limit"},
		{`{"chain":"eip155:1",` + c + `,"token_id":"1","metadata":{"d":"` + strings.Repeat("a", 1<<20) + `"}}`, CodeField, "over the limit of 1048576"},
	} {
		p, err := Parse([]byte(tc.line))
		if err == nil {
			t.Errorf("Parse(%.60s) = %+v, want an error", tc.line, p.Record)
			continue
		}
		var se *sleuth.Error
		if !errors.As(err, &se) || se.Code != tc.code || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("Parse(%.60s) error %q (code %s), want code %s containing %q", tc.line, err, sleuth.ErrorCode(err), tc.code, tc.msg)
		}
	}
}

// FuzzParse checks that Parse never panics, that every error is coded, and
// that an accepted line has the three key fields and valid metadata.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"chain":"eip155:1","contract":"0xbc4ca0eda7647a8ab7c2061c2e118a18a936f13d","token_id":"1"}`,
		`{"chain_id":137,"contract_address":"0xBC4CA0EdA7647A8aB7C2061c2E118A18a936f13D","tokenId":"0xff","metadata":"{\"a\":1}"}`,
		`{"chain":"solana","contract":"abc","token_id":"mint","created_at":1700000000.5,"image":"a/b.png"}`,
		`{"chain":"x:y","contract":"c","token_id":"t","created_at":"2020-01-01","metadata":{"image":"ipfs://x"}}`,
		`{"chain":"eip155:1","contract":"c","token_id":null}`,
		`not json`, `{`, `{"a":[}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		p, err := Parse(line)
		if err != nil {
			var se *sleuth.Error
			if !errors.As(err, &se) || !strings.HasPrefix(se.Code, "sleuth.jsonl.") {
				t.Fatalf("uncoded error %v", err)
			}
			return
		}
		r := p.Record
		if r.Chain == "" || r.Contract == "" || r.TokenID == "" {
			t.Fatalf("accepted without a key: %+v", r)
		}
		if len(r.Metadata) > 0 && !json.Valid(r.Metadata) {
			t.Fatalf("invalid metadata %q", r.Metadata)
		}
		for _, lp := range []string{p.ImagePath, p.AnimationPath} {
			if strings.HasPrefix(lp, "/") || lp == ".." || strings.HasPrefix(lp, "../") {
				t.Fatalf("path escapes: %q", lp)
			}
		}
	})
}
