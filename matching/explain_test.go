package matching

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"wijkhelpt"
)

func TestReasons(t *testing.T) {
	tests := []struct {
		name    string
		offer   func(*wijkhelpt.Offer)
		request func(*wijkhelpt.Request)
		helped  bool
		want    []wijkhelpt.Text
	}{
		{
			name:    "all parts",
			offer:   func(o *wijkhelpt.Offer) { o.Slots = []string{"di-ochtend", "wo-avond"} },
			request: func(r *wijkhelpt.Request) { r.Slots = []string{"di-ochtend"} },
			helped:  true,
			want: []wijkhelpt.Text{
				{NL: "1,2 km", EN: "1.2 km"},
				{NL: "boodschappen", EN: "groceries and errands"},
				{NL: "di-ochtend vrij", EN: "free Tue morning"},
				{NL: "0 van 2 taken", EN: "0 of 2 tasks"},
				{NL: "hielp eerder bij deze bewoner", EN: "helped this resident before"},
			},
		},
		{
			name: "flexible request, VOG category, many slots",
			offer: func(o *wijkhelpt.Offer) {
				o.Categories = []string{"kinderen", "boodschappen", "tuin"}
				o.VOGDate = "2025-03-01"
				o.Capacity = 3
			},
			request: func(r *wijkhelpt.Request) { r.Categories = []string{"tuin", "kinderen", "vervoer"} },
			want: []wijkhelpt.Text{
				{NL: "1,2 km", EN: "1.2 km"},
				{NL: "tuin en kinderen en gezin", EN: "garden and children and family"},
				{NL: "VOG geldig", EN: "valid VOG"},
				{NL: "tijd in overleg", EN: "time flexible"},
				{NL: "0 van 3 taken", EN: "0 of 3 tasks"},
			},
		},
		{
			name: "five shared slots",
			offer: func(o *wijkhelpt.Offer) {
				o.Slots = []string{"ma-ochtend", "di-ochtend", "wo-ochtend", "do-ochtend", "vr-ochtend"}
			},
			request: func(r *wijkhelpt.Request) {
				r.Slots = []string{"ma-ochtend", "di-ochtend", "wo-ochtend", "do-ochtend", "vr-ochtend", "za-ochtend"}
			},
			want: []wijkhelpt.Text{
				{NL: "1,2 km", EN: "1.2 km"},
				{NL: "boodschappen", EN: "groceries and errands"},
				{NL: "ma-ochtend, di-ochtend, wo-ochtend en 2 andere vrij", EN: "free Mon morning, Tue morning, Wed morning and 2 more"},
				{NL: "0 van 2 taken", EN: "0 of 2 tasks"},
			},
		},
		{
			name:    "offer without availability grid",
			request: func(r *wijkhelpt.Request) { r.Slots = []string{"za-middag"} },
			want: []wijkhelpt.Text{
				{NL: "1,2 km", EN: "1.2 km"},
				{NL: "boodschappen", EN: "groceries and errands"},
				{NL: "beschikbaarheid niet opgegeven", EN: "availability not given"},
				{NL: "0 van 2 taken", EN: "0 of 2 tasks"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := NewEngine(DefaultWeights())
			o := newOffer(t, "o1", north(wijk, 1.2))
			if tt.offer != nil {
				tt.offer(o)
			}
			e.Upsert(o)
			r := newRequest(t, "r1", wijk)
			if tt.request != nil {
				tt.request(r)
			}
			if tt.helped {
				e.ApplyRequest(newRequest(t, "r0", wijk, func(r *wijkhelpt.Request) {
					r.Matches = []wijkhelpt.Match{matchOf("o1", wijkhelpt.MatchCompleted)}
				}))
			}
			res := checkSame(t, e, r, 10, today)
			if len(res.Suggestions) != 1 {
				t.Fatalf("got %d suggestions, want 1", len(res.Suggestions))
			}
			if diff := cmp.Diff(tt.want, res.Suggestions[0].Reasons); diff != "" {
				t.Errorf("reasons (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSuggestionFields(t *testing.T) {
	e := NewEngine(DefaultWeights())
	e.Upsert(newOffer(t, "o1", north(wijk, 1), func(o *wijkhelpt.Offer) { o.Name = "Anna de Vries" }))
	e.Upsert(newOffer(t, "o2", north(wijk, 2), func(o *wijkhelpt.Offer) {
		o.Kind = wijkhelpt.OfferOrganisation
		o.Name = "Piet Jansen"
		o.Organisation = "Humanitas"
		o.Location.PC4, o.Location.Place = "3962", "Wijk bij Duurstede"
	}))
	res := checkSame(t, e, newRequest(t, "r1", wijk), 10, today)
	var got [][3]string
	for _, s := range res.Suggestions {
		got = append(got, [3]string{s.OfferID, s.Name, s.Area})
	}
	want := [][3]string{{"o1", "Anna", "3961 Wijk bij Duurstede"}, {"o2", "Humanitas", "3962 Wijk bij Duurstede"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("suggestions (-want +got):\n%s", diff)
	}
}

// TestResultJSON checks the shape of the API's answer.
func TestResultJSON(t *testing.T) {
	e := NewEngine(DefaultWeights())
	e.Upsert(newOffer(t, "o1", north(wijk, 1)))
	e.Upsert(newOffer(t, "o2", north(wijk, 1), func(o *wijkhelpt.Offer) { o.Active = false }))
	for _, res := range []Result{
		e.Suggest(newRequest(t, "r1", wijk), 10, today),
		e.Suggest(newRequest(t, "r2", wijk, func(r *wijkhelpt.Request) { r.Categories = []string{"tuin"} }), 10, today),
	} {
		raw, err := json.Marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		if got, want := keys(doc), []string{"excluded", "suggestions"}; !slices.Equal(got, want) {
			t.Errorf("top-level keys %v, want %v", got, want)
		}
		ex := doc["excluded"].(map[string]any)
		if got, want := keys(ex), []string{"away", "capacity", "category", "distance", "excluded", "inactive", "slots", "vog"}; !slices.Equal(got, want) {
			t.Errorf("excluded keys %v, want %v", got, want)
		}
		list, ok := doc["suggestions"].([]any)
		if !ok {
			t.Fatalf("suggestions is %T in %s, want a list", doc["suggestions"], raw)
		}
		for _, item := range list {
			s := item.(map[string]any)
			if got, want := keys(s), []string{"area", "breakdown", "distanceKm", "name", "offerId", "reasons", "score"}; !slices.Equal(got, want) {
				t.Errorf("suggestion keys %v, want %v", got, want)
			}
			if got, want := keys(s["breakdown"].(map[string]any)), []string{"availability", "continuity", "distance", "load", "skill"}; !slices.Equal(got, want) {
				t.Errorf("breakdown keys %v, want %v", got, want)
			}
			reason := s["reasons"].([]any)[0].(map[string]any)
			if got, want := keys(reason), []string{"en", "nl"}; !slices.Equal(got, want) {
				t.Errorf("reason keys %v, want %v", got, want)
			}
		}
	}
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestWhyNone(t *testing.T) {
	// 45 offers: 5 paused nearby, 37 in Utrecht (25 km away), 3 nearby who
	// only do groceries.
	e := NewEngine(DefaultWeights())
	n := 0
	add := func(p wijkhelpt.Point, mod func(*wijkhelpt.Offer)) {
		n++
		e.Upsert(newOffer(t, fmt.Sprintf("o%02d", n), p, mod))
	}
	for range 5 {
		add(north(wijk, 1), func(o *wijkhelpt.Offer) { o.Active = false })
	}
	for range 37 {
		add(north(wijk, 25), nil)
	}
	for range 3 {
		add(east(wijk, 2), nil)
	}
	tests := []struct {
		name    string
		request func(*wijkhelpt.Request)
		want    wijkhelpt.Text
	}{
		{"no one for the garden", func(r *wijkhelpt.Request) {
			r.Categories = []string{"tuin"}
			r.MaxDistanceKm = 5
		}, wijkhelpt.T("Geen suggesties: 40 van 45 actief, 3 binnen 5 km, 0 met categorie tuin.",
			"No suggestions: 40 of 45 active, 3 within 5 km, 0 for garden.")},
		{"two categories, own reach", func(r *wijkhelpt.Request) { r.Categories = []string{"tuin", "klussen"} },
			wijkhelpt.T("Geen suggesties: 40 van 45 actief, 3 binnen hun reisafstand, 0 met categorie tuin of klussen in huis.",
				"No suggestions: 40 of 45 active, 3 within their travel distance, 0 for garden or odd jobs.")},
		{"not free then", func(r *wijkhelpt.Request) { r.Slots = []string{"zo-avond"} },
			wijkhelpt.T("40 van 45 actief, 3 binnen hun reisafstand, 3 met categorie boodschappen.",
				"40 of 45 active, 3 within their travel distance, 3 for groceries and errands.")},
		{"nobody near", func(r *wijkhelpt.Request) { r.MaxDistanceKm = 0.5 },
			wijkhelpt.T("Geen suggesties: 40 van 45 actief, 0 binnen 0,5 km.", "No suggestions: 40 of 45 active, 0 within 0.5 km.")},
		{"no location", func(r *wijkhelpt.Request) { r.Location.Point = wijkhelpt.Point{} },
			wijkhelpt.T("Geen suggesties: deze hulpvraag heeft geen locatie. Vul postcode en huisnummer in.",
				"No suggestions: this request has no location. Enter the postcode and house number.")},
		{"no category", func(r *wijkhelpt.Request) { r.Categories = nil },
			wijkhelpt.T("Geen suggesties: deze hulpvraag heeft nog geen categorie. Kies er een.",
				"No suggestions: this request has no category yet. Choose one.")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRequest(t, "r1", wijk, tt.request)
			res := checkSame(t, e, r, 10, today)
			if diff := cmp.Diff(tt.want, res.WhyNone()); diff != "" {
				t.Errorf("WhyNone (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("slots, capacity, excluded and away", func(t *testing.T) {
		e := NewEngine(DefaultWeights())
		e.Upsert(newOffer(t, "a", east(wijk, 1), func(o *wijkhelpt.Offer) { o.Slots = []string{"ma-avond"} }))
		e.Upsert(newOffer(t, "b", east(wijk, 1), func(o *wijkhelpt.Offer) { o.Capacity = 1 }))
		e.Upsert(newOffer(t, "c", east(wijk, 1)))
		e.Upsert(newOffer(t, "d", east(wijk, 1), func(o *wijkhelpt.Offer) { o.Away = []wijkhelpt.Period{{From: today, To: today}} }))
		e.ApplyRequest(newRequest(t, "busy", wijk, func(r *wijkhelpt.Request) {
			r.Location.HouseNumber = "99"
			r.Matches = []wijkhelpt.Match{matchOf("b", wijkhelpt.MatchProposed)}
		}))
		r := newRequest(t, "r1", wijk, func(r *wijkhelpt.Request) {
			r.Slots = []string{"ma-ochtend"}
			r.Excluded = []string{"c"}
		})
		res := checkSame(t, e, r, 10, today)
		want := wijkhelpt.T(
			"Geen suggesties: 4 van 4 actief, 4 binnen hun reisafstand, 4 met categorie boodschappen, 3 vrij op het gevraagde moment, 2 met ruimte voor een taak, 1 niet afgewezen of uitgesloten, 0 niet afwezig.",
			"No suggestions: 4 of 4 active, 4 within their travel distance, 4 for groceries and errands, 3 free at the requested time, 2 with room for another task, 1 not declined or excluded, 0 not away.")
		if diff := cmp.Diff(want, res.WhyNone()); diff != "" {
			t.Errorf("WhyNone (-want +got):\n%s", diff)
		}
	})

	t.Run("no offers at all", func(t *testing.T) {
		res := NewEngine(DefaultWeights()).Suggest(newRequest(t, "r1", wijk), 10, today)
		want := wijkhelpt.T("Geen suggesties: er zijn nog geen vrijwilligers ingeschreven.", "No suggestions: no volunteers have registered yet.")
		if diff := cmp.Diff(want, res.WhyNone()); diff != "" {
			t.Errorf("WhyNone (-want +got):\n%s", diff)
		}
		if res.Suggestions == nil {
			t.Error("Suggestions is nil; the API must show an empty list")
		}
	})
}

func TestEligibleMessages(t *testing.T) {
	e := NewEngine(DefaultWeights())
	e.Upsert(newOffer(t, "far", north(wijk, 7.2)))
	e.Upsert(newOffer(t, "paused", north(wijk, 1), func(o *wijkhelpt.Offer) { o.Active = false }))
	e.Upsert(newOffer(t, "vog", north(wijk, 1), func(o *wijkhelpt.Offer) { o.Categories = []string{"mantelzorg"} }))
	e.Upsert(newOffer(t, "away", north(wijk, 1), func(o *wijkhelpt.Offer) {
		o.Away = []wijkhelpt.Period{{From: "2026-11-20", To: "2026-11-30"}}
	}))
	tests := []struct {
		offer   string
		request func(*wijkhelpt.Request)
		code    wijkhelpt.ErrorCode
		want    wijkhelpt.Text
	}{
		{"far", nil, wijkhelpt.ErrConflict, wijkhelpt.T("Anna woont 7,2 km weg; de grens is 5 km.", "Anna lives 7.2 km away; the limit is 5 km.")},
		{"paused", nil, wijkhelpt.ErrConflict, wijkhelpt.T("Anna heeft het aanbod gepauzeerd.", "Anna has paused their offer.")},
		{"vog", func(r *wijkhelpt.Request) { r.Categories = []string{"mantelzorg"} }, wijkhelpt.ErrConflict,
			wijkhelpt.T("Voor respijt voor mantelzorgers is een geldige VOG nodig, en die heeft Anna niet.",
				"Helping with respite for carers needs a valid VOG certificate, which Anna does not have.")},
		{"away", func(r *wijkhelpt.Request) { r.Date = "2026-11-24" }, wijkhelpt.ErrConflict,
			wijkhelpt.T("Anna is afwezig op dinsdag 24 november.", "Anna is away on Tuesday 24 November.")},
		{"nobody", nil, wijkhelpt.ErrNotFound, wijkhelpt.T("De vrijwilliger is niet gevonden.", "The volunteer was not found.")},
	}
	for _, tt := range tests {
		t.Run(tt.offer, func(t *testing.T) {
			_, err := e.Eligible(newRequest(t, "r1", wijk, tt.request), tt.offer, today)
			got := wijkhelpt.AsError(err)
			if got.Code != tt.code {
				t.Errorf("code = %s, want %s (%v)", got.Code, tt.code, err)
			}
			if diff := cmp.Diff(tt.want, got.Message); diff != "" {
				t.Errorf("message (-want +got):\n%s", diff)
			}
		})
	}
}
