package wijkhelpt_test

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"wijkhelpt"
)

// FuzzParseSlot: no input panics; whatever parses is a real slot whose
// name parses back to it; every slot's name parses back to the slot.
func FuzzParseSlot(f *testing.F) {
	for s := wijkhelpt.Slot(0); s < wijkhelpt.SlotCount; s++ {
		f.Add(s.String(), uint8(s))
	}
	for _, s := range []string{" DI ochtend ", "zo_avond", "di--ochtend", "-", "ma-", "\u00a0wo-middag", "ma-ochtend-"} {
		f.Add(s, uint8(0))
	}
	f.Fuzz(func(t *testing.T, in string, n uint8) {
		s := wijkhelpt.Slot(n % wijkhelpt.SlotCount)
		if got, ok := wijkhelpt.ParseSlot(s.String()); !ok || got != s {
			t.Fatalf("ParseSlot(%q) = %v, %v, want %v", s.String(), got, ok, s)
		}
		_ = wijkhelpt.Slot(n).Label("en") // any slot number, valid or not, has a label
		_ = wijkhelpt.Slot(n).String()

		got, ok := wijkhelpt.ParseSlot(in)
		if !ok {
			return
		}
		if got >= wijkhelpt.SlotCount {
			t.Fatalf("ParseSlot(%q) = slot %d, beyond the week", in, got)
		}
		if again, ok := wijkhelpt.ParseSlot(got.String()); !ok || again != got {
			t.Fatalf("ParseSlot(%q) = %v, whose name parses to %v, %v", in, got, again, ok)
		}
		if upper, ok := wijkhelpt.ParseSlot(strings.ToUpper(in)); !ok || upper != got {
			t.Fatalf("ParseSlot(%q) = %v, but in capitals %v, %v", in, got, upper, ok)
		}
	})
}

// FuzzRequestIDOfMatch: no input panics; a match ID is accepted only in the
// form "<request>-<n>" with n a positive number written plainly, and every
// request ID survives the trip.
func FuzzRequestIDOfMatch(f *testing.F) {
	for _, s := range []string{"6650a1b2c3d4e5f601234567-1", "abc-12", "a-b-3", "abc", "abc-", "-1", "abc-+1", "abc-01", "abc--1", "abc-0"} {
		f.Add(s, uint16(1))
	}
	f.Fuzz(func(t *testing.T, in string, n uint16) {
		if id, ok := wijkhelpt.RequestIDOfMatch(in); ok {
			if id == "" {
				t.Fatalf("RequestIDOfMatch(%q) accepted an empty request ID", in)
			}
			num := strings.TrimPrefix(in, id+"-")
			k, err := strconv.Atoi(num)
			if !strings.HasPrefix(in, id+"-") || err != nil || k < 1 || strconv.Itoa(k) != num {
				t.Fatalf("RequestIDOfMatch(%q) = %q: the rest %q is not a plain positive number", in, id, num)
			}
		}
		if in == "" {
			return
		}
		k := int(n) + 1
		matchID := in + "-" + strconv.Itoa(k)
		if id, ok := wijkhelpt.RequestIDOfMatch(matchID); !ok || id != in {
			t.Fatalf("RequestIDOfMatch(%q) = %q, %v, want %q, true", matchID, id, ok, in)
		}
	})
}

// FuzzValidate: no RequestInput makes Validate or NewRequest panic; every
// message is in Dutch and English; what Validate accepts it accepts again
// unchanged (its normalising is idempotent), and makes a request whose time
// fields are in their stored form.
func FuzzValidate(f *testing.F) {
	f.Add("Boodschappen doen", "boodschappen", "di-ochtend", "2026-11-24", "ochtend", "Mevrouw Jansen", "", "web", "", "", 0.0, 52.0, 5.0)
	f.Add("", "x", "x", "24-11-2026", "nacht", "", "x", "", "  ", "dochter", -1.0, 0.0, 0.0)
	f.Add(" \u00a0", "tuin", " ZO_AVOND ", " 2026-12-01 ", " Avond", "A", "a@b.nl", "verbal", "Piet", "", 100.0, 91.0, 181.0)
	today := tIntake(f)
	f.Fuzz(func(t *testing.T, text, category, slot, date, part, name, email, consent, behalfName, relation string, maxKm, lat, lon float64) {
		in := wijkhelpt.RequestInput{
			Text: text, Categories: []string{category}, Slots: []string{slot}, Date: date, DayPart: part,
			MaxDistanceKm: maxKm, Contact: wijkhelpt.Contact{Name: name, Email: email}, Consent: consent,
			Location: &wijkhelpt.Point{Lat: lat, Lon: lon},
		}
		if behalfName != "" || relation != "" {
			in.OnBehalfOf = &wijkhelpt.Person{Name: behalfName, Relation: relation}
		}
		errs := in.Validate(today)
		for field, msg := range errs {
			if msg.NL == "" || msg.EN == "" {
				t.Fatalf("%s: message %+v not in both languages", field, msg)
			}
		}
		if len(errs) > 0 {
			return
		}
		again := in
		again.Categories = append([]string{}, in.Categories...)
		if errs := again.Validate(today); len(errs) > 0 {
			t.Fatalf("Validate accepted %+v, then refused its own output: %v", in, errs.Err())
		}
		if diff := cmp.Diff(in, again, cmpNaN); diff != "" {
			t.Fatalf("a second Validate changed the input again (-first +second):\n%s", diff)
		}
		if maxKm != maxKm || maxKm < 0 || maxKm > 100 {
			t.Fatalf("accepted max distance %v", maxKm)
		}
		r, _ := wijkhelpt.NewRequest(in, testLocation(), residentPhone, true, wijkhelpt.ChannelWeb, wijkhelpt.ActorResident, today, publicURL)
		if r.Text == "" || !utf8.ValidString(r.Text) && utf8.ValidString(text) {
			t.Fatalf("request text %q from %q", r.Text, text)
		}
		if r.Date != "" {
			if d, ok := wijkhelpt.ParseDate(r.Date); !ok || d.Format(wijkhelpt.DateLayout) != r.Date {
				t.Fatalf("stored date %q is not in YYYY-MM-DD", r.Date)
			}
		}
		if r.DayPart != "" {
			if _, ok := wijkhelpt.ParsePart(r.DayPart); !ok || r.DayPart != strings.ToLower(strings.TrimSpace(r.DayPart)) {
				t.Fatalf("stored day part %q is not in its stored form", r.DayPart)
			}
		}
		if diff := cmp.Diff(r.Slots, wijkhelpt.MustSlots(r.Slots).Strings()); diff != "" {
			t.Fatalf("stored slots are not in their stored form:\n%s", diff)
		}
	})
}
