package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"wijkhelpt"
	"wijkhelpt/geo"
	"wijkhelpt/search"
	"wijkhelpt/store"
)

// A desk that has run for a few years, for the benchmarks: offers and
// requests around Wijk bij Duurstede made with the root package's
// constructors and taken through its transitions (Propose, Accept,
// Complete, Decline, Cancel, Refer, Expire, RecordFollowUp), and the
// messages those transitions caused, relayed and sent as the notifier
// would have done. Most requests are closed; the last few weeks' are live
// (open, proposed, matched), and residents without a mobile phone have a
// few call-back tasks waiting.
//
// Everything is drawn from a fixed seed, IDs, references and tokens
// included, so that two runs store the same documents. Times are relative
// to the hour the data is made in (deskNow), so that live proposals have
// not run out and matched requests' dates lie ahead: the service's timers
// find nothing to do while it is measured.

// deskSeed is the seed of every desk.
const deskSeed = 3961

// deskPublicURL is the base of the status links in the messages.
const deskPublicURL = "https://wijkhelpt.example.nl"

// The desk's staff, as actors in histories.
var (
	deskMediators = []wijkhelpt.Actor{
		wijkhelpt.UserActor(wijkhelpt.RoleMediator, "a1b2c3d4e5f6a1b2c3d4e5f6"),
		wijkhelpt.UserActor(wijkhelpt.RoleMediator, "0f1e2d3c4b5a0f1e2d3c4b5a"),
		wijkhelpt.UserActor(wijkhelpt.RoleMediator, "9a8b7c6d5e4f9a8b7c6d5e4f"),
	}
	deskPhoneStaff = []wijkhelpt.Actor{
		wijkhelpt.UserActor(wijkhelpt.RolePhone, "1234567890abcdef12345678"),
		wijkhelpt.UserActor(wijkhelpt.RolePhone, "fedcba0987654321fedcba09"),
	}
)

// deskStreets are streets of each postcode area, for addresses as PDOK
// gives them.
var deskStreets = map[string][]string{
	"3961": {"Markt", "Hoogstraat", "Peperstraat", "Zandweg", "Steenstraat", "Karel de Grotestraat", "Oeverstraat", "Dijkstraat", "Lekstraat", "Kerkstraat"},
	"3962": {"Langshaven", "Hordijk", "Wijkerbroekweg", "Jaagpad", "Noorderweg", "Dorestadplein", "Frankenweg", "Vikingweg", "Karolingenweg", "Friezenweg"},
	"3945": {"Dorpsstraat", "Kromme Rijn", "Cothergrift", "Meentweg", "Tuurdijk"},
	"3947": {"Langbroekerdijk", "Programmaweg", "Kerkweg", "Gooyerdijk"},
}

// deskOrganisations are the partner organisations requests are referred to.
var deskOrganisations = []string{"Stichting Samen Dorestad", "Wmo-loket gemeente Wijk bij Duurstede",
	"Voedselbank Kromme Rijn en Lek", "Mantelzorgsteunpunt Dorestad", "Schuldhulpmaatje Wijk"}

// deskNotes are what mediators write down.
var deskNotes = []string{
	"Gebeld: mevrouw wil liever iemand die ze al kent.",
	"Dochter belt terug als de datum vaststaat.",
	"Let op: slechthorend, duidelijk praten.",
	"Eerder geholpen door dezelfde vrijwilliger, dat beviel goed.",
	"Niet bellen tussen 12 en 14 uur.",
	"Huisarts weet ervan.",
}

// household is one address that asks for help now and then.
type household struct {
	name, email string
	phone       string // E.164
	mobile      bool
	loc         wijkhelpt.Location
}

// deskGen draws a desk's history.
type deskGen struct {
	*demoGen
	now     time.Time // the hour the data is made in
	today   time.Time // its day, 00:00 in Amsterdam
	table   *geo.PC4Table
	classes map[string][]string // demo text -> categories

	refs       map[string]bool
	offers     []*wijkhelpt.Offer
	byCategory map[string][]*wijkhelpt.Offer
	homes      []household
}

// deskNow is the moment desk data is made relative to.
func deskNow() time.Time { return time.Now().Truncate(time.Hour) }

// deskData is a desk's documents, before they are stored.
type deskData struct {
	Offers   []*wijkhelpt.Offer
	Requests []*wijkhelpt.Request
	Messages []*wijkhelpt.Delivery
}

// makeDesk draws a desk with the given numbers of requests, offers and
// messages (deliveries).
func makeDesk(tb testing.TB, requests, offers, messages int) *deskData {
	tb.Helper()
	table, err := geo.LoadPC4()
	if err != nil {
		tb.Fatal(err)
	}
	cl, err := search.NewClassifier(search.DefaultVocabulary())
	if err != nil {
		tb.Fatal(err)
	}
	now := deskNow()
	day := now.In(wijkhelpt.Amsterdam())
	g := &deskGen{
		demoGen: &demoGen{rng: rand.New(rand.NewPCG(deskSeed, 2026)), phones: map[string]bool{}},
		now:     now,
		today:   time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, day.Location()),
		table:   table,
		classes: map[string][]string{},
		refs:    map[string]bool{},
	}
	for _, a := range demoAsks {
		g.classes[a.text] = a.cats
		if len(a.cats) == 0 {
			g.classes[a.text] = wijkhelpt.InferCategories(cl, a.text)
		}
	}
	d := &deskData{}
	g.makeOffers(tb, offers)
	d.Offers = g.offers
	g.makeHouseholds(tb, max(1, requests/3))

	// The last weeks' requests are live: about one in seventy, as on a desk
	// that handles a few hundred at a time.
	live := 0
	if requests > 0 {
		live = max(1, requests*3/200)
	}
	var keep, rest []*wijkhelpt.Delivery
	for i := range requests {
		r, ds := g.request(tb, i, requests, i >= requests-live)
		d.Requests = append(d.Requests, r)
		if r.Live() {
			keep = append(keep, ds...)
		} else {
			rest = append(rest, ds...)
		}
	}
	d.Messages = g.pickMessages(d.Requests, keep, rest, messages)
	return d
}

// fillDesk stores a desk of the given size in st, in batches, as an import
// would: offers, requests, then the messages the requests caused.
func fillDesk(tb testing.TB, st store.Store, requests, offers, messages int) *deskData {
	tb.Helper()
	d := makeDesk(tb, requests, offers, messages)
	storeDesk(tb, st, d)
	return d
}

// storeDesk stores d in st.
func storeDesk(tb testing.TB, st store.Store, d *deskData) {
	tb.Helper()
	ctx := context.Background()
	for chunk := range slices.Chunk(d.Offers, 500) {
		if n, err := st.InsertOffers(ctx, chunk); err != nil || n != len(chunk) {
			tb.Fatalf("InsertOffers = %d, %v; want %d", n, err, len(chunk))
		}
	}
	for chunk := range slices.Chunk(d.Requests, 1000) {
		if n, err := st.InsertRequests(ctx, chunk); err != nil || n != len(chunk) {
			tb.Fatalf("InsertRequests = %d, %v; want %d", n, err, len(chunk))
		}
	}
	for chunk := range slices.Chunk(d.Messages, 5000) {
		if err := st.InsertMessages(ctx, chunk); err != nil {
			tb.Fatalf("InsertMessages: %v", err)
		}
	}
}

// id draws a 96-bit identifier in hex, as wijkhelpt.NewID makes them.
func (g *deskGen) id() string {
	return fmt.Sprintf("%08x%016x", g.rng.Uint32(), g.rng.Uint64())
}

// ref draws a reference no request has yet, from the alphabet of
// wijkhelpt.NewRef.
func (g *deskGen) ref() string {
	const alphabet = "34679ACDEFGHJKMNPQRTWXY"
	for {
		b := []byte("WH-")
		for range 4 {
			b = append(b, alphabet[g.rng.IntN(len(alphabet))])
		}
		if s := string(b); !g.refs[s] {
			g.refs[s] = true
			return s
		}
	}
}

// location is an address in the area pc4, with a point near its centre.
func (g *deskGen) location(tb testing.TB, pc4 string) wijkhelpt.Location {
	tb.Helper()
	pc, err := geo.ParsePostcode(g.postcode(pc4))
	if err != nil {
		tb.Fatal(err)
	}
	hn, err := geo.ParseHouseNumber(g.houseNumber())
	if err != nil {
		tb.Fatal(err)
	}
	place, centre, ok := g.table.Lookup(pc4)
	if !ok {
		tb.Fatalf("postcode area %s not in the PC4 table", pc4)
	}
	streets := deskStreets[pc4]
	return wijkhelpt.Location{
		Postcode: pc, HouseNumber: hn, Street: streets[g.rng.IntN(len(streets))], Place: place, PC4: pc4,
		Point: wijkhelpt.Point{
			Lat: centre.Lat + (g.rng.Float64()-0.5)*0.016,
			Lon: centre.Lon + (g.rng.Float64()-0.5)*0.026,
		},
		Source: geo.SourcePDOK,
	}
}

// phone normalises a drawn phone number.
func phoneE164(tb testing.TB, s string) (string, bool) {
	tb.Helper()
	e164, mobile, err := geo.ParsePhone(s)
	if err != nil {
		tb.Fatalf("phone %q: %v", s, err)
	}
	return e164, mobile
}

// makeOffers draws n offers: the partner organisations, then volunteers
// who registered over the last four years. Some have paused; a few are
// suspended.
func (g *deskGen) makeOffers(tb testing.TB, n int) {
	tb.Helper()
	g.byCategory = map[string][]*wijkhelpt.Offer{}
	for i := range n {
		var in wijkhelpt.OfferInput
		if i < len(demoOrgs) && i*10 < n {
			in = g.orgOffer(demoOrgs[i], g.today)
		} else {
			in = g.volunteerOffer(g.today)
		}
		if errs := in.Validate(); len(errs) > 0 {
			tb.Fatalf("offer %d: %v", i, errs.Err())
		}
		phone, mobile := phoneE164(tb, in.Phone)
		if g.rng.IntN(25) == 0 {
			// Some volunteers only have a landline: they are called back.
			phone, mobile = phoneE164(tb, g.landline())
		}
		pc4 := g.area()
		if in.Kind == wijkhelpt.OfferOrganisation {
			pc4 = in.Postcode[:4]
		}
		created := g.now.Add(-time.Duration(g.rng.Int64N(int64(4 * 365 * 24 * time.Hour))))
		o := wijkhelpt.NewOffer(in, g.location(tb, pc4), phone, mobile, wijkhelpt.ActorImport, created)
		o.ID = g.id()
		switch k := g.rng.IntN(100); {
		case k < 9:
			o.Active = false
		case k == 9:
			o.Suspended = true
		}
		g.offers = append(g.offers, o)
		if o.Active && !o.Suspended {
			for _, c := range o.Categories {
				g.byCategory[c] = append(g.byCategory[c], o)
			}
			g.byCategory[""] = append(g.byCategory[""], o)
		}
	}
}

// makeHouseholds draws the addresses that ask for help: most with a
// mobile phone, one in five with a landline only.
func (g *deskGen) makeHouseholds(tb testing.TB, n int) {
	tb.Helper()
	for range n {
		h := household{name: g.name(0), loc: g.location(tb, g.area())}
		if g.rng.IntN(5) == 0 {
			h.phone, h.mobile = phoneE164(tb, g.landline())
		} else {
			h.phone, h.mobile = phoneE164(tb, g.mobile())
		}
		if g.rng.IntN(4) == 0 {
			h.email = g.email(h.name)
		}
		g.homes = append(g.homes, h)
	}
}

// between draws a moment in [from, from+span).
func (g *deskGen) between(from time.Time, span time.Duration) time.Time {
	if span <= 0 {
		return from
	}
	return from.Add(time.Duration(g.rng.Int64N(int64(span))))
}

// request draws the i-th of n requests and takes it through its life. A
// live one was made in the last two weeks and is open, proposed or
// matched; the others over the three years before, and are closed. It
// returns the request and the messages relayed from its outbox.
func (g *deskGen) request(tb testing.TB, i, n int, live bool) (*wijkhelpt.Request, []*wijkhelpt.Delivery) {
	tb.Helper()
	const history = 3 * 365 * 24 * time.Hour
	var created time.Time
	if live {
		created = g.between(g.now.Add(-14*24*time.Hour), 14*24*time.Hour-2*time.Hour)
	} else {
		// Spread in order over the years, a little jittered, ending three
		// weeks ago.
		start := g.now.Add(-history - 21*24*time.Hour)
		step := history / time.Duration(max(n, 1))
		created = g.between(start.Add(time.Duration(i)*step), step)
	}
	ask := demoAsks[g.rng.IntN(len(demoAsks))]
	h := g.homes[g.rng.IntN(len(g.homes))]
	in := wijkhelpt.RequestInput{
		Text:       ask.text,
		Categories: append([]string(nil), g.classes[ask.text]...),
		Slots:      append([]string(nil), ask.slots...),
		Urgent:     ask.urgent,
		Contact:    wijkhelpt.Contact{Name: h.name, Phone: h.phone, Email: h.email},
		Consent:    wijkhelpt.ConsentWeb,
	}
	if ask.relation != "" {
		in.OnBehalfOf = &wijkhelpt.Person{Name: g.name(ask.sex), Relation: ask.relation}
	}
	if ask.inDays > 0 {
		dayOf := created.In(wijkhelpt.Amsterdam())
		if live {
			// Live dated requests are for the days ahead.
			dayOf = g.today.AddDate(0, 0, 2+g.rng.IntN(10)-ask.inDays)
		}
		in.Date = dayOf.AddDate(0, 0, ask.inDays).Format(wijkhelpt.DateLayout)
		in.DayPart = ask.part
	}
	channel, by := wijkhelpt.ChannelWeb, wijkhelpt.ActorResident
	switch k := g.rng.IntN(20); {
	case ask.byStaff || k < 6:
		channel, by = wijkhelpt.ChannelPhone, deskPhoneStaff[g.rng.IntN(len(deskPhoneStaff))]
		in.Consent = wijkhelpt.ConsentVerbal
	case k < 8:
		channel, by = wijkhelpt.ChannelAPI, wijkhelpt.Actor("token:"+g.id())
	}
	r, _ := wijkhelpt.NewRequest(in, h.loc, h.phone, h.mobile, channel, by, created, deskPublicURL)
	g.rekey(r)
	s := &requestLife{g: g, r: r}
	s.relay(created)
	mediator := deskMediators[g.rng.IntN(len(deskMediators))]
	if g.rng.IntN(5) == 0 {
		at := created.Add(time.Duration(1+g.rng.IntN(48)) * time.Hour)
		if live && at.After(g.now) {
			at = g.now.Add(-time.Hour)
		}
		s.step(tb, at, func(t time.Time) error { return r.AddNote(deskNotes[g.rng.IntN(len(deskNotes))], mediator, t) })
	}
	if live {
		g.liveLife(tb, s, created, mediator)
	} else {
		g.closedLife(tb, s, created, mediator)
	}
	s.finish(g.now)
	return r, s.deliveries
}

// liveLife takes a request made recently to open (some after a decline),
// proposed or matched.
func (g *deskGen) liveLife(tb testing.TB, s *requestLife, created time.Time, mediator wijkhelpt.Actor) {
	r := s.r
	sinceCreated := g.now.Sub(created)
	switch k := g.rng.IntN(100); {
	case k < 38: // waiting for the mediator
	case k < 46: // a volunteer said no: back in the queue
		at := created.Add(sinceCreated / 3)
		ms := s.propose(tb, at, mediator, 1)
		s.step(tb, at.Add(sinceCreated/3), func(t time.Time) error {
			return r.Decline(ms[0], wijkhelpt.SMSActor(r.Matches[0].OfferID), t, false)
		})
	case k < 66: // asked within the last hours, no answer yet
		s.propose(tb, g.now.Add(-time.Duration(1+g.rng.IntN(10))*time.Hour), mediator, g.proposals())
	default: // a volunteer said yes
		at := created.Add(sinceCreated / 3)
		ms := s.propose(tb, at, mediator, g.proposals())
		s.step(tb, at.Add(sinceCreated/3), func(t time.Time) error {
			return r.Accept(ms[0], wijkhelpt.SMSActor(r.Matches[0].OfferID), t)
		})
	}
}

// closedLife takes a request to its end: done (most), cancelled,
// referred or expired.
func (g *deskGen) closedLife(tb testing.TB, s *requestLife, created time.Time, mediator wijkhelpt.Actor) {
	r := s.r
	proposeAt := created.Add(time.Duration(1+g.rng.IntN(47)) * time.Hour)
	switch k := g.rng.IntN(100); {
	case k < 8: // the resident no longer needs help
		if g.rng.IntN(2) == 0 {
			s.propose(tb, proposeAt, mediator, g.proposals())
		}
		s.step(tb, proposeAt.Add(time.Duration(2+g.rng.IntN(70))*time.Hour), func(t time.Time) error {
			return r.Cancel(mediator, "niet meer nodig", t)
		})
	case k < 13: // handed to a partner organisation
		s.step(tb, proposeAt, func(t time.Time) error {
			return r.Refer(deskOrganisations[g.rng.IntN(len(deskOrganisations))], "past beter bij de organisatie", mediator, t)
		})
	case k < 20 && r.Date != "": // nobody was found before the date
		d, _ := wijkhelpt.ParseDate(r.Date)
		s.step(tb, d.AddDate(0, 0, 1).Add(time.Hour), r.Expire)
	default: // helped
		ms := s.propose(tb, proposeAt, mediator, g.proposals())
		answered := proposeAt.Add(time.Duration(10+g.rng.IntN(20*60)) * time.Minute)
		first := 0
		if len(ms) > 1 && g.rng.IntN(3) == 0 {
			// The first asked said no, the next one yes.
			s.step(tb, answered, func(t time.Time) error {
				return r.Decline(ms[0], wijkhelpt.SMSActor(r.Matches[0].OfferID), t, false)
			})
			answered, first = answered.Add(time.Hour), 1
		}
		s.step(tb, answered, func(t time.Time) error {
			return r.Accept(ms[first], wijkhelpt.SMSActor(r.Matches[first].OfferID), t)
		})
		done := answered.Add(time.Duration(24+g.rng.IntN(6*24)) * time.Hour)
		if d, ok := wijkhelpt.ParseDate(r.Date); ok && r.Date != "" {
			done = d.Add(34 * time.Hour) // the evening after the date
		}
		if g.rng.IntN(3) == 0 && !r.Recurring {
			// The resident answered the follow-up SMS: 1 = gelukt.
			s.step(tb, done, func(t time.Time) error { return r.RecordFollowUp(true, wijkhelpt.ActorResident, t) })
			return
		}
		hours := float64(1+g.rng.IntN(8)) / 2
		s.step(tb, done, func(t time.Time) error { return r.Complete(ms[first], mediator, hours, t) })
	}
}

// proposals draws how many volunteers a confirmation asks: mostly one.
func (g *deskGen) proposals() int {
	switch k := g.rng.IntN(10); {
	case k < 7:
		return 1
	case k < 9:
		return 2
	}
	return 3
}

// rekey gives a new request an ID, reference and token from the seed, and
// renames what NewRequest derived from the random ones.
func (g *deskGen) rekey(r *wijkhelpt.Request) {
	old := r.ID
	r.ID, r.Ref = g.id(), g.ref()
	token := g.id() + g.id()[:8]
	r.TokenHash = wijkhelpt.HashToken(token)
	for i := range r.Outbox {
		m := &r.Outbox[i]
		m.Key = strings.Replace(m.Key, old, r.ID, 1)
		if _, ok := m.Params["ref"]; ok {
			m.Params["ref"] = r.Ref
		}
		if _, ok := m.Params["link"]; ok {
			m.Params["link"] = deskPublicURL + "/r/" + token
		}
	}
}

// requestLife is one request on its way through the desk: its
// transitions in time order, and the notifier relaying its messages
// after each and sending them when they are due.
type requestLife struct {
	g          *deskGen
	r          *wijkhelpt.Request
	deliveries []*wijkhelpt.Delivery
	open       []*wijkhelpt.Delivery // relayed, not yet due when last looked
}

// step applies a transition at t, after sending what was due by then.
func (s *requestLife) step(tb testing.TB, t time.Time, fn func(time.Time) error) {
	tb.Helper()
	s.send(t)
	if err := fn(t); err != nil {
		tb.Fatalf("request %s (%s): transition at %s: %v", s.r.ID, s.r.Status, t.Format(time.DateTime), err)
	}
	s.relay(t)
}

// propose confirms the request to k volunteers who offer its kind of help
// and returns the new matches' IDs.
func (s *requestLife) propose(tb testing.TB, t time.Time, by wijkhelpt.Actor, k int) []string {
	tb.Helper()
	g, r := s.g, s.r
	pool := g.byCategory[""]
	if len(r.Categories) > 0 && len(g.byCategory[r.Categories[0]]) >= k {
		pool = g.byCategory[r.Categories[0]]
	}
	if len(pool) == 0 {
		tb.Fatal("no active offers to propose to")
	}
	k = min(k, len(pool))
	var props []wijkhelpt.Proposal
	for _, j := range g.rng.Perm(len(pool))[:k] {
		o := pool[j]
		props = append(props, wijkhelpt.Proposal{Offer: o, DistanceKm: wijkhelpt.DistanceKm(r.Location.Point, o.Location.Point),
			Score: 0.45 + g.rng.Float64()/2})
	}
	before := len(r.Matches)
	s.step(tb, t, func(t time.Time) error { return r.Propose(props, by, t, wijkhelpt.DefaultAnswerTimeout) })
	var ids []string
	for _, m := range r.Matches[before:] {
		ids = append(ids, m.ID)
	}
	return ids
}

// relay moves the new messages of the outbox into deliveries, as the
// notifier's relay does right after every write; cancelled ones are only
// marked.
func (s *requestLife) relay(t time.Time) {
	var keys []string
	for _, m := range s.r.Outbox {
		if m.Relayed {
			continue
		}
		keys = append(keys, m.Key)
		if m.Cancelled {
			continue
		}
		d := &wijkhelpt.Delivery{
			Key: m.Key, RequestID: s.r.ID, MatchID: m.MatchID, OfferID: m.OfferID, Channel: m.Channel, To: m.To,
			Template: m.Template, Lang: m.Lang, Body: messageBody(m), Params: m.Params, DueAt: m.DueAt,
			State: wijkhelpt.DeliveryPending, CreatedAt: t, UpdatedAt: t, SchemaVersion: wijkhelpt.SchemaVersion,
		}
		s.deliveries = append(s.deliveries, d)
		s.open = append(s.open, d)
	}
	if len(keys) > 0 {
		s.r.MarkRelayed(keys...)
	}
}

// send settles the relayed messages due by t as the dispatcher would
// have: not wanted any more, sent (or failed, or opted out), or, for
// call-backs, done by phone staff a few hours after they came up.
func (s *requestLife) send(t time.Time) {
	g := s.g
	still := s.open[:0]
	for _, d := range s.open {
		if d.DueAt.After(t) {
			still = append(still, d)
			continue
		}
		at := d.DueAt.Add(time.Duration(2+g.rng.IntN(60)) * time.Second)
		d.Attempts, d.FirstTryAt, d.UpdatedAt = 1, &at, at
		switch {
		case !s.r.MessageStillWanted(d.Key):
			d.State, d.Reason, d.Attempts, d.FirstTryAt = wijkhelpt.DeliverySkipped, "not_wanted", 0, nil
		case d.Channel == wijkhelpt.ChannelCallback:
			done := d.DueAt.Add(time.Duration(1+g.rng.IntN(20)) * time.Hour)
			if done.After(t) {
				// Still on the phone team's list.
				d.State, d.Attempts, d.FirstTryAt = wijkhelpt.DeliveryCallback, 0, nil
				continue
			}
			by := deskPhoneStaff[g.rng.IntN(len(deskPhoneStaff))]
			d.State, d.DoneBy, d.DoneAt, d.UpdatedAt = wijkhelpt.DeliveryCalled, by, &done, done
		default:
			switch k := g.rng.IntN(200); {
			case k < 5:
				d.State, d.Reason, d.ErrorCode, d.TwilioStatus = wijkhelpt.DeliveryFailed, "30006", 30006, "undelivered"
				d.SID = fmt.Sprintf("SM%032x", g.rng.Uint64())
			case k < 8:
				d.State, d.Reason, d.Attempts, d.FirstTryAt = wijkhelpt.DeliverySkipped, "opted_out", 0, nil
			default:
				d.State, d.SentAt, d.TwilioStatus = wijkhelpt.DeliverySent, &at, "delivered"
				d.SID = fmt.Sprintf("SM%016x%016x", g.rng.Uint64(), g.rng.Uint64())
			}
		}
	}
	s.open = still
}

// finish settles what was due by now. What is due later stays pending,
// and call-back tasks of the last hours wait for the phone team.
func (s *requestLife) finish(now time.Time) {
	s.send(now)
	for _, d := range s.open {
		if d.Channel == wijkhelpt.ChannelCallback && !d.DueAt.After(now) {
			d.State = wijkhelpt.DeliveryCallback
		}
	}
	s.open = nil
}

// messageBody renders a message roughly as the notify templates do.
func messageBody(m wijkhelpt.Message) string {
	p := m.Params
	switch m.Template {
	case wijkhelpt.TmplRequestReceived:
		return fmt.Sprintf("Beste %s, we hebben uw hulpvraag ontvangen (%s). U kunt hem volgen via %s", p["name"], p["ref"], p["link"])
	case wijkhelpt.TmplVolunteerProposal:
		return fmt.Sprintf("Hoi %s, kun jij helpen met %s, %s, op %s km (%s)? Antwoord JA %s of NEE %s.",
			p["name"], p["category"], p["day"], p["distance"], p["area"], p["code"], p["code"])
	case wijkhelpt.TmplVolunteerDetails:
		return fmt.Sprintf("Dank je %s! %s, %s, tel. %s. Wanneer: %s. Ref %s.", p["name"], p["resident"], p["address"], p["residentPhone"], p["day"], p["ref"])
	case wijkhelpt.TmplResidentMatched:
		return fmt.Sprintf("Beste %s, %s komt u helpen (%s). Ref %s.", p["name"], p["volunteer"], p["day"], p["ref"])
	case wijkhelpt.TmplAlreadyArranged:
		return fmt.Sprintf("Hoi %s, de vraag %s (%s) is al geregeld. Dank je wel!", p["name"], p["code"], p["category"])
	case wijkhelpt.TmplVolunteerReminder:
		return fmt.Sprintf("Hoi %s, morgen (%s) help je %s op %s.", p["name"], p["day"], p["resident"], p["address"])
	case wijkhelpt.TmplResidentFollowUp:
		return fmt.Sprintf("Beste %s, is het gelukt? Antwoord 1 (gelukt) of 2 (niet gelukt). Ref %s.", p["name"], p["ref"])
	case wijkhelpt.TmplVolunteerCancelled:
		return fmt.Sprintf("Hoi %s, de vraag %s (%s) gaat niet door. Dank je voor je hulp!", p["name"], p["code"], p["category"])
	}
	return m.Template
}

// pickMessages returns exactly n deliveries: every one of the live
// requests, and of the rest an even spread, as if older ones had been
// cleaned up. When the requests caused fewer, follow-up reminders to
// residents of closed requests make up the number.
func (g *deskGen) pickMessages(reqs []*wijkhelpt.Request, keep, rest []*wijkhelpt.Delivery, n int) []*wijkhelpt.Delivery {
	if len(keep) >= n {
		return keep[:n]
	}
	out := append([]*wijkhelpt.Delivery{}, keep...)
	want := n - len(keep)
	if len(rest) >= want {
		for i := range rest {
			if (i+1)*want/len(rest) > i*want/len(rest) {
				out = append(out, rest[i])
			}
		}
		return out
	}
	out = append(out, rest...)
	for k := 0; len(out) < n; k++ {
		r := reqs[g.rng.IntN(len(reqs))]
		at := r.UpdatedAt.Add(7 * 24 * time.Hour)
		if at.After(g.now) {
			at = g.now.Add(-time.Hour)
		}
		m := wijkhelpt.Message{Key: fmt.Sprintf("%s:followup-extra-%d", r.ID, k), Template: wijkhelpt.TmplResidentFollowUp,
			Params: map[string]string{"name": wijkhelpt.FirstName(r.Contact.Name), "ref": r.Ref}}
		out = append(out, &wijkhelpt.Delivery{
			Key: m.Key, RequestID: r.ID, Channel: wijkhelpt.ChannelSMS, To: r.Contact.Phone, Template: m.Template, Lang: "nl",
			Body: messageBody(m), Params: m.Params, DueAt: at, State: wijkhelpt.DeliverySent, Attempts: 1, FirstTryAt: &at,
			SentAt: &at, SID: fmt.Sprintf("SM%016x%016x", g.rng.Uint64(), g.rng.Uint64()), TwilioStatus: "delivered",
			CreatedAt: at, UpdatedAt: at, SchemaVersion: wijkhelpt.SchemaVersion,
		})
	}
	return out
}
