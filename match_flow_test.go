package wijkhelpt_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"wijkhelpt"
)

func TestProposeToThreeFirstAcceptWins(t *testing.T) {
	r := requestIn(t, stOpen)
	if err := r.Propose(proposals(offerAnna(), offerBram(), offerChris()), mediator, tPropose(t), 0); err != nil {
		t.Fatal(err)
	}
	want := []struct{ id, offer, name, phone string }{
		{r.ID + "-1", "offer-a", "Anna", phoneAnna},
		{r.ID + "-2", "offer-b", "Bram", phoneBram},
		{r.ID + "-3", "offer-c", "Chris", phoneChris},
	}
	codes := map[string]bool{}
	for i, w := range want {
		m := r.Matches[i]
		got := [4]string{m.ID, m.OfferID, m.FirstName, m.Phone}
		if got != [4]string{w.id, w.offer, w.name, w.phone} {
			t.Errorf("match %d = %v, want %v", i, got, w)
		}
		if !regexp.MustCompile(`^[1-9]\d{3}$`).MatchString(m.Code) {
			t.Errorf("code %q is not four digits", m.Code)
		}
		codes[m.Code] = true
		if !m.ExpiresAt.Equal(tPropose(t).Add(wijkhelpt.DefaultAnswerTimeout)) || m.ProposedBy != mediator {
			t.Errorf("match %d expires %s, proposed by %s", i, m.ExpiresAt, m.ProposedBy)
		}
		if id, ok := wijkhelpt.RequestIDOfMatch(m.ID); !ok || id != r.ID {
			t.Errorf("RequestIDOfMatch(%q) = %q, %v", m.ID, id, ok)
		}
	}
	p := r.Outbox[1].Params
	wantParams := map[string]string{"name": "Anna", "category": "Boodschappen", "day": "dinsdag 24 november ochtend",
		"distance": "1,2", "area": "3961 Wijk bij Duurstede", "code": r.Matches[0].Code}
	if diff := cmp.Diff(wantParams, p); diff != "" {
		t.Errorf("proposal params (-want +got):\n%s", diff)
	}
	for _, m := range r.Outbox {
		for _, v := range m.Params {
			if strings.Contains(v, "Markt") || strings.Contains(v, residentPhone) {
				t.Errorf("message %s tells the volunteer %q before they accept", m.Key, v)
			}
		}
	}
	relayDue(r, tPropose(t))

	// Bram answers first.
	if err := r.Accept(r.ID+"-2", bramSMS, tAnswer(t)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]wijkhelpt.MatchStatus{wijkhelpt.MatchCancelled, wijkhelpt.MatchAccepted, wijkhelpt.MatchCancelled}, matchStatuses(r)); diff != "" {
		t.Errorf("match states (-want +got):\n%s", diff)
	}
	var arranged []string
	for _, m := range r.Outbox {
		if m.Template == wijkhelpt.TmplAlreadyArranged {
			arranged = append(arranged, m.OfferID)
		}
		if m.Key == r.ID+"-2:details" {
			want := map[string]string{"name": "Bram", "resident": "Mevrouw Jansen", "residentPhone": residentPhone,
				"address": "Markt 12, 3961 AB Wijk bij Duurstede", "day": "dinsdag 24 november ochtend", "ref": r.Ref}
			if diff := cmp.Diff(want, m.Params); diff != "" {
				t.Errorf("details params (-want +got):\n%s", diff)
			}
		}
		if m.Key == r.ID+"-2:matched" {
			want := map[string]string{"name": "Mevrouw Jansen", "volunteer": "Bram", "day": "dinsdag 24 november ochtend", "ref": r.Ref}
			if diff := cmp.Diff(want, m.Params); diff != "" {
				t.Errorf("matched params (-want +got):\n%s", diff)
			}
		}
	}
	if diff := cmp.Diff([]string{"offer-a", "offer-c"}, arranged); diff != "" {
		t.Errorf("already_arranged sent to (-want +got):\n%s", diff)
	}
	if r.MatchedAt == nil || !r.MatchedAt.Equal(tAnswer(t)) {
		t.Errorf("MatchedAt = %v, want %s", r.MatchedAt, tAnswer(t))
	}

	// Anna answers JA a minute later: friendly, and nothing changes.
	before := cloneRequest(t, r)
	err := r.Accept(r.ID+"-1", annaSMS, tAnswer(t).Add(time.Minute))
	checkCode(t, err, wijkhelpt.ErrConflict)
	e := wijkhelpt.AsError(err)
	if !strings.Contains(e.Message.NL, "al geregeld") || !strings.Contains(e.Message.EN, "already been arranged") {
		t.Errorf("message = %+v, want the friendly 'al geregeld'", e.Message)
	}
	if diff := cmp.Diff(before, r); diff != "" {
		t.Errorf("a late JA changed the request (-before +after):\n%s", diff)
	}
	// Chris says NEE late: refused the same way.
	checkCode(t, r.Decline(r.ID+"-3", wijkhelpt.SMSActor("offer-c"), tAnswer(t), false), wijkhelpt.ErrConflict)
	if diff := cmp.Diff(before, r); diff != "" {
		t.Errorf("a late NEE changed the request (-before +after):\n%s", diff)
	}
}

func TestProposeRefusesBadProposals(t *testing.T) {
	inactive := offerBram()
	inactive.Active = false
	suspended := offerBram()
	suspended.Suspended = true
	tests := []struct {
		name  string
		props []wijkhelpt.Proposal
		block string
		want  wijkhelpt.ErrorCode
	}{
		{"none", nil, "", wijkhelpt.ErrInvalid},
		{"four", proposals(offerAnna(), offerBram(), offerChris(), testOffer("offer-d", "Dirk", "+31622220004", true)), "", wijkhelpt.ErrInvalid},
		{"nil offer", []wijkhelpt.Proposal{{Offer: offerAnna()}, {Offer: nil}}, "", wijkhelpt.ErrInvalid},
		{"twice the same", proposals(offerAnna(), offerAnna()), "", wijkhelpt.ErrInvalid},
		{"excluded", proposals(offerBram(), offerAnna()), "offer-a", wijkhelpt.ErrConflict},
		{"paused", proposals(offerAnna(), inactive), "", wijkhelpt.ErrConflict},
		{"suspended", proposals(suspended), "", wijkhelpt.ErrConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := requestIn(t, stOpen)
			if tt.block != "" {
				if err := r.Block(tt.block, mediator, tIntake(t)); err != nil {
					t.Fatal(err)
				}
			}
			before := cloneRequest(t, r)
			checkCode(t, r.Propose(tt.props, mediator, tPropose(t), 0), tt.want)
			if diff := cmp.Diff(before, r); diff != "" {
				t.Errorf("a refused proposal changed the request (-before +after):\n%s", diff)
			}
		})
	}
}

func TestLandlineVolunteerIsCalledBack(t *testing.T) {
	r := requestIn(t, stOpen)
	if err := r.Propose(proposals(offerChris()), mediator, tPropose(t), 0); err != nil {
		t.Fatal(err)
	}
	if err := r.Accept(r.ID+"-1", mediator, tAnswer(t)); err != nil {
		t.Fatal(err)
	}
	for _, m := range r.Outbox {
		if m.OfferID == "offer-c" && m.Channel != wijkhelpt.ChannelCallback {
			t.Errorf("message %s to a landline goes by %s, want %s", m.Template, m.Channel, wijkhelpt.ChannelCallback)
		}
	}
}

func TestDeclineOnlyProposalReturnsToOpen(t *testing.T) {
	r := requestIn(t, stOpen)
	if err := r.Propose(proposals(offerAnna()), mediator, tPropose(t), 0); err != nil {
		t.Fatal(err)
	}
	// Anna says NEE before the proposal was even handed to the dispatcher
	// (she answered in the portal): the SMS is no longer wanted.
	if err := r.Decline(r.ID+"-1", annaSMS, tAnswer(t), false); err != nil {
		t.Fatal(err)
	}
	got := struct {
		Status    wijkhelpt.RequestStatus
		Attention string
		Excluded  []string
		Cancelled bool
		Pending   int
		Deadline  *time.Time
	}{r.Status, r.NeedsAttention, r.Excluded, r.Outbox[1].Cancelled, r.PendingMessages, r.ProposalDeadline}
	want := got
	want.Status, want.Attention, want.Excluded, want.Cancelled, want.Pending, want.Deadline =
		wijkhelpt.RequestOpen, "declined", []string{"offer-a"}, true, 0, nil
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after the only NEE (-want +got):\n%s", diff)
	}
	if r.Outbox[1].Key != r.ID+"-1:proposal" {
		t.Fatalf("outbox[1] is %s, want the proposal", r.Outbox[1].Key)
	}
	if !r.IsExcluded("offer-a") || r.IsExcluded("offer-b") {
		t.Error("IsExcluded disagrees with Excluded")
	}
	// Anna cannot be asked again for this request; Bram can.
	checkCode(t, r.Propose(proposals(offerAnna()), mediator, tAnswer(t), 0), wijkhelpt.ErrConflict)
	checkCode(t, r.Propose(proposals(offerBram()), mediator, tAnswer(t), 0), "")
	if r.NeedsAttention != "" {
		t.Errorf("NeedsAttention = %q after a new proposal, want it cleared", r.NeedsAttention)
	}
}

func TestTimeOut(t *testing.T) {
	r := requestIn(t, stProposedOne)
	expires := r.Matches[0].ExpiresAt
	before := cloneRequest(t, r)
	for _, now := range []time.Time{tPropose(t), expires.Add(-time.Second)} {
		checkCode(t, r.Decline(r.ID+"-1", wijkhelpt.ActorSystem, now, true), wijkhelpt.ErrConflict)
		if diff := cmp.Diff(before, r); diff != "" {
			t.Fatalf("an early time-out changed the request (-before +after):\n%s", diff)
		}
	}
	checkCode(t, r.Decline(r.ID+"-1", wijkhelpt.ActorSystem, expires, true), "")
	if r.Matches[0].Status != wijkhelpt.MatchTimedOut || r.Status != wijkhelpt.RequestOpen || r.NeedsAttention != "timed_out" {
		t.Errorf("after the time-out: match %s, request %s, attention %q", r.Matches[0].Status, r.Status, r.NeedsAttention)
	}
	// A JA that arrives after the time-out is refused.
	checkCode(t, r.Accept(r.ID+"-1", annaSMS, expires.Add(time.Minute)), wijkhelpt.ErrConflict)
}

func TestAcceptSchedulesReminderAndFollowUp(t *testing.T) {
	tests := []struct {
		name         string
		date, part   string
		slots        []string
		accept       time.Time
		wantReminder *time.Time
		wantFollowUp *time.Time
	}{
		{"days ahead", "2026-11-24", "ochtend", nil, at(t, 2026, 11, 20, 12, 0),
			ptr(at(t, 2026, 11, 23, 18, 0)), ptr(at(t, 2026, 11, 25, 10, 0))},
		{"the day before, 17:59", "2026-11-24", "", nil, at(t, 2026, 11, 23, 17, 59),
			ptr(at(t, 2026, 11, 23, 18, 0)), ptr(at(t, 2026, 11, 25, 10, 0))},
		{"the day before, 18:00", "2026-11-24", "", nil, at(t, 2026, 11, 23, 18, 0),
			nil, ptr(at(t, 2026, 11, 25, 10, 0))},
		{"the day itself", "2026-11-24", "avond", nil, at(t, 2026, 11, 24, 8, 0),
			nil, ptr(at(t, 2026, 11, 25, 10, 0))},
		{"across the end of the month", "2026-12-01", "", nil, at(t, 2026, 11, 20, 12, 0),
			ptr(at(t, 2026, 11, 30, 18, 0)), ptr(at(t, 2026, 12, 2, 10, 0))},
		{"summer time starts the day before", "2026-03-30", "", nil, at(t, 2026, 3, 20, 12, 0),
			ptr(time.Date(2026, 3, 29, 16, 0, 0, 0, time.UTC)), ptr(time.Date(2026, 3, 31, 8, 0, 0, 0, time.UTC))},
		{"flexible: follow-up after a week", "", "", nil, at(t, 2026, 11, 20, 12, 0),
			nil, ptr(at(t, 2026, 11, 27, 12, 0))},
		{"weekly: none", "", "", []string{"di-ochtend"}, at(t, 2026, 11, 20, 12, 0), nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validInput()
			in.Date, in.DayPart, in.Slots = tt.date, tt.part, tt.slots
			intake := tt.accept.Add(-2 * time.Hour)
			r := newRequest(t, in, intake)
			if err := r.Propose(proposals(offerAnna()), mediator, intake.Add(time.Hour), 0); err != nil {
				t.Fatal(err)
			}
			if err := r.Accept(r.ID+"-1", annaSMS, tt.accept); err != nil {
				t.Fatal(err)
			}
			var reminder, followUp *time.Time
			for _, m := range r.Outbox {
				switch m.Template {
				case wijkhelpt.TmplVolunteerReminder:
					reminder = ptr(m.DueAt)
					if m.To != phoneAnna || m.Params["address"] == "" {
						t.Errorf("reminder to %s with params %v", m.To, m.Params)
					}
				case wijkhelpt.TmplResidentFollowUp:
					followUp = ptr(m.DueAt)
					if m.To != residentPhone {
						t.Errorf("follow-up to %s, want the resident", m.To)
					}
				}
			}
			if diff := cmp.Diff(tt.wantReminder, reminder); diff != "" {
				t.Errorf("reminder due (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantFollowUp, followUp); diff != "" {
				t.Errorf("follow-up due (-want +got):\n%s", diff)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestCompleteCancelsFollowUp(t *testing.T) {
	r := requestIn(t, stMatched)
	followKey := r.ID + "-1:followup"
	if !r.MessageStillWanted(followKey) {
		t.Fatal("follow-up not wanted before completion")
	}
	checkCode(t, r.Complete(r.ID+"-1", annaSMS, -1, tDone(t)), wijkhelpt.ErrInvalid)
	checkCode(t, r.Complete(r.ID+"-1", annaSMS, 24*7+1, tDone(t)), wijkhelpt.ErrInvalid)
	if err := r.Complete(r.ID+"-1", annaSMS, 1.5, tDone(t)); err != nil {
		t.Fatal(err)
	}
	if r.MessageStillWanted(followKey) {
		t.Error("follow-up still wanted after completion")
	}
	m, err := r.Match(r.ID + "-1")
	if err != nil {
		t.Fatal(err)
	}
	if m.Hours != 1.5 || m.EndedAt == nil || !m.EndedAt.Equal(tDone(t)) {
		t.Errorf("hours %v ended %v", m.Hours, m.EndedAt)
	}
}

func TestCompleteRefusesNaNHours(t *testing.T) {
	r := requestIn(t, stMatched)
	before := cloneRequest(t, r)
	nan := 0.0
	nan /= nan
	checkCode(t, r.Complete(r.ID+"-1", annaSMS, nan, tDone(t)), wijkhelpt.ErrInvalid)
	if diff := cmp.Diff(before, r, cmpNaN); diff != "" {
		t.Errorf("refused completion changed the request:\n%s", diff)
	}
}

var cmpNaN = cmp.Comparer(func(a, b float64) bool { return a == b || (a != a && b != b) })

func TestMessageStillWanted(t *testing.T) {
	key := func(r *wijkhelpt.Request, suffix string) string { return r.ID + suffix }
	tests := []struct {
		name  string
		state string
		then  func(t *testing.T, r *wijkhelpt.Request)
		key   string
		want  bool
	}{
		{"reminder while matched", stMatched, nil, "-1:reminder", true},
		{"follow-up while matched", stMatched, nil, "-1:followup", true},
		{"details", stMatched, nil, "-1:details", true},
		{"unknown key", stMatched, nil, "-9:reminder", false},
		{"reminder after the request was cancelled", stMatched, func(t *testing.T, r *wijkhelpt.Request) {
			checkCode(t, r.Cancel(wijkhelpt.ActorResident, "", tAnswer(t)), "")
		}, "-1:reminder", false},
		{"relayed reminder after the match was cancelled", stMatched, func(t *testing.T, r *wijkhelpt.Request) {
			r.MarkRelayed(r.ID + "-1:reminder")
			checkCode(t, r.CancelMatch(r.ID+"-1", mediator, "", tAnswer(t)), "")
		}, "-1:reminder", false},
		{"relayed follow-up after the match was cancelled", stMatched, func(t *testing.T, r *wijkhelpt.Request) {
			r.MarkRelayed(r.ID + "-1:followup")
			checkCode(t, r.CancelMatch(r.ID+"-1", mediator, "", tAnswer(t)), "")
		}, "-1:followup", false},
		// Completing cancels the follow-up; one already handed to the
		// dispatcher must stay silent just the same.
		{"relayed follow-up after completion", stMatched, func(t *testing.T, r *wijkhelpt.Request) {
			r.MarkRelayed(r.ID + "-1:followup")
			checkCode(t, r.Complete(r.ID+"-1", annaSMS, 1, tDone(t)), "")
		}, "-1:followup", false},
		{"relayed follow-up already answered", stMatched, func(t *testing.T, r *wijkhelpt.Request) {
			r.MarkRelayed(r.ID + "-1:followup")
			checkCode(t, r.RecordFollowUp(true, wijkhelpt.ActorResident, tAfter(t)), "")
		}, "-1:followup", false},
		{"relayed reminder after completion", stMatched, func(t *testing.T, r *wijkhelpt.Request) {
			r.MarkRelayed(r.ID + "-1:reminder")
			checkCode(t, r.Complete(r.ID+"-1", annaSMS, 1, tAnswer(t)), "")
		}, "-1:reminder", false},
		{"withdrawn message after cancel", stMatched, func(t *testing.T, r *wijkhelpt.Request) {
			checkCode(t, r.Cancel(wijkhelpt.ActorResident, "", tAnswer(t)), "")
		}, "-1:withdrawn", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := requestIn(t, tt.state)
			if tt.then != nil {
				tt.then(t, r)
			}
			if got := r.MessageStillWanted(key(r, tt.key)); got != tt.want {
				t.Errorf("MessageStillWanted(%s) = %v, want %v", tt.key, got, tt.want)
			}
		})
	}
}

func TestRefresh(t *testing.T) {
	t0 := tPropose(t)
	r := &wijkhelpt.Request{
		Matches: []wijkhelpt.Match{
			{ID: "r-1", Status: wijkhelpt.MatchProposed, ExpiresAt: t0.Add(3 * time.Hour)},
			{ID: "r-2", Status: wijkhelpt.MatchDeclined, ExpiresAt: t0.Add(time.Hour)},
			{ID: "r-3", Status: wijkhelpt.MatchProposed, ExpiresAt: t0.Add(2 * time.Hour)},
			{ID: "r-4", Status: wijkhelpt.MatchAccepted, ExpiresAt: t0},
		},
		Outbox: []wijkhelpt.Message{
			{Key: "a"}, {Key: "b", Relayed: true}, {Key: "c", Cancelled: true}, {Key: "d"},
		},
		ProposalDeadline: ptr(t0),
		PendingMessages:  99,
	}
	r.Refresh()
	if r.ProposalDeadline == nil || !r.ProposalDeadline.Equal(t0.Add(2*time.Hour)) {
		t.Errorf("ProposalDeadline = %v, want %s", r.ProposalDeadline, t0.Add(2*time.Hour))
	}
	if got, want := r.PendingMessages, 2; got != want {
		t.Errorf("PendingMessages = %d, want %d", got, want)
	}
	if r.SchemaVersion != wijkhelpt.SchemaVersion {
		t.Errorf("SchemaVersion = %d", r.SchemaVersion)
	}
	r.MarkRelayed("a", "d", "nonexistent")
	if r.PendingMessages != 0 {
		t.Errorf("PendingMessages after MarkRelayed = %d, want 0", r.PendingMessages)
	}
	r.Matches[0].Status, r.Matches[2].Status = wijkhelpt.MatchTimedOut, wijkhelpt.MatchCancelled
	r.Refresh()
	if r.ProposalDeadline != nil {
		t.Errorf("ProposalDeadline = %v with nothing proposed, want nil", r.ProposalDeadline)
	}
}

func TestRequestIDOfMatch(t *testing.T) {
	tests := []struct {
		in     string
		want   string
		wantOK bool
	}{
		{"6650a1b2c3d4e5f601234567-1", "6650a1b2c3d4e5f601234567", true},
		{"abc-12", "abc", true},
		{"a-b-3", "a-b", true},
		{"abc", "", false},
		{"abc-", "", false},
		{"-1", "", false},
		{"abc-x", "", false},
		{"abc-1x", "", false},
		{"abc-+1", "", false},
		{"abc--1", "abc-", true}, // request IDs are hex; the parser need not know
		{"abc-0", "", false},
		{"abc-01", "", false},
		{"abc- 1", "", false},
		{"abc-99999999999999999999999", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := wijkhelpt.RequestIDOfMatch(tt.in)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("RequestIDOfMatch(%q) = %q, %v, want %q, %v", tt.in, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestCancelMatchThenProposeAgain(t *testing.T) {
	r := requestIn(t, stMatched)
	checkCode(t, r.CancelMatch(r.ID+"-1", annaSMS, "ziek", tAnswer(t)), "")
	// Cancelling does not exclude: the mediator may ask Anna again later.
	checkCode(t, r.Propose(proposals(offerAnna()), mediator, tAnswer(t), 0), "")
	if got, want := r.Matches[3].ID, r.ID+"-4"; got != want {
		t.Errorf("new match ID = %s, want %s", got, want)
	}
	if got := r.OpenTasks("offer-a"); got != 1 {
		t.Errorf("OpenTasks = %d, want 1", got)
	}
	checkDerived(t, r)
}

func TestExpireRefusedBeforeTheDate(t *testing.T) {
	tests := []struct {
		name string
		date string
		now  time.Time
		want wijkhelpt.ErrorCode
	}{
		{"the day itself", "2026-11-24", at(t, 2026, 11, 24, 23, 59), wijkhelpt.ErrConflict},
		{"the day after", "2026-11-24", at(t, 2026, 11, 25, 0, 0), ""},
		{"flexible never expires", "", at(t, 2027, 11, 25, 0, 0), wijkhelpt.ErrConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validInput()
			in.Date = tt.date
			r := newRequest(t, in, tIntake(t))
			before := cloneRequest(t, r)
			err := r.Expire(tt.now)
			checkCode(t, err, tt.want)
			if err != nil {
				if diff := cmp.Diff(before, r); diff != "" {
					t.Errorf("refused expiry changed the request:\n%s", diff)
				}
			}
		})
	}
}

func TestRecurringRequestKeepsItsMatch(t *testing.T) {
	in := validInput()
	in.Date, in.DayPart, in.Slots = "", "", []string{"di-ochtend"}
	r := newRequest(t, in, tIntake(t))
	checkCode(t, r.Propose(proposals(offerAnna()), mediator, tPropose(t), 0), "")
	checkCode(t, r.Accept(r.ID+"-1", annaSMS, tAnswer(t)), "")
	checkCode(t, r.RecordFollowUp(true, wijkhelpt.ActorResident, tAfter(t)), "")
	if r.Status != wijkhelpt.RequestMatched || r.Matches[0].Status != wijkhelpt.MatchAccepted {
		t.Errorf("weekly help after a good follow-up: request %s, match %s; want matched, accepted", r.Status, r.Matches[0].Status)
	}
	checkCode(t, r.Complete(r.ID+"-1", mediator, 10, tAfter(t)), "")
	if r.Status != wijkhelpt.RequestDone {
		t.Errorf("status after ending = %s, want done", r.Status)
	}
}

func TestBlockNeedsAnOffer(t *testing.T) {
	r := requestIn(t, stOpen)
	before := cloneRequest(t, r)
	checkCode(t, r.Block(" ", mediator, tAnswer(t)), wijkhelpt.ErrInvalid)
	if diff := cmp.Diff(before, r); diff != "" {
		t.Errorf("refused block changed the request:\n%s", diff)
	}
}

func TestFormatKm(t *testing.T) {
	for in, want := range map[float64]string{0: "0,0", 1.24: "1,2", 1.25: "1,2", 1.26: "1,3", 12: "12,0"} {
		if got := wijkhelpt.FormatKm(in); got != want {
			t.Errorf("FormatKm(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestReferNeedsAnOrganisation(t *testing.T) {
	r := requestIn(t, stOpen)
	before := cloneRequest(t, r)
	checkCode(t, r.Refer("  ", "schulden", mediator, tAnswer(t)), wijkhelpt.ErrInvalid)
	if diff := cmp.Diff(before, r); diff != "" {
		t.Errorf("refused referral changed the request:\n%s", diff)
	}
}

func TestProposalDayText(t *testing.T) {
	tests := []struct {
		name       string
		date, part string
		slots      []string
		want       string
	}{
		{"date and part", "2026-11-24", "middag", nil, "dinsdag 24 november middag"},
		{"date only", "2026-11-24", "", nil, "dinsdag 24 november"},
		{"weekly", "", "", []string{"za-middag", "di-ochtend"}, "di-ochtend, za-middag"},
		{"weekly, many", "", "", []string{"ma-ochtend", "di-ochtend", "wo-ochtend", "do-ochtend"}, "ma-ochtend, di-ochtend, wo-ochtend, …"},
		{"flexible", "", "", nil, "in overleg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validInput()
			in.Date, in.DayPart, in.Slots = tt.date, tt.part, tt.slots
			r := newRequest(t, in, tIntake(t))
			checkCode(t, r.Propose(proposals(offerAnna()), mediator, tPropose(t), 0), "")
			if got := r.Outbox[len(r.Outbox)-1].Params["day"]; got != tt.want {
				t.Errorf("day = %q, want %q", got, tt.want)
			}
		})
	}
}
