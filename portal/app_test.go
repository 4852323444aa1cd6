package portal

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"wijkhelpt"
)

func TestSafeNext(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "/"},
		{"/wachtrij", "/wachtrij"},
		{"/hulpvraag?x=1", "/hulpvraag?x=1"},
		{"//evil.example/", "/"},
		{"/\\evil.example", "/"},
		{"https://evil.example/", "/"},
		{"javascript:alert(1)", "/"},
		{"/a\r\nSet-Cookie: x", "/"},
	}
	for _, tt := range tests {
		if got := safeNext(tt.in); got != tt.want {
			t.Errorf("safeNext(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAcceptLanguage(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"en", "en"},
		{"en-GB,en;q=0.9", "en"},
		{"nl-NL,nl;q=0.9,en;q=0.8", "nl"},
		{"de-DE,en;q=0.5,nl;q=0.7", "nl"},
		{"fr", ""},
		{"en;q=0", ""},
		{"nl;q=bad,en;q=0.1", "en"},
	}
	for _, tt := range tests {
		if got := acceptLanguage(tt.in); got != tt.want {
			t.Errorf("acceptLanguage(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSessionExpiry(t *testing.T) {
	created := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		role     wijkhelpt.Role
		lastSeen time.Time
		want     time.Time
	}{
		{"staff idle", wijkhelpt.RoleMediator, created.Add(time.Hour), created.Add(time.Hour + staffIdle)},
		{"staff capped by lifetime", wijkhelpt.RolePhone, created.Add(staffLifetime - time.Minute), created.Add(staffLifetime)},
		{"volunteer idle", wijkhelpt.RoleVolunteer, created, created.Add(volunteerIdle)},
		{"volunteer capped", wijkhelpt.RoleVolunteer, created.Add(volunteerLifetime), created.Add(volunteerLifetime)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sessionExpiry(tt.role, created, tt.lastSeen); !got.Equal(tt.want) {
				t.Errorf("sessionExpiry = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTwiML(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `<?xml version="1.0" encoding="UTF-8"?>` + "\n<Response></Response>"},
		{"Dank je <3 & tot ziens", `<?xml version="1.0" encoding="UTF-8"?>` + "\n<Response><Message>Dank je &lt;3 &amp; tot ziens</Message></Response>"},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, string(twiML(tt.in))); diff != "" {
			t.Errorf("twiML(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestScopedIdempotencyKey(t *testing.T) {
	in := wijkhelpt.RequestInput{Text: "boodschappen", Postcode: "3961 AB", HouseNumber: "1",
		Contact: wijkhelpt.Contact{Name: "Els", Phone: "0612345678"}, IdempotencyKey: "k1"}
	other := in
	other.Contact.Phone = "0687654321"
	anon := viewer{}
	tokenA := viewer{LoggedIn: true, Role: wijkhelpt.RoleAdmin, tokenID: "a"}
	tokenB := viewer{LoggedIn: true, Role: wijkhelpt.RoleAdmin, tokenID: "b"}
	user := viewer{LoggedIn: true, Role: wijkhelpt.RolePhone, UserID: "a"}

	if scopedIdempotencyKey(anon, in) != scopedIdempotencyKey(anon, in) {
		t.Error("same anonymous input gives different keys")
	}
	distinct := map[string]string{
		"anon":         scopedIdempotencyKey(anon, in),
		"anon other":   scopedIdempotencyKey(anon, other),
		"token a":      scopedIdempotencyKey(tokenA, in),
		"token b":      scopedIdempotencyKey(tokenB, in),
		"user a":       scopedIdempotencyKey(user, in),
		"token a, new": scopedIdempotencyKey(tokenA, wijkhelpt.RequestInput{IdempotencyKey: "k2"}),
	}
	seen := map[string]string{}
	for name, k := range distinct {
		if len(k) > 128 {
			t.Errorf("%s: key of %d bytes is longer than the domain allows", name, len(k))
		}
		if prev, ok := seen[k]; ok {
			t.Errorf("%s and %s share a key", name, prev)
		}
		seen[k] = name
	}
	// A token's key does not depend on the body: a retry with a corrected
	// body is still the same request.
	if scopedIdempotencyKey(tokenA, in) != scopedIdempotencyKey(tokenA, other) {
		t.Error("token-scoped key depends on the body")
	}
}
