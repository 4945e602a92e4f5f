package sleuth

import "testing"

func TestNormalizeContract(t *testing.T) {
	for in, want := range map[string]string{
		" 0xAbCdEf0123456789aBcDeF0123456789AbCdEf01 ": "0xabcdef0123456789abcdef0123456789abcdef01",
		"0XABCDEF0123456789ABCDEF0123456789ABCDEF01":   "0xabcdef0123456789abcdef0123456789abcdef01",
		"0xNotHex0123456789aBcDeF0123456789AbCdEf01":   "0xNotHex0123456789aBcDeF0123456789AbCdEf01",
		"DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263": "DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263",
	} {
		if got := NormalizeContract(in); got != want {
			t.Errorf("NormalizeContract(%q) = %q, want %q", in, got, want)
		}
	}
}
