package evm

import (
	"encoding/hex"
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

func keccakHex(sig string) string { return hex.EncodeToString(crypto.Keccak256([]byte(sig))) }

// The constants are what their signatures hash to.
func TestSignatures(t *testing.T) {
	for _, c := range []struct{ got, sig string }{
		{TopicTransfer, "Transfer(address,address,uint256)"},
		{TopicTransferSingle, "TransferSingle(address,address,address,uint256,uint256)"},
		{TopicTransferBatch, "TransferBatch(address,address,address,uint256[],uint256[])"},
	} {
		if want := "0x" + keccakHex(c.sig); c.got != want {
			t.Errorf("%s: %s, want %s", c.sig, c.got, want)
		}
	}
	for _, c := range []struct{ got, sig string }{
		{selSupportsInterface, "supportsInterface(bytes4)"},
		{selTokenURI, "tokenURI(uint256)"},
		{selURI, "uri(uint256)"},
		{selOwnerOf, "ownerOf(uint256)"},
		{selName, "name()"},
		{selSymbol, "symbol()"},
		{selBalanceOf1155, "balanceOf(address,uint256)"},
	} {
		if want := keccakHex(c.sig)[:8]; c.got != want {
			t.Errorf("%s: %s, want %s", c.sig, c.got, want)
		}
	}
}

// pack ABI-encodes values with go-ethereum, the reference encoder.
func pack(t testing.TB, types []string, values ...any) []byte {
	t.Helper()
	var args abi.Arguments
	for _, ty := range types {
		at, err := abi.NewType(ty, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		args = append(args, abi.Argument{Type: at})
	}
	b, err := args.Pack(values...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeString(t *testing.T) {
	long := strings.Repeat("data:image/svg+xml;utf8,<svg/>", 100)
	for _, s := range []string{"", "a", "ipfs://bafy/1.json", long, "ünïcödé ✓"} {
		got, err := DecodeString(pack(t, []string{"string"}, s))
		if err != nil || got != s {
			t.Errorf("DecodeString(pack(%.20q)) = %.20q, %v", s, got, err)
		}
	}
	// bytes32 names (old contracts).
	var w [32]byte
	copy(w[:], "MKR")
	if got, err := DecodeString(w[:]); err != nil || got != "MKR" {
		t.Errorf("bytes32 name: %q, %v", got, err)
	}
	good := pack(t, []string{"string"}, "hello")
	for name, b := range map[string][]byte{
		"empty":          nil,
		"short":          good[:40],
		"offset too big": append(append([]byte{}, make([]byte, 31)...), append([]byte{0xff}, good[32:]...)...),
		"length past end": func() []byte {
			b := append([]byte(nil), good...)
			b[63] = 200
			return b
		}(),
		"huge length": func() []byte {
			b := append([]byte(nil), good...)
			b[32] = 1
			return b
		}(),
		"not utf8": pack(t, []string{"bytes"}, []byte{0xff, 0xfe}),
		"bytes32 binary": func() []byte {
			b := make([]byte, 32)
			b[0], b[5] = 'a', 1
			b[4] = 0
			return b
		}(),
	} {
		if got, err := DecodeString(b); err == nil {
			t.Errorf("%s: DecodeString = %q, want an error", name, got)
		}
	}
}

func TestDecodeBoolAddress(t *testing.T) {
	if v, err := DecodeBool(pack(t, []string{"bool"}, true)); err != nil || !v {
		t.Errorf("true: %v %v", v, err)
	}
	if v, err := DecodeBool(pack(t, []string{"bool"}, false)); err != nil || v {
		t.Errorf("false: %v %v", v, err)
	}
	two := make([]byte, 32)
	two[31] = 2
	if _, err := DecodeBool(two); err == nil {
		t.Error("bool 2 accepted")
	}
	if _, err := DecodeBool(nil); err == nil {
		t.Error("empty bool accepted")
	}
	a := common.HexToAddress("0x00000000000000000000000000000000DeaDBeef")
	if got, err := DecodeAddress(pack(t, []string{"address"}, a)); err != nil || got != "0x00000000000000000000000000000000deadbeef" {
		t.Errorf("address: %s %v", got, err)
	}
	dirty := pack(t, []string{"address"}, a)
	dirty[0] = 1
	if _, err := DecodeAddress(dirty); err == nil {
		t.Error("address with high bytes accepted")
	}
}

func topic(b []byte) string { return "0x" + hex.EncodeToString(b) }

func addrTopic(a string) string {
	w, _ := encodeAddress(a)
	return topic(w)
}

func TestDecodeLog(t *testing.T) {
	from := "0x1111111111111111111111111111111111111111"
	to := "0x2222222222222222222222222222222222222222"
	op := "0x3333333333333333333333333333333333333333"
	id := topic(encodeUint256(big.NewInt(42)))

	got, err := DecodeLog(&Log{Topics: []string{TopicTransfer, addrTopic(ZeroAddress), addrTopic(to), id}, Data: "0x", BlockNumber: "0x10", LogIndex: "0x2"})
	if err != nil || len(got) != 1 || got[0].Spec != SpecERC721 || got[0].From != ZeroAddress || got[0].To != to ||
		got[0].TokenID.Int64() != 42 || got[0].Block != 16 || got[0].LogIndex != 2 || got[0].Value.Int64() != 1 {
		t.Errorf("ERC-721 Transfer: %+v, %v", got, err)
	}
	// ERC-20 Transfer: three topics, amount in data.
	if _, err := DecodeLog(&Log{Topics: []string{TopicTransfer, addrTopic(from), addrTopic(to)}, Data: topic(encodeUint256(big.NewInt(5))), BlockNumber: "0x1", LogIndex: "0x0"}); err != ErrNotNFTEvent {
		t.Errorf("ERC-20 Transfer: %v, want ErrNotNFTEvent", err)
	}
	single := pack(t, []string{"uint256", "uint256"}, big.NewInt(7), big.NewInt(100))
	got, err = DecodeLog(&Log{Topics: []string{TopicTransferSingle, addrTopic(op), addrTopic(from), addrTopic(to)}, Data: topic(single), BlockNumber: "0x1", LogIndex: "0x0"})
	if err != nil || len(got) != 1 || got[0].Spec != SpecERC1155 || got[0].Operator != op || got[0].From != from ||
		got[0].TokenID.Int64() != 7 || got[0].Value.Int64() != 100 {
		t.Errorf("TransferSingle: %+v, %v", got, err)
	}
	batch := pack(t, []string{"uint256[]", "uint256[]"}, []*big.Int{big.NewInt(1), big.NewInt(2), big.NewInt(3)}, []*big.Int{big.NewInt(10), big.NewInt(20), big.NewInt(30)})
	got, err = DecodeLog(&Log{Topics: []string{TopicTransferBatch, addrTopic(op), addrTopic(ZeroAddress), addrTopic(to)}, Data: topic(batch), BlockNumber: "0x1", LogIndex: "0x0"})
	if err != nil || len(got) != 3 || got[2].TokenID.Int64() != 3 || got[2].Value.Int64() != 30 || got[1].From != ZeroAddress {
		t.Errorf("TransferBatch: %+v, %v", got, err)
	}
	uneven := pack(t, []string{"uint256[]", "uint256[]"}, []*big.Int{big.NewInt(1)}, []*big.Int{})
	for name, l := range map[string]*Log{
		"no topics":         {BlockNumber: "0x1", LogIndex: "0x0"},
		"bad block":         {Topics: []string{TopicTransfer, addrTopic(from), addrTopic(to), id}, BlockNumber: "1", LogIndex: "0x0"},
		"short topic":       {Topics: []string{TopicTransfer, "0x01", addrTopic(to), id}, BlockNumber: "0x1", LogIndex: "0x0", Data: "0x"},
		"dirty address":     {Topics: []string{TopicTransfer, "0x" + strings.Repeat("ff", 32), addrTopic(to), id}, BlockNumber: "0x1", LogIndex: "0x0", Data: "0x"},
		"single short data": {Topics: []string{TopicTransferSingle, addrTopic(op), addrTopic(from), addrTopic(to)}, Data: "0x01", BlockNumber: "0x1", LogIndex: "0x0"},
		"batch uneven":      {Topics: []string{TopicTransferBatch, addrTopic(op), addrTopic(from), addrTopic(to)}, Data: topic(uneven), BlockNumber: "0x1", LogIndex: "0x0"},
		"batch 3 topics":    {Topics: []string{TopicTransferBatch, addrTopic(op), addrTopic(from)}, Data: topic(batch), BlockNumber: "0x1", LogIndex: "0x0"},
		"bad hex data":      {Topics: []string{TopicTransferSingle, addrTopic(op), addrTopic(from), addrTopic(to)}, Data: "0xzz", BlockNumber: "0x1", LogIndex: "0x0"},
	} {
		if got, err := DecodeLog(l); err == nil {
			t.Errorf("%s: DecodeLog = %+v, want an error", name, got)
		}
	}
}

func TestERC1155URI(t *testing.T) {
	id, _ := new(big.Int).SetString("314592", 10)
	got := ERC1155URI("https://token-cdn-domain/{id}.json", id)
	if want := "https://token-cdn-domain/000000000000000000000000000000000000000000000000000000000004cce0.json"; got != want {
		t.Errorf("got %s, want %s (the example of EIP-1155)", got, want)
	}
	if got := ERC1155URI("ipfs://x/1.json", id); got != "ipfs://x/1.json" {
		t.Errorf("no template: %s", got)
	}
}

func TestParseQuantity(t *testing.T) {
	for s, want := range map[string]uint64{"0x0": 0, "0x1a": 26, "0xffffffffffffffff": 1<<64 - 1} {
		if got, err := ParseQuantity(s); err != nil || got != want {
			t.Errorf("ParseQuantity(%q) = %d, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "0x", "12", "0x1ffffffffffffffff", "0xg"} {
		if _, err := ParseQuantity(s); err == nil {
			t.Errorf("ParseQuantity(%q) accepted", s)
		}
	}
}

// FuzzDecodeString: never panics; what it accepts is valid UTF-8 within
// the limit, and go-ethereum's encoding of it decodes back to it.
func FuzzDecodeString(f *testing.F) {
	f.Add(pack(f, []string{"string"}, "ipfs://bafy/1.json"))
	f.Add(pack(f, []string{"string"}, ""))
	f.Add(make([]byte, 32))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeString(b)
		if err != nil {
			return
		}
		if len(s) > MaxStringBytes {
			t.Fatalf("%d bytes accepted", len(s))
		}
		again, err := DecodeString(pack(t, []string{"string"}, s))
		if err != nil || again != s {
			t.Fatalf("round trip of %q: %q, %v", s, again, err)
		}
	})
}

// FuzzDecodeLog: never panics; ERC-721 transfers have value 1, every
// transfer has a token id and addresses of 42 characters.
func FuzzDecodeLog(f *testing.F) {
	batch := pack(f, []string{"uint256[]", "uint256[]"}, []*big.Int{big.NewInt(1)}, []*big.Int{big.NewInt(10)})
	id := topic(encodeUint256(big.NewInt(1)))
	a := addrTopic("0x2222222222222222222222222222222222222222")
	f.Add(TopicTransfer, a, a, id, "0x", "0x1")
	f.Add(TopicTransferSingle, a, a, a, topic(pack(f, []string{"uint256", "uint256"}, big.NewInt(7), big.NewInt(1))), "0x2")
	f.Add(TopicTransferBatch, a, a, a, topic(batch), "0x3")
	f.Add(TopicTransferBatch, a, a, a, "0x"+strings.Repeat("f", 128), "0x3")
	f.Fuzz(func(t *testing.T, t0, t1, t2, t3, data, block string) {
		ts, err := DecodeLog(&Log{Topics: []string{t0, t1, t2, t3}, Data: data, BlockNumber: block, LogIndex: "0x0"})
		if err != nil {
			return
		}
		for _, tr := range ts {
			if tr.TokenID == nil || tr.Value == nil || len(tr.From) != 42 || len(tr.To) != 42 {
				t.Fatalf("incomplete transfer %+v", tr)
			}
			if tr.Spec == SpecERC721 && tr.Value.Int64() != 1 {
				t.Fatalf("ERC-721 value %v", tr.Value)
			}
		}
	})
}
