package matching

import (
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"wijkhelpt"
	"wijkhelpt/search"
)

// BenchmarkSuggest measures Suggest against Exhaustive on data spread like
// the real country (see newCountry). Sub-benchmarks:
//
//	BenchmarkSuggest/engine/offers=N      Suggest through the grid (the default)
//	BenchmarkSuggest/bleve/offers=N       Suggest with the Bleve index as candidate source
//	BenchmarkSuggest/exhaustive/offers=N  Exhaustive, the baseline
//
// for N = 10000 and 100000, and for engine and exhaustive also 1000000 with
// WIJKHELPT_BENCH_1M=1. Each reports the median and 99th percentile of one
// call (p50-ms, p99-ms) and the process's peak resident memory so far
// (rss-MiB, VmHWM: at 1M with only the engine runs selected, what the
// engine with a million offers needs). The bleve runs also report the time
// to build the index (index-s), the candidates per request (candidates),
// how many times slower than the grid their median is (vs-engine-x), and
// the median of the cheapest Bleve query of any use, a 5 km circle with the
// request's categories and no rules applied (narrow-p50-ms). The exhaustive
// runs report how many times faster the grid's median is (speedup-x).
// `make bench` runs them.
func BenchmarkSuggest(b *testing.B) {
	sizes := []int{10_000, 100_000}
	if os.Getenv("WIJKHELPT_BENCH_1M") == "1" {
		sizes = append(sizes, 1_000_000)
	}
	countries := map[int]*country{}
	get := func(b *testing.B, n int) *country {
		b.Helper()
		if c, ok := countries[n]; ok {
			return c
		}
		c := newCountry(b, n, uint64(n))
		countries[n] = c
		return c
	}
	engineP50 := map[int]time.Duration{}
	enginePercentiles := func(n int, c *country) time.Duration {
		if p50, ok := engineP50[n]; ok {
			return p50
		}
		// The engine runs were not selected: time it on the same queries.
		p50, _ := timeQueries(c, c.e.Suggest, 1000)
		return p50
	}
	b.Run("engine", func(b *testing.B) {
		for _, n := range sizes {
			b.Run(fmt.Sprintf("offers=%d", n), func(b *testing.B) {
				c := get(b, n)
				p50, _ := runQueries(b, c, c.e.Suggest)
				engineP50[n] = p50
				reportRSS(b)
			})
		}
	})
	b.Run("bleve", func(b *testing.B) {
		indexes := map[int]*bleveIndex{}
		for _, n := range sizes[:min(2, len(sizes))] {
			b.Run(fmt.Sprintf("offers=%d", n), func(b *testing.B) {
				c := get(b, n)
				bx, ok := indexes[n]
				if !ok {
					bx = newBleveIndex(b, c)
					indexes[n] = bx
				}
				ctx := context.Background()
				candidates := 0
				count := countingCandidates{src: bx.ix, n: &candidates}
				p50, _ := runQueries(b, c, func(r *wijkhelpt.Request, k int, today string) Result {
					res, err := c.e.suggestFrom(ctx, count, r, k, today)
					if err != nil {
						b.Fatal(err)
					}
					return res
				})
				b.ReportMetric(bx.build.Seconds(), "index-s")
				b.ReportMetric(float64(candidates)/float64(b.N), "candidates")
				if engine := enginePercentiles(n, c); engine > 0 {
					b.ReportMetric(float64(p50)/float64(engine), "vs-engine-x")
				}
				narrow, _ := timeNarrow(b, c, bx, 500)
				b.ReportMetric(float64(narrow)/1e6, "narrow-p50-ms")
				reportRSS(b)
			})
		}
		for _, bx := range indexes {
			if err := bx.ix.Close(); err != nil {
				b.Error(err)
			}
		}
	})
	b.Run("exhaustive", func(b *testing.B) {
		for _, n := range sizes {
			b.Run(fmt.Sprintf("offers=%d", n), func(b *testing.B) {
				c := get(b, n)
				p50, _ := runQueries(b, c, c.e.Exhaustive)
				if engine := enginePercentiles(n, c); engine > 0 {
					b.ReportMetric(float64(p50)/float64(engine), "speedup-x")
				}
				reportRSS(b)
			})
		}
	})
}

// reportRSS reports the peak resident memory of the process so far
// (VmHWM), where the system tells it.
func reportRSS(b *testing.B) {
	b.Helper()
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return // not Linux: nothing to report
	}
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err == nil {
				b.ReportMetric(kb/1024, "rss-MiB")
			}
			return
		}
	}
}

// bleveIndex is the search index of a country, as a candidate source.
type bleveIndex struct {
	ix    *search.Index
	build time.Duration
}

// newBleveIndex builds the index of a country's offers the way `wijkhelpt
// reindex` does (search.Rebuild, the bulk path), and checks that Suggest
// with it answers as Exhaustive does.
func newBleveIndex(tb testing.TB, c *country) *bleveIndex {
	tb.Helper()
	if c.offers == nil {
		tb.Fatalf("the country of %d offers keeps no offers to index", c.e.Len())
	}
	start := time.Now()
	ix, err := search.Rebuild(context.Background(), tb.TempDir(), offerFeed(c.offers), nil)
	if err != nil {
		tb.Fatal(err)
	}
	bx := &bleveIndex{ix: ix, build: time.Since(start)}
	for _, q := range c.queries[:20] {
		got, err := c.e.suggestFrom(context.Background(), ix, q.r, 10, q.today)
		if err != nil {
			tb.Fatal(err)
		}
		if diff := cmp.Diff(c.e.Exhaustive(q.r, 10, q.today), got, resultOpts); diff != "" {
			tb.Fatalf("Suggest with Bleve differs from the exhaustive scan (-exhaustive +bleve):\n%s", diff)
		}
	}
	return bx
}

// timeNarrow times the cheapest Bleve query that could be of any use: the
// request's categories within 5 km (or its own smaller limit), without
// anything the engine does with the answer.
func timeNarrow(tb testing.TB, c *country, bx *bleveIndex, n int) (p50, p99 time.Duration) {
	tb.Helper()
	durs := make([]time.Duration, 0, n)
	for i := range n {
		q := &c.queries[i%len(c.queries)]
		km := 5.0
		if q.r.MaxDistanceKm > 0 {
			km = min(km, q.r.MaxDistanceKm)
		}
		start := time.Now()
		ids, err := bx.ix.Candidates(context.Background(), q.r.Location.Point, km, q.r.Categories)
		durs = append(durs, time.Since(start))
		if err != nil {
			tb.Fatal(err)
		}
		c.sink += len(ids)
	}
	return percentiles(durs)
}

// countingCandidates passes calls on to a candidate source and adds up how
// many candidates it returned.
type countingCandidates struct {
	src Candidates
	n   *int
}

func (c countingCandidates) Candidates(ctx context.Context, p wijkhelpt.Point, km float64, cats []string) ([]string, error) {
	ids, err := c.src.Candidates(ctx, p, km, cats)
	*c.n += len(ids)
	return ids, err
}

// offerFeed serves generated offers (in revision order) the way the
// store's revision feed does. It feeds the benchmark's index, which times
// the index and not the store.
type offerFeed []*wijkhelpt.Offer

func (f offerFeed) OffersChangedSince(_ context.Context, rev int64, limit int) ([]*wijkhelpt.Offer, error) {
	i, _ := slices.BinarySearchFunc(f, rev+1, func(o *wijkhelpt.Offer, r int64) int { return cmpInt64(o.Revision, r) })
	return f[i:min(len(f), i+limit)], nil
}

func (f offerFeed) RequestsChangedSince(context.Context, int64, int) ([]*wijkhelpt.Request, error) {
	return nil, nil
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// runQueries runs b.N queries, reports their p50 and p99 and returns them.
func runQueries(b *testing.B, c *country, suggest func(*wijkhelpt.Request, int, string) Result) (p50, p99 time.Duration) {
	b.Helper()
	durs := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		q := &c.queries[i%len(c.queries)]
		start := time.Now()
		res := suggest(q.r, 10, q.today)
		durs = append(durs, time.Since(start))
		c.sink += len(res.Suggestions)
	}
	b.StopTimer()
	p50, p99 = percentiles(durs)
	b.ReportMetric(float64(p50)/1e6, "p50-ms")
	b.ReportMetric(float64(p99)/1e6, "p99-ms")
	return p50, p99
}

// timeQueries times n queries outside the benchmark loop.
func timeQueries(c *country, suggest func(*wijkhelpt.Request, int, string) Result, n int) (p50, p99 time.Duration) {
	durs := make([]time.Duration, 0, n)
	for i := range n {
		q := &c.queries[i%len(c.queries)]
		start := time.Now()
		res := suggest(q.r, 10, q.today)
		durs = append(durs, time.Since(start))
		c.sink += len(res.Suggestions)
	}
	return percentiles(durs)
}

func percentiles(durs []time.Duration) (p50, p99 time.Duration) {
	if len(durs) == 0 {
		return 0, 0
	}
	s := slices.Clone(durs)
	slices.Sort(s)
	at := func(p float64) time.Duration { return s[min(len(s)-1, int(math.Ceil(p*float64(len(s))))-1)] }
	return at(0.50), at(0.99)
}

// country is an engine filled with n offers spread like the Netherlands,
// and a set of requests from all over it.
type country struct {
	e       *Engine
	offers  []*wijkhelpt.Offer // in revision order, kept up to 100,000 for the Bleve index
	queries []benchQuery
	sink    int
}

type benchQuery struct {
	r     *wijkhelpt.Request
	today string
}

// area is one row of the PC4 table with its population weight.
type area struct {
	pc4, place string
	lat, lon   float64
	urban      bool
}

// loadAreas reads the PC4 table (geo/nl-pc4.csv, or the shared data copy)
// and weighs each row by population. The table has no population, so the
// weight is a proxy: cities are built denser and so have both more PC4
// codes and more people per code. Giving each code the weight (codes of
// its place)^(1/3) reproduces the real shares of the big cities within
// about half a percentage point (Amsterdam 5.0 % against 5.3 %, Rotterdam
// 3.7 % against 3.6 %, Utrecht 2.2 % against 2.1 %), while a village code
// weighs 1, about 4,000 people.
func loadAreas(tb testing.TB) ([]area, []float64) {
	tb.Helper()
	var f *os.File
	var err error
	for _, p := range []string{"../geo/nl-pc4.csv", "../../shared/data/nl-pc4.csv"} {
		if f, err = os.Open(p); err == nil {
			break
		}
	}
	if err != nil {
		tb.Fatalf("open the PC4 table: %v", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatalf("read the PC4 table: %v", err)
	}
	perPlace := map[string]int{}
	for _, r := range rows[1:] {
		perPlace[r[1]]++
	}
	var areas []area
	var cum []float64
	total := 0.0
	for _, r := range rows[1:] {
		lat, err1 := strconv.ParseFloat(r[2], 64)
		lon, err2 := strconv.ParseFloat(r[3], 64)
		if err1 != nil || err2 != nil {
			tb.Fatalf("PC4 row %v: bad point", r)
		}
		n := perPlace[r[1]]
		areas = append(areas, area{pc4: r[0], place: r[1], lat: lat, lon: lon, urban: n >= 10})
		total += math.Cbrt(float64(n))
		cum = append(cum, total)
	}
	return areas, cum
}

// gen draws the random parts of the country.
type gen struct {
	rng   *rand.Rand
	areas []area
	cum   []float64
}

// weighted picks an index by cumulative weights.
func (g *gen) weighted(cum []float64) int {
	x := g.rng.Float64() * cum[len(cum)-1]
	i, _ := slices.BinarySearch(cum, x)
	return min(i, len(cum)-1)
}

func cumulative(w []float64) []float64 {
	out := make([]float64, len(w))
	t := 0.0
	for i, v := range w {
		t += v
		out[i] = t
	}
	return out
}

// place draws a point: an area by population (or any area alike when
// uniform), then a spot within it.
func (g *gen) place(uniform bool) (area, wijkhelpt.Point) {
	var a area
	if uniform {
		a = g.areas[g.rng.IntN(len(g.areas))]
	} else {
		a = g.areas[g.weighted(g.cum)]
	}
	spread := 1.5 // km: a village's PC4 area is wide, a city's small
	if a.urban {
		spread = 0.6
	}
	return a, wijkhelpt.Point{
		Lat: a.lat + g.rng.NormFloat64()*spread/kmPerDegree,
		Lon: a.lon + g.rng.NormFloat64()*spread/(kmPerDegree*math.Cos(a.lat*rad)),
	}
}

// categoryWeights is how popular each category is, in taxonomy order:
// groceries, transport and company most, VOG categories least.
func categoryWeights() []float64 {
	return []float64{20, 14, 10, 8, 13, 8, 6, 4, 4, 4, 2, 5, 1.5, 1.5}
}

func (g *gen) categories(cum []float64, n int) []string {
	all := wijkhelpt.Categories()
	var out []string
	for len(out) < n {
		c := all[g.weighted(cum)].Code
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// newCountry fills an engine with n offers and n/8 past requests, and draws
// 4096 requests to ask about.
func newCountry(tb testing.TB, n int, seed uint64) *country {
	tb.Helper()
	areas, cum := loadAreas(tb)
	g := &gen{rng: rand.New(rand.NewPCG(seed, 42)), areas: areas, cum: cum}
	catCum := cumulative(categoryWeights())
	radii := []float64{1, 2, 3, 5, 7.5, 10, 15, 25, 50, 100}
	radiusCum := cumulative([]float64{5, 12, 13, 40, 5, 13, 5, 5, 1.5, 0.5})
	countCum := cumulative([]float64{30, 40, 20, 10})
	capacities := []int{1, 2, 3, 5}
	capacityCum := cumulative([]float64{25, 55, 12, 8})
	day, _ := wijkhelpt.ParseDate(today)

	e := NewEngine(DefaultWeights())
	c := &country{e: e}
	ids := make([]string, n)
	for i := range n {
		a, p := g.place(false)
		ids[i] = fmt.Sprintf("off-%07d", i)
		o := &wijkhelpt.Offer{
			ID:              ids[i],
			Kind:            wijkhelpt.OfferVolunteer,
			Name:            "Vrijwilliger " + strconv.Itoa(i),
			Phone:           fmt.Sprintf("+316%08d", i),
			Mobile:          true,
			Location:        wijkhelpt.Location{PC4: a.pc4, Place: a.place, Point: p},
			Categories:      g.categories(catCum, 1+g.weighted(countCum)),
			MaxDistanceKm:   radii[g.weighted(radiusCum)],
			Capacity:        capacities[g.weighted(capacityCum)],
			Active:          g.rng.IntN(100) < 88,
			Suspended:       g.rng.IntN(100) == 0,
			AnswersInPortal: g.rng.IntN(100) < 30,
			Revision:        int64(i + 1),
		}
		if g.rng.IntN(4) > 0 {
			// Weekday daytime is what most volunteers offer.
			for range 2 + g.rng.IntN(8) {
				d, part := g.rng.IntN(7), g.rng.IntN(3)
				if d >= 5 && g.rng.IntN(2) == 0 {
					d = g.rng.IntN(5)
				}
				o.Slots = append(o.Slots, wijkhelpt.SlotOf(d, part).String())
			}
		}
		if g.rng.IntN(4) == 0 {
			o.VOGDate = day.AddDate(0, 0, -g.rng.IntN(5*365)).Format(wijkhelpt.DateLayout)
		}
		if g.rng.IntN(100) < 6 {
			from := day.AddDate(0, 0, g.rng.IntN(60)-30)
			o.Away = []wijkhelpt.Period{{From: from.Format(wijkhelpt.DateLayout), To: from.AddDate(0, 0, 3+g.rng.IntN(18)).Format(wijkhelpt.DateLayout)}}
		}
		// About one owner in fifty sent STOP; the store marks their offers,
		// which reach the engine through the offer feed.
		o.OptedOut = g.rng.IntN(50) == 0
		e.Upsert(o)
		if n <= 100_000 {
			c.offers = append(c.offers, o)
		}
	}
	// Past and current tasks: loads and continuity.
	statuses := []wijkhelpt.MatchStatus{wijkhelpt.MatchAccepted, wijkhelpt.MatchAccepted, wijkhelpt.MatchProposed,
		wijkhelpt.MatchCompleted, wijkhelpt.MatchCompleted, wijkhelpt.MatchCompleted, wijkhelpt.MatchDeclined}
	for i := range n / 8 {
		a, p := g.place(false)
		e.ApplyRequest(&wijkhelpt.Request{
			ID:       fmt.Sprintf("past-%07d", i),
			Location: wijkhelpt.Location{Postcode: a.pc4 + " AB", HouseNumber: strconv.Itoa(1 + g.rng.IntN(40)), PC4: a.pc4, Point: p},
			Matches:  []wijkhelpt.Match{{ID: "1", OfferID: ids[g.rng.IntN(n)], Status: statuses[g.rng.IntN(len(statuses))]}},
			Revision: int64(n + i + 1),
		})
	}
	for range 4096 {
		a, p := g.place(g.rng.IntN(10) == 0) // one in ten from anywhere, however empty
		r := &wijkhelpt.Request{
			ID:         "req",
			Categories: g.categories(catCum, 1+g.rng.IntN(4)/3),
			Location:   wijkhelpt.Location{Postcode: a.pc4 + " AB", HouseNumber: strconv.Itoa(1 + g.rng.IntN(40)), PC4: a.pc4, Point: p},
		}
		switch x := g.rng.IntN(100); {
		case x < 45: // a date, a part of the day or all day
			d := day.AddDate(0, 0, g.rng.IntN(21))
			r.Date = d.Format(wijkhelpt.DateLayout)
			r.Slots = wijkhelpt.DaySlots(d, g.rng.IntN(4)-1).Strings()
		case x < 65: // weekly
			for range 1 + g.rng.IntN(3) {
				r.Slots = append(r.Slots, wijkhelpt.SlotOf(g.rng.IntN(7), g.rng.IntN(3)).String())
			}
		}
		if g.rng.IntN(10) == 0 {
			r.MaxDistanceKm = float64(2 + g.rng.IntN(9))
		}
		if g.rng.IntN(20) == 0 {
			r.Excluded = []string{ids[g.rng.IntN(n)]}
		}
		c.queries = append(c.queries, benchQuery{r: r, today: today})
	}
	// The engine is only worth timing when it is right.
	for _, q := range c.queries[:20] {
		got, want := e.Suggest(q.r, 10, q.today), e.Exhaustive(q.r, 10, q.today)
		if diff := cmp.Diff(want, got, resultOpts); diff != "" {
			tb.Fatalf("engine differs from the exhaustive scan (-exhaustive +engine):\n%s", diff)
		}
	}
	return c
}
