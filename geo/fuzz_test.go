package geo

import (
	"regexp"
	"testing"
)

// The fuzz targets check what must hold for any input: no panic, a refusal
// is an invalid-input error, and an accepted value is in the one written
// form and normalises to itself. Interesting inputs found while fuzzing are
// kept in testdata/fuzz.

var (
	postcodeForm    = regexp.MustCompile(`^[1-9][0-9]{3} [A-Z]{2}$`)
	houseNumberForm = regexp.MustCompile(`^[1-9][0-9]{0,4}[a-z]?(-[a-z0-9]{1,4})?$`)
	e164Form        = regexp.MustCompile(`^\+[1-9][0-9]{4,14}$`)
)

func FuzzNormalizePostcode(f *testing.F) {
	for _, s := range []string{"3961AB", "3961 ab", " 3961-ab ", "0961AB", "3961SA", "3961 AB 12", "３９６１AB", "", "39\u00a061AB"} {
		f.Add(s)
	}
	l := NewLocator(nil)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := l.NormalizePostcode(s)
		if err != nil {
			checkInvalid(t, err)
			return
		}
		if !postcodeForm.MatchString(got) {
			t.Fatalf("NormalizePostcode(%q) = %q, not in the form 1234 AB", s, got)
		}
		again, err := l.NormalizePostcode(got)
		if err != nil || again != got {
			t.Fatalf("NormalizePostcode(%q) = %q, %v; want it unchanged", got, again, err)
		}
	})
}

func FuzzNormalizeHouseNumber(f *testing.F) {
	for _, s := range []string{"12", "012", "12a", "12 A", "12-2", "12 bis", "12-II", "12a-1", "12a1", "12ab", "12 a 1", "0", "100000", "12ä", ""} {
		f.Add(s)
	}
	l := NewLocator(nil)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := l.NormalizeHouseNumber(s)
		if err != nil {
			checkInvalid(t, err)
			return
		}
		if !houseNumberForm.MatchString(got) {
			t.Fatalf("NormalizeHouseNumber(%q) = %q, not in the form 12a-2", s, got)
		}
		again, err := l.NormalizeHouseNumber(got)
		if err != nil || again != got {
			t.Fatalf("NormalizeHouseNumber(%q) = %q, %v; want it unchanged", got, again, err)
		}
	})
}

func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"06-12345678", "+31 (0)6 1234 5678", "0031 6 12345678", "030-1234567", "0343-571234",
		"+1 212 555 0100", "+44 7911 123456", "0612345678 ext 3", "112", "tel: 06-12345678", "+3161234567890", ""} {
		f.Add(s)
	}
	l := NewLocator(nil)
	f.Fuzz(func(t *testing.T, s string) {
		got, mobile, err := l.NormalizePhone(s)
		if err != nil {
			checkInvalid(t, err)
			return
		}
		if !e164Form.MatchString(got) {
			t.Fatalf("NormalizePhone(%q) = %q, not E.164", s, got)
		}
		again, mobileAgain, err := l.NormalizePhone(got)
		if err != nil || again != got || mobileAgain != mobile {
			t.Fatalf("NormalizePhone(%q) = %q, %v, %v; want %q, %v", got, again, mobileAgain, err, got, mobile)
		}
	})
}
