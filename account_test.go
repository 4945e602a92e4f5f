package sleuth

import "testing"

func TestCredits(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Credits
		str  string
	}{
		{"1", CreditUnit, "1"},
		{"0.2", 200_000, "0.2"},
		{"0.01", 10_000, "0.01"},
		{" 10 ", 10 * CreditUnit, "10"},
		{"-3.000001", -3_000_001, "-3.000001"},
		{"0", 0, "0"},
	} {
		got, err := ParseCredits(tt.in)
		if err != nil || got != tt.want || got.String() != tt.str {
			t.Errorf("ParseCredits(%q) = %v (%s), %v; want %v %q", tt.in, int64(got), got, err, int64(tt.want), tt.str)
		}
	}
	for _, bad := range []string{"", "abc", "1.0000001", "NaN", "Inf", "1e20"} {
		if _, err := ParseCredits(bad); ErrorCode(err) != CodeBadRequest {
			t.Errorf("ParseCredits(%q): %v", bad, err)
		}
	}
	if (CreditUnit / 5).Float() != 0.2 {
		t.Error("Float")
	}
}

func TestErrors(t *testing.T) {
	cause := Errorf(CodeImageCorrupt, "inner")
	err := Errorf(CodeFileUnreadable, "outer: %w", cause)
	if err.Error() != "outer: inner" || ErrorCode(err) != CodeFileUnreadable || err.Unwrap() != cause {
		t.Errorf("%v", err)
	}
	if ErrorCode(nil) != CodeInternal || ErrorCode(errString("x")) != CodeInternal {
		t.Error("uncoded errors are internal")
	}
	if !isErr(Errorf(CodeAssetNotFound, "nid %s", "b"), ErrAssetNotFound) || isErr(err, ErrAssetNotFound) {
		t.Error("errors.Is compares codes")
	}
}

type errString string

func (e errString) Error() string { return string(e) }

func isErr(err, target error) bool {
	e, ok := err.(*Error)
	return ok && e.Is(target)
}

// FuzzParseCredits: any string parses to an amount whose text form parses
// back to the same amount, or fails with sleuth.request.invalid.
func FuzzParseCredits(f *testing.F) {
	for _, s := range []string{"1", "0.2", "-3.000001", "1e3", "abc", "0x10", " 7 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCredits(s)
		if err != nil {
			if ErrorCode(err) != CodeBadRequest {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		back, err := ParseCredits(c.String())
		if err != nil || back != c {
			t.Fatalf("%q -> %d -> %q -> %d, %v", s, int64(c), c.String(), int64(back), err)
		}
	})
}
