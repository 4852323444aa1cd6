package search_test

import (
	"context"
	"encoding/json"
	"math"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"wijkhelpt"
	"wijkhelpt/search"
	"wijkhelpt/store"
	"wijkhelpt/store/storetest"
)

// north, east move a point by km; good enough for a few kilometres.
func north(p wijkhelpt.Point, km float64) wijkhelpt.Point {
	return wijkhelpt.Point{Lat: p.Lat + km/111.195, Lon: p.Lon}
}

func east(p wijkhelpt.Point, km float64) wijkhelpt.Point {
	return wijkhelpt.Point{Lat: p.Lat, Lon: p.Lon + km/(111.195*math.Cos(p.Lat*math.Pi/180))}
}

// neighbourhood is a small, hand-made set of offers whose every search
// result can be worked out by reading it.
type neighbourhood struct {
	db store.Store
	ix *search.Index
	// by short name
	id map[string]string
}

func offer(id, name, text string, cats, slots []string, p wijkhelpt.Point) *wijkhelpt.Offer {
	o := genOffers(1, 1)[0]
	o.ID, o.Name, o.Text, o.Categories, o.Slots = id, name, text, cats, slots
	o.Location.Point = p
	o.Active, o.Suspended, o.Organisation, o.Kind = true, false, "", wijkhelpt.OfferVolunteer
	return o
}

func newNeighbourhood(tb testing.TB) *neighbourhood {
	tb.Helper()
	c := centre()
	jan := offer("jan", "Jan de Vries", "Ik doe graag boodschappen voor ouderen in de wijk.",
		[]string{"boodschappen"}, []string{"ma-ochtend", "di-middag"}, c)
	fatma := offer("fatma", "Fatma Özdemir", "Hulp met de computer, e-mail en internetbankieren.",
		[]string{"digitaal", "administratie"}, []string{"wo-avond"}, north(c, 2))
	pieter := offer("pieter", "Pieter van den Berg", "Ik rijd mensen met mijn auto naar het ziekenhuis.",
		[]string{"vervoer"}, nil, east(c, 6)) // no slots: any time
	kees := offer("kees", "Kees Bakker", "Tuinieren, heggen snoeien en gras maaien.",
		[]string{"tuin", "klussen"}, []string{"za-ochtend"}, north(c, -1))
	kees.Active = false // paused
	maria := offer("maria", "Maria d'Hondt", "Ik verzorg katten en konijnen.",
		[]string{"huisdieren"}, []string{"ma-ochtend"}, east(c, 0.5))
	maria.Suspended = true
	anja := offer("anja", "Anja Smit", "Wij bezorgen warme maaltijden aan huis.",
		[]string{"maaltijden"}, []string{"vr-middag"}, east(c, -3))
	anja.Kind, anja.Organisation = wijkhelpt.OfferOrganisation, "Stichting Buurtkracht"
	henk := offer("henk", "Henk Zonderpunt", "Boodschappen halen met de fiets.",
		[]string{"boodschappen"}, []string{"ma-ochtend"}, wijkhelpt.Point{})
	db := storetest.Open(tb)
	fillStore(tb, db, []*wijkhelpt.Offer{jan, fatma, pieter, kees, maria, anja, henk}, nil)
	ix := openOrRebuild(tb, tb.TempDir(), db, nil)
	return &neighbourhood{db: db, ix: ix}
}

func (n *neighbourhood) find(tb testing.TB, q search.OfferQuery) []string {
	tb.Helper()
	hits, err := n.ix.SearchOffers(context.Background(), q)
	if err != nil {
		tb.Fatalf("SearchOffers(%+v): %v", q, err)
	}
	if _, err := json.Marshal(hits); err != nil {
		tb.Fatalf("SearchOffers(%+v) hits cannot be written as JSON: %v", q, err)
	}
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
	}
	return ids
}

func TestSearchOffersDutchText(t *testing.T) {
	n := newNeighbourhood(t)
	for _, tc := range []struct {
		text string
		want []string // any order
	}{
		{"boodschap", []string{"jan", "henk"}},    // stemmed: boodschappen
		{"Boodschappen", []string{"jan", "henk"}}, // case
		{"inkopen", []string{"jan", "henk"}},      // synonym of boodschappen
		{"laptop", []string{"fatma"}},             // synonym of computer
		{"computers", []string{"fatma"}},          // plural
		{"wagen", []string{"pieter"}},             // synonym of auto
		{"rijden", []string{"pieter"}},            // "rijd", and synonym of chauffeur
		{"poes", []string{"maria"}},               // synonym of kat, katten
		{"kater", []string{"maria"}},              // synonym of kat
		{"konijn", []string{"maria"}},             // konijnen
		{"heg", []string{"kees"}},                 // heggen: gg undoubled
		{"boodschap supermarkt", []string{"jan", "henk"}},
		{"maaltijd", []string{"anja"}},
		{"ziekenhuis", []string{"pieter"}},
		{"boodschapen", []string{"jan", "henk"}}, // a typo
		{"het een met", nil},                     // stop words only
		{"zwembad", nil},
	} {
		got := n.find(t, search.OfferQuery{Text: tc.text})
		slices.Sort(got)
		slices.Sort(tc.want)
		if tc.want == nil {
			tc.want = []string{}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("search %q = %v, want %v", tc.text, got, tc.want)
		}
	}
}

func TestSearchOffersByName(t *testing.T) {
	n := newNeighbourhood(t)
	for _, tc := range []struct {
		text, first string
	}{
		{"Jan de Vries", "jan"},
		{"vries", "jan"},
		{"de Vries", "jan"},
		{"Pieter", "pieter"},
		{"van den Berg", "pieter"},
		{"Özdemir", "fatma"},
		{"ozdemir", "fatma"}, // without the umlaut: one letter off
		{"Fatma Ozdemir", "fatma"},
		{"Özd", "fatma"},    // the start of a name
		{"Bakkker", "kees"}, // typo
		{"Buurtkracht", "anja"},
		{"stichting buurtkracht", "anja"},
		{"d'Hondt", "maria"},
		{"Hondt", "maria"},
		{"Zonderpunt", "henk"},
	} {
		got := n.find(t, search.OfferQuery{Text: tc.text})
		if len(got) == 0 || got[0] != tc.first {
			t.Errorf("search %q = %v, want %s first", tc.text, got, tc.first)
		}
	}
	// The name is what a mediator searches by, before what people wrote.
	hits, err := n.ix.SearchOffers(context.Background(), search.OfferQuery{Text: "Henk"})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 1 || hits[0].ID != "henk" || hits[0].FirstName != "Henk" {
		t.Errorf("search Henk = %+v, want only henk with first name Henk", hits)
	}
}

func TestSearchOffersFilters(t *testing.T) {
	n := newNeighbourhood(t)
	c := centre()
	for _, tc := range []struct {
		name string
		q    search.OfferQuery
		want []string // in this order
	}{
		{"all, in ID order", search.OfferQuery{}, []string{"anja", "fatma", "henk", "jan", "kees", "maria", "pieter"}},
		{"active only", search.OfferQuery{ActiveOnly: true}, []string{"anja", "fatma", "henk", "jan", "pieter"}},
		{"one category", search.OfferQuery{Categories: []string{"tuin"}}, []string{"kees"}},
		{"any of two categories", search.OfferQuery{Categories: []string{"boodschappen", "administratie"}}, []string{"fatma", "henk", "jan"}},
		{"category, active only", search.OfferQuery{Categories: []string{"tuin", "huisdieren"}, ActiveOnly: true}, []string{}},
		{"unknown category", search.OfferQuery{Categories: []string{"zwemmen"}}, []string{}},
		{"one slot, or none set", search.OfferQuery{Slots: []string{"ma-ochtend"}}, []string{"henk", "jan", "maria", "pieter"}},
		{"any of two slots", search.OfferQuery{Slots: []string{"wo-avond", "za-ochtend"}}, []string{"fatma", "kees", "pieter"}},
		{"slot and category", search.OfferQuery{Slots: []string{"ma-ochtend"}, Categories: []string{"boodschappen"}, ActiveOnly: true}, []string{"henk", "jan"}},
		{"near, nearest first", search.OfferQuery{Near: &c, WithinKm: 2.5}, []string{"jan", "maria", "kees", "fatma"}},
		{"near, active only", search.OfferQuery{Near: &c, WithinKm: 2.5, ActiveOnly: true}, []string{"jan", "fatma"}},
		{"near, wider", search.OfferQuery{Near: &c, WithinKm: 10, ActiveOnly: true}, []string{"jan", "fatma", "anja", "pieter"}},
		{"near without a radius sorts only", search.OfferQuery{Near: &c, ActiveOnly: true, Categories: []string{"boodschappen", "vervoer"}}, []string{"jan", "pieter", "henk"}},
		{"text and distance", search.OfferQuery{Text: "boodschappen", Near: &c, WithinKm: 1}, []string{"jan"}},
		{"text and category", search.OfferQuery{Text: "Jan Kees", Categories: []string{"klussen"}}, []string{"kees"}},
		{"limit", search.OfferQuery{Limit: 2}, []string{"anja", "fatma"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if d := cmp.Diff(tc.want, n.find(t, tc.q)); d != "" {
				t.Errorf("SearchOffers(%+v) (-want +got):\n%s", tc.q, d)
			}
		})
	}
}

func TestSearchOffersLimits(t *testing.T) {
	db := filledStore(t, 250, 0)
	ix := openOrRebuild(t, t.TempDir(), db, nil)
	for _, tc := range []struct{ limit, want int }{{0, 20}, {-5, 20}, {7, 7}, {200, 200}, {1000, 200}} {
		hits, err := ix.SearchOffers(context.Background(), search.OfferQuery{Limit: tc.limit})
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) != tc.want {
			t.Errorf("Limit %d: %d hits, want %d", tc.limit, len(hits), tc.want)
		}
	}
	// Many words are cut off, not refused.
	long := ""
	for range 100 {
		long += "boodschappen supermarkt "
	}
	if _, err := ix.SearchOffers(context.Background(), search.OfferQuery{Text: long}); err != nil {
		t.Errorf("a long query: %v", err)
	}
}

// TestCandidatesEqualExhaustiveScan compares Candidates with a scan of every
// offer in the store by the rules it promises: active, not suspended, with
// a location, a shared category, and within the radius (plus the margin
// Candidates allows itself).
func TestCandidatesEqualExhaustiveScan(t *testing.T) {
	ctx := context.Background()
	offers := genOffers(180, 4)
	for i := range 10 {
		offers[i].Location.Point = wijkhelpt.Point{} // no location
		offers[i].Active, offers[i].Suspended = true, false
	}
	db := storetest.Open(t)
	fillStore(t, db, offers, nil)
	ix := openOrRebuild(t, t.TempDir(), db, nil)
	stored, _ := storeContents(t, db)

	c := centre()
	for _, tc := range []struct {
		p    wijkhelpt.Point
		km   float64
		cats []string
	}{
		{c, 4, []string{"boodschappen"}},
		{c, 5, []string{"tuin", "klussen"}},
		{north(c, 3), 3, []string{"vervoer", "gezelschap", "digitaal"}},
		{east(c, 2), 3, nil}, // no categories: any

		{east(c, -4), 8, []string{"mantelzorg"}},
		{c, 50, []string{"boodschappen", "vervoer", "klussen", "tuin", "gezelschap", "digitaal", "administratie"}},
		{c, 0.2, []string{"boodschappen"}},
	} {
		got, err := ix.Candidates(ctx, tc.p, tc.km, tc.cats)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.IsSorted(got) {
			t.Errorf("Candidates(%v, %v, %v) not in ID order: %v", tc.p, tc.km, tc.cats, got)
		}
		var must, may []string
		for _, o := range stored {
			shared := len(tc.cats) == 0 || slices.ContainsFunc(o.Categories, func(c string) bool { return slices.Contains(tc.cats, c) })
			if !o.Active || o.Suspended || !o.Location.Point.Valid() || !shared {
				continue
			}
			d := wijkhelpt.DistanceKm(tc.p, o.Location.Point)
			if d <= tc.km {
				must = append(must, o.ID)
			}
			if d <= tc.km*1.006+0.011 { // the margin Candidates allows itself
				may = append(may, o.ID)
			}
		}
		for _, id := range must {
			if !slices.Contains(got, id) {
				t.Errorf("Candidates(%v, %v km, %v) misses %s", tc.p, tc.km, tc.cats, id)
			}
		}
		for _, id := range got {
			if !slices.Contains(may, id) {
				t.Errorf("Candidates(%v, %v km, %v) holds %s, which breaks a rule", tc.p, tc.km, tc.cats, id)
			}
		}
		if len(must) == 0 && tc.km >= 2 {
			t.Errorf("Candidates(%v, %v km, %v): the case is empty, a poor probe", tc.p, tc.km, tc.cats)
		}
	}
	for _, tc := range []struct {
		name string
		p    wijkhelpt.Point
		km   float64
		cats []string
	}{
		{"no radius", c, 0, []string{"boodschappen"}},
		{"no point", wijkhelpt.Point{}, 5, []string{"boodschappen"}},
	} {
		got, err := ix.Candidates(ctx, tc.p, tc.km, tc.cats)
		if err != nil || got == nil || len(got) != 0 {
			t.Errorf("Candidates with %s = %v, %v; want an empty list", tc.name, got, err)
		}
	}
}

func TestSearchRequests(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t)
	reqs := genRequests(30, 6)
	reqs[0].Text = "Mevrouw belt: haar computer doet het niet meer."
	reqs[1].Text = "Wie kan mijn heg snoeien? De tuin is een oerwoud."
	reqs[2].Text = "Meneer zoekt iemand voor boodschappen op vrijdag."
	fillStore(t, db, nil, reqs)
	ix := openOrRebuild(t, t.TempDir(), db, nil)
	_, stored := storeContents(t, db)
	byText := map[string]*wijkhelpt.Request{}
	for _, r := range stored {
		byText[r.Text] = r
	}
	computer, heg, boodschap := byText[reqs[0].Text], byText[reqs[1].Text], byText[reqs[2].Text]
	if _, err := db.UpdateRequest(ctx, heg.ID, func(r *wijkhelpt.Request) error {
		return r.AddNote("Zoon belde: ook de dakgoot graag.", wijkhelpt.ActorSystem, r.CreatedAt)
	}); err != nil {
		t.Fatal(err)
	}
	syncIndex(t, ix, db)

	first := func(text string) string {
		t.Helper()
		hits, err := ix.SearchRequests(ctx, text, 5)
		if err != nil {
			t.Fatalf("SearchRequests(%q): %v", text, err)
		}
		if _, err := json.Marshal(hits); err != nil {
			t.Fatalf("SearchRequests(%q) hits cannot be written as JSON: %v", text, err)
		}
		if len(hits) == 0 {
			return ""
		}
		return hits[0].ID
	}
	for _, tc := range []struct{ text, want string }{
		{"laptop", computer.ID},       // synonym
		{"snoeien heggen", heg.ID},    // stemmed
		{"dakgoot", heg.ID},           // in a note
		{"inkopen", boodschap.ID},     // synonym
		{computer.Ref, computer.ID},   // by reference
		{"wh-" + heg.Ref[3:], heg.ID}, // reference in lower case
		{"zie " + boodschap.Ref + ".", boodschap.ID},
	} {
		if got := first(tc.text); got != tc.want {
			t.Errorf("SearchRequests(%q) first = %q, want %q", tc.text, got, tc.want)
		}
	}
	// Every request is the first hit for its own reference.
	for _, r := range stored {
		if got := first(r.Ref); got != r.ID {
			t.Errorf("SearchRequests(%s) first = %s, want %s", r.Ref, got, r.ID)
		}
	}
	hits, err := ix.SearchRequests(ctx, "   ", 5)
	if err != nil || hits == nil || len(hits) != 0 {
		t.Errorf("SearchRequests of nothing = %v, %v; want an empty list", hits, err)
	}
	// Offers never turn up among requests, nor requests among offers.
	if got := first("Jansen"); got != "" {
		t.Errorf("SearchRequests(Jansen) found %s, an offer's name", got)
	}
}

func TestFindOfferIDsFallsBackToKindOfHelp(t *testing.T) {
	n := newNeighbourhood(t)
	for _, tc := range []struct {
		text       string
		first      string   // "" = nothing found
		categories []string // nil = found by name or text
	}{
		{"Bakker", "kees", nil},                     // a name, though "bakker" is also about groceries
		{"warme maaltijden", "anja", nil},           // what the organisation wrote
		{"rolstoel", "pieter", []string{"vervoer"}}, // nobody wrote it: read as transport
		{"whatsapp", "fatma", []string{"digitaal"}},
		{"xyzzy", "", nil},
		{"  ", "", nil},
	} {
		ids, cats, err := n.ix.FindOfferIDs(t.Context(), tc.text, 10)
		if err != nil {
			t.Fatalf("FindOfferIDs(%q): %v", tc.text, err)
		}
		first := ""
		if len(ids) > 0 {
			first = ids[0]
		}
		if first != tc.first || !slices.Equal(cats, tc.categories) {
			t.Errorf("FindOfferIDs(%q) = %v, %v; want %q first, categories %v", tc.text, ids, cats, tc.first, tc.categories)
		}
	}
}
