package cid

import (
	"crypto/sha256"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
)

// vector is one row of ../testdata/cid/vectors.csv.
type vector struct {
	kind string // empty, zero, hello or pat
	size int64
	nid  string
}

func (v vector) String() string { return fmt.Sprintf("%s(%d)", v.kind, v.size) }

func readVectors(t testing.TB) []vector {
	t.Helper()
	f, err := os.Open("../testdata/cid/vectors.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 2 || strings.Join(rows[0], ",") != "kind,size,nid" {
		t.Fatalf("vectors.csv: unexpected header or no rows: %q", rows)
	}
	var vs []vector
	for _, row := range rows[1:] {
		size, err := strconv.ParseInt(row[1], 10, 64)
		if err != nil {
			t.Fatalf("vectors.csv: row %q: %v", row, err)
		}
		vs = append(vs, vector{kind: row[0], size: size, nid: row[2]})
	}
	return vs
}

// genReader streams generated content without holding it in memory.
type genReader struct {
	kind string
	off  int64 // next byte to produce
	size int64
}

// content returns a reader of the bytes a vector row describes.
func content(t testing.TB, kind string, size int64) io.Reader {
	t.Helper()
	switch kind {
	case "empty", "zero", "pat":
	case "hello":
		if size != int64(len(hello)) {
			t.Fatalf("hello of size %d", size)
		}
	default:
		t.Fatalf("unknown content kind %q", kind)
	}
	return &genReader{kind: kind, size: size}
}

const hello = "hello world\n"

func (g *genReader) Read(p []byte) (int, error) {
	if g.off >= g.size {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), g.size-g.off)]
	switch g.kind {
	case "zero", "empty":
		clear(p)
	case "hello":
		copy(p, hello[g.off:])
	case "pat":
		fillPat(p, g.off)
	}
	g.off += int64(len(p))
	return len(p), nil
}

// fillPat fills p with pat bytes starting at offset off: byte i of pat(n)
// is (i*31 + i/7) & 0xff.
func fillPat(p []byte, off int64) {
	for j := range p {
		i := off + int64(j)
		p[j] = byte(i*31 + i/7)
	}
}

func pat(n int) []byte {
	p := make([]byte, n)
	fillPat(p, 0)
	return p
}

func TestVectorsOf(t *testing.T) {
	for _, v := range readVectors(t) {
		t.Run(v.String(), func(t *testing.T) {
			nid, size, err := Of(content(t, v.kind, v.size))
			if err != nil {
				t.Fatal(err)
			}
			if nid != v.nid || size != v.size {
				t.Errorf("Of = %s, %d; want %s, %d", nid, size, v.nid, v.size)
			}
		})
	}
}

func TestVectorsBytes(t *testing.T) {
	for _, v := range readVectors(t) {
		if v.size > 4<<20 {
			continue // Bytes is for what already sits in memory
		}
		t.Run(v.String(), func(t *testing.T) {
			data, err := io.ReadAll(content(t, v.kind, v.size))
			if err != nil {
				t.Fatal(err)
			}
			if got := Bytes(data); got != v.nid {
				t.Errorf("Bytes = %s, want %s", got, v.nid)
			}
		})
	}
}

// TestVectorsWriteSizes feeds every vector through Write in pieces whose
// sizes do not divide the chunk size, so writes straddle chunk boundaries.
func TestVectorsWriteSizes(t *testing.T) {
	sizes := []int{1, 7, 65536 + 3, 1 << 20}
	for _, v := range readVectors(t) {
		for _, ws := range sizes {
			if testing.Short() && ws < 1024 && v.size > 4<<20 {
				continue
			}
			t.Run(fmt.Sprintf("%v/write=%d", v, ws), func(t *testing.T) {
				b := New()
				r := content(t, v.kind, v.size)
				block := make([]byte, 4<<20) // a multiple of every write size below 1 MiB + 1 MiB
				for {
					n, err := io.ReadFull(r, block)
					for p := block[:n]; len(p) > 0; {
						k := min(ws, len(p))
						if m, err := b.Write(p[:k]); m != k || err != nil {
							t.Fatalf("Write = %d, %v; want %d, nil", m, err, k)
						}
						p = p[k:]
					}
					if err == io.EOF || err == io.ErrUnexpectedEOF {
						break
					}
					if err != nil {
						t.Fatal(err)
					}
				}
				if b.Size() != v.size {
					t.Errorf("Size = %d, want %d", b.Size(), v.size)
				}
				if got := b.Sum(); got != v.nid {
					t.Errorf("Sum = %s, want %s", got, v.nid)
				}
			})
		}
	}
}

// TestEmptyNameMatters shows that the vectors decide whether a PBLink's empty
// Name is written: the root of pat(262145) (two leaves) matches its vector
// only with the Name field present.
func TestEmptyNameMatters(t *testing.T) {
	const want = "bafybeihcqauc2eyqrhvu2dzzsprjbmlsdvnlw5ahpsdtygaywc6vffxqyy"
	data := pat(ChunkSize + 1)
	leaves := []link{
		{cid: makeCID(codecRaw, ptr(sha256.Sum256(data[:ChunkSize]))), tsize: ChunkSize, fsize: ChunkSize},
		{cid: makeCID(codecRaw, ptr(sha256.Sum256(data[ChunkSize:]))), tsize: 1, fsize: 1},
	}
	root := func(emptyNames bool) string {
		return encodeCID(makeCID(codecDagPB, ptr(sha256.Sum256(appendNode(nil, leaves, emptyNames)))))
	}
	if got := root(true); got != want {
		t.Errorf("with empty Name: %s, want %s", got, want)
	}
	if got := root(false); got == want {
		t.Errorf("without Name the root matches too: %s", got)
	}
}

func ptr[T any](v T) *T { return &v }

func TestSizeAndRepeatedSum(t *testing.T) {
	b := New()
	if got, want := b.Sum(), Bytes(nil); got != want {
		t.Fatalf("empty Sum = %s, want %s", got, want)
	}
	data := pat(3*ChunkSize + 5)
	b.Write(data[:ChunkSize+1])
	if got, want := b.Sum(), Bytes(data[:ChunkSize+1]); got != want {
		t.Fatalf("mid-stream Sum = %s, want %s", got, want)
	}
	b.Write(data[ChunkSize+1:])
	if b.Size() != int64(len(data)) {
		t.Fatalf("Size = %d, want %d", b.Size(), len(data))
	}
	first := b.Sum()
	if second := b.Sum(); first != second || first != Bytes(data) {
		t.Fatalf("Sum twice = %s, %s; want %s", first, second, Bytes(data))
	}
}

type errReader struct{ n int }

func (r *errReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.ErrClosedPipe
	}
	k := min(r.n, len(p))
	clear(p[:k])
	r.n -= k
	return k, nil
}

func TestOfReadError(t *testing.T) {
	nid, size, err := Of(&errReader{n: 10})
	if err != io.ErrClosedPipe || nid != "" || size != 10 {
		t.Fatalf("Of = %q, %d, %v; want \"\", 10, %v", nid, size, err, io.ErrClosedPipe)
	}
}

func TestNidsParse(t *testing.T) {
	for _, v := range readVectors(t) {
		info, err := Parse(v.nid)
		if err != nil {
			t.Fatalf("Parse(%s): %v", v.nid, err)
		}
		wantCodec := uint64(codecRaw)
		if v.size > ChunkSize {
			wantCodec = codecDagPB
		}
		if info.Version != 1 || info.Codec != wantCodec || info.HashCode != hashSHA256 || len(info.Digest) != 32 {
			t.Errorf("Parse(%s) = %+v", v.nid, info)
		}
	}
}
