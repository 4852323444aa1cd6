package search_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"wijkhelpt"
	"wijkhelpt/store"
)

// Test data: offers and requests around Wijk bij Duurstede, made from a
// seed so that every run sees the same ones.

// centre is the middle of Wijk bij Duurstede.
func centre() wijkhelpt.Point { return wijkhelpt.Point{Lat: 51.9745, Lon: 5.3420} }

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

// offerTexts are what volunteers write about themselves, per category.
func offerTexts() map[string][]string {
	return map[string][]string{
		"boodschappen":  {"Ik doe graag boodschappen voor iemand in de buurt.", "Wekelijks naar de supermarkt, geen probleem."},
		"vervoer":       {"Ik heb een auto en rijd mensen naar het ziekenhuis.", "Chauffeur voor afspraken bij de huisarts."},
		"klussen":       {"Handig met gereedschap, kleine reparaties in huis.", "Lampen ophangen, kranen repareren."},
		"tuin":          {"Ik tuinier graag: snoeien, maaien, onkruid wieden.", "Hulp bij het bijhouden van de tuin."},
		"gezelschap":    {"Een kopje koffie en een praatje, of samen wandelen.", "Ik bezoek graag ouderen voor gezelschap."},
		"digitaal":      {"Ik help met de computer, tablet en smartphone.", "Uitleg over internet, e-mail en apps."},
		"administratie": {"Hulp bij formulieren, belastingaangifte en post.", "Ik help met de administratie en rekeningen."},
		"taal":          {"Taalmaatje: samen Nederlands oefenen.", "Ik geef les in lezen en schrijven."},
		"maaltijden":    {"Ik kook graag een extra portie voor iemand.", "Samen eten of een warme maaltijd brengen."},
		"huisdieren":    {"Ik laat honden uit en pas op katten.", "Verzorging van huisdieren tijdens ziekte."},
		"verhuizen":     {"Sterke handen bij verhuizen en opruimen.", "Met mijn busje help ik bij een verhuizing."},
		"huishouden":    {"Hulp in het huishouden: stofzuigen, de was.", "Ik help met schoonmaken en strijken."},
		"mantelzorg":    {"Ik neem de zorg een middag over zodat de mantelzorger even vrij is.", "Respijt voor mantelzorgers."},
		"kinderen":      {"Oppassen en huiswerkbegeleiding voor kinderen.", "Voorlezen en spelen met kinderen."},
	}
}

// genOffers makes n offers with fixed IDs ("of0000001") and revisions 1..n.
func genOffers(n int, seed uint64) []*wijkhelpt.Offer {
	rng := rand.New(rand.NewPCG(seed, 7))
	firsts := []string{"Anouk", "Bram", "Cor", "Daan", "Els", "Fatima", "Gerrit", "Hanneke", "Ilse", "Joost", "Karin", "Lotte", "Mohammed", "Noor", "Oscar", "Petra", "Quinten", "Rianne", "Sem", "Truus", "Umut", "Vera", "Willem", "Yara", "Zeynep"}
	lasts := []string{"de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Dijk", "Verbeek"}
	pc4s := []string{"3961", "3962", "3945", "3947"}
	codes := []string{}
	for _, c := range wijkhelpt.Categories() {
		codes = append(codes, c.Code)
	}
	texts := offerTexts()
	created := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	out := make([]*wijkhelpt.Offer, n)
	for i := range out {
		ncat := 1 + rng.IntN(3)
		perm := rng.Perm(len(codes))[:ncat]
		sort.Ints(perm)
		cats := make([]string, ncat)
		var text []string
		for k, p := range perm {
			cats[k] = codes[p]
			text = append(text, pick(rng, texts[codes[p]]))
		}
		var slots []string
		for s := range wijkhelpt.SlotCount {
			if rng.IntN(4) == 0 {
				slots = append(slots, wijkhelpt.Slot(s).String())
			}
		}
		pc4 := pick(rng, pc4s)
		kind := wijkhelpt.OfferVolunteer
		name := pick(rng, firsts) + " " + pick(rng, lasts)
		org := ""
		if rng.IntN(20) == 0 {
			kind, org = wijkhelpt.OfferOrganisation, "Stichting "+pick(rng, lasts)
		}
		out[i] = &wijkhelpt.Offer{
			ID:           fmt.Sprintf("of%07d", i),
			Kind:         kind,
			Name:         name,
			Organisation: org,
			Phone:        fmt.Sprintf("+316%08d", i),
			Mobile:       true,
			Location: wijkhelpt.Location{
				Postcode: pc4 + " AB", HouseNumber: fmt.Sprint(1 + rng.IntN(120)), Place: "Wijk bij Duurstede", PC4: pc4,
				Point:  wijkhelpt.Point{Lat: centre().Lat + (rng.Float64()-0.5)*0.2, Lon: centre().Lon + (rng.Float64()-0.5)*0.3},
				Source: "given",
			},
			Categories:    cats,
			Slots:         slots,
			Text:          strings.Join(text, " "),
			MaxDistanceKm: float64(2 + rng.IntN(9)),
			Capacity:      1 + rng.IntN(3),
			Active:        rng.IntN(10) != 0,
			Suspended:     rng.IntN(50) == 0,
			CreatedBy:     wijkhelpt.ActorImport,
			CreatedAt:     created,
			UpdatedAt:     created,
			Revision:      int64(i + 1),
			SchemaVersion: wijkhelpt.SchemaVersion,
		}
	}
	return out
}

// genRequests makes n open requests through the domain's own constructor.
func genRequests(n int, seed uint64) []*wijkhelpt.Request {
	rng := rand.New(rand.NewPCG(seed, 11))
	texts := []struct{ text, cat string }{
		{"Wie kan er voor mij naar de supermarkt? Ik heb griep.", "boodschappen"},
		{"Ik moet naar het ziekenhuis voor een controle en heb geen vervoer.", "vervoer"},
		{"De kraan in de keuken lekt.", "klussen"},
		{"Mijn heg moet gesnoeid worden.", "tuin"},
		{"Ik ben weduwe en zou graag bezoek krijgen.", "gezelschap"},
		{"Mijn tablet doet het niet meer, wie helpt?", "digitaal"},
		{"Ik snap de brief van de belastingdienst niet.", "administratie"},
		{"Ik wil Nederlands leren spreken.", "taal"},
		{"Wie brengt mij een warme maaltijd?", "maaltijden"},
		{"Mijn hond moet uitgelaten worden.", "huisdieren"},
	}
	now := time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC)
	out := make([]*wijkhelpt.Request, n)
	for i := range out {
		t := texts[i%len(texts)]
		p := wijkhelpt.Point{Lat: centre().Lat + (rng.Float64()-0.5)*0.1, Lon: centre().Lon + (rng.Float64()-0.5)*0.15}
		in := wijkhelpt.RequestInput{
			Text:       t.text,
			Categories: []string{t.cat},
			Contact:    wijkhelpt.Contact{Name: "Bewoner " + fmt.Sprint(i), Phone: fmt.Sprintf("+316%08d", 50000000+i), Mobile: true},
			Consent:    wijkhelpt.ConsentVerbal,
		}
		loc := wijkhelpt.Location{Postcode: "3961 AB", HouseNumber: fmt.Sprint(i + 1), Place: "Wijk bij Duurstede", PC4: "3961", Point: p, Source: "given"}
		r, _ := wijkhelpt.NewRequest(in, loc, in.Contact.Phone, true, wijkhelpt.ChannelPhone, wijkhelpt.ActorSystem, now, "https://wijkhelpt.example")
		out[i] = r
	}
	return out
}

// fillStore puts offers and requests into db.
func fillStore(tb testing.TB, db store.Store, offers []*wijkhelpt.Offer, reqs []*wijkhelpt.Request) {
	tb.Helper()
	ctx := context.Background()
	if len(offers) > 0 {
		n, err := db.InsertOffers(ctx, offers)
		if err != nil || n != len(offers) {
			tb.Fatalf("InsertOffers = %d, %v; want %d", n, err, len(offers))
		}
	}
	if len(reqs) > 0 {
		n, err := db.InsertRequests(ctx, reqs)
		if err != nil || n != len(reqs) {
			tb.Fatalf("InsertRequests = %d, %v; want %d", n, err, len(reqs))
		}
	}
}

// sliceSource serves a fixed set of generated offers the way the store's
// feed does. It feeds the benchmark, which measures the index and not the
// store; every test runs against the real store.
type sliceSource struct {
	offers []*wijkhelpt.Offer // in revision order
}

func (s sliceSource) OffersChangedSince(_ context.Context, rev int64, limit int) ([]*wijkhelpt.Offer, error) {
	i := sort.Search(len(s.offers), func(i int) bool { return s.offers[i].Revision > rev })
	j := min(len(s.offers), i+limit)
	return s.offers[i:j], nil
}

func (s sliceSource) RequestsChangedSince(context.Context, int64, int) ([]*wijkhelpt.Request, error) {
	return nil, nil
}

func (s sliceSource) CountOffers(context.Context) (int64, error)   { return int64(len(s.offers)), nil }
func (s sliceSource) CountRequests(context.Context) (int64, error) { return 0, nil }
