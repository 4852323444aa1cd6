package matching

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"wijkhelpt"
)

func TestHaversineIsDistanceKm(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		a := wijkhelpt.Point{Lat: rng.Float64()*170 - 85, Lon: rng.Float64()*360 - 180}
		b := wijkhelpt.Point{Lat: a.Lat + rng.NormFloat64(), Lon: a.Lon + rng.NormFloat64()}
		got := haversine(a.Lat, a.Lon, math.Cos(a.Lat*rad), b.Lat, b.Lon, math.Cos(b.Lat*rad))
		want := wijkhelpt.DistanceKm(a, b)
		// The same operations in the same order give the same bits; the
		// tolerance only allows for a compiler that fuses multiply-adds.
		if math.Abs(got-want) > 1e-9 {
			t.Fatalf("haversine(%v, %v) = %v, DistanceKm = %v", a, b, got, want)
		}
	}
}

// TestConstraints checks each hard constraint on one offer and one request,
// and that an offer is counted under the first constraint it breaks.
func TestConstraints(t *testing.T) {
	near := north(wijk, 2)
	day := "2026-11-24" // a Tuesday
	tests := []struct {
		name    string
		offer   func(*wijkhelpt.Offer)
		request func(*wijkhelpt.Request)
		setup   func(*Engine)
		want    Excluded // all zero: the offer is suggested
	}{
		{name: "baseline passes"},
		{name: "paused", offer: func(o *wijkhelpt.Offer) { o.Active = false }, want: Excluded{Inactive: 1}},
		{name: "suspended", offer: func(o *wijkhelpt.Offer) { o.Suspended = true }, want: Excluded{Inactive: 1}},
		{name: "opted out of SMS", setup: func(e *Engine) { e.SetOptedOut(phoneOf("o1"), true) }, want: Excluded{Inactive: 1}},
		{name: "opted out, then back in", setup: func(e *Engine) {
			e.SetOptedOut(phoneOf("o1"), true)
			e.SetOptedOut(phoneOf("o1"), false)
		}},
		{name: "opted out, as the offer feed says", offer: func(o *wijkhelpt.Offer) { o.OptedOut = true }, want: Excluded{Inactive: 1}},
		{name: "opted out in the feed but answers in the portal", offer: func(o *wijkhelpt.Offer) {
			o.OptedOut = true
			o.AnswersInPortal = true
		}},
		{name: "opted out but answers in the portal", offer: func(o *wijkhelpt.Offer) { o.AnswersInPortal = true },
			setup: func(e *Engine) { e.SetOptedOut(phoneOf("o1"), true) }},
		{name: "paused and far away counts as inactive", offer: func(o *wijkhelpt.Offer) {
			o.Active = false
			o.Location.Point = north(wijk, 50)
		}, want: Excluded{Inactive: 1}},
		{name: "beyond the offer's distance", offer: func(o *wijkhelpt.Offer) { o.MaxDistanceKm = 1.9 }, want: Excluded{Distance: 1}},
		{name: "exactly at the offer's distance", offer: func(o *wijkhelpt.Offer) {
			o.MaxDistanceKm = wijkhelpt.DistanceKm(wijk, near)
		}},
		{name: "beyond the request's distance", request: func(r *wijkhelpt.Request) { r.MaxDistanceKm = 1.5 }, want: Excluded{Distance: 1}},
		{name: "exactly at the request's distance", request: func(r *wijkhelpt.Request) {
			r.MaxDistanceKm = wijkhelpt.DistanceKm(wijk, near)
		}},
		{name: "request allows more than the offer", offer: func(o *wijkhelpt.Offer) { o.MaxDistanceKm = 1 },
			request: func(r *wijkhelpt.Request) { r.MaxDistanceKm = 10 }, want: Excluded{Distance: 1}},
		{name: "offer without location", offer: func(o *wijkhelpt.Offer) { o.Location.Point = wijkhelpt.Point{} }, want: Excluded{Distance: 1}},
		{name: "request without location", request: func(r *wijkhelpt.Request) { r.Location.Point = wijkhelpt.Point{} }, want: Excluded{Distance: 1}},
		{name: "no shared category", offer: func(o *wijkhelpt.Offer) { o.Categories = []string{"tuin"} }, want: Excluded{Category: 1}},
		{name: "request without category", request: func(r *wijkhelpt.Request) { r.Categories = nil }, want: Excluded{Category: 1}},
		{name: "no category and no slot counts as category", offer: func(o *wijkhelpt.Offer) {
			o.Categories = []string{"tuin"}
			o.Slots = []string{"wo-avond"}
		}, request: func(r *wijkhelpt.Request) { r.Slots = []string{"di-ochtend"} }, want: Excluded{Category: 1}},
		{name: "no shared slot", offer: func(o *wijkhelpt.Offer) { o.Slots = []string{"wo-avond"} },
			request: func(r *wijkhelpt.Request) { r.Slots = []string{"di-ochtend"} }, want: Excluded{Slots: 1}},
		{name: "a shared slot", offer: func(o *wijkhelpt.Offer) { o.Slots = []string{"wo-avond", "di-ochtend"} },
			request: func(r *wijkhelpt.Request) { r.Slots = []string{"di-ochtend"} }},
		{name: "offer without slots", request: func(r *wijkhelpt.Request) { r.Slots = []string{"di-ochtend"} }},
		{name: "flexible request", offer: func(o *wijkhelpt.Offer) { o.Slots = []string{"wo-avond"} }},
		{name: "capacity full", setup: func(e *Engine) {
			e.ApplyRequest(newRequest(t, "r-a", wijk, func(r *wijkhelpt.Request) {
				r.Matches = []wijkhelpt.Match{matchOf("o1", wijkhelpt.MatchProposed), matchOf("o1", wijkhelpt.MatchAccepted)}
			}))
		}, want: Excluded{Capacity: 1}},
		{name: "capacity full over two requests", setup: func(e *Engine) {
			e.ApplyRequest(newRequest(t, "r-a", wijk, func(r *wijkhelpt.Request) {
				r.Matches = []wijkhelpt.Match{matchOf("o1", wijkhelpt.MatchAccepted)}
			}))
			e.ApplyRequest(newRequest(t, "r-b", wijk, func(r *wijkhelpt.Request) {
				r.Matches = []wijkhelpt.Match{matchOf("o1", wijkhelpt.MatchProposed)}
			}))
		}, want: Excluded{Capacity: 1}},
		{name: "ended matches free capacity", setup: func(e *Engine) {
			e.ApplyRequest(newRequest(t, "r-a", wijk, func(r *wijkhelpt.Request) {
				r.Matches = []wijkhelpt.Match{matchOf("o1", wijkhelpt.MatchDeclined), matchOf("o1", wijkhelpt.MatchCompleted),
					matchOf("o1", wijkhelpt.MatchCancelled), matchOf("o1", wijkhelpt.MatchTimedOut), matchOf("o1", wijkhelpt.MatchAccepted)}
			}))
		}},
		{name: "a new version of a request frees capacity", setup: func(e *Engine) {
			r := newRequest(t, "r-a", wijk, func(r *wijkhelpt.Request) {
				r.Revision = 3
				r.Matches = []wijkhelpt.Match{matchOf("o1", wijkhelpt.MatchProposed), matchOf("o1", wijkhelpt.MatchAccepted)}
			})
			e.ApplyRequest(r)
			r2 := *r
			r2.Revision = 4
			r2.Matches = []wijkhelpt.Match{matchOf("o1", wijkhelpt.MatchDeclined), matchOf("o1", wijkhelpt.MatchAccepted)}
			e.ApplyRequest(&r2)
			e.ApplyRequest(r) // older: ignored
		}},
		{name: "capacity counts before VOG", offer: func(o *wijkhelpt.Offer) {
			o.Capacity = 1
			o.Categories = []string{"kinderen"}
		}, request: func(r *wijkhelpt.Request) { r.Categories = []string{"kinderen"} }, setup: func(e *Engine) {
			e.ApplyRequest(newRequest(t, "r-a", wijk, func(r *wijkhelpt.Request) {
				r.Matches = []wijkhelpt.Match{matchOf("o1", wijkhelpt.MatchProposed)}
			}))
		}, want: Excluded{Capacity: 1}},
		{name: "VOG category without VOG", offer: func(o *wijkhelpt.Offer) { o.Categories = []string{"mantelzorg", "tuin"} },
			request: func(r *wijkhelpt.Request) { r.Categories = []string{"mantelzorg"} }, want: Excluded{VOG: 1}},
		{name: "VOG lapsed", offer: func(o *wijkhelpt.Offer) {
			o.Categories = []string{"mantelzorg"}
			o.VOGDate = "2023-11-23" // three years before today: lapsed today
		}, request: func(r *wijkhelpt.Request) { r.Categories = []string{"mantelzorg"} }, want: Excluded{VOG: 1}},
		{name: "VOG one day from lapsing", offer: func(o *wijkhelpt.Offer) {
			o.Categories = []string{"mantelzorg"}
			o.VOGDate = "2023-11-24"
		}, request: func(r *wijkhelpt.Request) { r.Categories = []string{"mantelzorg"} }},
		{name: "VOG lapses before the date of help", offer: func(o *wijkhelpt.Offer) {
			o.Categories = []string{"mantelzorg"}
			o.VOGDate = "2023-11-24"
		}, request: func(r *wijkhelpt.Request) {
			r.Categories = []string{"mantelzorg"}
			r.Date = "2026-11-30"
		}, want: Excluded{VOG: 1}},
		{name: "VOG category shared next to a plain one", offer: func(o *wijkhelpt.Offer) { o.Categories = []string{"mantelzorg", "boodschappen"} },
			request: func(r *wijkhelpt.Request) { r.Categories = []string{"mantelzorg", "boodschappen"} }},
		{name: "blocked by the mediator", request: func(r *wijkhelpt.Request) { r.Excluded = []string{"o1"} }, want: Excluded{Excluded: 1}},
		{name: "already proposed on this request", request: func(r *wijkhelpt.Request) {
			r.Matches = []wijkhelpt.Match{matchOf("o1", wijkhelpt.MatchProposed)}
		}, want: Excluded{Excluded: 1}},
		{name: "away on the date", offer: func(o *wijkhelpt.Offer) { o.Away = []wijkhelpt.Period{{From: "2026-11-20", To: "2026-11-24"}} },
			request: func(r *wijkhelpt.Request) { r.Date = day }, want: Excluded{Away: 1}},
		{name: "away today for an undated request", offer: func(o *wijkhelpt.Offer) { o.Away = []wijkhelpt.Period{{From: today, To: today}} },
			want: Excluded{Away: 1}},
		{name: "away, but not on the date", offer: func(o *wijkhelpt.Offer) { o.Away = []wijkhelpt.Period{{From: "2026-11-25", To: "2026-12-24"}} },
			request: func(r *wijkhelpt.Request) { r.Date = day }},
		{name: "excluded counts before away", offer: func(o *wijkhelpt.Offer) { o.Away = []wijkhelpt.Period{{From: today, To: today}} },
			request: func(r *wijkhelpt.Request) { r.Excluded = []string{"o1"} }, want: Excluded{Excluded: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := NewEngine(DefaultWeights())
			o := newOffer(t, "o1", near)
			if tt.offer != nil {
				tt.offer(o)
			}
			e.Upsert(o)
			if tt.setup != nil {
				tt.setup(e)
			}
			r := newRequest(t, "r1", wijk)
			if tt.request != nil {
				tt.request(r)
			}
			got := checkSame(t, e, r, 10, today)
			if diff := cmp.Diff(tt.want, got.Excluded); diff != "" {
				t.Errorf("excluded (-want +got):\n%s", diff)
			}
			wantN := 0
			if tt.want == (Excluded{}) {
				wantN = 1
			}
			if len(got.Suggestions) != wantN {
				t.Fatalf("got %d suggestions, want %d", len(got.Suggestions), wantN)
			}
			_, err := e.Eligible(r, "o1", today)
			if wantN == 1 && err != nil {
				t.Errorf("Eligible: %v, want no error", err)
			}
			if wantN == 0 && wijkhelpt.ErrorCodeOf(err) != wijkhelpt.ErrConflict {
				t.Errorf("Eligible: %v, want a conflict", err)
			}
		})
	}
}

func TestScore(t *testing.T) {
	day := "2026-11-24"
	tests := []struct {
		name    string
		at      float64 // km north of the request
		offer   func(*wijkhelpt.Offer)
		request func(*wijkhelpt.Request)
		setup   func(*Engine)
		want    Breakdown
	}{
		{name: "everything at best", at: 0, want: Breakdown{Distance: 1, Skill: 1, Availability: 1, Load: 1}},
		{name: "half way", at: 2.5, want: Breakdown{Distance: 0.5, Skill: 1, Availability: 1, Load: 1}},
		{name: "request's own radius", at: 1, request: func(r *wijkhelpt.Request) { r.MaxDistanceKm = 4 },
			want: Breakdown{Distance: 0.75, Skill: 1, Availability: 1, Load: 1}},
		{name: "one of two categories", at: 1, request: func(r *wijkhelpt.Request) { r.Categories = []string{"boodschappen", "tuin"} },
			want: Breakdown{Distance: 0.8, Skill: 0.5, Availability: 1, Load: 1}},
		{name: "VOG category without VOG does not count", at: 1, offer: func(o *wijkhelpt.Offer) { o.Categories = []string{"boodschappen", "kinderen"} },
			request: func(r *wijkhelpt.Request) { r.Categories = []string{"boodschappen", "kinderen"} },
			want:    Breakdown{Distance: 0.8, Skill: 0.5, Availability: 1, Load: 1}},
		{name: "VOG category with VOG counts", at: 1, offer: func(o *wijkhelpt.Offer) {
			o.Categories = []string{"boodschappen", "kinderen"}
			o.VOGDate = "2025-01-31"
		}, request: func(r *wijkhelpt.Request) { r.Categories = []string{"boodschappen", "kinderen"} },
			want: Breakdown{Distance: 0.8, Skill: 1, Availability: 1, Load: 1}},
		{name: "one of three slots", at: 1, offer: func(o *wijkhelpt.Offer) { o.Slots = []string{"di-ochtend", "vr-avond"} },
			request: func(r *wijkhelpt.Request) { r.Date, r.Slots = day, []string{"di-ochtend", "di-middag", "di-avond"} },
			want:    Breakdown{Distance: 0.8, Skill: 1, Availability: 1.0 / 3, Load: 1}},
		{name: "offer without slots scores 0 on availability", at: 1,
			request: func(r *wijkhelpt.Request) { r.Slots = []string{"di-ochtend"} },
			want:    Breakdown{Distance: 0.8, Skill: 1, Availability: 0, Load: 1}},
		{name: "one of three tasks", at: 1, offer: func(o *wijkhelpt.Offer) { o.Capacity = 3 }, setup: func(e *Engine) {
			e.ApplyRequest(newRequest(t, "other", east(wijk, 3), func(r *wijkhelpt.Request) {
				r.Location.Postcode = "3962 XX"
				r.Matches = []wijkhelpt.Match{matchOf("o1", wijkhelpt.MatchAccepted)}
			}))
		}, want: Breakdown{Distance: 0.8, Skill: 1, Availability: 1, Load: 2.0 / 3}},
		{name: "helped this resident before", at: 1, setup: func(e *Engine) {
			e.ApplyRequest(newRequest(t, "earlier", wijk, func(r *wijkhelpt.Request) {
				r.Status = wijkhelpt.RequestDone
				r.Matches = []wijkhelpt.Match{matchOf("o1", wijkhelpt.MatchCompleted)}
			}))
		}, want: Breakdown{Distance: 0.8, Skill: 1, Availability: 1, Load: 1, Continuity: 1}},
		{name: "declined this resident before: no continuity", at: 1, setup: func(e *Engine) {
			e.ApplyRequest(newRequest(t, "earlier", wijk, func(r *wijkhelpt.Request) {
				r.Matches = []wijkhelpt.Match{matchOf("o1", wijkhelpt.MatchDeclined)}
			}))
		}, want: Breakdown{Distance: 0.8, Skill: 1, Availability: 1, Load: 1}},
		{name: "helped a neighbour: no continuity", at: 1, setup: func(e *Engine) {
			e.ApplyRequest(newRequest(t, "earlier", wijk, func(r *wijkhelpt.Request) {
				r.Location.HouseNumber = "9"
				r.Matches = []wijkhelpt.Match{matchOf("o1", wijkhelpt.MatchCompleted)}
			}))
		}, want: Breakdown{Distance: 0.8, Skill: 1, Availability: 1, Load: 1}},
	}
	approx := cmpopts.EquateApprox(0, 1e-9)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := NewEngine(DefaultWeights())
			o := newOffer(t, "o1", north(wijk, tt.at))
			if tt.offer != nil {
				tt.offer(o)
			}
			e.Upsert(o)
			if tt.setup != nil {
				tt.setup(e)
			}
			r := newRequest(t, "r1", wijk)
			if tt.request != nil {
				tt.request(r)
			}
			res := checkSame(t, e, r, 10, today)
			if len(res.Suggestions) != 1 {
				t.Fatalf("got %d suggestions, want 1 (excluded %+v)", len(res.Suggestions), res.Excluded)
			}
			s := res.Suggestions[0]
			if diff := cmp.Diff(tt.want, s.Breakdown, approx); diff != "" {
				t.Errorf("breakdown (-want +got):\n%s", diff)
			}
			w := DefaultWeights()
			b := tt.want
			want := 0.40*b.Distance + 0.25*b.Skill + 0.15*b.Availability + 0.10*b.Load + 0.10*b.Continuity
			if math.Abs(s.Score-want) > 1e-9 || s.Score < 0 || s.Score > 1 {
				t.Errorf("score = %v, want %v", s.Score, want)
			}
			if again := w.Distance*s.Breakdown.Distance + w.Skill*s.Breakdown.Skill + w.Availability*s.Breakdown.Availability +
				w.Load*s.Breakdown.Load + w.Continuity*s.Breakdown.Continuity; again != s.Score {
				t.Errorf("score %v is not the weighted sum of its breakdown %v", s.Score, again)
			}
			if want := wijkhelpt.DistanceKm(wijk, o.Location.Point); math.Abs(s.DistanceKm-want) > 1e-9 {
				t.Errorf("distance = %v km, want %v", s.DistanceKm, want)
			}
			el, err := e.Eligible(r, "o1", today)
			if err != nil {
				t.Fatalf("Eligible: %v", err)
			}
			if diff := cmp.Diff(s, el); diff != "" {
				t.Errorf("Eligible differs from the suggestion (-suggest +eligible):\n%s", diff)
			}
		})
	}
}

func TestOrder(t *testing.T) {
	// Only categories count: every offer scores the same, so distance and
	// then ID decide.
	e := NewEngine(Weights{Skill: 1})
	e.Upsert(newOffer(t, "c", north(wijk, 1)))
	e.Upsert(newOffer(t, "b", north(wijk, 1)))
	e.Upsert(newOffer(t, "a", north(wijk, 2)))
	e.Upsert(newOffer(t, "d", north(wijk, 0.5)))
	e.Upsert(newOffer(t, "e", north(wijk, 1), func(o *wijkhelpt.Offer) { o.Categories = []string{"boodschappen", "tuin"} }))
	r := newRequest(t, "r1", wijk, func(r *wijkhelpt.Request) { r.Categories = []string{"boodschappen", "tuin"} })
	for k := 1; k <= 6; k++ {
		res := checkSame(t, e, r, k, today)
		var got []string
		for _, s := range res.Suggestions {
			got = append(got, s.OfferID)
		}
		want := []string{"e", "d", "b", "c", "a"}[:min(k, 5)]
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("k=%d: order (-want +got):\n%s", k, diff)
		}
	}
}

func TestDefaultLimit(t *testing.T) {
	e := NewEngine(Weights{})
	if got, want := e.Weights(), DefaultWeights(); got != want {
		t.Errorf("zero weights: engine uses %+v, want the defaults %+v", got, want)
	}
	for i := range 15 {
		e.Upsert(newOffer(t, string(rune('a'+i)), east(wijk, float64(i)*0.2)))
	}
	r := newRequest(t, "r1", wijk)
	if got := len(checkSame(t, e, r, 0, today).Suggestions); got != DefaultLimit {
		t.Errorf("k=0 gives %d suggestions, want %d", got, DefaultLimit)
	}
	if got := len(checkSame(t, e, r, 100, today).Suggestions); got != 15 {
		t.Errorf("k=100 gives %d suggestions, want all 15", got)
	}
}

func TestWeightsValidate(t *testing.T) {
	tests := []struct {
		name string
		w    Weights
		ok   bool
	}{
		{"defaults", DefaultWeights(), true},
		{"distance only", Weights{Distance: 1}, true},
		{"negative", Weights{Distance: 1.2, Skill: -0.2}, false},
		{"sum below 1", Weights{Distance: 0.5}, false},
		{"not a number", Weights{Distance: math.NaN()}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.w.Validate()
			if got := err == nil; got != tt.ok {
				t.Errorf("Validate() = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && wijkhelpt.ErrorCodeOf(err) != wijkhelpt.ErrInvalid {
				t.Errorf("Validate() code = %s, want invalid", wijkhelpt.ErrorCodeOf(err))
			}
		})
	}
}
