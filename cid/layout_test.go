package cid

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"testing"
)

// This file checks the streaming Builder against a reference written the way
// boxo's importer/balanced writes it: recursive, over data in memory, with
// its own protobuf encoding. With tiny chunks and fan-outs the trees get
// deep, which the vectors (at most two levels) cannot reach.

// refNode is a block built by the reference.
type refNode struct {
	cid   []byte // binary CID
	tsize uint64 // PBLink.Tsize of a link to it
	fsize uint64 // file bytes under it
}

type refBuilder struct {
	data     []byte
	chunk    int
	maxLinks int
	off      int
}

func (r *refBuilder) done() bool { return r.off >= len(r.data) }

func (r *refBuilder) leaf() refNode {
	c := r.data[r.off:min(r.off+r.chunk, len(r.data))]
	r.off += len(c)
	sum := sha256.Sum256(c)
	return refNode{cid: append([]byte{1, 0x55, 0x12, 32}, sum[:]...), tsize: uint64(len(c)), fsize: uint64(len(c))}
}

// refNid mirrors balanced.Layout: a first leaf, then ever deeper roots whose
// first child is the previous root.
func refNid(data []byte, chunk, maxLinks int) string {
	r := &refBuilder{data: data, chunk: chunk, maxLinks: maxLinks}
	root := r.leaf() // also the empty file's single empty leaf
	for depth := 1; !r.done(); depth++ {
		root = r.fill([]refNode{root}, depth)
	}
	return "b" + b32.EncodeToString(root.cid)
}

// fill mirrors balanced.fillNodeRec: add children of depth-1 until the node
// is full or the data runs out.
func (r *refBuilder) fill(children []refNode, depth int) refNode {
	for len(children) < r.maxLinks && !r.done() {
		if depth == 1 {
			children = append(children, r.leaf())
		} else {
			children = append(children, r.fill(nil, depth-1))
		}
	}
	var unixfs, node []byte
	unixfs = pbVarint(unixfs, 1, 2) // Type: File
	var fsize, tsize uint64
	for _, c := range children {
		fsize += c.fsize
		tsize += c.tsize
	}
	unixfs = pbVarint(unixfs, 3, fsize)
	for _, c := range children {
		unixfs = pbVarint(unixfs, 4, c.fsize)
	}
	for _, c := range children {
		var l []byte
		l = pbBytes(l, 1, c.cid)
		l = pbBytes(l, 2, nil) // empty Name
		l = pbVarint(l, 3, c.tsize)
		node = pbBytes(node, 2, l)
	}
	node = pbBytes(node, 1, unixfs)
	sum := sha256.Sum256(node)
	return refNode{
		cid:   append([]byte{1, 0x70, 0x12, 32}, sum[:]...),
		tsize: uint64(len(node)) + tsize,
		fsize: fsize,
	}
}

func pbVarint(b []byte, field int, v uint64) []byte {
	b = binary.AppendUvarint(b, uint64(field<<3|0))
	return binary.AppendUvarint(b, v)
}

func pbBytes(b []byte, field int, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(field<<3|2))
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

func TestReferenceMatchesVectors(t *testing.T) {
	for _, v := range readVectors(t) {
		if v.size > 4<<20 {
			continue
		}
		data, err := io.ReadAll(content(t, v.kind, v.size))
		if err != nil {
			t.Fatal(err)
		}
		if got := refNid(data, ChunkSize, MaxLinks); got != v.nid {
			t.Errorf("reference %v = %s, want %s", v, got, v.nid)
		}
	}
}

// TestDeepTrees compares Builder with the reference on trees up to seven
// levels deep, written whole and a byte at a time.
func TestDeepTrees(t *testing.T) {
	data := pat(200)
	for _, chunk := range []int{1, 2, 3} {
		for _, maxLinks := range []int{2, 3, 4, 7} {
			for n := 0; n <= len(data); n++ {
				want := refNid(data[:n], chunk, maxLinks)
				b := newBuilder(int64(chunk), maxLinks)
				b.Write(data[:n])
				if got := b.Sum(); got != want {
					t.Fatalf("chunk=%d maxLinks=%d n=%d: Sum = %s, want %s", chunk, maxLinks, n, got, want)
				}
				b = newBuilder(int64(chunk), maxLinks)
				for i := range n {
					b.Write(data[i : i+1])
				}
				if got := b.Sum(); got != want {
					t.Fatalf("chunk=%d maxLinks=%d n=%d bytewise: Sum = %s, want %s", chunk, maxLinks, n, got, want)
				}
			}
		}
	}
}

// TestBoundaries checks the shapes the brief spells out with Kubo's real
// fan-out and a one-byte chunk: 174 leaves fit one node, 175 make a root over
// a full node and a one-leaf node, 174*174+1 a third level.
func TestBoundaries(t *testing.T) {
	for _, n := range []int{1, 2, 173, 174, 175, 348, 349, 174 * 174, 174*174 + 1, 174*174 + 175} {
		data := bytes.Repeat([]byte{0xa5}, n)
		b := newBuilder(1, MaxLinks)
		b.Write(data)
		if got, want := b.Sum(), refNid(data, 1, MaxLinks); got != want {
			t.Errorf("%d one-byte chunks: Sum = %s, want %s", n, got, want)
		}
	}
}

// FuzzBuilder checks that splitting the input at arbitrary points gives the
// same Nid as Bytes of the whole, with Kubo's parameters and with tiny ones
// (3-byte chunks, 3 links) that build deep trees, checked by the reference.
func FuzzBuilder(f *testing.F) {
	f.Add([]byte(""), []byte{})
	f.Add([]byte(hello), []byte{1, 2, 3})
	f.Add(pat(100), []byte{7, 0, 13})
	f.Add(pat(1000), []byte{255, 1})
	f.Fuzz(func(t *testing.T, data, cuts []byte) {
		whole := Bytes(data)
		small := newBuilder(3, 3)
		small.Write(data)
		smallWhole := small.Sum()
		if want := refNid(data, 3, 3); smallWhole != want {
			t.Fatalf("small whole = %s, reference %s", smallWhole, want)
		}

		b, s := New(), newBuilder(3, 3)
		rest := data
		for i := 0; len(rest) > 0; i++ {
			k := len(rest)
			if len(cuts) > 0 {
				k = min(int(cuts[i%len(cuts)]), len(rest))
			}
			b.Write(rest[:k])
			s.Write(rest[:k])
			rest = rest[k:]
			if i > 4*len(data)+4 { // all cuts zero: finish in one write
				b.Write(rest)
				s.Write(rest)
				rest = nil
			}
		}
		if got := b.Sum(); got != whole {
			t.Fatalf("split = %s, Bytes = %s", got, whole)
		}
		if got := s.Sum(); got != smallWhole {
			t.Fatalf("small split = %s, whole = %s", got, smallWhole)
		}
		if b.Size() != int64(len(data)) || s.Size() != int64(len(data)) {
			t.Fatalf("Size = %d, %d; want %d", b.Size(), s.Size(), len(data))
		}
	})
}

func ExampleBytes() {
	fmt.Println(Bytes([]byte("hello world\n")))
	// Output: bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4
}
