package index

import (
	"bufio"
	"math/rand/v2"
	"os"
	"sync"

	"github.com/sleuthhq/sleuth/fingerprint"
)

// synth draws clustered hashes quickly, for the tests and benchmarks of
// this package (package bench has a slower, more thorough generator that
// hashes pictures). "New images" recombine, DCT row by DCT row, 2-4 of the
// 1350 real PDQ hashes of Meta's haystack (testdata/pdq), so bit biases and
// within-row correlations are those of real hashes (biased random bits if
// the file is missing). Cluster centres are such images; members are 0..60
// bits from their centre with a skewed popularity so that some clusters are
// large; there are exact duplicates and all-zero hashes (flat pictures).
type synth struct {
	rng     *rand.Rand
	bias    [256]float64
	centres []fingerprint.PDQ
}

var haystack = sync.OnceValue(func() []fingerprint.PDQ {
	f, err := os.Open("../testdata/pdq/reg-test-input/haystack.txt")
	if err != nil {
		return nil
	}
	defer f.Close()
	var hs []fingerprint.PDQ
	for sc := bufio.NewScanner(f); sc.Scan(); {
		if h, err := fingerprint.ParsePDQ(sc.Text()); err == nil {
			hs = append(hs, h)
		}
	}
	return hs
})

func newSynth(seed uint64, nCentres int) *synth {
	s := &synth{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	for i := range s.bias {
		s.bias[i] = 0.5 + (s.rng.Float64()-0.5)*0.7
	}
	for range nCentres {
		s.centres = append(s.centres, s.fresh())
	}
	return s
}

// fresh returns a new image's hash.
func (s *synth) fresh() fingerprint.PDQ {
	var h fingerprint.PDQ
	if hs := haystack(); len(hs) > 0 {
		parents := [4]int{}
		np := 2 + s.rng.IntN(3)
		for i := range np {
			parents[i] = s.rng.IntN(len(hs))
		}
		for row := 0; row < 32; row += 2 {
			copy(h[row:row+2], hs[parents[s.rng.IntN(np)]][row:row+2])
		}
		return s.flip(h, 2+s.rng.IntN(8))
	}
	for k := range 256 {
		if s.rng.Float64() < s.bias[k] {
			h[k>>3] |= 1 << (k & 7)
		}
	}
	return h
}

// flip returns h with exactly k distinct bits flipped.
func (s *synth) flip(h fingerprint.PDQ, k int) fingerprint.PDQ {
	var done fingerprint.PDQ
	for k > 0 {
		b := s.rng.IntN(256)
		if done[b>>3]&(1<<(b&7)) == 0 {
			done[b>>3] |= 1 << (b & 7)
			h[b>>3] ^= 1 << (b & 7)
			k--
		}
	}
	return h
}

// next draws one hash.
func (s *synth) next() fingerprint.PDQ {
	switch r := s.rng.Float64(); {
	case r < 0.01:
		return fingerprint.PDQ{}
	case r < 0.2: // a new image
		return s.fresh()
	default:
		// Skewed popularity: low-index centres are chosen far more often.
		i := int(float64(len(s.centres)) * s.rng.Float64() * s.rng.Float64() * s.rng.Float64())
		k := int(s.rng.ExpFloat64() * 8)
		return s.flip(s.centres[i], min(k, 60))
	}
}

// random returns uniformly random bits.
func (s *synth) random() fingerprint.PDQ {
	var h fingerprint.PDQ
	for i := range h {
		h[i] = byte(s.rng.Uint32())
	}
	return h
}

// query returns nv variants: variant 0 (or a random one of them) is a
// near-duplicate, at 0..40 bits, of base; the others are unrelated to it
// but drawn like indexed hashes, as dihedral variants of a real image are.
func (s *synth) query(base fingerprint.PDQ, nv int) []fingerprint.PDQ {
	vs := make([]fingerprint.PDQ, nv)
	for i := range vs {
		vs[i] = s.next()
	}
	vs[s.rng.IntN(nv)] = s.flip(base, s.rng.IntN(41))
	return vs
}
