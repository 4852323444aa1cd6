package wijkhelpt_test

import (
	"math"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"wijkhelpt"
)

// fieldNames lists the fields with an error, sorted.
func fieldNames(errs wijkhelpt.FieldErrors) []string {
	out := []string{}
	for k := range errs {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestValidateReportsEveryFieldAtOnce(t *testing.T) {
	today := tIntake(t)
	in := wijkhelpt.RequestInput{
		Text:          "   ",
		Categories:    []string{"boodschappen", "ruimtevaart"},
		Slots:         []string{"di-ochtend", "maandagnacht"},
		Date:          "2026-11-19",
		DayPart:       "nacht",
		MaxDistanceKm: -1,
		Contact:       wijkhelpt.Contact{Name: " ", Email: "jan at example.nl"},
		OnBehalfOf:    &wijkhelpt.Person{Relation: "moeder"},
		Consent:       "",
		Location:      &wijkhelpt.Point{Lat: 200, Lon: 5},
	}
	got := fieldNames(in.Validate(today))
	want := []string{"categories", "consent", "contact.email", "contact.name", "date", "dayPart",
		"location", "maxDistanceKm", "onBehalfOf.name", "slots", "text"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fields with errors (-want +got):\n%s", diff)
	}
}

func TestValidate(t *testing.T) {
	today := tIntake(t) // Friday 2026-11-20 09:00
	long := strings.Repeat("é", wijkhelpt.MaxTextLen+1)
	tests := []struct {
		name   string
		change func(in *wijkhelpt.RequestInput)
		want   []string
	}{
		{"valid", func(in *wijkhelpt.RequestInput) {}, []string{}},
		{"empty text", func(in *wijkhelpt.RequestInput) { in.Text = "" }, []string{"text"}},
		{"text of 2000 runes", func(in *wijkhelpt.RequestInput) { in.Text = long[:len(long)-2] }, []string{}},
		{"text too long", func(in *wijkhelpt.RequestInput) { in.Text = long }, []string{"text"}},
		{"no category is fine", func(in *wijkhelpt.RequestInput) { in.Categories = nil }, []string{}},
		{"bad category", func(in *wijkhelpt.RequestInput) { in.Categories = []string{"Boodschappen"} }, []string{"categories"}},
		{"bad slot", func(in *wijkhelpt.RequestInput) { in.Slots = []string{"di-nacht"} }, []string{"slots"}},
		{"blank slots are ignored", func(in *wijkhelpt.RequestInput) { in.Slots = []string{"", " "} }, []string{}},
		{"date today", func(in *wijkhelpt.RequestInput) { in.Date = "2026-11-20" }, []string{}},
		{"date yesterday", func(in *wijkhelpt.RequestInput) { in.Date = "2026-11-19" }, []string{"date"}},
		{"date in a year", func(in *wijkhelpt.RequestInput) { in.Date = "2027-11-20" }, []string{}},
		{"date too far", func(in *wijkhelpt.RequestInput) { in.Date = "2027-11-21" }, []string{"date"}},
		{"date in Dutch order", func(in *wijkhelpt.RequestInput) { in.Date = "24-11-2026" }, []string{"date"}},
		{"day part without date", func(in *wijkhelpt.RequestInput) { in.Date = ""; in.DayPart = "avond" }, []string{}},
		{"bad day part", func(in *wijkhelpt.RequestInput) { in.DayPart = "nacht" }, []string{"dayPart"}},
		{"distance too large", func(in *wijkhelpt.RequestInput) { in.MaxDistanceKm = 101 }, []string{"maxDistanceKm"}},
		{"distance NaN", func(in *wijkhelpt.RequestInput) { in.MaxDistanceKm = math.NaN() }, []string{"maxDistanceKm"}},
		{"distance infinite", func(in *wijkhelpt.RequestInput) { in.MaxDistanceKm = math.Inf(1) }, []string{"maxDistanceKm"}},
		{"missing name", func(in *wijkhelpt.RequestInput) { in.Contact.Name = "" }, []string{"contact.name"}},
		{"name too long", func(in *wijkhelpt.RequestInput) { in.Contact.Name = strings.Repeat("a", 101) }, []string{"contact.name"}},
		{"good email", func(in *wijkhelpt.RequestInput) { in.Contact.Email = " jan@example.nl " }, []string{}},
		{"bad email", func(in *wijkhelpt.RequestInput) { in.Contact.Email = "jan.example.nl" }, []string{"contact.email"}},
		{"email with a display name", func(in *wijkhelpt.RequestInput) { in.Contact.Email = "Jan <jan@example.nl>" }, []string{"contact.email"}},
		{"on behalf with a name", func(in *wijkhelpt.RequestInput) {
			in.OnBehalfOf = &wijkhelpt.Person{Name: "Mevrouw Pietersen", Relation: "buurvrouw"}
		}, []string{}},
		{"on behalf without a name", func(in *wijkhelpt.RequestInput) {
			in.OnBehalfOf = &wijkhelpt.Person{Relation: "dochter"}
		}, []string{"onBehalfOf.name"}},
		{"on behalf with a blank name", func(in *wijkhelpt.RequestInput) {
			in.OnBehalfOf = &wijkhelpt.Person{Name: "  "}
		}, []string{"onBehalfOf.name"}},
		{"empty on behalf is ignored", func(in *wijkhelpt.RequestInput) { in.OnBehalfOf = &wijkhelpt.Person{} }, []string{}},
		{"verbal consent", func(in *wijkhelpt.RequestInput) { in.Consent = wijkhelpt.ConsentVerbal }, []string{}},
		{"missing consent", func(in *wijkhelpt.RequestInput) { in.Consent = "" }, []string{"consent"}},
		{"made-up consent", func(in *wijkhelpt.RequestInput) { in.Consent = "yes" }, []string{"consent"}},
		{"idempotency key too long", func(in *wijkhelpt.RequestInput) { in.IdempotencyKey = strings.Repeat("k", 129) }, []string{"idempotencyKey"}},
		{"zero location", func(in *wijkhelpt.RequestInput) { in.Location = &wijkhelpt.Point{} }, []string{"location"}},
		{"good location", func(in *wijkhelpt.RequestInput) { in.Location = &wijkhelpt.Point{Lat: 52, Lon: 5} }, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validInput()
			tt.change(&in)
			errs := in.Validate(today)
			if diff := cmp.Diff(tt.want, fieldNames(errs)); diff != "" {
				t.Errorf("fields with errors (-want +got):\n%s", diff)
			}
			for field, msg := range errs {
				if msg.NL == "" || msg.EN == "" || msg.NL == msg.EN {
					t.Errorf("%s: message not in Dutch and English: %+v", field, msg)
				}
			}
		})
	}
}

func TestValidateDateMessageShowsTheAcceptedForm(t *testing.T) {
	in := validInput()
	in.Date = "morgen"
	errs := in.Validate(tIntake(t))
	msg, ok := errs["date"]
	if !ok {
		t.Fatal("no error for date")
	}
	// Whatever example the message gives must itself be accepted.
	re := regexp.MustCompile(`\d[\d-]+\d`)
	for _, text := range []string{msg.NL, msg.EN} {
		example := re.FindString(text)
		if _, ok := wijkhelpt.ParseDate(example); !ok {
			t.Errorf("message %q gives the example %q, which ParseDate refuses", text, example)
		}
	}
}

func TestValidateNormalizes(t *testing.T) {
	in := validInput()
	in.Categories = []string{"tuin", "boodschappen", "tuin"}
	in.Date = " 2026-11-24 "
	in.DayPart = " Middag"
	if errs := in.Validate(tIntake(t)); len(errs) > 0 {
		t.Fatalf("Validate: %v", errs.Err())
	}
	if diff := cmp.Diff([]string{"tuin", "boodschappen"}, in.Categories); diff != "" {
		t.Errorf("categories (-want +got):\n%s", diff)
	}
	if got, want := in.Date, "2026-11-24"; got != want {
		t.Errorf("date = %q, want %q", got, want)
	}
	if got, want := in.DayPart, "middag"; got != want {
		t.Errorf("day part = %q, want %q", got, want)
	}
}

func TestValidateTodayInAmsterdam(t *testing.T) {
	// 23:30 UTC on 19 November is already 20 November in Amsterdam.
	today := time.Date(2026, 11, 19, 23, 30, 0, 0, time.UTC)
	in := validInput()
	in.Date = "2026-11-19"
	if got := fieldNames(in.Validate(today)); !cmp.Equal(got, []string{"date"}) {
		t.Errorf("19 November at 00:30 Amsterdam time: fields %v, want [date]", got)
	}
	in.Date = "2026-11-20"
	if got := fieldNames(in.Validate(today)); len(got) != 0 {
		t.Errorf("20 November at 00:30 Amsterdam time: fields %v, want none", got)
	}
}

func TestNewRequestTime(t *testing.T) {
	now := tIntake(t)
	tests := []struct {
		name          string
		change        func(in *wijkhelpt.RequestInput)
		wantSlots     []string
		wantRecurring bool
		wantDate      string
		wantPart      string
	}{
		{"date and part", func(in *wijkhelpt.RequestInput) {}, []string{"di-ochtend"}, false, "2026-11-24", "ochtend"},
		{"date, part in capitals", func(in *wijkhelpt.RequestInput) { in.DayPart = "AVOND" }, []string{"di-avond"}, false, "2026-11-24", "avond"},
		{"date only", func(in *wijkhelpt.RequestInput) { in.DayPart = "" }, []string{"di-ochtend", "di-middag", "di-avond"}, false, "2026-11-24", ""},
		{"date wins over slots", func(in *wijkhelpt.RequestInput) { in.Slots = []string{"vr-avond"} }, []string{"di-ochtend"}, false, "2026-11-24", "ochtend"},
		{"weekly slots", func(in *wijkhelpt.RequestInput) {
			in.Date, in.DayPart = "", ""
			in.Slots = []string{"za-middag", "WO-OCHTEND"}
		}, []string{"wo-ochtend", "za-middag"}, true, "", ""},
		{"flexible", func(in *wijkhelpt.RequestInput) { in.Date, in.DayPart = "", "" }, []string{}, false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validInput()
			tt.change(&in)
			r := newRequest(t, in, now)
			got := struct {
				Slots          []string
				Recurring      bool
				Date, DayPart  string
				SlotSetStrings []string
			}{r.Slots, r.Recurring, r.Date, r.DayPart, r.SlotSet().Strings()}
			want := struct {
				Slots          []string
				Recurring      bool
				Date, DayPart  string
				SlotSetStrings []string
			}{tt.wantSlots, tt.wantRecurring, tt.wantDate, tt.wantPart, tt.wantSlots}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("time fields (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewRequestFields(t *testing.T) {
	now := tIntake(t)
	in := validInput()
	in.Text = "  Boodschappen doen  "
	in.Contact.Name = "  Mevrouw Jansen "
	in.Contact.Email = " jansen@example.nl "
	in.OnBehalfOf = &wijkhelpt.Person{Name: " Piet Jansen ", Relation: " vader "}
	in.Urgent = true
	in.MaxDistanceKm = 3
	in.IdempotencyKey = "form-123"
	r, token := wijkhelpt.NewRequest(in, testLocation(), residentPhone, true, wijkhelpt.ChannelWeb, wijkhelpt.ActorResident, now, publicURL)

	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(token) {
		t.Errorf("token %q is not 128 bits of hex", token)
	}
	if r.TokenHash == token || r.TokenHash != wijkhelpt.HashToken(token) {
		t.Errorf("TokenHash = %q, want the hash of the token, not the token", r.TokenHash)
	}
	if !regexp.MustCompile(`^[0-9a-f]{24}$`).MatchString(r.ID) {
		t.Errorf("ID %q is not 96 bits of hex", r.ID)
	}
	want := &wijkhelpt.Request{
		ID: r.ID, Ref: r.Ref, Status: wijkhelpt.RequestOpen,
		Text: "Boodschappen doen", Categories: []string{"boodschappen"},
		Date: "2026-11-24", DayPart: "ochtend", Slots: []string{"di-ochtend"},
		Urgent: true, MaxDistanceKm: 3,
		Location:       testLocation(),
		Contact:        wijkhelpt.Contact{Name: "Mevrouw Jansen", Phone: residentPhone, Mobile: true, Email: "jansen@example.nl"},
		OnBehalfOf:     &wijkhelpt.Person{Name: "Piet Jansen", Relation: "vader"},
		Consent:        wijkhelpt.ConsentWeb,
		Channel:        wijkhelpt.ChannelWeb,
		IdempotencyKey: "form-123",
		TokenHash:      r.TokenHash,
		Notes:          []wijkhelpt.Note{},
		Matches:        []wijkhelpt.Match{},
		Excluded:       []string{},
		Outbox: []wijkhelpt.Message{{
			Key: r.ID + ":received", Channel: wijkhelpt.ChannelSMS, To: residentPhone,
			Template: wijkhelpt.TmplRequestReceived, Lang: "nl",
			Params: map[string]string{"ref": r.Ref, "link": "https://wijkhelpt.example/r/" + token, "name": "Mevrouw Jansen"},
			DueAt:  now, CreatedAt: now,
		}},
		History:         []wijkhelpt.Transition{{Entity: "request", To: "open", Actor: wijkhelpt.ActorResident, At: now}},
		PendingMessages: 1,
		CreatedBy:       wijkhelpt.ActorResident,
		CreatedAt:       now,
		UpdatedAt:       now,
		SchemaVersion:   wijkhelpt.SchemaVersion,
	}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("request (-want +got):\n%s", diff)
	}
	if got, want := r.HelpedName(), "Piet Jansen"; got != want {
		t.Errorf("HelpedName = %q, want %q", got, want)
	}
	if got, want := r.ResidentKey(), "3961AB/12"; got != want {
		t.Errorf("ResidentKey = %q, want %q", got, want)
	}
}

func TestNewRequestMessages(t *testing.T) {
	now := tIntake(t)
	tests := []struct {
		name        string
		channel     string
		mobile      bool
		wantChannel string // "" = no message
	}{
		{"web, mobile", wijkhelpt.ChannelWeb, true, wijkhelpt.ChannelSMS},
		{"web, landline", wijkhelpt.ChannelWeb, false, wijkhelpt.ChannelCallback},
		{"api, mobile", wijkhelpt.ChannelAPI, true, wijkhelpt.ChannelSMS},
		{"phone, mobile", wijkhelpt.ChannelPhone, true, ""},
		{"phone, landline", wijkhelpt.ChannelPhone, false, ""},
		{"import", wijkhelpt.ChannelImport, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			phone := residentPhone
			if !tt.mobile {
				phone = "+31343570000"
			}
			r, token := wijkhelpt.NewRequest(validInput(), testLocation(), phone, tt.mobile, tt.channel, wijkhelpt.ActorResident, now, "https://wijkhelpt.example")
			if tt.wantChannel == "" {
				if len(r.Outbox) != 0 || r.PendingMessages != 0 {
					t.Errorf("outbox = %+v (pending %d), want nothing", r.Outbox, r.PendingMessages)
				}
				return
			}
			if len(r.Outbox) != 1 {
				t.Fatalf("outbox has %d messages, want 1", len(r.Outbox))
			}
			m := r.Outbox[0]
			got := [4]string{m.Template, m.Channel, m.To, m.Params["link"]}
			want := [4]string{wijkhelpt.TmplRequestReceived, tt.wantChannel, phone, "https://wijkhelpt.example/r/" + token}
			if got != want {
				t.Errorf("template, channel, to, link = %q, want %q", got, want)
			}
			if r.PendingMessages != 1 {
				t.Errorf("PendingMessages = %d, want 1", r.PendingMessages)
			}
		})
	}
}

func TestNewRequestUnique(t *testing.T) {
	now := tIntake(t)
	ids, tokens := map[string]bool{}, map[string]bool{}
	for range 200 {
		r, token := wijkhelpt.NewRequest(validInput(), testLocation(), residentPhone, true, wijkhelpt.ChannelWeb, wijkhelpt.ActorResident, now, publicURL)
		if ids[r.ID] || tokens[token] {
			t.Fatalf("ID %s or token repeated", r.ID)
		}
		ids[r.ID], tokens[token] = true, true
	}
}

func TestNewRef(t *testing.T) {
	re := regexp.MustCompile(`^WH-[34679ACDEFGHJKMNPQRTWXY]{4}$`)
	seen := map[string]bool{}
	for range 2000 {
		ref := wijkhelpt.NewRef()
		if !re.MatchString(ref) {
			t.Fatalf("NewRef() = %q, want %s", ref, re)
		}
		seen[ref] = true
	}
	// 23^4 = 279841 references: 2000 draws repeat a few at most.
	if len(seen) < 1950 {
		t.Errorf("only %d different references in 2000 draws", len(seen))
	}
}

func TestHashToken(t *testing.T) {
	// SHA-256 of "abc" (FIPS 180-2 test vector).
	if got, want := wijkhelpt.HashToken("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"; got != want {
		t.Errorf("HashToken = %s, want %s", got, want)
	}
}

func TestRequestStatusLabels(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range wijkhelpt.RequestStatuses() {
		l := s.Label()
		if l.NL == "" || l.EN == "" || l.NL == string(s) || seen[l.NL] {
			t.Errorf("status %s has label %+v", s, l)
		}
		seen[l.NL] = true
	}
}

func TestRequestLive(t *testing.T) {
	for _, tt := range []struct {
		state string
		want  bool
	}{
		{stOpen, true}, {stProposed, true}, {stMatched, true}, {stDone, false},
		{stReferred, false}, {stCancelled, false}, {stExpired, false},
	} {
		if got := requestIn(t, tt.state).Live(); got != tt.want {
			t.Errorf("%s: Live() = %v, want %v", tt.state, got, tt.want)
		}
	}
}

func TestAddNote(t *testing.T) {
	r := requestIn(t, stOpen)
	now := tPropose(t)
	checkCode(t, r.AddNote("  ", mediator, now), wijkhelpt.ErrInvalid)
	checkCode(t, r.AddNote(strings.Repeat("x", wijkhelpt.MaxTextLen+1), mediator, now), wijkhelpt.ErrInvalid)
	checkCode(t, r.AddNote(" Eigenlijk eenzaam. ", mediator, now), "")
	want := []wijkhelpt.Note{{Text: "Eigenlijk eenzaam.", Author: mediator, At: now}}
	if diff := cmp.Diff(want, r.Notes); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
}
