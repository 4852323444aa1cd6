package wijkhelpt_test

import (
	"maps"
	"testing"
	"time"

	"wijkhelpt"
)

// at is a moment on the desk's clock (Europe/Amsterdam).
func at(tb testing.TB, year int, month time.Month, day, hour, min int) time.Time {
	tb.Helper()
	return time.Date(year, month, day, hour, min, 0, 0, wijkhelpt.Amsterdam())
}

// testLocation is the resident's address in the fixtures.
func testLocation() wijkhelpt.Location {
	return wijkhelpt.Location{
		Postcode: "3961 AB", HouseNumber: "12", Street: "Markt", Place: "Wijk bij Duurstede",
		PC4: "3961", Point: wijkhelpt.Point{Lat: 51.9745, Lon: 5.3432}, Source: "pdok",
	}
}

// validInput is a request that passes Validate on 2026-11-20.
func validInput() wijkhelpt.RequestInput {
	return wijkhelpt.RequestInput{
		Text:        "Wie kan dinsdag boodschappen voor mij doen?",
		Categories:  []string{"boodschappen"},
		Date:        "2026-11-24",
		DayPart:     "ochtend",
		Postcode:    "3961 AB",
		HouseNumber: "12",
		Contact:     wijkhelpt.Contact{Name: "Mevrouw Jansen", Phone: "06-11110000"},
		Consent:     wijkhelpt.ConsentWeb,
	}
}

const (
	residentPhone = "+31611110000"
	publicURL     = "https://wijkhelpt.example/"
)

// newRequest builds an open request from in, submitted on the web at now.
func newRequest(tb testing.TB, in wijkhelpt.RequestInput, now time.Time) *wijkhelpt.Request {
	tb.Helper()
	if errs := in.Validate(now); len(errs) > 0 {
		tb.Fatalf("fixture input is invalid: %v", errs.Err())
	}
	r, _ := wijkhelpt.NewRequest(in, testLocation(), residentPhone, true, wijkhelpt.ChannelWeb, wijkhelpt.ActorResident, now, publicURL)
	return r
}

// testOffer is an active volunteer offer.
func testOffer(id, name, phone string, mobile bool) *wijkhelpt.Offer {
	return &wijkhelpt.Offer{
		ID: id, Kind: wijkhelpt.OfferVolunteer, Name: name, Phone: phone, Mobile: mobile,
		Categories: []string{"boodschappen"}, MaxDistanceKm: 5, Capacity: 2, Active: true,
	}
}

// The three volunteers of the fixtures; Chris has a landline only.
func offerAnna() *wijkhelpt.Offer { return testOffer("offer-a", "Anna de Boer", "+31622220001", true) }
func offerBram() *wijkhelpt.Offer { return testOffer("offer-b", "Bram Visser", "+31622220002", true) }
func offerChris() *wijkhelpt.Offer {
	return testOffer("offer-c", "Chris Smit", "+31343570003", false)
}

func proposals(offers ...*wijkhelpt.Offer) []wijkhelpt.Proposal {
	out := make([]wijkhelpt.Proposal, len(offers))
	for i, o := range offers {
		out[i] = wijkhelpt.Proposal{Offer: o, DistanceKm: 1.24 + float64(i), Score: 0.9 - 0.1*float64(i)}
	}
	return out
}

// Times of the standard story: asked on Friday 20 November 2026 for Tuesday
// 24 November, morning.
var (
	mediator = wijkhelpt.UserActor(wijkhelpt.RoleMediator, "u-med")
)

func tIntake(tb testing.TB) time.Time  { return at(tb, 2026, 11, 20, 9, 0) }
func tPropose(tb testing.TB) time.Time { return at(tb, 2026, 11, 20, 10, 0) }
func tAnswer(tb testing.TB) time.Time  { return at(tb, 2026, 11, 20, 12, 0) }
func tDone(tb testing.TB) time.Time    { return at(tb, 2026, 11, 24, 13, 0) }
func tAfter(tb testing.TB) time.Time   { return at(tb, 2026, 11, 25, 9, 0) }

// The states a request can be brought to for the transition tests.
const (
	stOpen              = "open"
	stProposed          = "proposed"    // to Anna, Bram and Chris
	stProposedOne       = "proposedOne" // to Anna only
	stMatched           = "matched"     // Anna accepted
	stDone              = "done"        // Anna completed
	stReferred          = "referred"
	stCancelled         = "cancelled"         // cancelled while open
	stCancelledProposed = "cancelledProposed" // cancelled while proposed to three
	stExpired           = "expired"
	stReopened          = "reopened" // Anna declined the only proposal
)

var allStates = []string{stOpen, stProposed, stProposedOne, stMatched, stDone, stReferred,
	stCancelled, stCancelledProposed, stExpired, stReopened}

// requestIn brings a fresh request to state, failing the test on any error
// on the way.
func requestIn(tb testing.TB, state string) *wijkhelpt.Request {
	tb.Helper()
	r := newRequest(tb, validInput(), tIntake(tb))
	relayDue(r, tIntake(tb))
	must := func(err error) {
		tb.Helper()
		if err != nil {
			tb.Fatalf("bringing request to %s: %v", state, err)
		}
		// The dispatcher hands over whatever is due between steps.
		relayDue(r, tAfter(tb).Add(-72*time.Hour))
	}
	switch state {
	case stOpen:
	case stProposed, stMatched, stDone, stCancelledProposed:
		must(r.Propose(proposals(offerAnna(), offerBram(), offerChris()), mediator, tPropose(tb), 0))
	case stProposedOne, stReopened:
		must(r.Propose(proposals(offerAnna()), mediator, tPropose(tb), 0))
	case stReferred:
		must(r.Refer("Vivium thuiszorg", "zorgvraag", mediator, tPropose(tb)))
	case stCancelled:
		must(r.Cancel(wijkhelpt.ActorResident, "niet meer nodig", tPropose(tb)))
	case stExpired:
		must(r.Expire(tAfter(tb)))
	default:
		tb.Fatalf("unknown state %q", state)
	}
	switch state {
	case stMatched, stDone:
		must(r.Accept(r.ID+"-1", wijkhelpt.SMSActor("offer-a"), tAnswer(tb)))
	case stCancelledProposed:
		must(r.Cancel(wijkhelpt.ActorResident, "niet meer nodig", tAnswer(tb)))
	case stReopened:
		must(r.Decline(r.ID+"-1", wijkhelpt.SMSActor("offer-a"), tAnswer(tb), false))
	}
	if state == stDone {
		relayDue(r, tDone(tb))
		must(r.Complete(r.ID+"-1", wijkhelpt.SMSActor("offer-a"), 1.5, tDone(tb)))
	}
	return r
}

// relayDue marks the messages due at now as handed to the dispatcher, as
// the notify package does.
func relayDue(r *wijkhelpt.Request, now time.Time) {
	var keys []string
	for _, m := range r.Outbox {
		if !m.Relayed && !m.Cancelled && !m.DueAt.After(now) {
			keys = append(keys, m.Key)
		}
	}
	r.MarkRelayed(keys...)
}

// cloneRequest returns a deep copy of r, so that a refused transition can be
// shown to leave every field alone.
func cloneRequest(tb testing.TB, r *wijkhelpt.Request) *wijkhelpt.Request {
	tb.Helper()
	c := *r
	c.Categories = cloneSlice(r.Categories)
	c.Slots = cloneSlice(r.Slots)
	c.Excluded = cloneSlice(r.Excluded)
	c.Notes = cloneSlice(r.Notes)
	c.History = cloneSlice(r.History)
	c.OnBehalfOf = clonePtr(r.OnBehalfOf)
	c.Referral = clonePtr(r.Referral)
	c.FollowUp = clonePtr(r.FollowUp)
	c.ProposalDeadline = clonePtr(r.ProposalDeadline)
	c.MatchedAt = clonePtr(r.MatchedAt)
	if r.Matches != nil {
		c.Matches = make([]wijkhelpt.Match, len(r.Matches))
		for i, m := range r.Matches {
			m.AnsweredAt = clonePtr(m.AnsweredAt)
			m.EndedAt = clonePtr(m.EndedAt)
			c.Matches[i] = m
		}
	}
	if r.Outbox != nil {
		c.Outbox = make([]wijkhelpt.Message, len(r.Outbox))
		for i, m := range r.Outbox {
			m.Params = maps.Clone(m.Params)
			c.Outbox[i] = m
		}
	}
	return &c
}

func cloneSlice[T any](s []T) []T {
	if s == nil {
		return nil
	}
	return append(make([]T, 0, len(s)), s...)
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// checkCode fails unless err is a *wijkhelpt.Error with code want (or nil
// when want is "").
func checkCode(tb testing.TB, err error, want wijkhelpt.ErrorCode) {
	tb.Helper()
	if want == "" {
		if err != nil {
			tb.Fatalf("got error %v, want none", err)
		}
		return
	}
	e, ok := err.(*wijkhelpt.Error)
	if !ok {
		tb.Fatalf("got error %T %v, want *wijkhelpt.Error with code %s", err, err, want)
	}
	if e.Code != want {
		tb.Fatalf("got code %s (%v), want %s", e.Code, err, want)
	}
	if e.Message.NL == "" || e.Message.EN == "" {
		tb.Errorf("error %v lacks a Dutch or English message: %+v", err, e.Message)
	}
}
