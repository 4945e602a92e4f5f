package sleuth

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestAssetJSONLeavesOutFeatures(t *testing.T) {
	a := Asset{Nid: "bafk", Perceptual: []Perceptual{
		{Kind: KindPDQ, Hash: "aa", Quality: 90},
		{Kind: KindFeatures, Hash: "AQID"},
		{Kind: KindPHash, Hash: "bb"},
	}}
	for _, v := range []any{a, &a} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "AQID") || !strings.Contains(string(b), `"hash":"aa"`) || !strings.Contains(string(b), `"hash":"bb"`) {
			t.Errorf("%s", b)
		}
		var back Asset
		if err := json.Unmarshal(b, &back); err != nil || len(back.Perceptual) != 2 || back.Nid != "bafk" {
			t.Errorf("decoded %+v %v", back, err)
		}
	}
	if len(a.Perceptual) != 3 {
		t.Error("MarshalJSON changed the asset")
	}
	none, _ := json.Marshal(Asset{Nid: "x"})
	if strings.Contains(string(none), "perceptual") {
		t.Errorf("%s", none)
	}
}
