package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"wijkhelpt"
	"wijkhelpt/geo"
)

func TestDemoSet(t *testing.T) {
	days := []time.Time{
		time.Now(),
		time.Date(2026, 11, 23, 9, 30, 0, 0, wijkhelpt.Amsterdam()),
		time.Date(2026, 12, 31, 23, 59, 0, 0, wijkhelpt.Amsterdam()), // the year turns during the set
		time.Date(2027, 3, 27, 22, 0, 0, 0, time.UTC),                // the clocks go forward
	}
	table, err := geo.LoadPC4()
	if err != nil {
		t.Fatalf("LoadPC4: %v", err)
	}
	loc := geo.NewLocator(table)
	for _, today := range days {
		t.Run(today.Format(time.RFC3339), func(t *testing.T) {
			offers, requests := demoSet(today)
			checkDemoOffers(t, loc, offers, today)
			checkDemoRequests(t, loc, requests, today)

			phones := map[string]int{}
			for _, o := range offers {
				e164, _, _ := loc.NormalizePhone(o.Phone)
				phones[e164]++
			}
			for _, r := range requests {
				e164, _, _ := loc.NormalizePhone(r.Contact.Phone)
				phones[e164]++
			}
			for p, n := range phones {
				if n > 1 {
					t.Errorf("phone %s used %d times; the desk would take them for duplicates", p, n)
				}
			}
		})
	}
}

func TestDemoSetIsTheSameEveryTime(t *testing.T) {
	today := time.Date(2026, 11, 23, 9, 30, 0, 0, wijkhelpt.Amsterdam())
	o1, r1 := demoSet(today)
	o2, r2 := demoSet(today)
	if diff := cmp.Diff(o1, o2); diff != "" {
		t.Errorf("offers differ between runs (-first +second):\n%s", diff)
	}
	if diff := cmp.Diff(r1, r2); diff != "" {
		t.Errorf("requests differ between runs (-first +second):\n%s", diff)
	}
	// A later day moves the dates along but keeps the people.
	o3, r3 := demoSet(today.AddDate(0, 0, 7))
	if o3[0].Name != o1[0].Name || r3[0].Contact.Name != r1[0].Contact.Name {
		t.Errorf("another day gave other people: %q/%q, want %q/%q", o3[0].Name, r3[0].Contact.Name, o1[0].Name, r1[0].Contact.Name)
	}
}

// locate checks postcode, house number and phone as the desk does and
// returns the location and whether the phone is mobile.
func locate(tb testing.TB, loc *geo.Locator, what, postcode, house, phone string) (wijkhelpt.Location, bool) {
	tb.Helper()
	pc, err := loc.NormalizePostcode(postcode)
	if err != nil {
		tb.Fatalf("%s: postcode %q: %v", what, postcode, err)
	}
	hn, err := loc.NormalizeHouseNumber(house)
	if err != nil {
		tb.Fatalf("%s: house number %q: %v", what, house, err)
	}
	_, mobile, err := loc.NormalizePhone(phone)
	if err != nil {
		tb.Fatalf("%s: phone %q: %v", what, phone, err)
	}
	l, err := loc.Locate(context.Background(), pc, hn, nil)
	if err != nil {
		tb.Fatalf("%s: locate %s %s: %v", what, pc, hn, err)
	}
	return l, mobile
}

var demoPlaces = map[string]string{
	"3961": "Wijk bij Duurstede", "3962": "Wijk bij Duurstede", "3945": "Cothen", "3947": "Langbroek",
}

func checkDemoOffers(t *testing.T, loc *geo.Locator, offers []wijkhelpt.OfferInput, today time.Time) {
	t.Helper()
	day := today.In(wijkhelpt.Amsterdam()).Format(wijkhelpt.DateLayout)
	var orgs, lapsed, validVOG, away, widest int
	areas := map[string]int{}
	cats := map[string]int{}
	for i, in := range offers {
		what := "offer " + in.Name
		if errs := in.Validate(); len(errs) > 0 {
			t.Errorf("%s (%d) does not validate: %v", what, i, errs)
		}
		l, mobile := locate(t, loc, what, in.Postcode, in.HouseNumber, in.Phone)
		if demoPlaces[l.PC4] != l.Place {
			t.Errorf("%s lives in %s %s, outside the municipality", what, l.PC4, l.Place)
		}
		if !mobile {
			t.Errorf("%s: phone %q cannot receive SMS; every offer must be reachable", what, in.Phone)
		}
		areas[l.PC4]++
		for _, c := range in.Categories {
			cats[c]++
		}
		if in.Kind == wijkhelpt.OfferOrganisation {
			orgs++
		}
		if in.MaxDistanceKm < 2 || in.MaxDistanceKm > 15 {
			t.Errorf("%s: radius %v km, want 2 to 15", what, in.MaxDistanceKm)
		}
		widest = max(widest, int(in.MaxDistanceKm))
		if in.Capacity < 1 || in.Capacity > 3 {
			t.Errorf("%s: capacity %d, want 1 to 3", what, in.Capacity)
		}
		if in.Transport == "" {
			t.Errorf("%s: no transport", what)
		}
		if in.VOGDate != "" {
			o := wijkhelpt.Offer{VOGDate: in.VOGDate}
			if o.VOGValid(day) {
				validVOG++
			} else {
				lapsed++
			}
		}
		if len(in.Away) > 0 {
			away++
		}
	}
	if len(offers) < 150 {
		t.Errorf("%d offers, want at least 150", len(offers))
	}
	if orgs < 20 {
		t.Errorf("%d organisation offers, want at least 20", orgs)
	}
	for pc4 := range demoPlaces {
		if areas[pc4] == 0 {
			t.Errorf("no offers in %s", pc4)
		}
	}
	for _, c := range wijkhelpt.Categories() {
		if cats[c.Code] == 0 {
			t.Errorf("nobody offers %s", c.Code)
		}
	}
	if cats["boodschappen"] <= cats["mantelzorg"] || cats["vervoer"] <= cats["kinderen"] {
		t.Errorf("popular categories are not more common: %v", cats)
	}
	if lapsed == 0 || validVOG < 5 || away == 0 || widest != 15 {
		t.Errorf("want lapsed VOGs, valid VOGs, periods away and a 15 km radius; got %d lapsed, %d valid, %d away, widest %d km",
			lapsed, validVOG, away, widest)
	}
}

func checkDemoRequests(t *testing.T, loc *geo.Locator, requests []wijkhelpt.RequestInput, today time.Time) {
	t.Helper()
	var landline, onBehalf, byStaff, uncategorised, dated, weekly, flexible, english int
	areas := map[string]int{}
	cats := map[string]int{}
	first := today.In(wijkhelpt.Amsterdam()).Format(wijkhelpt.DateLayout)
	last := today.In(wijkhelpt.Amsterdam()).AddDate(0, 0, 21).Format(wijkhelpt.DateLayout)
	for i, in := range requests {
		what := "request " + strings.Join(strings.Fields(in.Text)[:4], " ")
		if errs := in.Validate(today); len(errs) > 0 {
			t.Errorf("%s (%d) does not validate: %v", what, i, errs)
		}
		l, mobile := locate(t, loc, what, in.Postcode, in.HouseNumber, in.Contact.Phone)
		if demoPlaces[l.PC4] != l.Place {
			t.Errorf("%s is in %s %s, outside the municipality", what, l.PC4, l.Place)
		}
		areas[l.PC4]++
		if !mobile {
			landline++
		}
		if in.OnBehalfOf != nil {
			onBehalf++
			if in.OnBehalfOf.Relation == "" || in.OnBehalfOf.Name == in.Contact.Name {
				t.Errorf("%s: on behalf of %+v by %s", what, in.OnBehalfOf, in.Contact.Name)
			}
		}
		if strings.Contains(in.Text, " belt") {
			byStaff++
			if in.Consent != wijkhelpt.ConsentVerbal {
				t.Errorf("%s: typed by staff with consent %q, want verbal", what, in.Consent)
			}
		}
		if len(in.Categories) == 0 {
			uncategorised++
		}
		for _, c := range in.Categories {
			cats[c]++
		}
		switch {
		case in.Date != "":
			dated++
			if in.Date <= first || in.Date > last {
				t.Errorf("%s: date %s, want within three weeks after %s", what, in.Date, first)
			}
		case len(in.Slots) > 0:
			weekly++
		default:
			flexible++
		}
		if strings.Contains(in.Text, " the ") || strings.HasPrefix(in.Text, "I ") {
			english++
		}
	}
	if len(requests) < 40 {
		t.Errorf("%d requests, want at least 40", len(requests))
	}
	for pc4 := range demoPlaces {
		if areas[pc4] == 0 {
			t.Errorf("no requests in %s", pc4)
		}
	}
	for _, c := range wijkhelpt.Categories() {
		if cats[c.Code] == 0 {
			t.Errorf("no request asks for %s", c.Code)
		}
	}
	counts := map[string]int{"landline residents": landline, "on behalf": onBehalf, "typed by staff": byStaff,
		"without category": uncategorised, "dated": dated, "weekly": weekly, "flexible": flexible}
	for what, n := range counts {
		if n < 5 {
			t.Errorf("%d requests %s, want at least 5", n, what)
		}
	}
	if english == 0 {
		t.Error("no request in English")
	}
}
