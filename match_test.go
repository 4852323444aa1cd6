package wijkhelpt_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"wijkhelpt"
)

// msg is what the transition tests check of a queued message. Key and
// MatchID are written relative to the request ID: "-1:proposal" stands for
// "<requestID>-1:proposal".
type msg struct {
	Key, Template, Channel, To, OfferID, MatchID string
	DueAt                                        time.Time
}

// trans is a Transition with Entity relative to the request ID: "" for the
// request itself, "-2" for its second match.
type trans struct {
	Entity, From, To string
	Actor            wijkhelpt.Actor
	Reason           string
}

const (
	phoneAnna  = "+31622220001"
	phoneBram  = "+31622220002"
	phoneChris = "+31343570003"
)

func summarizeMessages(r *wijkhelpt.Request, ms []wijkhelpt.Message) []msg {
	out := []msg{}
	for _, m := range ms {
		mid := ""
		if m.MatchID != "" {
			mid = strings.TrimPrefix(m.MatchID, r.ID)
		}
		out = append(out, msg{strings.TrimPrefix(m.Key, r.ID), m.Template, m.Channel, m.To, m.OfferID, mid, m.DueAt})
	}
	return out
}

func summarizeHistory(r *wijkhelpt.Request, ts []wijkhelpt.Transition, now time.Time) ([]trans, error) {
	out := []trans{}
	for _, h := range ts {
		if !h.At.Equal(now) {
			return nil, fmt.Errorf("transition %+v at %s, want %s", h, h.At, now)
		}
		e := ""
		if h.Entity != "request" {
			e = strings.TrimPrefix(h.Entity, r.ID)
		}
		out = append(out, trans{e, h.From, h.To, h.Actor, h.Reason})
	}
	return out, nil
}

func matchStatuses(r *wijkhelpt.Request) []wijkhelpt.MatchStatus {
	out := []wijkhelpt.MatchStatus{}
	for _, m := range r.Matches {
		out = append(out, m.Status)
	}
	return out
}

// checkDerived recomputes what Refresh keeps up to date and compares.
func checkDerived(tb testing.TB, r *wijkhelpt.Request) {
	tb.Helper()
	var deadline *time.Time
	for _, m := range r.Matches {
		if m.Status == wijkhelpt.MatchProposed && (deadline == nil || m.ExpiresAt.Before(*deadline)) {
			d := m.ExpiresAt
			deadline = &d
		}
	}
	pending := 0
	keys := map[string]bool{}
	for _, m := range r.Outbox {
		if keys[m.Key] {
			tb.Errorf("message key %s queued twice", m.Key)
		}
		keys[m.Key] = true
		if !m.Relayed && !m.Cancelled {
			pending++
		}
	}
	if diff := cmp.Diff(deadline, r.ProposalDeadline); diff != "" {
		tb.Errorf("ProposalDeadline (-want +got):\n%s", diff)
	}
	if r.PendingMessages != pending {
		tb.Errorf("PendingMessages = %d, want %d", r.PendingMessages, pending)
	}
}

var (
	annaSMS = wijkhelpt.SMSActor("offer-a")
	bramSMS = wijkhelpt.SMSActor("offer-b")
)

// A transition call; now is when it happens.
type call struct {
	name string
	now  func(tb testing.TB) time.Time
	do   func(r *wijkhelpt.Request, now time.Time) error
}

func callPropose() call {
	return call{"Propose", tAnswer, func(r *wijkhelpt.Request, now time.Time) error {
		return r.Propose(proposals(testOffer("offer-d", "Dirk Mulder", "+31622220004", true)), mediator, now, time.Hour)
	}}
}

func callAccept(n int, by wijkhelpt.Actor) call {
	return call{fmt.Sprintf("Accept-%d", n), tAnswer, func(r *wijkhelpt.Request, now time.Time) error {
		return r.Accept(fmt.Sprintf("%s-%d", r.ID, n), by, now)
	}}
}

func callDecline(n int, timedOut bool, when func(testing.TB) time.Time) call {
	return call{fmt.Sprintf("Decline-%d-timedOut=%v", n, timedOut), when, func(r *wijkhelpt.Request, now time.Time) error {
		by := annaSMS
		if timedOut {
			by = wijkhelpt.ActorSystem
		}
		return r.Decline(fmt.Sprintf("%s-%d", r.ID, n), by, now, timedOut)
	}}
}

func callComplete(n int) call {
	return call{fmt.Sprintf("Complete-%d", n), tDone, func(r *wijkhelpt.Request, now time.Time) error {
		return r.Complete(fmt.Sprintf("%s-%d", r.ID, n), annaSMS, 2, now)
	}}
}

func callCancelMatch(n int, by wijkhelpt.Actor) call {
	return call{fmt.Sprintf("CancelMatch-%d-by-%s", n, by), tAnswer, func(r *wijkhelpt.Request, now time.Time) error {
		return r.CancelMatch(fmt.Sprintf("%s-%d", r.ID, n), by, "ziek", now)
	}}
}

func callCancel() call {
	return call{"Cancel", tAnswer, func(r *wijkhelpt.Request, now time.Time) error {
		return r.Cancel(wijkhelpt.ActorResident, "al geholpen", now)
	}}
}

func callRefer() call {
	return call{"Refer", tAnswer, func(r *wijkhelpt.Request, now time.Time) error {
		return r.Refer(" Schuldhulp Wijk ", " schulden ", mediator, now)
	}}
}

func callExpire() call {
	return call{"Expire", tAfter, func(r *wijkhelpt.Request, now time.Time) error { return r.Expire(now) }}
}

func callFollowUp(success bool) call {
	return call{fmt.Sprintf("RecordFollowUp-%v", success), tAfter, func(r *wijkhelpt.Request, now time.Time) error {
		return r.RecordFollowUp(success, wijkhelpt.ActorResident, now)
	}}
}

func callBlock() call {
	return call{"Block", tAnswer, func(r *wijkhelpt.Request, now time.Time) error {
		return r.Block("offer-z", mediator, now)
	}}
}

// outcome is what an allowed transition must do.
type outcome struct {
	status      wijkhelpt.RequestStatus
	matches     []wijkhelpt.MatchStatus
	messages    []msg    // queued by this call, in order
	cancelled   []string // keys (relative) newly marked cancelled
	history     []trans  // recorded by this call, in order
	excluded    []string // Excluded afterwards
	attention   string   // NeedsAttention afterwards
	extraChecks func(tb testing.TB, r *wijkhelpt.Request, now time.Time)
}

var (
	p3   = []wijkhelpt.MatchStatus{wijkhelpt.MatchProposed, wijkhelpt.MatchProposed, wijkhelpt.MatchProposed}
	acc  = []wijkhelpt.MatchStatus{wijkhelpt.MatchAccepted, wijkhelpt.MatchCancelled, wijkhelpt.MatchCancelled}
	comp = []wijkhelpt.MatchStatus{wijkhelpt.MatchCompleted, wijkhelpt.MatchCancelled, wijkhelpt.MatchCancelled}
)

// allowed lists, per call and start state, the transitions the state machine
// of spec §4 allows and what they do. Every other combination of a call in
// this table with a state in allStates must be refused.
func allowedTransitions(tb testing.TB) map[string]map[string]outcome {
	wd := at(tb, 2026, 11, 23, 18, 0) // the evening before the Tuesday
	fu := at(tb, 2026, 11, 25, 10, 0) // the morning after
	ans := tAnswer(tb)
	withdrawn := func(n int, to, offer string) msg {
		return msg{fmt.Sprintf("-%d:withdrawn", n), wijkhelpt.TmplVolunteerCancelled, wijkhelpt.ChannelSMS, to, offer, fmt.Sprintf("-%d", n), ans}
	}
	// Chris has a landline: what he is told becomes a call-back task.
	withdrawnChris := withdrawn(3, phoneChris, "offer-c")
	withdrawnChris.Channel = wijkhelpt.ChannelCallback
	return map[string]map[string]outcome{
		"Propose": {
			stOpen: {status: wijkhelpt.RequestProposed, matches: []wijkhelpt.MatchStatus{wijkhelpt.MatchProposed},
				messages: []msg{{"-1:proposal", wijkhelpt.TmplVolunteerProposal, wijkhelpt.ChannelSMS, "+31622220004", "offer-d", "-1", ans}},
				history:  []trans{{"-1", "", "proposed", mediator, ""}, {"", "open", "proposed", mediator, ""}}},
			stReopened: {status: wijkhelpt.RequestProposed, matches: []wijkhelpt.MatchStatus{wijkhelpt.MatchDeclined, wijkhelpt.MatchProposed},
				messages:  []msg{{"-2:proposal", wijkhelpt.TmplVolunteerProposal, wijkhelpt.ChannelSMS, "+31622220004", "offer-d", "-2", ans}},
				history:   []trans{{"-2", "", "proposed", mediator, ""}, {"", "open", "proposed", mediator, ""}},
				excluded:  []string{"offer-a"},
				attention: ""},
		},
		"Accept-1": {
			stProposed: {status: wijkhelpt.RequestMatched, matches: acc,
				messages: []msg{
					{"-2:arranged", wijkhelpt.TmplAlreadyArranged, wijkhelpt.ChannelSMS, phoneBram, "offer-b", "-2", ans},
					{"-3:arranged", wijkhelpt.TmplAlreadyArranged, wijkhelpt.ChannelCallback, phoneChris, "offer-c", "-3", ans},
					{"-1:details", wijkhelpt.TmplVolunteerDetails, wijkhelpt.ChannelSMS, phoneAnna, "offer-a", "-1", ans},
					{"-1:matched", wijkhelpt.TmplResidentMatched, wijkhelpt.ChannelSMS, residentPhone, "", "-1", ans},
					{"-1:reminder", wijkhelpt.TmplVolunteerReminder, wijkhelpt.ChannelSMS, phoneAnna, "offer-a", "-1", wd},
					{"-1:followup", wijkhelpt.TmplResidentFollowUp, wijkhelpt.ChannelSMS, residentPhone, "", "-1", fu},
				},
				history: []trans{
					{"-1", "proposed", "accepted", annaSMS, ""},
					{"-2", "proposed", "cancelled", annaSMS, "another volunteer accepted"},
					{"-3", "proposed", "cancelled", annaSMS, "another volunteer accepted"},
					{"", "proposed", "matched", annaSMS, ""},
				}},
			stProposedOne: {status: wijkhelpt.RequestMatched, matches: []wijkhelpt.MatchStatus{wijkhelpt.MatchAccepted},
				messages: []msg{
					{"-1:details", wijkhelpt.TmplVolunteerDetails, wijkhelpt.ChannelSMS, phoneAnna, "offer-a", "-1", ans},
					{"-1:matched", wijkhelpt.TmplResidentMatched, wijkhelpt.ChannelSMS, residentPhone, "", "-1", ans},
					{"-1:reminder", wijkhelpt.TmplVolunteerReminder, wijkhelpt.ChannelSMS, phoneAnna, "offer-a", "-1", wd},
					{"-1:followup", wijkhelpt.TmplResidentFollowUp, wijkhelpt.ChannelSMS, residentPhone, "", "-1", fu},
				},
				history: []trans{{"-1", "proposed", "accepted", annaSMS, ""}, {"", "proposed", "matched", annaSMS, ""}}},
		},
		"Decline-1-timedOut=false": {
			stProposed: {status: wijkhelpt.RequestProposed,
				matches:  []wijkhelpt.MatchStatus{wijkhelpt.MatchDeclined, wijkhelpt.MatchProposed, wijkhelpt.MatchProposed},
				history:  []trans{{"-1", "proposed", "declined", annaSMS, ""}},
				excluded: []string{"offer-a"}, attention: "declined"},
			stProposedOne: {status: wijkhelpt.RequestOpen, matches: []wijkhelpt.MatchStatus{wijkhelpt.MatchDeclined},
				history:  []trans{{"-1", "proposed", "declined", annaSMS, ""}, {"", "proposed", "open", annaSMS, "declined"}},
				excluded: []string{"offer-a"}, attention: "declined"},
		},
		"Decline-1-timedOut=true": {
			stProposed: {status: wijkhelpt.RequestProposed,
				matches:  []wijkhelpt.MatchStatus{wijkhelpt.MatchTimedOut, wijkhelpt.MatchProposed, wijkhelpt.MatchProposed},
				history:  []trans{{"-1", "proposed", "timed_out", wijkhelpt.ActorSystem, ""}},
				excluded: []string{"offer-a"}, attention: "timed_out"},
			stProposedOne: {status: wijkhelpt.RequestOpen, matches: []wijkhelpt.MatchStatus{wijkhelpt.MatchTimedOut},
				history: []trans{{"-1", "proposed", "timed_out", wijkhelpt.ActorSystem, ""},
					{"", "proposed", "open", wijkhelpt.ActorSystem, "timed_out"}},
				excluded: []string{"offer-a"}, attention: "timed_out"},
		},
		"Complete-1": {
			stMatched: {status: wijkhelpt.RequestDone, matches: comp,
				cancelled: []string{"-1:followup"},
				history:   []trans{{"-1", "accepted", "completed", annaSMS, ""}, {"", "matched", "done", annaSMS, ""}}},
		},
		"CancelMatch-1-by-" + string(mediator): {
			stProposed: {status: wijkhelpt.RequestProposed,
				matches:  []wijkhelpt.MatchStatus{wijkhelpt.MatchCancelled, wijkhelpt.MatchProposed, wijkhelpt.MatchProposed},
				messages: []msg{withdrawn(1, phoneAnna, "offer-a")},
				history:  []trans{{"-1", "proposed", "cancelled", mediator, "ziek"}}},
			stProposedOne: {status: wijkhelpt.RequestOpen, matches: []wijkhelpt.MatchStatus{wijkhelpt.MatchCancelled},
				messages:  []msg{withdrawn(1, phoneAnna, "offer-a")},
				history:   []trans{{"-1", "proposed", "cancelled", mediator, "ziek"}, {"", "proposed", "open", mediator, "match cancelled"}},
				attention: "cancelled"},
			stMatched: {status: wijkhelpt.RequestOpen,
				matches:   []wijkhelpt.MatchStatus{wijkhelpt.MatchCancelled, wijkhelpt.MatchCancelled, wijkhelpt.MatchCancelled},
				messages:  []msg{withdrawn(1, phoneAnna, "offer-a")},
				cancelled: []string{"-1:reminder", "-1:followup"},
				history:   []trans{{"-1", "accepted", "cancelled", mediator, "ziek"}, {"", "matched", "open", mediator, "match cancelled"}},
				attention: "cancelled"},
		},
		"CancelMatch-1-by-" + string(annaSMS): {
			// The volunteer cancels by SMS: no need to tell her it was withdrawn.
			stMatched: {status: wijkhelpt.RequestOpen,
				matches:   []wijkhelpt.MatchStatus{wijkhelpt.MatchCancelled, wijkhelpt.MatchCancelled, wijkhelpt.MatchCancelled},
				cancelled: []string{"-1:reminder", "-1:followup"},
				history:   []trans{{"-1", "accepted", "cancelled", annaSMS, "ziek"}, {"", "matched", "open", annaSMS, "match cancelled"}},
				attention: "cancelled"},
			stProposedOne: {status: wijkhelpt.RequestOpen, matches: []wijkhelpt.MatchStatus{wijkhelpt.MatchCancelled},
				history:   []trans{{"-1", "proposed", "cancelled", annaSMS, "ziek"}, {"", "proposed", "open", annaSMS, "match cancelled"}},
				attention: "cancelled"},
			stProposed: {status: wijkhelpt.RequestProposed,
				matches: []wijkhelpt.MatchStatus{wijkhelpt.MatchCancelled, wijkhelpt.MatchProposed, wijkhelpt.MatchProposed},
				history: []trans{{"-1", "proposed", "cancelled", annaSMS, "ziek"}}},
		},
		"Cancel": {
			stOpen: {status: wijkhelpt.RequestCancelled, matches: []wijkhelpt.MatchStatus{},
				history: []trans{{"", "open", "cancelled", wijkhelpt.ActorResident, "al geholpen"}}},
			stReopened: {status: wijkhelpt.RequestCancelled, matches: []wijkhelpt.MatchStatus{wijkhelpt.MatchDeclined},
				history:  []trans{{"", "open", "cancelled", wijkhelpt.ActorResident, "al geholpen"}},
				excluded: []string{"offer-a"}},
			stProposed: {status: wijkhelpt.RequestCancelled,
				matches:  []wijkhelpt.MatchStatus{wijkhelpt.MatchCancelled, wijkhelpt.MatchCancelled, wijkhelpt.MatchCancelled},
				messages: []msg{withdrawn(1, phoneAnna, "offer-a"), withdrawn(2, phoneBram, "offer-b"), withdrawnChris},
				history: []trans{
					{"-1", "proposed", "cancelled", wijkhelpt.ActorResident, "request cancelled"},
					{"-2", "proposed", "cancelled", wijkhelpt.ActorResident, "request cancelled"},
					{"-3", "proposed", "cancelled", wijkhelpt.ActorResident, "request cancelled"},
					{"", "proposed", "cancelled", wijkhelpt.ActorResident, "al geholpen"},
				}},
			stProposedOne: {status: wijkhelpt.RequestCancelled, matches: []wijkhelpt.MatchStatus{wijkhelpt.MatchCancelled},
				messages: []msg{withdrawn(1, phoneAnna, "offer-a")},
				history: []trans{{"-1", "proposed", "cancelled", wijkhelpt.ActorResident, "request cancelled"},
					{"", "proposed", "cancelled", wijkhelpt.ActorResident, "al geholpen"}}},
			stMatched: {status: wijkhelpt.RequestCancelled,
				matches:   []wijkhelpt.MatchStatus{wijkhelpt.MatchCancelled, wijkhelpt.MatchCancelled, wijkhelpt.MatchCancelled},
				messages:  []msg{withdrawn(1, phoneAnna, "offer-a")},
				cancelled: []string{"-1:reminder", "-1:followup"},
				history: []trans{{"-1", "accepted", "cancelled", wijkhelpt.ActorResident, "request cancelled"},
					{"", "matched", "cancelled", wijkhelpt.ActorResident, "al geholpen"}}},
		},
		"Refer": {
			stOpen: {status: wijkhelpt.RequestReferred, matches: []wijkhelpt.MatchStatus{},
				history: []trans{{"", "open", "referred", mediator, ""}},
				extraChecks: func(tb testing.TB, r *wijkhelpt.Request, now time.Time) {
					want := &wijkhelpt.Referral{Organisation: "Schuldhulp Wijk", Reason: "schulden", By: mediator, At: now}
					if diff := cmp.Diff(want, r.Referral); diff != "" {
						tb.Errorf("referral (-want +got):\n%s", diff)
					}
				}},
			stReopened: {status: wijkhelpt.RequestReferred, matches: []wijkhelpt.MatchStatus{wijkhelpt.MatchDeclined},
				history:  []trans{{"", "open", "referred", mediator, ""}},
				excluded: []string{"offer-a"}},
		},
		"Expire": {
			stOpen: {status: wijkhelpt.RequestExpired, matches: []wijkhelpt.MatchStatus{},
				history: []trans{{"", "open", "expired", wijkhelpt.ActorSystem, "date passed"}}},
			stReopened: {status: wijkhelpt.RequestExpired, matches: []wijkhelpt.MatchStatus{wijkhelpt.MatchDeclined},
				history:  []trans{{"", "open", "expired", wijkhelpt.ActorSystem, "date passed"}},
				excluded: []string{"offer-a"}},
		},
		"RecordFollowUp-true": {
			stMatched: {status: wijkhelpt.RequestDone, matches: comp,
				history: []trans{{"-1", "accepted", "completed", wijkhelpt.ActorResident, "follow-up: done"},
					{"", "matched", "done", wijkhelpt.ActorResident, "follow-up: done"}},
				extraChecks: checkFollowUp(true)},
			stDone: {status: wijkhelpt.RequestDone, matches: comp,
				history:     []trans{{"", "done", "done", wijkhelpt.ActorResident, "follow-up: done"}},
				extraChecks: checkFollowUp(true)},
		},
		"RecordFollowUp-false": {
			stMatched: {status: wijkhelpt.RequestMatched, matches: acc,
				history:   []trans{{"", "matched", "matched", wijkhelpt.ActorResident, "follow-up: not done"}},
				attention: "followup_failed", extraChecks: checkFollowUp(false)},
			stDone: {status: wijkhelpt.RequestDone, matches: comp,
				history:   []trans{{"", "done", "done", wijkhelpt.ActorResident, "follow-up: not done"}},
				attention: "followup_failed", extraChecks: checkFollowUp(false)},
		},
		"Block": {
			stOpen: {status: wijkhelpt.RequestOpen, matches: []wijkhelpt.MatchStatus{},
				history: []trans{{"", "open", "open", mediator, "blocked offer offer-z"}}, excluded: []string{"offer-z"}},
			stReopened: {status: wijkhelpt.RequestOpen, matches: []wijkhelpt.MatchStatus{wijkhelpt.MatchDeclined},
				history:  []trans{{"", "open", "open", mediator, "blocked offer offer-z"}},
				excluded: []string{"offer-a", "offer-z"}, attention: "declined"},
			stProposed: {status: wijkhelpt.RequestProposed, matches: p3,
				history: []trans{{"", "proposed", "proposed", mediator, "blocked offer offer-z"}}, excluded: []string{"offer-z"}},
			stProposedOne: {status: wijkhelpt.RequestProposed, matches: []wijkhelpt.MatchStatus{wijkhelpt.MatchProposed},
				history: []trans{{"", "proposed", "proposed", mediator, "blocked offer offer-z"}}, excluded: []string{"offer-z"}},
			stMatched: {status: wijkhelpt.RequestMatched, matches: acc,
				history: []trans{{"", "matched", "matched", mediator, "blocked offer offer-z"}}, excluded: []string{"offer-z"}},
		},
	}
}

func checkFollowUp(success bool) func(tb testing.TB, r *wijkhelpt.Request, now time.Time) {
	return func(tb testing.TB, r *wijkhelpt.Request, now time.Time) {
		tb.Helper()
		if diff := cmp.Diff(&wijkhelpt.FollowUp{Success: success, At: now}, r.FollowUp); diff != "" {
			tb.Errorf("follow-up (-want +got):\n%s", diff)
		}
	}
}

func allCalls() []call {
	return []call{
		callPropose(),
		callAccept(1, annaSMS),
		callDecline(1, false, tAnswer),
		callDecline(1, true, tAfter),
		callComplete(1),
		callCancelMatch(1, mediator),
		callCancelMatch(1, annaSMS),
		callCancel(),
		callRefer(),
		callExpire(),
		callFollowUp(true),
		callFollowUp(false),
		callBlock(),
	}
}

// TestStateMachine runs every transition from every state. Allowed ones must
// do exactly what the table says and refuse to happen twice; all others must
// be refused with a conflict (or not-found for a match that does not exist)
// and change nothing at all.
func TestStateMachine(t *testing.T) {
	allowed := allowedTransitions(t)
	for _, c := range allCalls() {
		if _, ok := allowed[c.name]; !ok {
			t.Fatalf("no table entry for %s", c.name)
		}
		for _, state := range allStates {
			t.Run(c.name+"/from-"+state, func(t *testing.T) {
				r := requestIn(t, state)
				now := c.now(t)
				before := cloneRequest(t, r)
				err := c.do(r, now)
				want, ok := allowed[c.name][state]
				if !ok {
					checkRefused(t, r, before, err)
					return
				}
				checkCode(t, err, "")
				checkOutcome(t, before, r, now, want)

				// The same call again is refused and changes nothing.
				after := cloneRequest(t, r)
				err = c.do(r, now)
				if got := wijkhelpt.ErrorCodeOf(err); got != wijkhelpt.ErrConflict {
					t.Fatalf("second %s: got %v, want a conflict", c.name, err)
				}
				if diff := cmp.Diff(after, r); diff != "" {
					t.Errorf("second %s changed the request (-before +after):\n%s", c.name, diff)
				}
			})
		}
	}
}

func checkRefused(tb testing.TB, r, before *wijkhelpt.Request, err error) {
	tb.Helper()
	code := wijkhelpt.ErrorCodeOf(err)
	if code != wijkhelpt.ErrConflict && code != wijkhelpt.ErrNotFound {
		tb.Fatalf("got %v, want a conflict or not-found", err)
	}
	if _, ok := err.(*wijkhelpt.Error); !ok {
		tb.Errorf("error is %T, want *wijkhelpt.Error", err)
	}
	if code == wijkhelpt.ErrNotFound && len(before.Matches) > 0 {
		tb.Errorf("not-found (%v) while the request has matches", err)
	}
	if diff := cmp.Diff(before, r); diff != "" {
		tb.Errorf("a refused transition changed the request (-before +after):\n%s", diff)
	}
}

func checkOutcome(tb testing.TB, before, r *wijkhelpt.Request, now time.Time, want outcome) {
	tb.Helper()
	if r.Status != want.status {
		tb.Errorf("status = %s, want %s", r.Status, want.status)
	}
	if diff := cmp.Diff(want.matches, matchStatuses(r)); diff != "" {
		tb.Errorf("match states (-want +got):\n%s", diff)
	}
	if len(r.Outbox) < len(before.Outbox) {
		tb.Fatalf("outbox shrank from %d to %d", len(before.Outbox), len(r.Outbox))
	}
	wantMsgs := want.messages
	if wantMsgs == nil {
		wantMsgs = []msg{}
	}
	if diff := cmp.Diff(wantMsgs, summarizeMessages(r, r.Outbox[len(before.Outbox):])); diff != "" {
		tb.Errorf("queued messages (-want +got):\n%s", diff)
	}
	for _, m := range r.Outbox[len(before.Outbox):] {
		if !m.CreatedAt.Equal(now) || m.Relayed || m.Cancelled || m.Lang != "nl" {
			tb.Errorf("message %s: created %s relayed %v cancelled %v lang %q", m.Key, m.CreatedAt, m.Relayed, m.Cancelled, m.Lang)
		}
	}
	var cancelled []string
	for i, m := range before.Outbox {
		if diff := cmp.Diff(m, r.Outbox[i], cmp.FilterPath(func(p cmp.Path) bool {
			return p.Last().String() == ".Cancelled"
		}, cmp.Ignore())); diff != "" {
			tb.Errorf("message %s changed beyond Cancelled:\n%s", m.Key, diff)
		}
		if !m.Cancelled && r.Outbox[i].Cancelled {
			cancelled = append(cancelled, strings.TrimPrefix(m.Key, r.ID))
		}
	}
	sort.Strings(cancelled)
	wantCancelled := append([]string{}, want.cancelled...)
	sort.Strings(wantCancelled)
	if diff := cmp.Diff(wantCancelled, cancelled, cmpEmpty); diff != "" {
		tb.Errorf("messages cancelled (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(before.History, r.History[:min(len(before.History), len(r.History))]); diff != "" {
		tb.Errorf("history was rewritten:\n%s", diff)
	}
	got, err := summarizeHistory(r, r.History[len(before.History):], now)
	if err != nil {
		tb.Error(err)
	}
	if diff := cmp.Diff(want.history, got); diff != "" {
		tb.Errorf("recorded transitions (-want +got):\n%s", diff)
	}
	if !r.UpdatedAt.Equal(now) {
		tb.Errorf("UpdatedAt = %s, want %s", r.UpdatedAt, now)
	}
	if diff := cmp.Diff(want.excluded, r.Excluded, cmpEmpty); diff != "" {
		tb.Errorf("excluded (-want +got):\n%s", diff)
	}
	if r.NeedsAttention != want.attention {
		tb.Errorf("NeedsAttention = %q, want %q", r.NeedsAttention, want.attention)
	}
	checkDerived(tb, r)
	if want.extraChecks != nil {
		want.extraChecks(tb, r, now)
	}
}

var cmpEmpty = cmpopts.EquateEmpty()
