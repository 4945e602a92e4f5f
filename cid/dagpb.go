package cid

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
)

// Multiformats codes used by Nids. Every one fits a one-byte varint.
const (
	cidV1      = 0x01 // CID version 1
	codecRaw   = 0x55 // multicodec raw: a leaf holding chunk bytes
	codecDagPB = 0x70 // multicodec dag-pb: an internal UnixFS node
	hashSHA256 = 0x12 // multihash sha2-256
	prefixB32  = 'b'  // multibase base32 lower case, no padding

	// cidLen is the length of a binary CIDv1 with a sha2-256 multihash:
	// version, codec, hash code, digest length, digest.
	cidLen = 4 + sha256.Size
)

// UnixFS Data.DataType File.
const unixfsFile = 2

// b32 is multibase 'b': RFC 4648 base32, lower case, no padding.
var b32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// link is a pending child of an internal node.
type link struct {
	cid   [cidLen]byte // binary CID of the child
	tsize uint64       // PBLink.Tsize: the child's blocks, in bytes, in all
	fsize uint64       // file bytes under the child (its UnixFS blocksize)
}

// makeCID returns the binary CIDv1 of a block with the given codec and
// sha2-256 digest.
func makeCID(codec byte, digest *[sha256.Size]byte) [cidLen]byte {
	var c [cidLen]byte
	c[0], c[1], c[2], c[3] = cidV1, codec, hashSHA256, sha256.Size
	copy(c[4:], digest[:])
	return c
}

// encodeCID returns the multibase base32 string of a binary CID.
func encodeCID(c [cidLen]byte) string {
	return string(prefixB32) + b32.EncodeToString(c[:])
}

// Protobuf wire tags: field number << 3 | wire type (0 varint, 2 bytes).
const (
	tagPBNodeData  = 1<<3 | 2
	tagPBNodeLinks = 2<<3 | 2
	tagPBLinkHash  = 1<<3 | 2
	tagPBLinkName  = 2<<3 | 2
	tagPBLinkTsize = 3<<3 | 0
	tagUnixFSType  = 1<<3 | 0
	tagUnixFSSize  = 3<<3 | 0
	tagUnixFSBlock = 4<<3 | 0
)

// appendNode appends to dst the dag-pb block of an internal UnixFS File node
// over children, in the canonical order Kubo writes: every Links entry, then
// Data. With emptyNames each PBLink carries its empty Name (0x12 0x00), as
// Kubo writes it; the test vectors pass only so (see TestEmptyNameMatters).
func appendNode(dst []byte, children []link, emptyNames bool) []byte {
	var filesize uint64
	for _, c := range children {
		linkLen := 2 + cidLen + 1 + uvarintLen(c.tsize)
		if emptyNames {
			linkLen += 2
		}
		dst = append(dst, tagPBNodeLinks)
		dst = binary.AppendUvarint(dst, uint64(linkLen))
		dst = append(dst, tagPBLinkHash, cidLen)
		dst = append(dst, c.cid[:]...)
		if emptyNames {
			dst = append(dst, tagPBLinkName, 0)
		}
		dst = append(dst, tagPBLinkTsize)
		dst = binary.AppendUvarint(dst, c.tsize)
		filesize += c.fsize
	}

	// UnixFS Data: Type, filesize, then blocksizes one field each (proto2,
	// not packed). Data (field 2) is absent: internal nodes hold no bytes.
	dataLen := 2 + 1 + uvarintLen(filesize)
	for _, c := range children {
		dataLen += 1 + uvarintLen(c.fsize)
	}
	dst = append(dst, tagPBNodeData)
	dst = binary.AppendUvarint(dst, uint64(dataLen))
	dst = append(dst, tagUnixFSType, unixfsFile, tagUnixFSSize)
	dst = binary.AppendUvarint(dst, filesize)
	for _, c := range children {
		dst = append(dst, tagUnixFSBlock)
		dst = binary.AppendUvarint(dst, c.fsize)
	}
	return dst
}

// uvarintLen returns the length of the unsigned varint encoding of v.
func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}
