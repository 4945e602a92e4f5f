package report

import (
	"context"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/engine"
	"github.com/sleuthhq/sleuth/match"
)

// Finder finds the NFTs whose media are copies of a picture. Both fields
// must be set; Store is normally Engine.Store().
type Finder struct {
	Engine *engine.Engine
	Store  sleuth.Store
}

// Copy is one NFT record whose media matched the query, with the evidence:
// Match.Asset is the record's asset that matched.
type Copy struct {
	Record *sleuth.NFTRecord `json:"record"`
	Match  match.Match       `json:"match"`
}

// Copies runs req through Engine.Search and returns the NFT records (read
// with Store.NFTsByAssets) that point to a matched asset, best first: in the
// order of the matches (tier, score, first registered), and for one asset
// its records oldest mint first. A record that points to several matched
// assets appears once, with its best match. Assets that match but belong to
// no NFT record are left out. req.Limit caps the matched assets, not the
// records (each asset may carry many records); req.MinScore and req.Exclude
// apply as in Search.
//
// Errors: those of Engine.Search (a query file that cannot be read or
// decoded, coded as in fingerprint) and the store's (sleuth.store.failed).
// An empty result is not an error.
func (f *Finder) Copies(ctx context.Context, req *engine.SearchRequest) ([]Copy, error) {
	resp, err := f.Engine.Search(ctx, req)
	if err != nil {
		return nil, err
	}
	return f.copiesOf(ctx, resp.Matches)
}

// copiesOf resolves matched assets into their NFT records.
func (f *Finder) copiesOf(ctx context.Context, matches []match.Match) ([]Copy, error) {
	if len(matches) == 0 {
		return []Copy{}, nil
	}
	nids := make([]string, 0, len(matches))
	for _, m := range matches {
		nids = append(nids, m.Asset.Nid)
	}
	byNid, err := f.Store.NFTsByAssets(ctx, nids)
	if err != nil {
		return nil, err
	}
	seen := map[sleuth.NFTKey]bool{}
	out := []Copy{}
	for _, m := range matches {
		for _, r := range byNid[m.Asset.Nid] {
			if seen[r.Key()] {
				continue
			}
			seen[r.Key()] = true
			out = append(out, Copy{Record: r, Match: m})
		}
	}
	return out, nil
}
