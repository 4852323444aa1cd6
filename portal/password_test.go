package portal

import (
	"strings"
	"testing"
)

func TestHashPasswordRoundTrip(t *testing.T) {
	const pw = "correct horse battery"
	h, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("HashPassword = %q, want the PHC argon2id form with our parameters", h)
	}
	if strings.Contains(h, pw) {
		t.Error("hash contains the password")
	}
	h2, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	if h == h2 {
		t.Error("two hashes of one password are equal: salt is not random")
	}
	tests := []struct {
		name string
		pw   string
		want bool
	}{
		{"same", pw, true},
		{"other", "correct horse battery!", false},
		{"empty", "", false},
		{"case", strings.ToUpper(pw), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CheckPassword(h, tt.pw); got != tt.want {
				t.Errorf("CheckPassword(h, %q) = %v, want %v", tt.pw, got, tt.want)
			}
		})
	}
}

func TestHashPasswordRefusesShort(t *testing.T) {
	if _, err := HashPassword("kort"); err == nil {
		t.Error("HashPassword accepted a 4-character password")
	}
	if _, err := HashPassword(strings.Repeat("x", maxPasswordLen+1)); err == nil {
		t.Error("HashPassword accepted an overlong password")
	}
}

func TestCheckPasswordMalformed(t *testing.T) {
	good, err := HashPassword("een goed wachtwoord")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, "$")
	tests := []struct {
		name    string
		encoded string
	}{
		{"empty", ""},
		{"bcrypt", "$2a$10$abcdefghijklmnopqrstuuOq8W7o1wQz5XbZpY7JmQ8uX5eH1yC"},
		{"argon2i", strings.Replace(good, "argon2id", "argon2i", 1)},
		{"version", strings.Replace(good, "v=19", "v=16", 1)},
		{"huge memory", strings.Join([]string{"", parts[1], parts[2], "m=4194304,t=2,p=1", parts[4], parts[5]}, "$")},
		{"zero time", strings.Join([]string{"", parts[1], parts[2], "m=19456,t=0,p=1", parts[4], parts[5]}, "$")},
		{"bad salt", strings.Join([]string{"", parts[1], parts[2], parts[3], "!!!", parts[5]}, "$")},
		{"short key", strings.Join([]string{"", parts[1], parts[2], parts[3], parts[4], "AAAA"}, "$")},
		{"extra part", good + "$x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if CheckPassword(tt.encoded, "een goed wachtwoord") {
				t.Errorf("CheckPassword(%q) = true, want false", tt.encoded)
			}
		})
	}
}
