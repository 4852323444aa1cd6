package geo

import "testing"

func TestParsePhone(t *testing.T) {
	tests := []struct {
		in     string
		want   string // "" means refused
		mobile bool
	}{
		{"06-12345678", "+31612345678", true},
		{"0612345678", "+31612345678", true},
		{"06 1234 5678", "+31612345678", true},
		{"+31 (0)6 1234 5678", "+31612345678", true},
		{"+31 6 12345678", "+31612345678", true},
		{"+31612345678", "+31612345678", true},
		{"0031 6 12345678", "+31612345678", true},
		{"0031612345678", "+31612345678", true},
		{"030-1234567", "+31301234567", false},
		{"0343-571234", "+31343571234", false},
		{"0343 57 12 34", "+31343571234", false},
		{"+31 343 571234", "+31343571234", false},
		{"0800-1234", "+318001234", false},         // toll-free: no SMS
		{"+32 470 12 34 56", "+32470123456", true}, // Belgian mobile
		{"+49 151 12345678", "+4915112345678", true},
		{"+44 20 7946 0018", "+442079460018", false}, // London landline
		{"+1 212 555 0100", "+12125550100", true},    // FIXED_LINE_OR_MOBILE counts as mobile
		{"", "", false},
		{"   ", "", false},
		{"06-1234567", "", false},   // one digit short
		{"06-123456789", "", false}, // one digit too many
		{"112", "", false},
		{"12345", "", false},
		{"bel me maar", "", false},
		{"0612345678 ext 3", "", false},
		{"+99 123 456", "", false},
		{"06-12345678-06-12345678-06-12345678-06-12345678", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, mobile, err := ParsePhone(tt.in)
			if tt.want == "" {
				checkInvalid(t, err)
				return
			}
			if err != nil {
				t.Fatalf("ParsePhone(%q) error = %v", tt.in, err)
			}
			if got != tt.want || mobile != tt.mobile {
				t.Errorf("ParsePhone(%q) = %q, mobile %v; want %q, mobile %v", tt.in, got, mobile, tt.want, tt.mobile)
			}
		})
	}
}
