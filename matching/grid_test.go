package matching

import (
	"fmt"
	"math"
	"testing"

	"wijkhelpt"
)

// TestGridEdges puts offers at the extreme points of their own radius
// around a request: due north and south, and the two points of widest
// longitude. Each offer's radius is exactly its distance, and is the
// largest in its radius class, so the grid's cell range and bounding box
// are tested at their very edge.
func TestGridEdges(t *testing.T) {
	for _, lat := range []float64{0, 0.001, 51.9729, -45, 70.5, 85} {
		for _, km := range []float64{0.3, 1, 2, 4.999, 5, 7.5, 12, 25, 49, 100, 400} {
			t.Run(fmt.Sprintf("lat=%v/km=%v", lat, km), func(t *testing.T) {
				q := wijkhelpt.Point{Lat: lat, Lon: 5.3314}
				delta := km / wijkhelpt.EarthRadiusKm
				tLat := math.Asin(math.Sin(lat*rad)/math.Cos(delta)) / rad
				dLon := math.Asin(math.Sin(delta)/math.Cos(lat*rad)) / rad
				edges := []wijkhelpt.Point{
					{Lat: lat + delta/rad, Lon: q.Lon},
					{Lat: lat - delta/rad, Lon: q.Lon},
					{Lat: tLat, Lon: q.Lon + dLon},
					{Lat: tLat, Lon: q.Lon - dLon},
				}
				for _, viaRequest := range []bool{false, true} {
					e := NewEngine(DefaultWeights())
					for i, p := range edges {
						e.Upsert(newOffer(t, fmt.Sprint("edge", i), p, func(o *wijkhelpt.Offer) {
							o.MaxDistanceKm = wijkhelpt.DistanceKm(q, p)
							if viaRequest {
								o.MaxDistanceKm = 1000
							}
						}))
					}
					for i, p := range edges {
						r := newRequest(t, "r1", q, func(r *wijkhelpt.Request) {
							if viaRequest {
								r.MaxDistanceKm = wijkhelpt.DistanceKm(q, p)
							}
						})
						res := checkSame(t, e, r, 10, today)
						found := false
						for _, s := range res.Suggestions {
							found = found || s.OfferID == fmt.Sprint("edge", i)
						}
						if !found {
							t.Errorf("edge %d at %v (%v km, via request %v) not suggested; excluded %+v",
								i, p, wijkhelpt.DistanceKm(q, p), viaRequest, res.Excluded)
						}
					}
				}
			})
		}
	}
}

func TestBoundsFallback(t *testing.T) {
	tests := []struct {
		name     string
		lat, lon float64
		km       float64
		ok       bool
	}{
		{"Dutch town", 51.97, 5.33, 5, true},
		{"no radius", 51.97, 5.33, 0, true},
		{"unbounded", 51.97, 5.33, math.Inf(1), false},
		{"not a number", 51.97, 5.33, math.NaN(), false},
		{"near the pole", 88.9, 5, 150, false},
		{"across the date line", -33.9, 179.97, 5, false},
		{"beside the date line", -33.9, 179.0, 5, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := boundsFor(tt.lat, tt.lon, tt.km).ok; got != tt.ok {
				t.Errorf("boundsFor(%v, %v, %v).ok = %v, want %v", tt.lat, tt.lon, tt.km, got, tt.ok)
			}
		})
	}
}

// TestGridMoves moves one offer through every radius class and far away,
// checking after each write that the grid holds exactly one copy of it.
func TestGridMoves(t *testing.T) {
	e := NewEngine(DefaultWeights())
	for i := range 30 {
		e.Upsert(newOffer(t, fmt.Sprint("other", i), east(wijk, float64(i)/3)))
	}
	r := newRequest(t, "r1", wijk, func(r *wijkhelpt.Request) { r.Categories = []string{"tuin"} })
	steps := []func(*wijkhelpt.Offer){
		func(o *wijkhelpt.Offer) { o.MaxDistanceKm = 0.8 },
		func(o *wijkhelpt.Offer) { o.MaxDistanceKm = 150; o.Location.Point = north(wijk, 140) },
		func(o *wijkhelpt.Offer) { o.Active = false },
		func(o *wijkhelpt.Offer) { o.MaxDistanceKm = 3 },
		func(o *wijkhelpt.Offer) { o.Location.Point = wijkhelpt.Point{} },
		func(o *wijkhelpt.Offer) { o.MaxDistanceKm = 25; o.Location.Point = east(wijk, 20) },
		func(o *wijkhelpt.Offer) { o.Location.Point = east(wijk, 26) },
		func(o *wijkhelpt.Offer) { o.MaxDistanceKm = 7.5; o.Location.Point = wijk },
	}
	for i, step := range steps {
		o := newOffer(t, "mover", north(wijk, 1), func(o *wijkhelpt.Offer) { o.Categories = []string{"tuin"} }, step)
		e.Upsert(o)
		copies := 0
		for _, c := range e.classes {
			n := 0
			for _, cl := range c.cells {
				n += len(cl.facts)
				for j, f := range cl.facts {
					if e.info[f.num].id == "mover" {
						copies++
					}
					if p := e.pos[f.num]; e.classes[p.class] != c || c.cells[p.key] != cl || int(p.idx) != j {
						t.Fatalf("step %d: position of %s is %+v, but it sits at index %d", i, e.info[f.num].id, p, j)
					}
				}
			}
			if n != c.count {
				t.Fatalf("step %d: class %v counts %d offers, holds %d", i, c.upper, c.count, n)
			}
		}
		want := 1
		if !o.Active || !o.Location.Point.Valid() {
			want = 0
		}
		if copies != want {
			t.Fatalf("step %d: %d copies of the offer in the grid, want %d", i, copies, want)
		}
		checkSame(t, e, r, 10, today)
	}
}
