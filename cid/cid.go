package cid

import (
	"crypto/sha256"
	"hash"
	"io"
)

// Kubo's importer defaults for `ipfs add --cid-version=1`.
const (
	// ChunkSize is the size of every leaf but the last.
	ChunkSize = 262144
	// MaxLinks is the most links a dag-pb internal node holds.
	MaxLinks = 174
)

// Builder computes the Nid of the bytes written to it. It is an io.Writer
// whose Write never fails; create one with New.
//
// A Builder hashes each chunk as it arrives and holds no file data; its
// memory is bounded by the pending links of the tree, at most MaxLinks per
// level. It is not safe for concurrent use.
type Builder struct {
	chunkSize int64 // bytes per leaf (ChunkSize outside tests)
	maxLinks  int   // links per internal node (MaxLinks outside tests)

	h    hash.Hash // sha256 of the current chunk so far
	n    int64     // bytes of the current chunk so far
	size int64     // bytes written in all

	// levels[i] holds the links waiting to become children of a node of
	// depth i+1; levels[0] holds leaves.
	levels  [][]link
	scratch []byte // reused buffer for encoding internal nodes
}

// New returns a Builder ready for a fresh computation.
func New() *Builder {
	return newBuilder(ChunkSize, MaxLinks)
}

// newBuilder returns a Builder with a given chunk size and fan-out; tests use
// small values to exercise deep trees with little data.
func newBuilder(chunkSize int64, maxLinks int) *Builder {
	if chunkSize < 1 || maxLinks < 2 {
		panic("cid: invalid builder parameters")
	}
	return &Builder{chunkSize: chunkSize, maxLinks: maxLinks, h: sha256.New()}
}

// Write adds p to the file. It always returns len(p), nil. Bytes are hashed
// straight from p; nothing is copied beyond sha256's own block buffer.
func (b *Builder) Write(p []byte) (int, error) {
	written := len(p)
	for len(p) > 0 {
		k := min(int64(len(p)), b.chunkSize-b.n)
		b.h.Write(p[:k]) // a hash.Hash never returns an error
		b.n += k
		b.size += k
		p = p[k:]
		if b.n == b.chunkSize {
			b.levels = b.push(b.levels, 0, b.leaf())
			b.h.Reset()
			b.n = 0
		}
	}
	return written, nil
}

// Size returns the number of bytes written so far.
func (b *Builder) Size() int64 { return b.size }

// Sum returns the Nid of the bytes written so far: "bafkrei…" for a file of
// at most one chunk (the empty file included), "bafybei…" otherwise.
//
// Sum does not change the Builder's state, so more bytes may be written
// afterwards and Sum called again, as with a hash.Hash.
func (b *Builder) Sum() string {
	return encodeCID(b.root())
}

// root finishes a copy of the tree and returns the binary CID of its root.
func (b *Builder) root() [cidLen]byte {
	levels := make([][]link, len(b.levels), len(b.levels)+1)
	for i, l := range b.levels {
		levels[i] = append(make([]link, 0, b.maxLinks), l...)
	}
	// The pending partial chunk, or the single empty leaf of an empty file.
	if b.n > 0 || b.size == 0 {
		levels = b.push(levels, 0, b.leaf())
	}
	if len(levels) == 1 && len(levels[0]) == 1 {
		return levels[0][0].cid // one chunk: the file is its raw leaf
	}
	// Close every level below the top into its parent. Pushing may close a
	// full parent and so add a level, hence len(levels) is read each time.
	for i := 0; i < len(levels)-1; i++ {
		levels = b.push(levels, i+1, b.node(levels[i]))
	}
	return b.node(levels[len(levels)-1]).cid
}

// leaf returns the link to the raw leaf of the current chunk.
func (b *Builder) leaf() link {
	var digest [sha256.Size]byte
	b.h.Sum(digest[:0])
	return link{
		cid:   makeCID(codecRaw, &digest),
		tsize: uint64(b.n),
		fsize: uint64(b.n),
	}
}

// push appends l to levels[i] and returns the updated levels. If that level
// is already full, its links first become an internal node, which is pushed
// one level up, and the level starts afresh: this is how Kubo's balanced
// layout grows a new root over a full one.
func (b *Builder) push(levels [][]link, i int, l link) [][]link {
	if i == len(levels) {
		levels = append(levels, make([]link, 0, b.maxLinks))
	}
	if len(levels[i]) == b.maxLinks {
		parent := b.node(levels[i])
		levels[i] = levels[i][:0]
		levels = b.push(levels, i+1, parent)
	}
	levels[i] = append(levels[i], l)
	return levels
}

// node encodes the dag-pb internal node over children and returns the link
// to it.
func (b *Builder) node(children []link) link {
	b.scratch = appendNode(b.scratch[:0], children, true)
	digest := sha256.Sum256(b.scratch)
	l := link{cid: makeCID(codecDagPB, &digest), tsize: uint64(len(b.scratch))}
	for _, c := range children {
		l.tsize += c.tsize
		l.fsize += c.fsize
	}
	return l
}

// Of streams r to the end and returns its Nid and size. On a read error it
// returns "", the bytes read so far and the error.
func Of(r io.Reader) (string, int64, error) {
	b := New()
	if _, err := io.Copy(b, r); err != nil {
		return "", b.Size(), err
	}
	return b.Sum(), b.Size(), nil
}

// Bytes returns the Nid of p.
func Bytes(p []byte) string {
	b := New()
	b.Write(p)
	return b.Sum()
}
