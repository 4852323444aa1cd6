package wijkhelpt_test

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"wijkhelpt"
)

func validOfferInput() wijkhelpt.OfferInput {
	return wijkhelpt.OfferInput{
		Name:        "Anna de Boer",
		Phone:       "06-22220001",
		Postcode:    "3961 AB",
		HouseNumber: "3",
		Categories:  []string{"boodschappen", "tuin"},
		Slots:       []string{"di-ochtend", "za-middag"},
	}
}

func TestOfferValidateDefaults(t *testing.T) {
	in := validOfferInput()
	if errs := in.Validate(); len(errs) > 0 {
		t.Fatalf("Validate: %v", errs.Err())
	}
	got := [3]any{in.Kind, in.MaxDistanceKm, in.Capacity}
	want := [3]any{wijkhelpt.OfferVolunteer, float64(5), 2}
	if got != want {
		t.Errorf("kind, max distance, capacity = %v, want %v", got, want)
	}
	in = validOfferInput()
	in.MaxDistanceKm, in.Capacity = 12.5, 4
	in.Validate()
	if in.MaxDistanceKm != 12.5 || in.Capacity != 4 {
		t.Errorf("given values replaced: %v km, %d tasks", in.MaxDistanceKm, in.Capacity)
	}
}

func TestOfferValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(in *wijkhelpt.OfferInput)
		want   []string
	}{
		{"valid", func(in *wijkhelpt.OfferInput) {}, []string{}},
		{"organisation", func(in *wijkhelpt.OfferInput) {
			in.Kind, in.Organisation = wijkhelpt.OfferOrganisation, "Zonnebloem Wijk"
		}, []string{}},
		{"organisation without its name", func(in *wijkhelpt.OfferInput) { in.Kind = wijkhelpt.OfferOrganisation }, []string{"organisation"}},
		{"bad kind", func(in *wijkhelpt.OfferInput) { in.Kind = "company" }, []string{"kind"}},
		{"no name", func(in *wijkhelpt.OfferInput) { in.Name = " " }, []string{"name"}},
		{"bad email", func(in *wijkhelpt.OfferInput) { in.Email = "anna@" }, []string{"email"}},
		{"email with display name", func(in *wijkhelpt.OfferInput) { in.Email = "Anna <anna@example.nl>" }, []string{"email"}},
		{"no categories", func(in *wijkhelpt.OfferInput) { in.Categories = nil }, []string{"categories"}},
		{"unknown category", func(in *wijkhelpt.OfferInput) { in.Categories = []string{"tuin", "x"} }, []string{"categories"}},
		{"bad slot", func(in *wijkhelpt.OfferInput) { in.Slots = []string{"ma-nacht"} }, []string{"slots"}},
		{"text too long", func(in *wijkhelpt.OfferInput) { in.Text = strings.Repeat("a", wijkhelpt.MaxTextLen+1) }, []string{"text"}},
		{"distance too small", func(in *wijkhelpt.OfferInput) { in.MaxDistanceKm = 0.05 }, []string{"maxDistanceKm"}},
		{"distance negative", func(in *wijkhelpt.OfferInput) { in.MaxDistanceKm = -3 }, []string{"maxDistanceKm"}},
		{"distance too large", func(in *wijkhelpt.OfferInput) { in.MaxDistanceKm = 150 }, []string{"maxDistanceKm"}},
		{"distance NaN", func(in *wijkhelpt.OfferInput) { in.MaxDistanceKm = math.NaN() }, []string{"maxDistanceKm"}},
		{"capacity negative", func(in *wijkhelpt.OfferInput) { in.Capacity = -1 }, []string{"capacity"}},
		{"capacity too large", func(in *wijkhelpt.OfferInput) { in.Capacity = 51 }, []string{"capacity"}},
		{"transport", func(in *wijkhelpt.OfferInput) { in.Transport = "bike" }, []string{}},
		{"bad transport", func(in *wijkhelpt.OfferInput) { in.Transport = "horse" }, []string{"transport"}},
		{"away", func(in *wijkhelpt.OfferInput) {
			in.Away = []wijkhelpt.Period{{From: "2026-12-20", To: "2027-01-03"}, {From: "2027-02-01", To: "2027-02-01"}}
		}, []string{}},
		{"away backwards", func(in *wijkhelpt.OfferInput) {
			in.Away = []wijkhelpt.Period{{From: "2027-01-03", To: "2026-12-20"}}
		}, []string{"away"}},
		{"away without an end", func(in *wijkhelpt.OfferInput) { in.Away = []wijkhelpt.Period{{From: "2027-01-03"}} }, []string{"away"}},
		{"vog", func(in *wijkhelpt.OfferInput) { in.VOGDate = "2025-06-01" }, []string{}},
		{"bad vog", func(in *wijkhelpt.OfferInput) { in.VOGDate = "1-6-2025" }, []string{"vogDate"}},
		{"bad location", func(in *wijkhelpt.OfferInput) { in.Location = &wijkhelpt.Point{Lat: 52, Lon: 500} }, []string{"location"}},
		{"everything wrong", func(in *wijkhelpt.OfferInput) {
			*in = wijkhelpt.OfferInput{Kind: "x", Email: "x", Slots: []string{"x"}, MaxDistanceKm: -1, Capacity: -1,
				Transport: "x", Away: []wijkhelpt.Period{{}}, VOGDate: "x", Location: &wijkhelpt.Point{},
				Text: strings.Repeat("a", wijkhelpt.MaxTextLen+1)}
		}, []string{"away", "capacity", "categories", "email", "kind", "location", "maxDistanceKm", "name", "slots",
			"text", "transport", "vogDate"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validOfferInput()
			tt.change(&in)
			if diff := cmp.Diff(tt.want, fieldNames(in.Validate())); diff != "" {
				t.Errorf("fields with errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOfferValidateNormalizesDates(t *testing.T) {
	in := validOfferInput()
	away := []wijkhelpt.Period{{From: " 2026-12-20", To: "2027-01-03 "}}
	in.Away = away
	in.VOGDate = " 2025-06-01 "
	if errs := in.Validate(); len(errs) > 0 {
		t.Fatalf("Validate: %v", errs.Err())
	}
	o := wijkhelpt.NewOffer(in, testLocation(), "+31622220001", true, wijkhelpt.ActorImport, tIntake(t))
	if !o.AwayOn("2026-12-25") || !o.VOGValid("2026-01-01") {
		t.Errorf("AwayOn = %v, VOGValid = %v for dates typed with spaces; want true, true", o.AwayOn("2026-12-25"), o.VOGValid("2026-01-01"))
	}
	if away[0].From != " 2026-12-20" {
		t.Errorf("Validate changed the caller's slice: %+v", away)
	}
}

func TestVOGValid(t *testing.T) {
	tests := []struct {
		vog, day string
		want     bool
	}{
		{"", "2026-11-24", false},
		{"not a date", "2026-11-24", false},
		{"2024-03-01", "2026-11-24", true},
		{"2026-11-24", "2026-11-24", true},
		{"2026-11-25", "2026-11-24", false}, // recorded for a later date: not valid yet
		{"2023-11-25", "2026-11-24", true},  // the last day
		{"2023-11-24", "2026-11-24", false}, // three years on: lapsed
		{"2020-01-01", "2026-11-24", false},
		{"2024-02-29", "2027-02-28", true},
		{"2024-02-29", "2027-03-01", false},
	}
	for _, tt := range tests {
		t.Run(tt.vog+"/"+tt.day, func(t *testing.T) {
			o := &wijkhelpt.Offer{VOGDate: tt.vog}
			if got := o.VOGValid(tt.day); got != tt.want {
				t.Errorf("VOG %q valid on %s = %v, want %v", tt.vog, tt.day, got, tt.want)
			}
		})
	}
}

func TestAwayOn(t *testing.T) {
	o := &wijkhelpt.Offer{Away: []wijkhelpt.Period{
		{From: "2026-12-20", To: "2027-01-03"},
		{From: "2027-02-10", To: "2027-02-10"},
	}}
	for day, want := range map[string]bool{
		"2026-12-19": false, "2026-12-20": true, "2027-01-01": true, "2027-01-03": true,
		"2027-01-04": false, "2027-02-10": true, "2027-02-11": false, "": false,
	} {
		if got := o.AwayOn(day); got != want {
			t.Errorf("AwayOn(%q) = %v, want %v", day, got, want)
		}
	}
	if (&wijkhelpt.Offer{}).AwayOn("2026-12-20") {
		t.Error("an offer without periods away is away")
	}
}

func TestNewOffer(t *testing.T) {
	in := validOfferInput()
	in.Name = " Anna de Boer "
	in.Slots = []string{"za-middag", "DI-OCHTEND"}
	in.Languages = []string{" NL", "", "Engels "}
	in.Validate()
	now := tIntake(t)
	o := wijkhelpt.NewOffer(in, testLocation(), "+31622220001", true, wijkhelpt.ActorImport, now)
	want := &wijkhelpt.Offer{
		ID: o.ID, Kind: wijkhelpt.OfferVolunteer, Name: "Anna de Boer", Phone: "+31622220001", Mobile: true,
		Location: testLocation(), Categories: []string{"boodschappen", "tuin"}, Slots: []string{"di-ochtend", "za-middag"},
		MaxDistanceKm: 5, Capacity: 2, Languages: []string{"nl", "engels"}, Away: []wijkhelpt.Period{},
		Active: true, CreatedBy: wijkhelpt.ActorImport, CreatedAt: now, UpdatedAt: now, SchemaVersion: wijkhelpt.SchemaVersion,
	}
	if diff := cmp.Diff(want, o); diff != "" {
		t.Errorf("offer (-want +got):\n%s", diff)
	}
	if got, want := o.FirstName(), "Anna"; got != want {
		t.Errorf("FirstName = %q, want %q", got, want)
	}
	if got := o.SlotSet().Len(); got != 2 {
		t.Errorf("SlotSet().Len() = %d, want 2", got)
	}
}
