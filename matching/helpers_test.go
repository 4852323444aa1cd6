package matching

import (
	"fmt"
	"hash/fnv"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"wijkhelpt"
)

// today is the desk's day in the tests: Monday 23 November 2026.
const today = "2026-11-23"

// wijk is the centre of Wijk bij Duurstede (PC4 3961).
var wijk = wijkhelpt.Point{Lat: 51.9729, Lon: 5.3314}

// north returns the point km kilometres due north of p.
func north(p wijkhelpt.Point, km float64) wijkhelpt.Point {
	return wijkhelpt.Point{Lat: p.Lat + km/kmPerDegree, Lon: p.Lon}
}

// east returns the point about km kilometres due east of p.
func east(p wijkhelpt.Point, km float64) wijkhelpt.Point {
	return wijkhelpt.Point{Lat: p.Lat, Lon: p.Lon + km/(kmPerDegree*math.Cos(p.Lat*rad))}
}

// newOffer builds an active offer at p with the registration defaults,
// changed by mods.
func newOffer(tb testing.TB, id string, p wijkhelpt.Point, mods ...func(*wijkhelpt.Offer)) *wijkhelpt.Offer {
	tb.Helper()
	o := &wijkhelpt.Offer{
		ID:            id,
		Kind:          wijkhelpt.OfferVolunteer,
		Name:          "Anna de Vries",
		Phone:         phoneOf(id),
		Mobile:        true,
		Location:      wijkhelpt.Location{Postcode: "3961 AB", HouseNumber: "1", PC4: "3961", Place: "Wijk bij Duurstede", Point: p},
		Categories:    []string{"boodschappen"},
		MaxDistanceKm: 5,
		Capacity:      2,
		Active:        true,
	}
	for _, m := range mods {
		if m != nil {
			m(o)
		}
	}
	return o
}

// phoneOf gives every offer ID its own mobile number.
func phoneOf(id string) string {
	h := fnv.New32a()
	h.Write([]byte(id))
	return fmt.Sprintf("+316%08d", h.Sum32()%100000000)
}

// newRequest builds an open, flexible request at p, changed by mods.
func newRequest(tb testing.TB, id string, p wijkhelpt.Point, mods ...func(*wijkhelpt.Request)) *wijkhelpt.Request {
	tb.Helper()
	r := &wijkhelpt.Request{
		ID:         id,
		Status:     wijkhelpt.RequestOpen,
		Text:       "boodschappen doen",
		Categories: []string{"boodschappen"},
		Location:   wijkhelpt.Location{Postcode: "3961 CD", HouseNumber: "7", PC4: "3961", Place: "Wijk bij Duurstede", Point: p},
		Contact:    wijkhelpt.Contact{Name: "Kees", Phone: "+31687654321", Mobile: true},
	}
	for _, m := range mods {
		if m != nil {
			m(r)
		}
	}
	return r
}

// matchOf is a match of offerID in the given state.
func matchOf(offerID string, status wijkhelpt.MatchStatus) wijkhelpt.Match {
	return wijkhelpt.Match{ID: "m-" + offerID + "-" + string(status), OfferID: offerID, Status: status}
}

// resultOpts compares results including what WhyNone reads.
var resultOpts = cmp.Options{cmp.AllowUnexported(Result{}, whyContext{})}

// checkSame fails when the engine and the exhaustive scan disagree on r.
func checkSame(tb testing.TB, e *Engine, r *wijkhelpt.Request, k int, day string) Result {
	tb.Helper()
	got := e.Suggest(r, k, day)
	want := e.Exhaustive(r, k, day)
	if diff := cmp.Diff(want, got, resultOpts); diff != "" {
		tb.Fatalf("Suggest(%s, k=%d) differs from Exhaustive (-exhaustive +engine):\n%s", r.ID, k, diff)
	}
	return got
}
