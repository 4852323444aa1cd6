package matching

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"wijkhelpt"
	"wijkhelpt/search"
	"wijkhelpt/store"
	"wijkhelpt/store/storetest"
)

// TestMain shares one embedded store among the tests that need one.
func TestMain(m *testing.M) { storetest.Main(m) }

// TestSuggestWithBleveEqualsExhaustive is TestSuggestEqualsExhaustive with
// the candidates taken from a real Bleve index (package search) that
// follows a real store, as it would in production: the same random worlds
// (ties, offers exactly at their radius, requests without slots, full
// offers, lapsed VOGs, periods away, near the poles and the date line) and
// the same oracle, with writes between the requests that reach the index
// through the store's revision feed.
func TestSuggestWithBleveEqualsExhaustive(t *testing.T) {
	// Every write to the index waits for the disk, so writes come in
	// bunches: each index update carries four rounds of random writes.
	worlds, queries, every := 8, 64, 16
	if testing.Short() {
		worlds, queries = 4, 32
	}
	var seen struct {
		coverage
		edges int
	}
	var src countedSource
	centers := []wijkhelpt.Point{
		wijk,
		{Lat: 52.3710, Lon: 4.9041}, // Amsterdam
		wijk,
		{Lat: 88.95, Lon: 10},         // near the pole
		{Lat: -33.9, Lon: 179.97},     // at the date line
		{Lat: 0.01, Lon: -0.02},       // at the equator, where Bleve's earth is widest
		{Lat: 52.0, Lon: -179.99},     // the other side of the date line
		{Lat: 51.9729, Lon: 5.331401}, // almost wijk
	}
	ctx := context.Background()
	for wi := range worlds {
		seed := uint64(100 + wi)
		t.Run(fmt.Sprintf("world=%d", wi), func(t *testing.T) {
			db := storetest.Open(t)
			ix, err := search.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ix.Close() })
			src.src = ix
			w := newWorld(t, seed, centers[wi%len(centers)], 100+int(seed*37%700), WithCandidates(&src))
			edges := w.addEdges(t, 40)
			mirror := storeMirror{db: db, stored: map[string]*wijkhelpt.Offer{}}
			mirror.push(t, w)
			if err := ix.Sync(ctx, db); err != nil {
				t.Fatal(err)
			}
			for qi := range queries {
				if qi%every == every-1 {
					for range 4 {
						w.mutate(t)
					}
					mirror.push(t, w)
					if err := ix.Sync(ctx, db); err != nil {
						t.Fatal(err)
					}
				}
				r, k, day := w.randomRequest()
				if qi%3 == 0 && len(edges) > 0 {
					// The circle asked of the index passes through the offer.
					e := edges[w.rng.IntN(len(edges))]
					r.Location.Point, r.MaxDistanceKm = e.from, e.km
					seen.edges++
				}
				calls := src.calls
				got, err := w.e.SuggestContext(ctx, r, k, day)
				if err != nil {
					t.Fatalf("query %d: %v", qi, err)
				}
				if r.Location.Point.Valid() && src.calls != calls+1 {
					t.Fatalf("query %d: the index was asked %d times, want once", qi, src.calls-calls)
				}
				want := w.e.Exhaustive(r, k, day)
				if diff := cmp.Diff(want, got, resultOpts); diff != "" {
					t.Fatalf("query %d: Suggest with Bleve differs from Exhaustive (-exhaustive +bleve):\n%s", qi, diff)
				}
				w.checkOracle(t, r, k, day, got, &seen.coverage)
			}
		})
	}
	t.Logf("coverage: %+v; index asked %d times, %d candidates", seen, src.calls, src.ids)
	for name, n := range map[string]int{
		"suggested": seen.suggested, "exact radius": seen.exactRadius, "ties": seen.ties,
		"inactive": seen.ex.Inactive, "distance": seen.ex.Distance, "category": seen.ex.Category,
		"slots": seen.ex.Slots, "capacity": seen.ex.Capacity, "vog": seen.ex.VOG,
		"excluded": seen.ex.Excluded, "away": seen.ex.Away, "continuity": seen.continuity,
		"empty slots": seen.emptySlots, "no suggestions": seen.none, "candidates": src.ids,
		"far edges": seen.edges, "full capacity": seen.full, "vog lapsed": seen.vogLapsed,
	} {
		if n == 0 {
			t.Errorf("no query reached %q", name)
		}
	}
}

// TestSuggestFallsBackToGrid: when the candidate source fails (here a
// closed index), SuggestContext says so and Suggest answers through the
// grid, with the same answer as ever.
func TestSuggestFallsBackToGrid(t *testing.T) {
	ix, err := search.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	e := NewEngine(DefaultWeights(), WithCandidates(ix))
	e.Upsert(newOffer(t, "o1", north(wijk, 1)))
	e.Upsert(newOffer(t, "o2", north(wijk, 9)))
	r := newRequest(t, "r1", wijk)
	if _, err := e.SuggestContext(context.Background(), r, 10, today); !errors.Is(err, search.ErrClosed) {
		t.Fatalf("SuggestContext with a closed index: error %v, want %v", err, search.ErrClosed)
	}
	got := checkSame(t, e, r, 10, today)
	if len(got.Suggestions) != 1 || got.Suggestions[0].OfferID != "o1" || got.Excluded.Distance != 1 {
		t.Fatalf("Suggest = %+v, want o1 suggested and o2 too far", got)
	}
}

// countedSource passes every call on to a real candidate source and counts
// them, so that the test knows the candidates came from there.
type countedSource struct {
	src   Candidates
	calls int
	ids   int
}

func (c *countedSource) Candidates(ctx context.Context, p wijkhelpt.Point, radiusKm float64, categories []string) ([]string, error) {
	c.calls++
	ids, err := c.src.Candidates(ctx, p, radiusKm, categories)
	c.ids += len(ids)
	return ids, err
}

// storeMirror writes a world's offers to a store: the versions the world
// holds now, so that an index following the store sees what the engine
// sees.
type storeMirror struct {
	db     store.Store
	stored map[string]*wijkhelpt.Offer // the world's version last written
}

func (m *storeMirror) push(tb testing.TB, w *world) {
	tb.Helper()
	ctx := context.Background()
	var fresh []*wijkhelpt.Offer
	for _, id := range w.ids {
		o := w.offers[id]
		old, had := m.stored[id]
		if old == o {
			continue
		}
		m.stored[id] = o
		if !had {
			fresh = append(fresh, o)
			continue
		}
		if _, err := m.db.UpdateOffer(ctx, id, func(x *wijkhelpt.Offer) error { *x = *o; return nil }); err != nil {
			tb.Fatalf("update offer %s: %v", id, err)
		}
	}
	if n, err := m.db.InsertOffers(ctx, fresh); err != nil || n != len(fresh) {
		tb.Fatalf("InsertOffers = %d, %v; want %d", n, err, len(fresh))
	}
}

// edge is an offer exactly at its radius, far from a spot where requests
// are made.
type edge struct {
	from wijkhelpt.Point
	km   float64
}

// addEdges adds n active offers 60 to 150 km from the world's spots, each
// with exactly that distance as its maximum: the far end of the rule d <=
// dmax, where the difference between Bleve's earth and ours is largest.
func (w *world) addEdges(tb testing.TB, n int) []edge {
	tb.Helper()
	var out []edge
	for i := range n {
		from := w.spots[w.rng.IntN(len(w.spots))]
		km := 60 + 90*w.rng.Float64()
		a := w.rng.Float64() * 2 * math.Pi
		p := wijkhelpt.Point{
			Lat: from.Lat + km*math.Cos(a)/kmPerDegree,
			Lon: from.Lon + km*math.Sin(a)/(kmPerDegree*math.Cos(from.Lat*rad)),
		}
		if p.Lon > 180 {
			p.Lon -= 360
		}
		if p.Lon < -180 {
			p.Lon += 360
		}
		if !p.Valid() {
			continue
		}
		id := fmt.Sprintf("edge-%02d", i)
		o := w.randomOffer(id)
		o.Location.Point = p
		o.MaxDistanceKm = wijkhelpt.DistanceKm(from, p)
		o.Active, o.Suspended = true, false
		w.ids = append(w.ids, id)
		w.put(o)
		out = append(out, edge{from: from, km: o.MaxDistanceKm})
	}
	return out
}
