package geo

import (
	"testing"

	"wijkhelpt"
)

// checkInvalid fails unless err is an invalid-input error for field "" with
// a message in both languages, as the desk expects to merge it.
func checkInvalid(tb testing.TB, err error) {
	tb.Helper()
	if wijkhelpt.ErrorCodeOf(err) != wijkhelpt.ErrInvalid {
		tb.Fatalf("error = %v, want an invalid-input error", err)
	}
	msg, ok := wijkhelpt.AsError(err).Fields[""]
	if !ok || msg.NL == "" || msg.EN == "" {
		tb.Fatalf("error fields = %v, want a Dutch and English message for field \"\"", wijkhelpt.AsError(err).Fields)
	}
}

func TestParsePostcode(t *testing.T) {
	tests := []struct {
		in, want string // want "" means refused
	}{
		{"3961AB", "3961 AB"},
		{"3961ab", "3961 AB"},
		{"3961 AB", "3961 AB"},
		{" 3961-ab ", "3961 AB"},
		{"3961  a b", "3961 AB"},
		{"3961\tAB", "3961 AB"},
		{"1000AA", "1000 AA"},
		{"9999ZZ", "9999 ZZ"},
		{"3945 SB", "3945 SB"},
		{"3947 AS", "3947 AS"},
		{"", ""},
		{"   ", ""},
		{"0961AB", ""},  // postcodes start at 1000
		{"3961SA", ""},  // never issued
		{"3961 sd", ""}, // never issued
		{"3961SS", ""},  // never issued
		{"396AB", ""},
		{"39612AB", ""},
		{"3961A", ""},
		{"3961ABC", ""},
		{"3961A1", ""},
		{"AB3961", ""},
		{"3961ÄB", ""},
		{"３９６１AB", ""}, // full-width digits
		{"3961_AB", ""},
		{"3961.AB", ""},
		{"3961 AB 12", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParsePostcode(tt.in)
			if tt.want == "" {
				checkInvalid(t, err)
				return
			}
			if err != nil {
				t.Fatalf("ParsePostcode(%q) error = %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParsePostcode(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseHouseNumber(t *testing.T) {
	tests := []struct {
		in, want string // want "" means refused
	}{
		{"12", "12"},
		{" 12 ", "12"},
		{"012", "12"},
		{"1", "1"},
		{"99999", "99999"},
		{"12a", "12a"},
		{"12A", "12a"},
		{"12 A", "12a"},
		{"12-a", "12a"},
		{"12-2", "12-2"},
		{"12 2", "12-2"},
		{"12/2", "12-2"},
		{"12 bis", "12-bis"},
		{"12BIS", "12-bis"},
		{"12-II", "12-ii"},
		{"12 hs", "12-hs"},
		{"12a-1", "12a-1"},
		{"12A 1", "12a-1"},
		{"12a1", "12a-1"},
		{"12 a 1", "12a-1"},
		{"12-2-b", "12-2b"},
		{"12-", "12"},
		{"12ab", "12-ab"},
		{"12a-boven", ""}, // addition longer than four
		{"12-12345", ""},
		{"", ""},
		{"  ", ""},
		{"0", ""},
		{"00", ""},
		{"0a", ""},
		{"100000", ""},
		{"123456", ""},
		{"a12", ""},
		{"-12", ""},
		{"12,5", ""},
		{"12.a", ""},
		{"12ä", ""},
		{"twaalf", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseHouseNumber(tt.in)
			if tt.want == "" {
				checkInvalid(t, err)
				return
			}
			if err != nil {
				t.Fatalf("ParseHouseNumber(%q) error = %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseHouseNumber(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSplitHouseNumber(t *testing.T) {
	tests := []struct{ in, number, letter, addition string }{
		{"12", "12", "", ""},
		{"12a", "12", "a", ""},
		{"12-2", "12", "", "2"},
		{"12a-2", "12", "a", "2"},
		{"12-bis", "12", "", "bis"},
	}
	for _, tt := range tests {
		n, l, a := splitHouseNumber(tt.in)
		if n != tt.number || l != tt.letter || a != tt.addition {
			t.Errorf("splitHouseNumber(%q) = %q, %q, %q, want %q, %q, %q", tt.in, n, l, a, tt.number, tt.letter, tt.addition)
		}
	}
}
