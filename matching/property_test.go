package matching

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"wijkhelpt"
)

// TestSuggestEqualsExhaustive runs thousands of random requests over random
// offer sets, with writes in between, and checks three things for each:
// Suggest returns exactly what Exhaustive returns (top k and counts), and
// both agree with an oracle written here from spec §7 on the offers as
// stored (wijkhelpt.DistanceKm, Offer.VOGValid, Offer.AwayOn, ...), which
// catches mistakes in the engine's compact facts as well.
func TestSuggestEqualsExhaustive(t *testing.T) {
	worlds, queries := 40, 120
	if testing.Short() {
		worlds, queries = 10, 60
	}
	var seen coverage
	centers := []wijkhelpt.Point{
		wijk, wijk, wijk, wijk,
		{Lat: 52.3710, Lon: 4.9041},   // Amsterdam
		{Lat: 88.95, Lon: 10},         // near the pole: the grid falls back to a full scan
		{Lat: -33.9, Lon: 179.97},     // at the date line
		{Lat: 0.01, Lon: -0.02},       // where the grid's rows and columns are small numbers
		{Lat: 52.0, Lon: -179.99},     // the other side of the date line
		{Lat: 51.9729, Lon: 5.331401}, // almost wijk
	}
	for wi := range worlds {
		seed := uint64(wi + 1)
		t.Run(fmt.Sprintf("world=%d", wi), func(t *testing.T) {
			w := newWorld(t, seed, centers[wi%len(centers)], 20+int(seed*37%1500))
			for qi := range queries {
				if qi%3 == 0 {
					w.mutate(t)
				}
				r, k, day := w.randomRequest()
				got := w.e.Suggest(r, k, day)
				want := w.e.Exhaustive(r, k, day)
				if diff := cmp.Diff(want, got, resultOpts); diff != "" {
					t.Fatalf("query %d: Suggest differs from Exhaustive (-exhaustive +engine):\n%s", qi, diff)
				}
				w.checkOracle(t, r, k, day, got, &seen)
			}
		})
	}
	t.Logf("coverage: %+v", seen)
	// The random data must reach every case this test is about; otherwise
	// it would pass without checking them.
	for name, n := range map[string]int{
		"suggested": seen.suggested, "exact radius": seen.exactRadius, "ties": seen.ties,
		"inactive": seen.ex.Inactive, "distance": seen.ex.Distance, "category": seen.ex.Category,
		"slots": seen.ex.Slots, "capacity": seen.ex.Capacity, "vog": seen.ex.VOG,
		"excluded": seen.ex.Excluded, "away": seen.ex.Away, "continuity": seen.continuity,
		"empty slots": seen.emptySlots, "no suggestions": seen.none,
		"full capacity": seen.full, "vog lapsed": seen.vogLapsed,
	} {
		if n == 0 {
			t.Errorf("no query reached %q", name)
		}
	}
}

type coverage struct {
	ex          Excluded
	suggested   int
	exactRadius int
	ties        int
	continuity  int
	emptySlots  int
	none        int
	full        int // offers with capacity left out because their tasks fill it
	vogLapsed   int // offers left out because their VOG had lapsed
}

// world is a random set of offers and requests, kept both in an engine and
// as plain documents for the oracle.
type world struct {
	rng      *rand.Rand
	e        *Engine
	center   wijkhelpt.Point
	spots    []wijkhelpt.Point // shared points: ties and exact radii
	offers   map[string]*wijkhelpt.Offer
	ids      []string
	requests map[string]*wijkhelpt.Request // applied
	reqIDs   []string
	phones   []string
	optedOut map[string]bool
	rev      int64
	days     []string
	homes    []wijkhelpt.Location
}

func newWorld(tb testing.TB, seed uint64, center wijkhelpt.Point, n int, opts ...Option) *world {
	tb.Helper()
	w := &world{
		rng:      rand.New(rand.NewPCG(seed, seed*7919)),
		e:        NewEngine(DefaultWeights(), opts...),
		center:   center,
		offers:   map[string]*wijkhelpt.Offer{},
		requests: map[string]*wijkhelpt.Request{},
		optedOut: map[string]bool{},
		days:     []string{today, "2026-11-24", "2026-11-29", "2026-12-01", "2027-01-15"},
	}
	for range 6 {
		w.spots = append(w.spots, w.near(8))
	}
	for i := range 25 {
		w.phones = append(w.phones, fmt.Sprintf("+3161000%04d", i))
	}
	for i := range 8 {
		loc := wijkhelpt.Location{Postcode: fmt.Sprintf("39%02d AB", 60+i%3), HouseNumber: fmt.Sprint(i + 1), Point: w.near(3)}
		if i == 7 {
			loc.Postcode = "" // no resident key: never continuity
		}
		w.homes = append(w.homes, loc)
	}
	for i := range n {
		id := fmt.Sprintf("o%05d", w.rng.IntN(1_000_000))
		if _, dup := w.offers[id]; dup {
			id = fmt.Sprintf("o%05d-%d", w.rng.IntN(1000), i)
		}
		w.ids = append(w.ids, id)
		w.put(w.randomOffer(id))
	}
	for i := range n / 5 {
		id := fmt.Sprintf("h%04d", i)
		w.reqIDs = append(w.reqIDs, id)
		w.apply(w.randomHistory(id))
	}
	return w
}

// near returns a random point within about km of the centre.
func (w *world) near(km float64) wijkhelpt.Point {
	d := km * math.Sqrt(w.rng.Float64())
	a := w.rng.Float64() * 2 * math.Pi
	p := wijkhelpt.Point{
		Lat: w.center.Lat + d*math.Cos(a)/kmPerDegree,
		Lon: w.center.Lon + d*math.Sin(a)/(kmPerDegree*math.Cos(w.center.Lat*rad)),
	}
	if p.Lon > 180 {
		p.Lon -= 360
	}
	if p.Lon < -180 {
		p.Lon += 360
	}
	return p
}

func (w *world) pick(list []string) string { return list[w.rng.IntN(len(list))] }

func (w *world) randomCategories(max int) []string {
	all := wijkhelpt.Categories()
	var out []string
	for range 1 + w.rng.IntN(max) {
		// Few categories, VOG ones often: more overlap, more VOG cases.
		c := all[[]int{0, 0, 1, 3, 4, 12, 12, 13}[w.rng.IntN(8)]].Code
		out = append(out, c)
	}
	return out
}

func (w *world) randomSlots() []string {
	if w.rng.IntN(3) == 0 {
		return nil
	}
	var out []string
	for range 1 + w.rng.IntN(5) {
		out = append(out, wijkhelpt.SlotOf(w.rng.IntN(3), w.rng.IntN(2)).String())
	}
	return out
}

func (w *world) randomOffer(id string) *wijkhelpt.Offer {
	w.rev++
	o := &wijkhelpt.Offer{
		ID:              id,
		Kind:            wijkhelpt.OfferVolunteer,
		Name:            "Vrijwilliger " + id,
		Phone:           w.pick(w.phones),
		Categories:      w.randomCategories(3),
		Slots:           w.randomSlots(),
		MaxDistanceKm:   []float64{0, 0.5, 1, 2, 3, 5, 5, 5, 7.5, 10, 15, 25, 60, 100, 150}[w.rng.IntN(15)],
		Capacity:        []int{0, 1, 1, 2, 2, 2, 3}[w.rng.IntN(7)],
		Active:          w.rng.IntN(10) > 0,
		Suspended:       w.rng.IntN(20) == 0,
		AnswersInPortal: w.rng.IntN(3) == 0,
		Revision:        w.rev,
	}
	switch x := w.rng.IntN(100); {
	case x < 3: // no location
	case x < 20:
		o.Location.Point = w.spots[w.rng.IntN(len(w.spots))]
	case x < 35:
		// exactly at its radius from a spot where requests are made
		o.Location.Point = w.near(12)
		o.MaxDistanceKm = wijkhelpt.DistanceKm(w.spots[w.rng.IntN(len(w.spots))], o.Location.Point)
	case x < 40:
		o.Location.Point = w.near(300)
	default:
		o.Location.Point = w.near(20)
	}
	o.Location.PC4, o.Location.Place = "3961", "Wijk bij Duurstede"
	switch w.rng.IntN(7) {
	case 0:
		o.VOGDate = "2025-06-01" // valid
	case 1:
		o.VOGDate = "2022-01-10" // lapsed
	case 2:
		o.VOGDate = "2023-11-23" // lapses today
	case 3:
		o.VOGDate = "2023-11-25" // lapses in two days
	}
	if w.rng.IntN(4) == 0 {
		from := w.pick(w.days)
		o.Away = []wijkhelpt.Period{{From: from, To: from}}
		if w.rng.IntN(2) == 0 {
			o.Away = append(o.Away, wijkhelpt.Period{From: "2026-11-20", To: "2026-11-26"})
		}
	}
	return o
}

func (w *world) put(o *wijkhelpt.Offer) {
	w.e.Upsert(o)
	if old, ok := w.offers[o.ID]; !ok || old.Revision <= o.Revision {
		w.offers[o.ID] = o
	}
}

func (w *world) randomMatches(max int) []wijkhelpt.Match {
	var out []wijkhelpt.Match
	statuses := []wijkhelpt.MatchStatus{wijkhelpt.MatchProposed, wijkhelpt.MatchAccepted, wijkhelpt.MatchDeclined,
		wijkhelpt.MatchTimedOut, wijkhelpt.MatchCancelled, wijkhelpt.MatchCompleted}
	for i := range w.rng.IntN(max + 1) {
		out = append(out, wijkhelpt.Match{ID: fmt.Sprint(i), OfferID: w.pick(w.ids), Status: statuses[w.rng.IntN(len(statuses))]})
	}
	return out
}

func (w *world) randomHistory(id string) *wijkhelpt.Request {
	w.rev++
	return &wijkhelpt.Request{ID: id, Revision: w.rev, Location: w.homes[w.rng.IntN(len(w.homes))], Matches: w.randomMatches(3)}
}

func (w *world) apply(r *wijkhelpt.Request) {
	w.e.ApplyRequest(r)
	if old, ok := w.requests[r.ID]; !ok || old.Revision <= r.Revision {
		w.requests[r.ID] = r
	}
}

// mutate makes a few random writes, including stale ones.
func (w *world) mutate(tb testing.TB) {
	tb.Helper()
	for range 1 + w.rng.IntN(4) {
		switch w.rng.IntN(6) {
		case 0, 1: // a new version of an offer: moves, pauses, new radius...
			w.put(w.randomOffer(w.pick(w.ids)))
		case 2: // a stale version arrives late: ignored
			o := *w.offers[w.pick(w.ids)]
			if o.Revision > 1 {
				o.Revision--
				o.Active = !o.Active
				o.Location.Point = w.near(50)
				w.put(&o)
			}
		case 3:
			p := w.pick(w.phones)
			w.optedOut[p] = !w.optedOut[p]
			w.e.SetOptedOut(p, w.optedOut[p])
		case 4:
			if len(w.reqIDs) > 0 {
				w.apply(w.randomHistory(w.pick(w.reqIDs)))
			}
		case 5:
			id := fmt.Sprintf("o-new-%d", len(w.ids))
			w.ids = append(w.ids, id)
			w.put(w.randomOffer(id))
		}
	}
}

func (w *world) randomRequest() (*wijkhelpt.Request, int, string) {
	home := w.homes[w.rng.IntN(len(w.homes))]
	if w.rng.IntN(2) == 0 {
		home.Point = w.spots[w.rng.IntN(len(w.spots))]
	}
	if w.rng.IntN(40) == 0 {
		home.Point = wijkhelpt.Point{}
	}
	r := &wijkhelpt.Request{
		ID:         fmt.Sprintf("q%d", w.rng.IntN(1000)),
		Categories: w.randomCategories(2),
		Slots:      w.randomSlots(),
		Location:   home,
		Matches:    w.randomMatches(2),
	}
	if w.rng.IntN(30) == 0 {
		r.Categories = nil
	}
	if w.rng.IntN(3) == 0 {
		r.Date = w.pick(w.days)
	}
	switch w.rng.IntN(6) {
	case 0:
		r.MaxDistanceKm = []float64{0.5, 1, 2.5, 5, 20}[w.rng.IntN(5)]
	case 1:
		if o := w.offers[w.pick(w.ids)]; o.Location.Point.Valid() && home.Point.Valid() {
			r.MaxDistanceKm = wijkhelpt.DistanceKm(home.Point, o.Location.Point)
		}
	}
	for range w.rng.IntN(3) {
		r.Excluded = append(r.Excluded, w.pick(w.ids))
	}
	if w.rng.IntN(10) == 0 {
		r.Excluded = append(r.Excluded, "unknown-offer")
	}
	k := []int{1, 3, 10, 10, 25, 5000}[w.rng.IntN(6)]
	return r, k, w.pick(w.days[:3])
}

// oracleOutcome is the oracle's verdict on one offer.
type oracleOutcome struct {
	id       string
	v        verdict
	d, score float64
}

// checkOracle recomputes the answer from the plain documents.
func (w *world) checkOracle(tb testing.TB, r *wijkhelpt.Request, k int, today string, got Result, seen *coverage) {
	tb.Helper()
	day := today
	if _, ok := wijkhelpt.ParseDate(r.Date); ok && r.Date != "" {
		day = r.Date
	}
	open := map[string]int{}
	helped := map[string]bool{}
	for _, hr := range w.requests {
		for _, m := range hr.Matches {
			if m.Status.Occupies() {
				open[m.OfferID]++
			}
		}
	}
	for _, hr := range append(mapsValues(w.requests), r) {
		// The request's own matches always count; others only for the same
		// address, which needs a postcode.
		same := hr.Location.Postcode != "" && r.Location.Postcode != "" && hr.ResidentKey() == r.ResidentKey()
		if hr != r && !same {
			continue
		}
		for _, m := range hr.Matches {
			if m.Status == wijkhelpt.MatchAccepted || m.Status == wijkhelpt.MatchCompleted {
				helped[m.OfferID] = true
			}
		}
	}
	var want Excluded
	var passed []oracleOutcome
	reqCats := map[string]bool{}
	for _, c := range r.Categories {
		reqCats[c] = true
	}
	for _, o := range w.offers {
		oc := oracleVerdict(r, o, day, open[o.ID], helped[o.ID], w.optedOut[o.Phone], len(reqCats))
		switch {
		case oc.v == failCapacity && o.Capacity > 0:
			seen.full++ // full with tasks, not an offer of no capacity
		case oc.v == failVOG && o.VOGDate != "":
			seen.vogLapsed++ // had a VOG, lapsed on the day
		}
		if oc.v != pass {
			want.tally(oc.v)
			continue
		}
		passed = append(passed, oc)
		if o.MaxDistanceKm == oc.d {
			seen.exactRadius++
		}
		if helped[o.ID] {
			seen.continuity++
		}
	}
	if diff := cmp.Diff(want, got.Excluded); diff != "" {
		tb.Fatalf("excluded differs from the oracle (-oracle +engine):\n%s", diff)
	}
	slices.SortFunc(passed, func(a, b oracleOutcome) int {
		switch {
		case a.score != b.score:
			return -cmpFloat(a.score, b.score)
		case a.d != b.d:
			return cmpFloat(a.d, b.d)
		}
		return cmpString(a.id, b.id)
	})
	passed = passed[:min(k, len(passed))]
	if len(passed) != len(got.Suggestions) {
		tb.Fatalf("oracle suggests %d offers, engine %d", len(passed), len(got.Suggestions))
	}
	for i, p := range passed {
		s := got.Suggestions[i]
		if p.id != s.OfferID || math.Abs(p.score-s.Score) > 1e-12 || math.Abs(p.d-s.DistanceKm) > 1e-12 {
			tb.Fatalf("suggestion %d: oracle %s (score %v, %v km), engine %s (score %v, %v km)",
				i, p.id, p.score, p.d, s.OfferID, s.Score, s.DistanceKm)
		}
		if i > 0 && got.Suggestions[i-1].Score == s.Score {
			seen.ties++
		}
	}
	seen.suggested += len(got.Suggestions)
	if len(got.Suggestions) == 0 {
		seen.none++
	}
	if len(r.Slots) == 0 {
		seen.emptySlots++
	}
	x := &seen.ex
	x.Inactive += want.Inactive
	x.Distance += want.Distance
	x.Category += want.Category
	x.Slots += want.Slots
	x.Capacity += want.Capacity
	x.VOG += want.VOG
	x.Excluded += want.Excluded
	x.Away += want.Away
}

// oracleVerdict applies spec §7 to one offer as stored.
func oracleVerdict(r *wijkhelpt.Request, o *wijkhelpt.Offer, day string, open int, helped, optedOut bool, nReqCats int) oracleOutcome {
	out := oracleOutcome{id: o.ID}
	if !o.Active || o.Suspended || (optedOut && !o.AnswersInPortal) {
		out.v = failInactive
		return out
	}
	if !r.Location.Point.Valid() || !o.Location.Point.Valid() {
		out.v = failDistance
		return out
	}
	d := wijkhelpt.DistanceKm(r.Location.Point, o.Location.Point)
	dmax := o.MaxDistanceKm
	if dmax <= 0 {
		dmax = wijkhelpt.DefaultMaxDistanceKm
	}
	if r.MaxDistanceKm > 0 && r.MaxDistanceKm < dmax {
		dmax = r.MaxDistanceKm
	}
	out.d = d
	if d > dmax {
		out.v = failDistance
		return out
	}
	var shared, counted []string
	for _, c := range o.Categories {
		if slices.Contains(r.Categories, c) && !slices.Contains(shared, c) {
			shared = append(shared, c)
			if cat, _ := wijkhelpt.CategoryByCode(c); !cat.NeedsVOG || o.VOGValid(day) {
				counted = append(counted, c)
			}
		}
	}
	rs, os := r.SlotSet(), o.SlotSet()
	busy := 0
	switch {
	case len(shared) == 0:
		out.v = failCategory
	case rs != 0 && os != 0 && rs&os == 0:
		out.v = failSlots
	case open >= o.Capacity:
		out.v = failCapacity
	case len(counted) == 0:
		out.v = failVOG
	case r.IsExcluded(o.ID) || r.OpenTasks(o.ID) > busy:
		out.v = failExcluded
	case o.AwayOn(day):
		out.v = failAway
	}
	if out.v != pass {
		return out
	}
	avail := 1.0
	if rs != 0 {
		avail = float64((rs & os).Len()) / float64(rs.Len())
	}
	cont := 0.0
	if helped {
		cont = 1
	}
	out.score = 0.40*(1-d/dmax) + 0.25*float64(len(counted))/float64(nReqCats) + 0.15*avail +
		0.10*(1-float64(open)/float64(o.Capacity)) + 0.10*cont
	return out
}

func mapsValues(m map[string]*wijkhelpt.Request) []*wijkhelpt.Request {
	out := make([]*wijkhelpt.Request, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
