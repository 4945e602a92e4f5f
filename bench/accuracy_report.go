package bench

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sleuthhq/sleuth/bench/edits"
)

// TargetPrecision is the precision at which recall is reported.
const TargetPrecision = 0.999

// CalibrationScores are the score levels of the calibration table.
var CalibrationScores = []float64{0.9, 0.55}

// AccuracyResult is the outcome of Accuracy. Everything but the timings
// (IndexSeconds, QuerySeconds, the latency columns) is a function of the
// corpus, the seed and the systems' code.
type AccuracyResult struct {
	Corpus       CorpusInfo     `json:"corpus"`
	Queries      int            `json:"queries"`
	Systems      []SystemResult `json:"systems"`
	IndexSeconds float64        `json:"index_seconds"` // loading pictures and registering the indexed assets
	QuerySeconds float64        `json:"query_seconds"` // making the edited copies and querying both systems
}

// CorpusInfo says what was indexed and queried.
type CorpusInfo struct {
	Dir          string `json:"dir"`
	Seed         uint64 `json:"seed"`
	ManifestSeed uint64 `json:"manifest_seed"`
	MaxSide      int    `json:"max_side"`
	Originals    int    `json:"originals"`
	Distractors  int    `json:"distractors"`
	Holdout      int    `json:"holdout"`
	Indexed      int    `json:"indexed"`
	AllEdits     bool   `json:"all_edits"`
}

// SystemResult is one system's scores.
type SystemResult struct {
	Name string `json:"name"`
	// Threshold is the lowest score at which precision over all queries
	// is >= TargetPrecision and recall is highest; ThresholdFound is false
	// when no threshold reaches that precision (then recall is 0).
	Threshold      float64 `json:"threshold"`
	ThresholdFound bool    `json:"threshold_found"`
	// Precision, TrueMatches and FalseMatches are over all queries at the
	// threshold.
	Precision    float64 `json:"precision"`
	TrueMatches  int     `json:"true_matches"`
	FalseMatches int     `json:"false_matches"`
	// PrecisionAny is the precision of every returned match: the system's
	// own operating point (for pdq-only, d <= 31).
	PrecisionAny float64        `json:"precision_any"`
	Families     []FamilyResult `json:"families"` // in table order, then the holdout row
	Overall      FamilyResult   `json:"overall"`  // every query
	Edits        []EditResult   `json:"edits"`
	Calibration  []Calibration  `json:"calibration"`
	// TopFalse are the TopFalseCount highest-scored false matches, to audit
	// the system and the answer key.
	TopFalse []FalseMatch `json:"top_false"`
}

// TopFalseCount is the length of SystemResult.TopFalse.
const TopFalseCount = 12

// FalseMatch is one false match: the query (made by Edit from the corpus
// entry Query) returned Match, which is neither Query's original nor
// equivalent to it.
type FalseMatch struct {
	Edit     string  `json:"edit"`
	Query    string  `json:"query"`
	QueryRaw string  `json:"query_raw,omitempty"`
	Match    string  `json:"match"`
	MatchRaw string  `json:"match_raw,omitempty"`
	Score    float64 `json:"score"`
}

// FamilyResult is one row of the table.
type FamilyResult struct {
	Family  string `json:"family"`
	Queries int    `json:"queries"`
	// Found is the number of queries whose original was returned at or
	// above the threshold; Recall = Found / Queries (0 for holdouts).
	Found  int     `json:"found"`
	Recall float64 `json:"recall"`
	// RecallAny counts a query as found when its original is returned at
	// all, whatever the score.
	RecallAny float64 `json:"recall_any"`
	// AP is the micro-averaged precision over the family's returned
	// matches ranked by score (positives: one per query).
	AP float64 `json:"ap"`
	// FalseAtThreshold counts false matches at or above the threshold.
	FalseAtThreshold int     `json:"false_at_threshold"`
	P50Millis        float64 `json:"p50_ms"`
	P99Millis        float64 `json:"p99_ms"`
}

// EditResult is the recall of one edit at the threshold.
type EditResult struct {
	Edit    string  `json:"edit"`
	Family  string  `json:"family"`
	Queries int     `json:"queries"`
	Found   int     `json:"found"`
	Recall  float64 `json:"recall"`
}

// Calibration is the share of true matches among those scored >= MinScore.
type Calibration struct {
	MinScore float64 `json:"min_score"`
	Matches  int     `json:"matches"`
	True     int     `json:"true"`
	Fraction float64 `json:"fraction"` // True / Matches (1 when there is none)
}

// scored is one returned match and whether it is true.
type scored struct {
	score float64
	ok    bool
}

// score computes both systems' results from the query records.
func score(recs []queryRec, families []string, es []edits.Edit) *AccuracyResult {
	res := &AccuracyResult{Queries: len(recs)}
	for s, name := range []string{SystemSleuth, SystemPDQ} {
		res.Systems = append(res.Systems, scoreSystem(name, s, recs, families, es))
	}
	return res
}

func scoreSystem(name string, s int, recs []queryRec, families []string, es []edits.Edit) SystemResult {
	sr := SystemResult{Name: name}
	var all []scored
	for _, r := range recs {
		for _, a := range r.answers[s] {
			all = append(all, scored{a.score, r.truth != "" && a.id == r.truth})
		}
	}
	sr.Threshold, sr.ThresholdFound = threshold(all)
	for _, r := range recs {
		for _, a := range r.answers[s] {
			if r.truth == "" || a.id != r.truth {
				sr.TopFalse = append(sr.TopFalse, FalseMatch{Edit: r.edit, Query: r.item, Match: a.id, Score: a.score})
			}
		}
	}
	slices.SortFunc(sr.TopFalse, func(a, b FalseMatch) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.Query, b.Query), cmp.Compare(a.Edit, b.Edit), cmp.Compare(a.Match, b.Match))
	})
	sr.TopFalse = sr.TopFalse[:min(len(sr.TopFalse), TopFalseCount)]
	t := sr.Threshold
	if !sr.ThresholdFound {
		t = math.Inf(1)
	}
	for _, x := range all {
		if x.score >= t {
			if x.ok {
				sr.TrueMatches++
			} else {
				sr.FalseMatches++
			}
		}
	}
	sr.Precision = ratio(sr.TrueMatches, sr.TrueMatches+sr.FalseMatches)
	trueAny := 0
	for _, x := range all {
		if x.ok {
			trueAny++
		}
	}
	sr.PrecisionAny = ratio(trueAny, len(all))
	rows := append(slices.Clone(families), HoldoutFamily)
	for _, fam := range rows {
		sr.Families = append(sr.Families, familyRow(fam, s, t, recs, func(r *queryRec) bool { return r.family == fam }))
	}
	sr.Overall = familyRow("all", s, t, recs, func(*queryRec) bool { return true })
	for _, e := range es {
		er := EditResult{Edit: e.Name, Family: e.Family}
		for i := range recs {
			if recs[i].edit == e.Name {
				er.Queries++
				if found(&recs[i], s, t) {
					er.Found++
				}
			}
		}
		if er.Queries > 0 {
			er.Recall = ratio(er.Found, er.Queries)
			sr.Edits = append(sr.Edits, er)
		}
	}
	for _, c := range CalibrationScores {
		cal := Calibration{MinScore: c}
		for _, x := range all {
			if x.score >= c {
				cal.Matches++
				if x.ok {
					cal.True++
				}
			}
		}
		cal.Fraction = ratio(cal.True, cal.Matches)
		if cal.Matches == 0 {
			cal.Fraction = 1
		}
		sr.Calibration = append(sr.Calibration, cal)
	}
	return sr
}

// threshold returns the score threshold with the most true matches among
// those whose precision is >= TargetPrecision (ties: the higher score).
func threshold(all []scored) (float64, bool) {
	xs := slices.Clone(all)
	// Best first; at equal scores false first, so a tie never flatters.
	slices.SortFunc(xs, func(a, b scored) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		if a.ok == b.ok {
			return 0
		}
		if !a.ok {
			return -1
		}
		return 1
	})
	best, bestTP, found := 0.0, 0, false
	tp, fp := 0, 0
	for i, x := range xs {
		if x.ok {
			tp++
		} else {
			fp++
		}
		if i+1 < len(xs) && xs[i+1].score == x.score {
			continue // a threshold takes every match of equal score
		}
		if tp > bestTP && float64(tp) >= TargetPrecision*float64(tp+fp) {
			best, bestTP, found = x.score, tp, true
		}
	}
	return best, found
}

func found(r *queryRec, s int, t float64) bool {
	for _, a := range r.answers[s] {
		if a.id == r.truth && a.score >= t {
			return true
		}
	}
	return false
}

func familyRow(fam string, s int, t float64, recs []queryRec, in func(*queryRec) bool) FamilyResult {
	fr := FamilyResult{Family: fam}
	var lat []time.Duration
	var items []scored
	positives, foundAny := 0, 0
	for i := range recs {
		r := &recs[i]
		if !in(r) {
			continue
		}
		fr.Queries++
		lat = append(lat, r.latency[s])
		if r.truth != "" {
			positives++
			if found(r, s, t) {
				fr.Found++
			}
			if found(r, s, math.Inf(-1)) {
				foundAny++
			}
		}
		for _, a := range r.answers[s] {
			ok := r.truth != "" && a.id == r.truth
			items = append(items, scored{a.score, ok})
			if !ok && a.score >= t {
				fr.FalseAtThreshold++
			}
		}
	}
	fr.Recall = ratio(fr.Found, positives)
	fr.RecallAny = ratio(foundAny, positives)
	fr.AP = averagePrecision(items, positives)
	fr.P50Millis, fr.P99Millis = percentileMillis(lat, 50), percentileMillis(lat, 99)
	return fr
}

// averagePrecision ranks items by score (false first on ties) and returns
// the sum of precision@k over true items, divided by positives.
func averagePrecision(items []scored, positives int) float64 {
	if positives == 0 {
		return 0
	}
	xs := slices.Clone(items)
	slices.SortStableFunc(xs, func(a, b scored) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		if a.ok == b.ok {
			return 0
		}
		if !a.ok {
			return -1
		}
		return 1
	})
	sum, tp := 0.0, 0
	for k, x := range xs {
		if x.ok {
			tp++
			sum += float64(tp) / float64(k+1)
		}
	}
	return sum / float64(positives)
}

func percentileMillis(d []time.Duration, p float64) float64 {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return float64(s[max(0, i)]) / float64(time.Millisecond)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// WriteTable prints the result as text tables. With timings false the
// latency and duration figures are left out (for golden files).
func (r *AccuracyResult) WriteTable(w io.Writer) { r.writeTable(w, true) }

func (r *AccuracyResult) writeTable(w io.Writer, timings bool) {
	c := r.Corpus
	mode := "one edit per family per original"
	if c.AllEdits {
		mode = "every edit of every family per original"
	}
	fmt.Fprintf(w, "Accuracy: %d originals + %d distractors indexed (%d assets), %d holdout queries; %d queries in all (%s); seed %d; pictures <= %d px\n",
		c.Originals, c.Distractors, c.Indexed, c.Holdout, r.Queries, mode, c.Seed, c.MaxSide)
	for _, s := range r.Systems {
		if s.ThresholdFound {
			fmt.Fprintf(w, "%-9s threshold %.3f for precision >= %.1f%%: precision %.3f%% (%d true, %d false matches)\n",
				s.Name, s.Threshold, TargetPrecision*100, s.Precision*100, s.TrueMatches, s.FalseMatches)
		} else {
			fmt.Fprintf(w, "%-9s no score threshold reaches precision >= %.1f%%: recall 0\n", s.Name, TargetPrecision*100)
		}
	}
	for _, s := range r.Systems {
		fmt.Fprintf(w, "%-9s every returned match (the system's own operating point): precision %.3f%%\n", s.Name, s.PrecisionAny*100)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := "family\tqueries\t"
	for _, s := range r.Systems {
		head += s.Name + " recall\tany\tAP\tfalse\t"
		if timings {
			head += "p50 ms\tp99 ms\t"
		}
	}
	fmt.Fprintln(tw, head)
	if len(r.Systems) > 0 {
		for i := range r.Systems[0].Families {
			fmt.Fprintln(tw, r.row(func(s SystemResult) FamilyResult { return s.Families[i] }, timings))
		}
		fmt.Fprintln(tw, r.row(func(s SystemResult) FamilyResult { return s.Overall }, timings))
	}
	tw.Flush()
	fmt.Fprintln(w, "\n(recall: at each system's threshold; any: the original returned at any score; false: false matches at or above the threshold; holdout: unindexed pictures queried as they are, where every match is false)")

	fmt.Fprintln(w, "\nScore calibration (all returned matches):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head = "system\t"
	for _, c := range CalibrationScores {
		head += fmt.Sprintf("score >= %.2f: matches\ttrue\t", c)
	}
	fmt.Fprintln(tw, head)
	for _, s := range r.Systems {
		line := s.Name + "\t"
		for _, c := range s.Calibration {
			line += fmt.Sprintf("%d\t%s\t", c.Matches, pct(c.Fraction, 3))
		}
		fmt.Fprintln(tw, line)
	}
	tw.Flush()

	fmt.Fprintln(w, "\nRecall by edit at the threshold:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head = "edit\tfamily\tqueries\t"
	for _, s := range r.Systems {
		head += s.Name + "\t"
	}
	fmt.Fprintln(tw, head)
	if len(r.Systems) > 0 {
		for i, e := range r.Systems[0].Edits {
			line := fmt.Sprintf("%s\t%s\t%d\t", e.Edit, e.Family, e.Queries)
			for _, s := range r.Systems {
				line += pct(s.Edits[i].Recall, 1) + "\t"
			}
			fmt.Fprintln(tw, line)
		}
	}
	tw.Flush()

	for _, s := range r.Systems {
		if len(s.TopFalse) == 0 {
			continue
		}
		fmt.Fprintf(w, "\nHighest-scored false matches, %s (query picture <- edit -> returned picture):\n", s.Name)
		for _, f := range s.TopFalse {
			fmt.Fprintf(w, "  %.3f  %s %s <- %s -> %s %s\n", f.Score, f.Query, f.QueryRaw, f.Edit, f.Match, f.MatchRaw)
		}
	}
	if timings {
		fmt.Fprintf(w, "\nIndexing %.1f s; making and running the queries %.1f s (latency: one query at a time, decode included).\n", r.IndexSeconds, r.QuerySeconds)
	}
}

func (r *AccuracyResult) row(get func(SystemResult) FamilyResult, timings bool) string {
	first := get(r.Systems[0])
	var b strings.Builder
	fmt.Fprintf(&b, "%s\t%d\t", first.Family, first.Queries)
	for _, s := range r.Systems {
		f := get(s)
		if f.Family == HoldoutFamily {
			fmt.Fprintf(&b, "-\t-\t-\t%d\t", f.FalseAtThreshold)
		} else {
			fmt.Fprintf(&b, "%s\t%s\t%.3f\t%d\t", pct(f.Recall, 1), pct(f.RecallAny, 1), f.AP, f.FalseAtThreshold)
		}
		if timings {
			fmt.Fprintf(&b, "%.1f\t%.1f\t", f.P50Millis, f.P99Millis)
		}
	}
	return b.String()
}

func pct(x float64, prec int) string { return fmt.Sprintf("%.*f%%", prec, x*100) }
