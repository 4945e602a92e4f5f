package cid

import (
	"crypto/sha256"
	"testing"
)

const benchSize = 10 << 20

func sha256Sum(p []byte) []byte {
	s := sha256.Sum256(p)
	return s[:]
}

// BenchmarkNid10MB measures the Nid of 10 MiB of pat data written at once.
func BenchmarkNid10MB(b *testing.B) {
	data := pat(benchSize)
	b.SetBytes(benchSize)
	for b.Loop() {
		Bytes(data)
	}
}

// BenchmarkNid10MBWrites32K is the same with 32 KiB writes, as io.Copy makes.
func BenchmarkNid10MBWrites32K(b *testing.B) {
	data := pat(benchSize)
	b.SetBytes(benchSize)
	for b.Loop() {
		n := New()
		for p := data; len(p) > 0; p = p[min(len(p), 32<<10):] {
			n.Write(p[:min(len(p), 32<<10)])
		}
		n.Sum()
	}
}

// BenchmarkSHA256_10MB is the baseline: one sha256 over the same bytes.
func BenchmarkSHA256_10MB(b *testing.B) {
	data := pat(benchSize)
	b.SetBytes(benchSize)
	for b.Loop() {
		sha256Sum(data)
	}
}
