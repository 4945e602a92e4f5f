package api

import (
	"encoding/json"
	"testing"
)

func TestInputList(t *testing.T) {
	tests := []struct {
		raw  string
		want []string
		ok   bool
	}{
		{`["0xa","0xb"]`, []string{"0xa", "0xb"}, true},
		{`"[\"0xa\",\"0xb\"]"`, []string{"0xa", "0xb"}, true}, // curl -F 'f=["0xa","0xb"]'
		{`"0xa, 0xb,,"`, []string{"0xa", "0xb"}, true},
		{`""`, nil, true},
		{`"[not json"`, nil, false},
		{`42`, nil, false},
		{`null`, nil, true},
	}
	for _, tt := range tests {
		in := &input{values: map[string]json.RawMessage{"k": json.RawMessage(tt.raw)}}
		got, err := in.list("k")
		if (err == nil) != tt.ok || len(got) != len(tt.want) {
			t.Errorf("%s: %q, %v", tt.raw, got, err)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%s: %q", tt.raw, got)
			}
		}
	}
}

// FuzzInputValues: the parameter readers never panic, and errors are coded.
func FuzzInputValues(f *testing.F) {
	for _, s := range []string{`["a"]`, `"1.5"`, `true`, `"x,y"`, `{"a":1}`, `"[1,2]"`, `1e400`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		in := &input{values: map[string]json.RawMessage{"k": json.RawMessage(raw)}}
		for _, err := range []error{
			func() error { _, err := in.list("k"); return err }(),
			func() error { _, err := in.str("k"); return err }(),
			func() error { _, err := in.float("k", 0); return err }(),
			func() error { _, err := in.integer("k", 0); return err }(),
			func() error { _, err := in.boolean("k"); return err }(),
		} {
			if err != nil && Status(err) != 400 {
				t.Fatalf("%q: %v (status %d)", raw, err, Status(err))
			}
		}
	})
}
