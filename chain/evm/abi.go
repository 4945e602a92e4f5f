package evm

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Event topics (keccak256 of the signatures; checked by the tests).
const (
	// TopicTransfer is Transfer(address,address,uint256): ERC-721 (and
	// ERC-20, told apart by the number of topics).
	TopicTransfer = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
	// TopicTransferSingle is TransferSingle(address,address,address,uint256,uint256) of ERC-1155.
	TopicTransferSingle = "0xc3d58168c5ae7397731d063d5bbf3d657854427343f4c083240f7aacaa2d0f62"
	// TopicTransferBatch is TransferBatch(address,address,address,uint256[],uint256[]) of ERC-1155.
	TopicTransferBatch = "0x4a39dc06d4c0dbc64b70af90fd698a233a518aa5d07e595d983b8c0526c8f7fb"
)

// Function selectors and ERC-165 interface ids.
const (
	selSupportsInterface = "01ffc9a7" // supportsInterface(bytes4)
	selTokenURI          = "c87b56dd" // tokenURI(uint256)
	selURI               = "0e89341c" // uri(uint256)
	selOwnerOf           = "6352211e" // ownerOf(uint256)
	selName              = "06fdde03" // name()
	selSymbol            = "95d89b41" // symbol()
	selBalanceOf1155     = "00fdd58e" // balanceOf(address,uint256)

	ifaceERC721  = "80ac58cd"
	ifaceERC1155 = "d9b67a26"
)

// ZeroAddress is the address mints come from and burns go to.
const ZeroAddress = "0x0000000000000000000000000000000000000000"

// MaxStringBytes bounds a string returned by a contract call (a tokenURI
// may be a whole data: URI with an SVG image in it).
const MaxStringBytes = 8 << 20

// errABI builds a decoding error.
func errABI(format string, args ...any) error {
	return fmt.Errorf("abi: "+format, args...)
}

// DecodeHex decodes a 0x-prefixed hex string ("0x" alone is empty).
func DecodeHex(s string) ([]byte, error) {
	rest, ok := strings.CutPrefix(s, "0x")
	if !ok {
		rest, ok = strings.CutPrefix(s, "0X")
	}
	if !ok {
		return nil, errABI("hex %q: no 0x prefix", shortStr(s))
	}
	if len(rest)%2 == 1 {
		rest = "0" + rest
	}
	b, err := hex.DecodeString(rest)
	if err != nil {
		return nil, errABI("hex %q: %v", shortStr(s), err)
	}
	return b, nil
}

// ParseQuantity parses a JSON-RPC quantity ("0x1a") into a uint64.
func ParseQuantity(s string) (uint64, error) {
	rest, ok := strings.CutPrefix(s, "0x")
	if !ok || rest == "" || len(rest) > 16 {
		return 0, errABI("quantity %q: want 0x and 1 to 16 hex digits", shortStr(s))
	}
	v, err := strconv.ParseUint(rest, 16, 64)
	if err != nil {
		return 0, errABI("quantity %q: %v", shortStr(s), err)
	}
	return v, nil
}

// quantity formats n as a JSON-RPC quantity.
func quantity(n uint64) string { return "0x" + strconv.FormatUint(n, 16) }

func shortStr(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}

// word returns the 32-byte word at offset off of b.
func word(b []byte, off uint64) ([]byte, error) {
	if off > uint64(len(b)) || uint64(len(b))-off < 32 {
		return nil, errABI("word at %d: only %d bytes", off, len(b))
	}
	return b[off : off+32], nil
}

// wordUint reads a word that must hold a uint64-sized value (offsets and
// lengths).
func wordUint(b []byte, off uint64) (uint64, error) {
	w, err := word(b, off)
	if err != nil {
		return 0, err
	}
	for _, c := range w[:24] {
		if c != 0 {
			return 0, errABI("word at %d: value too large", off)
		}
	}
	var v uint64
	for _, c := range w[24:] {
		v = v<<8 | uint64(c)
	}
	return v, nil
}

// DecodeAddress decodes an ABI-encoded address word (left-padded with
// zeros) into its lower-case 0x form.
func DecodeAddress(w []byte) (string, error) {
	if len(w) != 32 {
		return "", errABI("address: %d bytes, want 32", len(w))
	}
	for _, c := range w[:12] {
		if c != 0 {
			return "", errABI("address: high bytes not zero")
		}
	}
	return "0x" + hex.EncodeToString(w[12:]), nil
}

// DecodeUint256 decodes one ABI word as an unsigned integer.
func DecodeUint256(w []byte) (*big.Int, error) {
	if len(w) != 32 {
		return nil, errABI("uint256: %d bytes, want 32", len(w))
	}
	return new(big.Int).SetBytes(w), nil
}

// DecodeBool decodes a returned bool: one word holding 0 or 1.
func DecodeBool(b []byte) (bool, error) {
	if len(b) < 32 {
		return false, errABI("bool: %d bytes, want 32", len(b))
	}
	v, err := wordUint(b, 0)
	if err != nil || v > 1 {
		return false, errABI("bool: not 0 or 1")
	}
	return v == 1, nil
}

// DecodeString decodes the return data of a function returning one
// string (or bytes): a head offset, a length and the bytes. It also
// accepts the bytes32 that some old contracts return from name() and
// symbol() (exactly 32 bytes of text padded with zeros). The string must
// be valid UTF-8 and at most MaxStringBytes long.
func DecodeString(b []byte) (string, error) {
	if len(b) == 32 {
		s := string(bytes.TrimRight(b, "\x00"))
		if utf8.ValidString(s) && !strings.ContainsRune(s, 0) {
			return s, nil
		}
		return "", errABI("string: 32 bytes that are not text")
	}
	off, err := wordUint(b, 0)
	if err != nil {
		return "", errABI("string offset: %v", err)
	}
	n, err := wordUint(b, off)
	if err != nil {
		return "", errABI("string length: %v", err)
	}
	if n > MaxStringBytes {
		return "", errABI("string: %d bytes is over the limit of %d", n, MaxStringBytes)
	}
	start := off + 32
	if start > uint64(len(b)) || uint64(len(b))-start < n {
		return "", errABI("string: length %d past the end of %d bytes", n, len(b))
	}
	s := b[start : start+n]
	if !utf8.Valid(s) {
		return "", errABI("string: not UTF-8")
	}
	return string(s), nil
}

// decodeUintArray decodes the uint256[] whose head (offset) word is at
// head in b. At most maxItems items.
func decodeUintArray(b []byte, head uint64, maxItems uint64) ([]*big.Int, error) {
	off, err := wordUint(b, head)
	if err != nil {
		return nil, err
	}
	n, err := wordUint(b, off)
	if err != nil {
		return nil, err
	}
	if n > maxItems {
		return nil, errABI("array of %d items is over the limit of %d", n, maxItems)
	}
	if (uint64(len(b))-off-32)/32 < n {
		return nil, errABI("array of %d items past the end of %d bytes", n, len(b))
	}
	out := make([]*big.Int, n)
	for i := range n {
		out[i] = new(big.Int).SetBytes(b[off+32+32*i : off+64+32*i])
	}
	return out, nil
}

// encodeUint256 returns the ABI word of v (which must be < 2^256).
func encodeUint256(v *big.Int) []byte {
	w := make([]byte, 32)
	v.FillBytes(w)
	return w
}

// encodeAddress returns the ABI word of a 0x address.
func encodeAddress(addr string) ([]byte, error) {
	b, err := DecodeHex(addr)
	if err != nil || len(b) != 20 {
		return nil, errABI("address %q: want 0x and 40 hex digits", shortStr(addr))
	}
	w := make([]byte, 32)
	copy(w[12:], b)
	return w, nil
}

// callData builds the input of a call: the selector (hex) and its words.
func callData(sel string, words ...[]byte) string {
	var sb strings.Builder
	sb.Grow(2 + 8 + 64*len(words))
	sb.WriteString("0x")
	sb.WriteString(sel)
	for _, w := range words {
		sb.WriteString(hex.EncodeToString(w))
	}
	return sb.String()
}

// ERC1155URI substitutes the token id for every "{id}" in an ERC-1155 URI
// template, as the standard says: 64 hex digits, lower case, zero-padded,
// no 0x.
func ERC1155URI(template string, id *big.Int) string {
	if !strings.Contains(template, "{id}") {
		return template
	}
	return strings.ReplaceAll(template, "{id}", fmt.Sprintf("%064x", id))
}

// ErrNotNFTEvent is returned by DecodeLog for a log that is not an NFT
// transfer (an ERC-20 Transfer, another event).
var ErrNotNFTEvent = errors.New("not an NFT transfer event")
