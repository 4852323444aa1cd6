package notify_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"wijkhelpt"
	"wijkhelpt/notify/twiliotest"
)

// confirmations stores n requests, each confirmed to a volunteer of its
// own (numbers +3161000xxxx), in bulk: the transition runs on the request
// before it is stored, so the proposal is queued in the same write, as in
// UpdateRequest. It returns the expected proposal text per phone number.
func (e *env) confirmations(n int) map[string]string {
	e.tb.Helper()
	ctx := e.tb.Context()
	now := e.clock.Now()
	offers := make([]*wijkhelpt.Offer, n)
	for i := range offers {
		in := wijkhelpt.OfferInput{Kind: wijkhelpt.OfferVolunteer, Name: fmt.Sprintf("Vrijwilliger%d Test", i),
			Categories: []string{"boodschappen"}, MaxDistanceKm: 5, Capacity: 2}
		offers[i] = wijkhelpt.NewOffer(in, location("Dam", "1"), fmt.Sprintf("+316100%05d", i), true, wijkhelpt.ActorImport, now)
	}
	if _, err := e.db.InsertOffers(ctx, offers); err != nil {
		e.tb.Fatalf("InsertOffers: %v", err)
	}
	reqs := make([]*wijkhelpt.Request, n)
	for i := range reqs {
		in := wijkhelpt.RequestInput{Text: "Boodschappen graag", Categories: []string{"boodschappen"},
			Contact: wijkhelpt.Contact{Name: fmt.Sprintf("Bewoner%d", i)}, Consent: wijkhelpt.ConsentVerbal}
		r, _ := wijkhelpt.NewRequest(in, location("Markt", fmt.Sprint(i)), fmt.Sprintf("+316200%05d", i), true,
			wijkhelpt.ChannelPhone, mediator, now, publicURL)
		if err := r.Propose([]wijkhelpt.Proposal{{Offer: offers[i], DistanceKm: 1, Score: 1}}, mediator, now, 24*time.Hour); err != nil {
			e.tb.Fatal(err)
		}
		reqs[i] = r
	}
	if _, err := e.db.InsertRequests(ctx, reqs); err != nil {
		e.tb.Fatalf("InsertRequests: %v", err)
	}
	want := map[string]string{}
	for _, r := range reqs {
		want[r.Matches[0].Phone] = r.Matches[0].Code
	}
	return want
}

// waitForNumbers waits until the double accepted messages for n numbers:
// a cheap look that spares the store while the notifier is busy. settle
// then waits for whatever is left (such as look-ups after unclear sends).
func (e *env) waitForNumbers(n int) {
	e.tb.Helper()
	e.waitFor(fmt.Sprintf("messages to %d numbers", n), func() bool {
		seen := map[string]bool{}
		for _, m := range e.tw.Messages() {
			seen[m.To] = true
		}
		return len(seen) >= n
	}, func() string { return fmt.Sprintf("%d accepted", len(e.tw.Messages())) })
}

// exactlyOnce checks that every number got exactly one message, the
// proposal with its own code, and nobody else got anything.
func (e *env) exactlyOnce(want map[string]string) {
	e.tb.Helper()
	got := map[string][]twiliotest.Message{}
	for _, m := range e.tw.Messages() {
		got[m.To] = append(got[m.To], m)
	}
	lost, twice := 0, 0
	for phone, code := range want {
		ms := got[phone]
		switch {
		case len(ms) == 0:
			lost++
		case len(ms) > 1:
			twice++
			if twice <= 3 {
				e.tb.Errorf("%s got %d messages: %v", phone, len(ms), ms)
			}
		case !strings.Contains(ms[0].Body, "JA "+code):
			e.tb.Errorf("%s got %q; want code %s", phone, ms[0].Body, code)
		}
	}
	if lost > 0 || twice > 0 {
		e.tb.Errorf("%d numbers got nothing, %d got more than one message (of %d)", lost, twice, len(want))
	}
	if len(got) != len(want) {
		e.tb.Errorf("%d numbers got messages; want %d", len(got), len(want))
	}
	// And the store agrees: every proposal sent, under the SID Twilio gave.
	sids := map[string]bool{}
	for _, m := range e.tw.Messages() {
		sids[m.SID] = true
	}
	ds, err := e.db.FindMessages(e.tb.Context(), wijkhelpt.DeliveryFilter{Limit: 1000})
	if err != nil {
		e.tb.Fatal(err)
	}
	for _, d := range ds {
		if d.State != wijkhelpt.DeliverySent || !sids[d.SID] {
			e.tb.Errorf("message %s: state %s, sid %q known to Twilio %v", d.Key, d.State, d.SID, sids[d.SID])
		}
	}
}

// faulty is the misbehaviour of the chaos tests: a third of all calls
// (sends and look-ups) answer 429 or 500, or drop the connection after
// the message was accepted, or answer 500 after accepting it.
func faulty(seed uint64) twiliotest.FaultFunc {
	return twiliotest.Random(seed, 1.0/3, twiliotest.TooManyRequests, twiliotest.ServerError,
		twiliotest.DropAfterAccept, twiliotest.ErrorAfterAccept)
}

func TestThousandConfirmationsUnderFaults(t *testing.T) {
	e := newEnv(t, true)
	e.patience = 3 * time.Minute
	e.tw.SetFaults(faulty(1))
	want := e.confirmations(1000)
	e.waitForNumbers(len(want))
	e.settle()
	e.tw.SetFaults(nil)
	e.exactlyOnce(want)
	faults := e.tw.Faulted()
	t.Logf("%d calls, faults %v", e.tw.Calls(), faults)
	for _, f := range []string{"429", "500", "drop-after-accept", "500-after-accept"} {
		if faults[f] == 0 {
			t.Errorf("no %q fault was injected: the test proves nothing about it", f)
		}
	}
}

func TestTwoInstancesSendEachOnce(t *testing.T) {
	e := newEnv(t, true)
	e.patience = 3 * time.Minute
	second := e.notifier(e.config(e.clock.Now), "b")
	e.run(second)
	e.tw.SetFaults(faulty(2))
	want := e.confirmations(300)
	second.Wake()
	e.waitForNumbers(len(want))
	e.settle()
	e.tw.SetFaults(nil)
	e.exactlyOnce(want)
	// Both took part: the test proves nothing if one did all the work.
	by := map[string]int{}
	for _, m := range e.tw.Messages() {
		for _, inst := range []string{"a", "b"} {
			if strings.Contains(m.UserAgent, "wijkhelpt/"+inst) {
				by[inst]++
			}
		}
	}
	if by["a"] == 0 || by["b"] == 0 || by["a"]+by["b"] != len(want) {
		t.Errorf("messages sent by instance: %v; want both, %d in all", by, len(want))
	}
}

// TestCrashedClaimIsTakenOver plays a worker that claimed a message and
// died: once before sending, once after Twilio accepted the message. After
// the lease, another worker takes over, and the number gets one message
// either way.
func TestCrashedClaimIsTakenOver(t *testing.T) {
	for _, sentBeforeCrash := range []bool{false, true} {
		t.Run(fmt.Sprintf("sent=%v", sentBeforeCrash), func(t *testing.T) {
			e := newEnv(t, false)
			o := e.offer("Piet Pieters", piet, true)
			r := e.request("Anna de Vries", anna, true, "", false)
			e.tw.SetFaults(func(twiliotest.Call) twiliotest.Fault { return twiliotest.Fault{Status: 503, Code: 20503} })
			r = e.propose(r, o)
			key := r.Matches[0].ID + ":proposal"
			e.waitFor("the relay", func() bool {
				d, err := e.db.FindMessage(t.Context(), key)
				return err == nil && d.Attempts > 0
			})
			// Twilio is down; the message waits in "unsure". The crashed
			// worker claims it now.
			e.tw.SetFaults(func(twiliotest.Call) twiliotest.Fault { return twiliotest.Fault{Status: 429, Code: 20429} })
			now := e.clock.Now()
			var claimed *wijkhelpt.Delivery
			e.waitFor("a claim", func() bool {
				d, err := e.db.FindMessage(t.Context(), key)
				if err != nil || d.LeaseUntil.After(now) {
					return false
				}
				claimed, _, err = e.db.ClaimMessage(t.Context(), key, d.Epoch, "crashed", now.Add(time.Hour), now.Add(time.Hour+time.Minute))
				return err == nil
			})
			// Twilio is back; the crashed worker's send (if it got that
			// far) went through before it died.
			e.tw.SetFaults(nil)
			if sentBeforeCrash {
				postDirect(t, e.tw, claimed.To, claimed.Body)
			}
			e.advance(time.Hour + 2*time.Minute) // the lease has run out
			if n := len(e.texts(piet)); n != 1 {
				t.Fatalf("%d messages to the volunteer; want 1", n)
			}
			if d := e.delivery(key); d.State != wijkhelpt.DeliverySent || d.SID != e.tw.To(piet)[0].SID {
				t.Errorf("after the take-over: %s, sid %s", d.State, d.SID)
			}
		})
	}
}

// postDirect sends a message through the double's REST API the way the
// crashed worker did.
func postDirect(tb testing.TB, tw *twiliotest.Server, to, body string) {
	tb.Helper()
	form := url.Values{"To": {to}, "From": {twiliotest.FromNumber}, "Body": {body}}
	req, err := http.NewRequest(http.MethodPost, tw.URL+"/2010-04-01/Accounts/"+tw.AccountSID+"/Messages.json", strings.NewReader(form.Encode()))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(tw.AccountSID, tw.AuthToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		tb.Fatalf("direct send: %s", resp.Status)
	}
}

// TestUnclearSendOfQueuedMessage: Twilio accepted the message but answered
// 500, and the message still waits in Twilio's queue (no date_sent), where
// a DateSent filter does not see it. The look-up must find it anyway.
func TestUnclearSendOfQueuedMessage(t *testing.T) {
	e := newEnv(t, true, twiliotest.WithSendDelay(time.Hour))
	first := true
	e.tw.SetFaults(func(c twiliotest.Call) twiliotest.Fault {
		if c.Method == http.MethodPost && first {
			first = false
			return twiliotest.ErrorAfterAccept
		}
		return twiliotest.Fault{}
	})
	o := e.offer("Piet Pieters", piet, true)
	r := e.propose(e.request("Anna de Vries", anna, true, "", false), o)
	e.settle()
	if n := len(e.texts(piet)); n != 1 {
		t.Fatalf("%d messages; want 1", n)
	}
	d := e.delivery(r.Matches[0].ID + ":proposal")
	if d.State != wijkhelpt.DeliverySent || d.Attempts != 1 || d.SID != e.tw.To(piet)[0].SID {
		t.Errorf("message: %s after %d attempts, sid %s", d.State, d.Attempts, d.SID)
	}
}
