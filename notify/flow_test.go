package notify_test

import (
	"strings"
	"testing"
	"time"

	"wijkhelpt"
	"wijkhelpt/notify"
	"wijkhelpt/notify/twiliotest"
)

const (
	piet    = "+31611111111" // volunteer
	karin   = "+31622222222" // volunteer
	ahmed   = "+31633333333" // volunteer
	anna    = "+31644444444" // resident with a mobile
	landine = "+31343123456" // resident with a landline only
)

func TestFlowConfirmJAReminderFollowUp(t *testing.T) {
	e := newEnv(t, false)
	o := e.offer("Piet Pieters", piet, true)
	r := e.request("Anna de Vries", anna, true, "2026-11-24", false)
	r = e.propose(r, o)
	e.settle()
	code := r.Matches[0].Code
	e.wantTexts(piet, []string{"Piet", "Boodschappen", "dinsdag 24 november", "1,2 km", "3961 Wijk bij Duurstede", "JA " + code, "NEE " + code})
	if strings.Contains(e.texts(piet)[0], "Markt") {
		t.Errorf("the proposal gives away the address: %q", e.texts(piet)[0])
	}

	e.sms(piet, "Ja "+code)
	e.settle()
	got := e.reload(r)
	if got.Status != wijkhelpt.RequestMatched || got.Matches[0].Status != wijkhelpt.MatchAccepted {
		t.Fatalf("after JA: request %s, match %s", got.Status, got.Matches[0].Status)
	}
	if got.Matches[0].ID != r.Matches[0].ID || !strings.HasPrefix(string(got.History[len(got.History)-1].Actor), "sms:") {
		t.Errorf("the JA should be recorded as the volunteer's SMS: %+v", got.History[len(got.History)-1])
	}
	e.wantTexts(piet, []string{code}, []string{"Anna", "Markt", anna, "dinsdag 24 november", r.Ref})
	e.wantTexts(anna, []string{"Piet", "dinsdag 24 november", r.Ref})

	// The day before, at six: the reminder. Not a minute earlier.
	e.clock.Add(3*24*time.Hour + 7*time.Hour) // Monday 23 November, 17:00
	e.settle()
	if n := len(e.texts(piet)); n != 2 {
		t.Fatalf("before the reminder is due, piet has %d messages; want 2", n)
	}
	e.advance(time.Hour + time.Minute)
	e.wantTexts(piet, []string{code}, []string{"Markt"}, []string{"Morgen", "Anna", "Markt"})

	// The day after: the follow-up, answered 1.
	e.advance(40 * time.Hour)
	e.wantTexts(anna, []string{"Piet"}, []string{"is het gelukt met de hulp?", "1 = gelukt", "2 = niet gelukt", r.Ref})
	e.sms(anna, "1")
	e.settle()
	got = e.reload(r)
	if got.Status != wijkhelpt.RequestDone || got.FollowUp == nil || !got.FollowUp.Success {
		t.Fatalf("after 1: request %s, follow-up %+v; want done, success", got.Status, got.FollowUp)
	}
	e.wantTexts(anna, []string{"Piet"}, []string{"is het gelukt"}, []string{"fijn dat het gelukt is"})
}

func TestFlowFollowUpNotDone(t *testing.T) {
	e := newEnv(t, false)
	o := e.offer("Piet Pieters", piet, true)
	r := e.propose(e.request("Anna de Vries", anna, true, "2026-11-24", false), o)
	e.settle()
	e.sms(piet, "ja")
	e.advance(6 * 24 * time.Hour)
	e.sms(anna, "niet gelukt")
	e.settle()
	got := e.reload(r)
	if got.FollowUp == nil || got.FollowUp.Success || got.NeedsAttention != "followup_failed" {
		t.Fatalf("after 2: follow-up %+v, attention %q", got.FollowUp, got.NeedsAttention)
	}
	texts := e.texts(anna)
	if last := texts[len(texts)-1]; !strings.Contains(last, "medewerker") {
		t.Errorf("answer to 2: %q", last)
	}
	// A second answer to the same question changes nothing.
	e.sms(anna, "1")
	e.settle()
	if again := e.reload(r); again.Revision != got.Revision {
		t.Errorf("a second follow-up answer changed the request")
	}
}

func TestFlowNEE(t *testing.T) {
	e := newEnv(t, false)
	o := e.offer("Piet Pieters", piet, true)
	r := e.propose(e.request("Anna de Vries", anna, true, "", false), o)
	e.settle()
	e.sms(piet, "nee dank je")
	e.settle()
	got := e.reload(r)
	if got.Status != wijkhelpt.RequestOpen || got.Matches[0].Status != wijkhelpt.MatchDeclined ||
		got.NeedsAttention != string(wijkhelpt.MatchDeclined) || !got.IsExcluded(o.ID) {
		t.Fatalf("after NEE: request %s, match %s, attention %q, excluded %v", got.Status, got.Matches[0].Status, got.NeedsAttention, got.Excluded)
	}
	e.wantTexts(piet, []string{"kun jij helpen"}, []string{"dank je voor je antwoord"})
	e.wantTexts(anna)
}

func TestFlowNoAnswerTimesOut(t *testing.T) {
	e := newEnv(t, false)
	o := e.offer("Piet Pieters", piet, true)
	r := e.propose(e.request("Anna de Vries", anna, true, "", false), o)
	e.settle()
	e.advance(23 * time.Hour)
	if got := e.reload(r); got.Matches[0].Status != wijkhelpt.MatchProposed {
		t.Fatalf("after 23 h the proposal is %s; want still proposed", got.Matches[0].Status)
	}
	e.clock.Add(time.Hour)
	e.n.Wake()
	e.waitFor("the time-out", func() bool { return e.reload(r).Matches[0].Status == wijkhelpt.MatchTimedOut })
	got := e.reload(r)
	if got.Status != wijkhelpt.RequestOpen || got.NeedsAttention != string(wijkhelpt.MatchTimedOut) {
		t.Errorf("after the time-out: request %s, attention %q", got.Status, got.NeedsAttention)
	}
	// A late JA is told the question is closed.
	e.sms(piet, "JA")
	e.settle()
	e.wantTexts(piet, []string{"kun jij helpen"}, []string{"geen vraag open"})
}

func TestFlowFirstJAWins(t *testing.T) {
	e := newEnv(t, false)
	p, k, a := e.offer("Piet Pieters", piet, true), e.offer("Karin Klaassen", karin, true), e.offer("Ahmed Amrani", ahmed, true)
	r := e.propose(e.request("Anna de Vries", anna, true, "", false), p, k, a)
	e.settle()
	for _, phone := range []string{piet, karin, ahmed} {
		e.wantTexts(phone, []string{"kun jij helpen"})
	}
	e.sms(karin, "JA")
	e.settle()
	got := e.reload(r)
	wantStatus := map[string]wijkhelpt.MatchStatus{p.ID: wijkhelpt.MatchCancelled, k.ID: wijkhelpt.MatchAccepted, a.ID: wijkhelpt.MatchCancelled}
	for _, m := range got.Matches {
		if m.Status != wantStatus[m.OfferID] {
			t.Errorf("match of %s is %s; want %s", m.FirstName, m.Status, wantStatus[m.OfferID])
		}
	}
	e.wantTexts(karin, []string{"kun jij helpen"}, []string{"Anna", "Markt"})
	e.wantTexts(piet, []string{"kun jij helpen"}, []string{"al geregeld"})
	e.wantTexts(ahmed, []string{"kun jij helpen"}, []string{"al geregeld"})
	e.wantTexts(anna, []string{"Karin"})
	// Piet says JA too late.
	e.sms(piet, "ja "+r.Matches[0].Code)
	e.settle()
	e.wantTexts(piet, []string{"kun jij helpen"}, []string{"al geregeld"}, []string{"al geregeld of ingetrokken"})
	if again := e.reload(r); again.Revision != got.Revision {
		t.Errorf("a late JA changed the request")
	}
}

func TestFlowBareAnswerNeedsOneOpenQuestion(t *testing.T) {
	e := newEnv(t, false)
	o := e.offer("Piet Pieters", piet, true)
	r1 := e.propose(e.request("Anna de Vries", anna, true, "", false), o)
	r2 := e.propose(e.request("Bert Bakker", "+31655555555", true, "", false), o)
	e.settle()
	e.sms(piet, "JA")
	e.settle()
	texts := e.texts(piet)
	which := texts[len(texts)-1]
	for _, code := range []string{r1.Matches[0].Code, r2.Matches[0].Code} {
		if !strings.Contains(which, code) {
			t.Errorf("the question which one %q lacks code %s", which, code)
		}
	}
	if e.reload(r1).Status != wijkhelpt.RequestProposed || e.reload(r2).Status != wijkhelpt.RequestProposed {
		t.Fatal("a bare JA with two open questions changed a request")
	}
	e.sms(piet, "JA 0000")
	e.settle()
	if texts := e.texts(piet); !strings.Contains(texts[len(texts)-1], "code 0000") {
		t.Errorf("unknown code answered with %q", texts[len(texts)-1])
	}
	e.sms(piet, "nee "+r2.Matches[0].Code)
	e.settle()
	if got := e.reload(r2); got.Matches[0].Status != wijkhelpt.MatchDeclined {
		t.Fatalf("NEE with code: %s", got.Matches[0].Status)
	}
	e.sms(piet, "Ja!")
	e.settle()
	if got := e.reload(r1); got.Matches[0].Status != wijkhelpt.MatchAccepted {
		t.Fatalf("a bare JA with one open question: %s", got.Matches[0].Status)
	}
}

func TestFlowLandlineGetsCallBack(t *testing.T) {
	e := newEnv(t, false)
	o := e.offer("Piet Pieters", piet, true)
	r := e.request("mevrouw Jansen", landine, false, "2026-11-24", true)
	r = e.propose(r, o)
	e.settle()
	e.sms(piet, "JA")
	e.settle()
	e.wantTexts(landine) // never an SMS to a landline
	cbs, err := e.n.Callbacks(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	wantText := map[string][]string{
		r.ID + ":received":           {"u spreekt met WijkHelpt", r.Ref},
		r.Matches[0].ID + ":matched": {"Piet", "dinsdag 24 november", r.Ref},
	}
	if len(cbs) != len(wantText) {
		t.Fatalf("%d call-back tasks; want %d: %+v", len(cbs), len(wantText), cbs)
	}
	for _, cb := range cbs {
		parts, ok := wantText[cb.ID]
		if !ok {
			t.Errorf("unexpected call-back %s", cb.ID)
			continue
		}
		if cb.RequestID != r.ID || cb.Ref != r.Ref || cb.Phone != landine || cb.Name != "mevrouw Jansen" {
			t.Errorf("call-back %s: %+v", cb.ID, cb)
		}
		for _, p := range parts {
			if !strings.Contains(cb.Text, p) {
				t.Errorf("call-back %s text lacks %q: %q", cb.ID, p, cb.Text)
			}
		}
		if strings.Contains(cb.Text, "/r/") {
			t.Errorf("call-back %s reads out a link: %q", cb.ID, cb.Text)
		}
	}
	staff := wijkhelpt.UserActor(wijkhelpt.RolePhone, "u2")
	if err := e.n.CallbackDone(t.Context(), r.ID+":received", staff); err != nil {
		t.Fatal(err)
	}
	if err := e.n.CallbackDone(t.Context(), r.ID+":received", staff); wijkhelpt.ErrorCodeOf(err) != wijkhelpt.ErrConflict {
		t.Errorf("second CallbackDone: %v; want conflict", err)
	}
	cbs, err = e.n.Callbacks(t.Context())
	if err != nil || len(cbs) != 1 || cbs[0].ID != r.Matches[0].ID+":matched" {
		t.Errorf("open call-backs after one was done: %+v, %v", cbs, err)
	}
	// The follow-up after the date is a call too.
	e.advance(5 * 24 * time.Hour)
	cbs, err = e.n.Callbacks(t.Context())
	if err != nil || len(cbs) != 2 || !strings.Contains(cbs[1].Text, "Is het gelukt") {
		t.Errorf("call-backs after the date: %+v, %v", cbs, err)
	}
	e.wantTexts(landine)
}

func TestFlowStopStartInfo(t *testing.T) {
	e := newEnv(t, false)
	o := e.offer("Piet Pieters", piet, true)
	e.sms(piet, "STOP")
	e.settle()
	e.wantTexts(piet, []string{"geen sms meer", "START", deskPhone})
	if out, err := e.n.Opted(t.Context(), piet); err != nil || !out {
		t.Fatalf("Opted after STOP = %v, %v", out, err)
	}
	// Nothing reaches an opted-out number: not a proposal, not an answer.
	r := e.propose(e.request("Anna de Vries", anna, true, "", false), o)
	e.settle()
	e.sms(piet, "hallo?")
	e.settle()
	e.wantTexts(piet, []string{"geen sms meer"})
	if d := e.delivery(r.Matches[0].ID + ":proposal"); d.State != wijkhelpt.DeliverySkipped || d.Reason != "opted_out" {
		t.Errorf("proposal to an opted-out number: %s (%s)", d.State, d.Reason)
	}
	// INFO is still answered: it asks for the desk's number.
	e.sms(piet, "info")
	e.settle()
	e.wantTexts(piet, []string{"geen sms meer"}, []string{"Bel " + deskPhone})
	e.sms(piet, "Start")
	e.settle()
	if out, err := e.n.Opted(t.Context(), piet); err != nil || out {
		t.Fatalf("Opted after START = %v, %v", out, err)
	}
	e.wantTexts(piet, []string{"geen sms meer"}, []string{deskPhone}, []string{"weer sms"})
	// Twilio's own stop words count too, and YES opts back in.
	e.sms(piet, "unsubscribe")
	e.sms(piet, "YES")
	e.settle()
	if out, _ := e.n.Opted(t.Context(), piet); out {
		t.Error("YES after UNSUBSCRIBE should opt back in, as Twilio does")
	}
}

func TestFlowUnreadableReplyGetsHelp(t *testing.T) {
	e := newEnv(t, false)
	e.sms(piet, "wie is dit??")
	e.settle()
	e.wantTexts(piet, []string{"begrijpen we niet", "JA 4821", deskPhone})
	e.sms(anna, "help")
	e.settle()
	e.wantTexts(anna, []string{"questions? Call " + deskPhone})
}

func TestInboundReplayChangesNothing(t *testing.T) {
	e := newEnv(t, false)
	o := e.offer("Piet Pieters", piet, true)
	r := e.propose(e.request("Anna de Vries", anna, true, "", false), o)
	e.settle()
	form := e.sms(piet, "NEE")
	e.settle()
	before := e.reload(r)
	sent := len(e.tw.Messages())
	e.post(form) // Twilio delivers the same webhook again
	e.settle()
	if after := e.reload(r); after.Revision != before.Revision {
		t.Errorf("the replayed webhook changed the request (revision %d -> %d)", before.Revision, after.Revision)
	}
	if n := len(e.tw.Messages()); n != sent {
		t.Errorf("the replayed webhook sent %d more messages", n-sent)
	}
	stop := e.sms(ahmed, "STOP")
	e.settle()
	e.sms(ahmed, "START")
	e.settle()
	e.post(stop) // a late retry of the STOP must not opt the number out again
	e.settle()
	if out, _ := e.n.Opted(t.Context(), ahmed); out {
		t.Error("a replayed STOP opted the number out again")
	}
}

func TestWebhookSignatures(t *testing.T) {
	e := newEnv(t, false)
	o := e.offer("Piet Pieters", piet, true)
	r := e.propose(e.request("Anna de Vries", anna, true, "", false), o)
	e.settle()
	url := publicURL + notify.PathSMS
	form := e.tw.Inbound(piet, "JA")
	good := twiliotest.Sign(e.tw.AuthToken, url, form)
	tests := []struct {
		name, url, sig string
	}{
		{"no signature", url, ""},
		{"wrong token", url, twiliotest.Sign("another-token", url, form)},
		{"another URL", url, twiliotest.Sign(e.tw.AuthToken, publicURL+"/elsewhere", form)},
		{"signed for other parameters", url, twiliotest.Sign(e.tw.AuthToken, url, e.tw.Inbound(piet, "NEE"))},
		{"garbage", url, "not base64 at all"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.n.HandleSMS(t.Context(), tt.url, form, tt.sig)
			if wijkhelpt.ErrorCodeOf(err) != wijkhelpt.ErrForbidden {
				t.Errorf("HandleSMS: %v; want forbidden", err)
			}
			err = e.n.HandleStatus(t.Context(), publicURL+notify.PathStatus, e.tw.Status("SMx", "failed", 21610), tt.sig)
			if wijkhelpt.ErrorCodeOf(err) != wijkhelpt.ErrForbidden {
				t.Errorf("HandleStatus: %v; want forbidden", err)
			}
		})
	}
	e.settle()
	if got := e.reload(r); got.Status != wijkhelpt.RequestProposed {
		t.Errorf("a badly signed JA changed the request: %s", got.Status)
	}
	if out, _ := e.n.Opted(t.Context(), piet); out {
		t.Error("a badly signed status callback opted a number out")
	}
	if _, err := e.n.HandleSMS(t.Context(), url, form, good); err != nil {
		t.Fatalf("well signed: %v", err)
	}
	if got := e.reload(r); got.Status != wijkhelpt.RequestMatched {
		t.Errorf("a well signed JA: request %s", got.Status)
	}
}

func TestStatusCallbackUndelivered(t *testing.T) {
	e := newEnv(t, false)
	o := e.offer("Piet Pieters", piet, true)
	r := e.propose(e.request("Anna de Vries", anna, true, "", false), o)
	e.settle()
	d := e.delivery(r.Matches[0].ID + ":proposal")
	status := func(s string, code int) {
		t.Helper()
		url := publicURL + notify.PathStatus
		form := e.tw.Status(d.SID, s, code)
		if err := e.n.HandleStatus(t.Context(), url, form, twiliotest.Sign(e.tw.AuthToken, url, form)); err != nil {
			t.Fatal(err)
		}
	}
	status("sent", 0)
	status("undelivered", 21610)
	got := e.reload(r)
	if got.NeedsAttention != notify.NeedsAttentionSMS {
		t.Errorf("after an undelivered proposal the mediator should look: attention %q", got.NeedsAttention)
	}
	if out, _ := e.n.Opted(t.Context(), piet); !out {
		t.Error("error 21610 should opt the number out")
	}
	if d := e.delivery(d.Key); d.TwilioStatus != "undelivered" {
		t.Errorf("status %q; want undelivered", d.TwilioStatus)
	}
	// The mediator handles it; a replayed callback must not raise it again.
	if _, err := e.db.UpdateRequest(t.Context(), r.ID, func(r *wijkhelpt.Request) error { r.NeedsAttention = ""; return nil }); err != nil {
		t.Fatal(err)
	}
	before := e.reload(r)
	status("undelivered", 21610)
	status("sent", 0)
	if after := e.reload(r); after.Revision != before.Revision {
		t.Error("a replayed status callback changed the request")
	}
}

func TestWithdrawnReminderIsNotSent(t *testing.T) {
	e := newEnv(t, false)
	o := e.offer("Piet Pieters", piet, true)
	r := e.propose(e.request("Anna de Vries", anna, true, "2026-11-24", false), o)
	e.settle()
	e.sms(piet, "JA")
	e.settle()
	// Relayed already (due later); then the volunteer drops out.
	if d := e.delivery(r.Matches[0].ID + ":reminder"); d.State != wijkhelpt.DeliveryPending {
		t.Fatalf("reminder before its time: %s", d.State)
	}
	if _, err := e.db.UpdateRequest(t.Context(), r.ID, func(r *wijkhelpt.Request) error {
		return r.CancelMatch(r.Matches[0].ID, mediator, "ziek", e.clock.Now())
	}); err != nil {
		t.Fatal(err)
	}
	e.advance(5 * 24 * time.Hour)
	e.wantTexts(piet, []string{"kun jij helpen"}, []string{"Markt"}, []string{"gaat niet door"})
	for _, key := range []string{":reminder", ":followup"} {
		if d := e.delivery(r.Matches[0].ID + key); d.State != wijkhelpt.DeliverySkipped || d.Reason != "not_wanted" {
			t.Errorf("%s after the match was withdrawn: %s (%s)", key, d.State, d.Reason)
		}
	}
}

func TestEnglishTexts(t *testing.T) {
	e := newEnv(t, false)
	e.sms(piet, "HELP")
	e.sms(karin, "yes")
	e.settle()
	e.wantTexts(piet, []string{"questions? Call"})
	e.wantTexts(karin, []string{"no open request"})
}
