package engine

import (
	"context"
	"testing"

	"github.com/sleuthhq/sleuth/bench/edits"
	"github.com/sleuthhq/sleuth/imaging"
	"github.com/sleuthhq/sleuth/match"
)

// TestSearchCaptioned: photographs under the accuracy benchmark's large
// captions (bench/edits, text-large: two lines of white letters with a
// black outline), searched among the registered originals. The query's
// captions are found (fingerprint.Features.Captions), every copy is
// found sure, and those the plain evidence does not make sure (two of
// the four: the letters hide about half of their keypoints) are sure on
// what the captions leave to see, reported with their caption cells.
// A fifth (q0122) keeps too few keypoints beside the letters for any
// rule on them, but every cell the letters leave agrees: it is lifted as
// an agreeing copy under the captions (match.Resolve, alone: agrees),
// which found nothing before. The other two photographs are registered
// as distractors only: they have too few corners for local features (2
// keypoints of 192).
func TestSearchCaptioned(t *testing.T) {
	e, _ := openTest(t)
	es, err := edits.Select([]string{"text"})
	if err != nil {
		t.Fatal(err)
	}
	var large *edits.Edit
	for i := range es {
		if es[i].Name == "text-large" {
			large = &es[i]
		}
	}
	if large == nil {
		t.Fatal("no text-large edit")
	}
	files := []string{"q0003.jpg", "q0004.jpg", "q0122.jpg", "q0291.jpg", "q0746.jpg", "q1050.jpg", "q2821.jpg"}
	nids := map[string]string{}
	for _, f := range files {
		nids[f] = register(t, e, labelme+f).Nid
	}
	captioned := 0
	for _, f := range []string{"q0122.jpg", "q0291.jpg", "q0746.jpg", "q1050.jpg", "q2821.jpg"} {
		img, err := imaging.DecodeFile(labelme+f, imaging.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		data, err := large.Apply(img.RGBA, edits.NewEnv(1, large.Name, f, nil, nil))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := e.Search(context.Background(), &SearchRequest{Data: data})
		if err != nil {
			t.Fatal(err)
		}
		if resp.Query == nil || resp.Query.Pixels == nil || resp.Query.Pixels.Features == nil || len(resp.Query.Pixels.Features.Captions) == 0 {
			t.Errorf("%s: no caption found in the query", f)
			continue
		}
		var got *match.Match
		for i, m := range resp.Matches {
			if m.Asset.Nid == nids[f] {
				got = &resp.Matches[i]
			} else if m.Score >= match.SureScore {
				t.Errorf("%s: another photograph sure: %+v", f, m)
			}
		}
		if got == nil {
			t.Errorf("%s: the original not found (captions %v, %d matches)", f, resp.Query.Pixels.Features.Captions, len(resp.Matches))
			continue
		}
		if got.Score < match.SureScore {
			t.Errorf("%s: the original scored %v: %+v", f, got.Score, *got)
		}
		if f == "q0122.jpg" && (got.Alone != match.AloneAgrees || got.CaptionCells == 0) {
			t.Errorf("%s: want a copy agreeing under the captions, lifted alone: %+v", f, *got)
		}
		if got.CaptionCells > 0 {
			captioned++
			if got.Method != match.MethodLocalFeatures {
				t.Errorf("%s: decided under the captions by %s", f, got.Method)
			}
		}
		t.Logf("%s: score %v, method %s, caption cells %d, inlier ratio %v", f, got.Score, got.Method, got.CaptionCells, got.InlierRatio)
	}
	if captioned < 3 {
		t.Errorf("%d matches of 5 decided under the captions, want 3: the test no longer exercises them", captioned)
	}
}
