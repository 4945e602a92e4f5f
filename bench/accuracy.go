package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/sleuthhq/sleuth"
	bcorpus "github.com/sleuthhq/sleuth/bench/corpus"
	"github.com/sleuthhq/sleuth/bench/edits"
	"github.com/sleuthhq/sleuth/engine"
	"github.com/sleuthhq/sleuth/fingerprint"
	"github.com/sleuthhq/sleuth/imaging"
	"github.com/sleuthhq/sleuth/index"
	"github.com/sleuthhq/sleuth/match"
	"github.com/sleuthhq/sleuth/store/sqlite"
)

// This file runs the accuracy benchmark (sleuth bench accuracy): it indexes
// a prepared corpus (package bench/corpus) in two systems, queries edited
// copies of the originals (package bench/edits) and unindexed holdout
// pictures, and scores every answer against the answer key. The metrics
// and the table are in accuracy_report.go; docs/BENCHMARKS.md defines them.

// The two systems compared.
const (
	SystemSleuth = "sleuth"   // engine.Open + Register + Search over a SQLite store
	SystemPDQ    = "pdq-only" // reference PDQ, 8 dihedral variants, d <= 31
)

// PDQBaselineMaxDist is the PDQ-only baseline's match threshold.
const PDQBaselineMaxDist = 31

// HoldoutFamily labels the unmodified holdout queries in the tables.
const HoldoutFamily = "holdout"

// AccuracyConfig configures Accuracy. Zero sizes mean "all the manifest
// has" for that role.
type AccuracyConfig struct {
	// Dir is the prepared corpus (bcorpus.DefaultDir() when empty).
	Dir string
	// Originals, Distractors and Holdout take the first N entries of each
	// role, in manifest order.
	Originals, Distractors, Holdout int
	// Families restricts the edits (all families when empty).
	Families []string
	// AllEdits queries every edit of every family for every original; by
	// default each original gets one edit per family, drawn with Seed.
	AllEdits bool
	// Seed fixes the edits' randomness and the draw of edits [1].
	Seed uint64
	// Workers make the edited copies and register assets in parallel
	// [GOMAXPROCS]. Queries themselves run one at a time, so that their
	// latency is that of one query on an otherwise idle engine.
	Workers int
	// Progress, when set, receives progress lines.
	Progress io.Writer
	// Matches, when set, receives one JSON line per query (QueryLog): what
	// Sleuth returned, labelled, with each match's evidence. It is what
	// the score is calibrated on (docs/MATCHING.md).
	Matches io.Writer
}

// QueryLog is one line of AccuracyConfig.Matches.
type QueryLog struct {
	Family    string     `json:"family"`
	Edit      string     `json:"edit"`
	Item      string     `json:"item"`            // the corpus entry the query was made from
	Truth     string     `json:"truth,omitempty"` // the original to find ("" for holdouts)
	Found     bool       `json:"found"`           // the original was returned
	LatencyMS float64    `json:"latency_ms"`
	Matches   []MatchLog `json:"matches"`
}

// MatchLog is one returned match: the corpus entry it names ("" outside
// the corpus), whether it is the query's original, and the match as the
// API returns it, less the asset.
type MatchLog struct {
	ID    string      `json:"id"`
	True  bool        `json:"true"`
	Match match.Match `json:"match"`
}

// queryRec is one query and what each system answered.
type queryRec struct {
	family, edit string
	item         string // entry ID of the picture the query was made from
	truth        string // entry ID of the original; "" for holdouts
	answers      [2][]answer
	latency      [2]time.Duration
}

// answer is one returned match: the entry it names ("" when the system
// returned an asset outside the corpus) and its score.
type answer struct {
	id    string
	score float64
}

// Accuracy runs the benchmark. Errors: the corpus package's codes when the
// corpus is missing or too small, edits.Select's for an unknown family,
// and the engine's and store's.
func Accuracy(ctx context.Context, cfg AccuracyConfig) (*AccuracyResult, error) {
	if cfg.Dir == "" {
		cfg.Dir = bcorpus.DefaultDir()
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	es, err := edits.Select(cfg.Families)
	if err != nil {
		return nil, sleuth.Errorf(sleuth.CodeBadRequest, "%w", err)
	}
	m, err := bcorpus.Load(cfg.Dir)
	if err != nil {
		return nil, err
	}
	originals, err := firstN(m, bcorpus.RoleOriginal, cfg.Originals)
	if err != nil {
		return nil, err
	}
	distractors, err := firstN(m, bcorpus.RoleDistractor, cfg.Distractors)
	if err != nil {
		return nil, err
	}
	holdouts, err := firstN(m, bcorpus.RoleHoldout, cfg.Holdout)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	backgrounds, err := loadPictures(cfg.Dir, m.Role(bcorpus.RoleBackground))
	if err != nil {
		return nil, err
	}
	logos, err := loadPictures(cfg.Dir, m.Role(bcorpus.RoleLogo))
	if err != nil {
		return nil, err
	}

	// Index originals and distractors in both systems.
	tmp, err := os.MkdirTemp("", "sleuth-accuracy-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	st, err := sqlite.Open(ctx, filepath.Join(tmp, "sleuth.db"))
	if err != nil {
		return nil, err
	}
	defer st.Close()
	eng, err := engine.Open(ctx, st, engine.Options{})
	if err != nil {
		return nil, err
	}
	indexed := append(slices.Clone(originals), distractors...)
	logf(cfg.Progress, "accuracy: registering %d assets (%d originals, %d distractors)", len(indexed), len(originals), len(distractors))
	nidToID := make(map[string]string, len(indexed))
	var mu sync.Mutex
	regErrs := make([]error, len(indexed))
	var done int
	bcorpus.Parallel(cfg.Workers, len(indexed), func(i int) {
		if ctx.Err() != nil {
			regErrs[i] = ctx.Err()
			return
		}
		e := indexed[i]
		resp, err := eng.Register(ctx, &engine.RegisterRequest{Path: filepath.Join(cfg.Dir, filepath.FromSlash(e.Path)), Source: e.ID})
		if err != nil {
			regErrs[i] = fmt.Errorf("register %s: %w", e.Path, err)
			return
		}
		mu.Lock()
		nidToID[resp.Asset.Nid] = e.ID
		done++
		if done%1000 == 0 {
			logf(cfg.Progress, "accuracy: registered %d/%d", done, len(indexed))
		}
		mu.Unlock()
	})
	for _, err := range regErrs {
		if err != nil {
			return nil, err
		}
	}
	ids := make([]index.ID, len(indexed))
	hashes := make([]fingerprint.PDQ, len(indexed))
	for i, e := range indexed {
		h, err := fingerprint.ParsePDQ(e.PDQ)
		if err != nil {
			return nil, sleuth.Errorf(bcorpus.CodeCorpusInvalid, "corpus entry %s: %w", e.ID, err)
		}
		ids[i], hashes[i] = index.ID(i+1), h
	}
	pdqIdx := index.BuildPDQ(ids, hashes)
	indexSeconds := time.Since(start).Seconds()

	// The queries: edits of every original, then the holdouts.
	type plan struct {
		orig *bcorpus.Entry
		edit *edits.Edit
	}
	var plans []plan
	for i := range originals {
		o := &originals[i]
		for _, fam := range familiesOf(es) {
			var fes []*edits.Edit
			for k := range es {
				if es[k].Family == fam {
					fes = append(fes, &es[k])
				}
			}
			if cfg.AllEdits {
				for _, e := range fes {
					plans = append(plans, plan{o, e})
				}
				continue
			}
			rng := rand.New(rand.NewPCG(cfg.Seed, seedOf(fam+"\x00"+o.ID)))
			plans = append(plans, plan{o, fes[rng.IntN(len(fes))]})
		}
	}
	for i := range holdouts {
		plans = append(plans, plan{orig: &holdouts[i]})
	}
	logf(cfg.Progress, "accuracy: %d queries (%d edited copies, %d holdouts)", len(plans), len(plans)-len(holdouts), len(holdouts))

	var logs *json.Encoder
	if cfg.Matches != nil {
		logs = json.NewEncoder(cfg.Matches)
	}
	recs := make([]queryRec, len(plans))
	qstart := time.Now()
	const chunk = 128
	origCache := map[string]*image.RGBA{}
	for lo := 0; lo < len(plans); lo += chunk {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hi := min(lo+chunk, len(plans))
		// Decode the chunk's sources once.
		for k := lo; k < hi; k++ {
			p := plans[k]
			if p.edit == nil {
				continue
			}
			if _, ok := origCache[p.orig.ID]; !ok {
				img, err := loadPicture(cfg.Dir, *p.orig)
				if err != nil {
					return nil, err
				}
				origCache[p.orig.ID] = img
			}
		}
		// Make the query files in parallel.
		files := make([][]byte, hi-lo)
		errs := make([]error, hi-lo)
		bcorpus.Parallel(cfg.Workers, hi-lo, func(j int) {
			p := plans[lo+j]
			if p.edit == nil {
				files[j], errs[j] = os.ReadFile(filepath.Join(cfg.Dir, filepath.FromSlash(p.orig.Path)))
				return
			}
			env := edits.NewEnv(cfg.Seed, p.edit.Name, p.orig.ID, backgrounds, logos)
			files[j], errs[j] = p.edit.Apply(origCache[p.orig.ID], env)
		})
		for _, err := range errs {
			if err != nil {
				return nil, err
			}
		}
		// Query one at a time.
		for j := range files {
			p := plans[lo+j]
			r := &recs[lo+j]
			r.item = p.orig.ID
			if p.edit == nil {
				r.family, r.edit = HoldoutFamily, HoldoutFamily
			} else {
				r.family, r.edit, r.truth = p.edit.Family, p.edit.Name, p.orig.ID
			}
			t0 := time.Now()
			resp, err := eng.Search(ctx, &engine.SearchRequest{Data: files[j]})
			r.latency[0] = time.Since(t0)
			if err != nil {
				return nil, fmt.Errorf("search %s of %s: %w", r.edit, p.orig.ID, err)
			}
			for _, mt := range resp.Matches {
				r.answers[0] = append(r.answers[0], answer{id: nidToID[mt.Asset.Nid], score: mt.Score})
			}
			if logs != nil {
				ql := QueryLog{Family: r.family, Edit: r.edit, Item: r.item, Truth: r.truth,
					LatencyMS: float64(r.latency[0].Microseconds()) / 1000, Matches: []MatchLog{}}
				for _, mt := range resp.Matches {
					id := nidToID[mt.Asset.Nid]
					mt.Asset = nil
					ok := r.truth != "" && id == r.truth
					ql.Found = ql.Found || ok
					ql.Matches = append(ql.Matches, MatchLog{ID: id, True: ok, Match: mt})
				}
				if err := logs.Encode(ql); err != nil {
					return nil, fmt.Errorf("match log: %w", err)
				}
			}
			t0 = time.Now()
			ans, err := pdqQuery(pdqIdx, files[j])
			r.latency[1] = time.Since(t0)
			if err != nil {
				return nil, fmt.Errorf("pdq query %s of %s: %w", r.edit, p.orig.ID, err)
			}
			for _, a := range ans {
				r.answers[1] = append(r.answers[1], answer{id: indexed[a.ID-1].ID, score: pdqScore(a.Distance)})
			}
		}
		// Drop decoded originals no later plan needs.
		for k := lo; k < hi; k++ {
			if hi < len(plans) && plans[hi].orig == plans[k].orig {
				continue
			}
			delete(origCache, plans[k].orig.ID)
		}
		if el := time.Since(qstart); hi == len(plans) || (lo/chunk)%8 == 7 {
			logf(cfg.Progress, "accuracy: %d/%d queries, %.0f s", hi, len(plans), el.Seconds())
		}
	}
	res := score(recs, familiesOf(es), es)
	raw := make(map[string]string, len(m.Entries))
	for _, e := range m.Entries {
		raw[e.ID] = e.Raw
	}
	for i := range res.Systems {
		for k := range res.Systems[i].TopFalse {
			f := &res.Systems[i].TopFalse[k]
			f.QueryRaw, f.MatchRaw = raw[f.Query], raw[f.Match]
		}
	}
	res.Corpus = CorpusInfo{
		Dir: cfg.Dir, Seed: cfg.Seed, ManifestSeed: m.Seed, Originals: len(originals), Distractors: len(distractors),
		Holdout: len(holdouts), Indexed: len(indexed), AllEdits: cfg.AllEdits, MaxSide: m.MaxSide,
	}
	res.IndexSeconds = indexSeconds
	res.QuerySeconds = time.Since(qstart).Seconds()
	return res, nil
}

// pdqQuery is the PDQ-only baseline: decode with Sleuth's decoder, hash
// with the reference PDQ and look up its 8 dihedral variants.
func pdqQuery(x *index.PDQ, data []byte) ([]index.Hit, error) {
	img, err := imaging.Decode(data, imaging.Limits{})
	if err != nil {
		return nil, err
	}
	p := fingerprint.Perceptualize(img.RGBA)
	return x.Search(p.Dihedral[:], PDQBaselineMaxDist), nil
}

// pdqScore is the baseline's score: 1 - d/64, so d <= 31 scores >= 0.516.
func pdqScore(d int) float64 { return 1 - float64(d)/64 }

func firstN(m *bcorpus.Manifest, role string, n int) ([]bcorpus.Entry, error) {
	es := m.Role(role)
	if n > len(es) {
		return nil, sleuth.Errorf(bcorpus.CodeCorpusInvalid, "the corpus has %d %s pictures, %d asked (prepare a larger one)", len(es), role, n)
	}
	if n > 0 {
		es = es[:n]
	}
	return es, nil
}

func loadPicture(dir string, e bcorpus.Entry) (*image.RGBA, error) {
	img, err := imaging.DecodeFile(filepath.Join(dir, filepath.FromSlash(e.Path)), imaging.Limits{})
	if err != nil {
		return nil, sleuth.Errorf(bcorpus.CodeCorpusInvalid, "corpus picture %s: %w", e.Path, err)
	}
	return img.RGBA, nil
}

func loadPictures(dir string, es []bcorpus.Entry) ([]image.Image, error) {
	out := make([]image.Image, len(es))
	for i, e := range es {
		img, err := loadPicture(dir, e)
		if err != nil {
			return nil, err
		}
		out[i] = img
	}
	return out, nil
}

// familiesOf lists the families of es in order.
func familiesOf(es []edits.Edit) []string {
	var fs []string
	for _, e := range es {
		if !slices.Contains(fs, e.Family) {
			fs = append(fs, e.Family)
		}
	}
	return fs
}

// seedOf hashes s (FNV-1a) into a seed stream.
func seedOf(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}
