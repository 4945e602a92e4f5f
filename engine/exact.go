package engine

import (
	"encoding/binary"
	"encoding/hex"
	"sync"

	"github.com/sleuthhq/sleuth"
)

// exactIndex maps the exact fingerprints of assets (sha256, BLAKE3, pixel
// digest) to asset ids. Keys are the first 8 bytes of each digest, which
// keeps an entry at about 12 bytes of map space; a shared prefix (1 in 2^64
// for distinct digests, or the same pixels in two files) lists several ids,
// and callers confirm against the stored asset.
type exactIndex struct {
	mu    sync.RWMutex
	sets  [3]map[uint64]uint32   // sha256, BLAKE3, pixel digest -> id
	multi [3]map[uint64][]uint32 // keys with more than one id
}

// Kinds of exact keys, indexes into exactIndex.sets.
const (
	exactSHA256 = iota
	exactBLAKE3
	exactPixel
)

func newExactIndex() *exactIndex {
	x := &exactIndex{}
	for i := range x.sets {
		x.sets[i] = make(map[uint64]uint32)
		x.multi[i] = make(map[uint64][]uint32)
	}
	return x
}

// key returns the 8-byte prefix of a hex digest; ok is false for strings
// that are not at least 16 hex characters.
func key(hexDigest string) (uint64, bool) {
	if len(hexDigest) < 16 {
		return 0, false
	}
	var b [8]byte
	if _, err := hex.Decode(b[:], []byte(hexDigest[:16])); err != nil {
		return 0, false
	}
	return binary.BigEndian.Uint64(b[:]), true
}

func (x *exactIndex) add(a *sleuth.Asset) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for kind, d := range [3]string{a.SHA256, a.BLAKE3, a.PixelSHA256} {
		k, ok := key(d)
		if !ok {
			continue
		}
		id := uint32(a.ID)
		if ids, ok := x.multi[kind][k]; ok {
			x.multi[kind][k] = append(ids, id)
		} else if old, ok := x.sets[kind][k]; ok && old != id {
			delete(x.sets[kind], k)
			x.multi[kind][k] = []uint32{old, id}
		} else {
			x.sets[kind][k] = id
		}
	}
}

func (x *exactIndex) remove(a *sleuth.Asset) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for kind, d := range [3]string{a.SHA256, a.BLAKE3, a.PixelSHA256} {
		k, ok := key(d)
		if !ok {
			continue
		}
		id := uint32(a.ID)
		if ids, ok := x.multi[kind][k]; ok {
			out := ids[:0]
			for _, v := range ids {
				if v != id {
					out = append(out, v)
				}
			}
			switch len(out) {
			case 0:
				delete(x.multi[kind], k)
			case 1:
				delete(x.multi[kind], k)
				x.sets[kind][k] = out[0]
			default:
				x.multi[kind][k] = out
			}
		} else if x.sets[kind][k] == id {
			delete(x.sets[kind], k)
		}
	}
}

// lookup returns the ids whose digest of the given kind may equal hexDigest.
func (x *exactIndex) lookup(kind int, hexDigest string) []uint32 {
	k, ok := key(hexDigest)
	if !ok {
		return nil
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	if id, ok := x.sets[kind][k]; ok {
		return []uint32{id}
	}
	return append([]uint32(nil), x.multi[kind][k]...)
}

func (x *exactIndex) len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	n := len(x.sets[exactSHA256])
	for _, ids := range x.multi[exactSHA256] {
		n += len(ids)
	}
	return n
}
