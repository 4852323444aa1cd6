package search_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"

	"wijkhelpt"
	"wijkhelpt/search"
	"wijkhelpt/store/storetest"
)

// TestCandidatesCoverExactRadius checks the contract package matching relies
// on: every active offer whose distance (wijkhelpt.DistanceKm) is at most
// the radius is a candidate, also exactly at the radius, at 100 km and at
// the equator, where Bleve's earth is widest; an offer 2 % farther is not.
func TestCandidatesCoverExactRadius(t *testing.T) {
	centres := []wijkhelpt.Point{{Lat: 0.01, Lon: -0.02}, centre(), {Lat: -45.3, Lon: 170.5}, {Lat: 69.65, Lon: 18.96}}
	radii := []float64{0.1, 1, 5, 25, 100}
	type probe struct {
		centre   wijkhelpt.Point
		km       float64 // exactly the distance of offer in
		in, out  string
		category string
	}
	var offers []*wijkhelpt.Offer
	var probes []probe
	codes := []string{"boodschappen", "tuin", "mantelzorg"}
	for ci, c := range centres {
		for ri, r := range radii {
			for b := range 8 {
				a := float64(b)*math.Pi/4 + 0.1
				in := candidateOffer(fmt.Sprintf("c%d-r%d-b%d-in", ci, ri, b), at(c, r, a), codes[b%3])
				out := candidateOffer(fmt.Sprintf("c%d-r%d-b%d-out", ci, ri, b), at(c, r*1.02+0.02, a), codes[b%3])
				offers = append(offers, in, out)
				probes = append(probes, probe{c, wijkhelpt.DistanceKm(c, in.Location.Point), in.ID, out.ID, codes[b%3]})
			}
		}
	}
	db := storetest.Open(t)
	fillStore(t, db, offers, nil)
	ctx := context.Background()
	ix, err := search.Rebuild(ctx, t.TempDir(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	for _, p := range probes {
		for _, cats := range [][]string{nil, {p.category}, {"vervoer", p.category}} {
			got, err := ix.Candidates(ctx, p.centre, p.km, cats)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(got, p.in) {
				t.Errorf("Candidates(%v, %v km, %v) misses %s, exactly at that distance", p.centre, p.km, cats, p.in)
			}
			if slices.Contains(got, p.out) {
				t.Errorf("Candidates(%v, %v km, %v) holds %s, 2 %% farther", p.centre, p.km, cats, p.out)
			}
			if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
				t.Errorf("Candidates(%v, %v km, %v) = %v: not in ID order, or twice", p.centre, p.km, cats, got)
			}
		}
	}
}

// TestCandidatesFilters: only active offers with a location are
// candidates, and of those only the ones with a category asked for, or all
// of them (also without any category) when none is asked for.
func TestCandidatesFilters(t *testing.T) {
	c := centre()
	near := at(c, 1, 1)
	offers := []*wijkhelpt.Offer{
		candidateOffer("a-shop", near, "boodschappen"),
		candidateOffer("b-garden", near, "tuin"),
		candidateOffer("c-both", near, "tuin", "boodschappen"),
		candidateOffer("d-none", near),
		candidateOffer("e-paused", near, "boodschappen"),
		candidateOffer("f-suspended", near, "boodschappen"),
		candidateOffer("g-nowhere", wijkhelpt.Point{}, "boodschappen"),
		candidateOffer("h-far", at(c, 30, 1), "boodschappen"),
	}
	offers[4].Active = false
	offers[5].Suspended = true
	db := storetest.Open(t)
	fillStore(t, db, offers, nil)
	ctx := context.Background()
	ix, err := search.Rebuild(ctx, t.TempDir(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	for _, tc := range []struct {
		p    wijkhelpt.Point
		km   float64
		cats []string
		want []string
	}{
		{c, 5, nil, []string{"a-shop", "b-garden", "c-both", "d-none"}},
		{c, 5, []string{}, []string{"a-shop", "b-garden", "c-both", "d-none"}},
		{c, 5, []string{"boodschappen"}, []string{"a-shop", "c-both"}},
		{c, 5, []string{"tuin", "vervoer"}, []string{"b-garden", "c-both"}},
		{c, 50, []string{"boodschappen"}, []string{"a-shop", "c-both", "h-far"}},
		{c, 0, nil, []string{}},
		{wijkhelpt.Point{}, 5, nil, []string{}},
	} {
		got, err := ix.Candidates(ctx, tc.p, tc.km, tc.cats)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("Candidates(%v, %v km, %q) = %q, want %q", tc.p, tc.km, tc.cats, got, tc.want)
		}
	}
}

// at returns the point about km from p in direction a (radians from north).
func at(p wijkhelpt.Point, km, a float64) wijkhelpt.Point {
	const kmPerDegree = wijkhelpt.EarthRadiusKm * math.Pi / 180
	q := wijkhelpt.Point{
		Lat: p.Lat + km*math.Cos(a)/kmPerDegree,
		Lon: p.Lon + km*math.Sin(a)/(kmPerDegree*math.Cos(p.Lat*math.Pi/180)),
	}
	if q.Lon > 180 {
		q.Lon -= 360
	}
	return q
}

func candidateOffer(id string, p wijkhelpt.Point, cats ...string) *wijkhelpt.Offer {
	return &wijkhelpt.Offer{
		ID:            id,
		Kind:          wijkhelpt.OfferVolunteer,
		Name:          "Vrijwilliger " + id,
		Phone:         "+31612345678",
		Mobile:        true,
		Location:      wijkhelpt.Location{Point: p},
		Categories:    cats,
		MaxDistanceKm: 5,
		Capacity:      1,
		Active:        true,
	}
}
