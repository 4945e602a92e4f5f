package sleuth

import "encoding/json"

// KindFeatures is the kind of an asset's local features (package
// fingerprint): kilobytes of base64 that serve the matcher, stored with
// the asset like its other perceptual fingerprints but left out of its
// JSON form.
const KindFeatures = "features"

// MarshalJSON encodes the asset with every field, except perceptual
// fingerprints of kind KindFeatures.
func (a Asset) MarshalJSON() ([]byte, error) {
	type plain Asset
	p := plain(a)
	for i, f := range a.Perceptual {
		if f.Kind == KindFeatures {
			p.Perceptual = make([]Perceptual, 0, len(a.Perceptual)-1)
			p.Perceptual = append(p.Perceptual, a.Perceptual[:i]...)
			for _, g := range a.Perceptual[i+1:] {
				if g.Kind != KindFeatures {
					p.Perceptual = append(p.Perceptual, g)
				}
			}
			break
		}
	}
	return json.Marshal(p)
}
