// Package cid computes the Nid of a file: the CIDv1 string that Kubo prints
// for `ipfs add --cid-version=1 FILE`, so that a file's Nid can be compared
// with the content identifiers under which art is published on IPFS.
//
// # Layout
//
// The Nid is the CID of the root of a UnixFS DAG built exactly as Kubo's
// default importer builds it:
//
//   - The file is cut into chunks of 262144 bytes (fixed-size chunker); only
//     the last chunk may be shorter.
//   - Each chunk is a raw leaf block (multicodec raw, 0x55) whose bytes are
//     the chunk itself.
//   - Leaves are gathered by Kubo's balanced layout into dag-pb (0x70)
//     internal nodes of at most 174 links each. When a node of depth d is
//     full and more data follows, a new root of depth d+1 is made whose first
//     child is the old root; the next children are fresh depth-d subtrees
//     filled left to right. So 175 chunks give a root with two children: a
//     full depth-1 node and a depth-1 node holding one leaf.
//   - An internal node is a dag-pb PBNode: its Links (field 2) come first,
//     then Data (field 1). Each PBLink holds Hash (field 1, the child's
//     binary CID), an empty Name (field 2, present as the bytes 0x12 0x00)
//     and Tsize (field 3: a leaf's length, or for an internal node the length
//     of its encoded block plus its children's Tsize). Data is a UnixFS
//     message (proto2): Type = File (field 1, value 2), filesize (field 3,
//     the bytes below the node) and one blocksizes entry (field 4, not
//     packed) per child giving that child's file bytes.
//   - Every block is hashed with sha2-256 (multihash 0x12, length 0x20) and
//     named by a CIDv1 (version, codec, multihash), written in multibase
//     base32 lower case without padding, prefix 'b'.
//
// A file of at most one chunk, the empty file included, is its raw leaf, so
// its Nid starts with "bafkrei"; a larger file's Nid names a dag-pb root and
// starts with "bafybei".
//
// # Streaming
//
// A Builder is an io.Writer. Each chunk is hashed with crypto/sha256 as its
// bytes arrive and is never buffered; the Builder keeps only the pending
// links of each level of the tree (at most 174 per level), so memory stays
// small whatever the size of the file. Of streams an io.Reader and Bytes
// handles a slice already in memory. Parse validates a Nid (or any CIDv1 in
// base32) and returns its parts.
package cid
